"""The compute scripts' shared helpers: the one atomic save."""

import numpy as np

from aevq.runtime import save_npz


def test_save_npz_is_atomic_and_takes_any_array_name(tmp_path):
    target = tmp_path / "sub" / "arrays.npz"
    # "path" is a real array name in the Swiss-roll job (the geodesic): it must not collide with the argument
    save_npz(target, path=np.arange(3), x=np.ones((2, 2)))
    loaded = np.load(target)
    assert sorted(loaded.files) == ["path", "x"] and loaded["path"].tolist() == [0, 1, 2]
    assert [p.name for p in target.parent.iterdir()] == ["arrays.npz"]  # no temporary file left behind
