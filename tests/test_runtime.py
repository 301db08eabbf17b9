"""The compute scripts' shared helpers: the one atomic save (npz, JSON, text, torch checkpoints)."""

import numpy as np

from aevq.runtime import save_npz


def test_save_npz_is_atomic_and_takes_any_array_name(tmp_path):
    target = tmp_path / "sub" / "arrays.npz"
    # "path" is a real array name in the Swiss-roll job (the geodesic): it must not collide with the argument
    save_npz(target, path=np.arange(3), x=np.ones((2, 2)))
    loaded = np.load(target)
    assert sorted(loaded.files) == ["path", "x"] and loaded["path"].tolist() == [0, 1, 2]
    assert [p.name for p in target.parent.iterdir()] == ["arrays.npz"]  # no temporary file left behind


def test_every_save_leaves_nothing_half_written_when_it_fails(tmp_path):
    import pytest
    import torch

    from aevq.runtime import torch_save, write_json, write_text

    torch_save({"w": torch.ones(2)}, tmp_path / "m.pt")
    write_json({"a": 1}, tmp_path / "a.json")
    write_text("<html></html>", tmp_path / "r.html")
    assert torch.load(tmp_path / "m.pt")["w"].tolist() == [1.0, 1.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "m.pt", "r.html"]
    with pytest.raises(TypeError):
        write_json({"a": object()}, tmp_path / "bad.json")  # not serialisable: fails while writing
    with pytest.raises(AttributeError, match="pickle"):
        save_npz(tmp_path / "bad.npz", x=np.ones(2), y=lambda: 0)  # a lambda cannot be pickled: fails mid-write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "m.pt", "r.html"]
