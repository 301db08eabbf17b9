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


def test_start_torch_job_seeds_every_generator_sets_threads_and_picks_the_device():
    """In a fresh interpreter that has not loaded torch yet (as a script that imports torch lazily): torch's global
    generator is seeded too, the thread count is set, and the NumPy Generator returned is the seed's."""
    import subprocess
    import sys

    code = (
        "import random, sys, numpy as np\n"
        "from aevq.runtime import start_torch_job\n"
        "assert 'torch' not in sys.modules\n"
        "device, rng = start_torch_job(123, 'cpu', threads=1)\n"
        "import torch\n"
        "drawn = (random.random(), np.random.random(), rng.random(), torch.rand(2).tolist())\n"
        "random.seed(123); np.random.seed(123); torch.manual_seed(123)\n"
        "again = (random.random(), np.random.random(), np.random.default_rng(123).random(), torch.rand(2).tolist())\n"
        "assert drawn == again, (drawn, again)\n"
        "assert str(device) == 'cpu' and torch.get_num_threads() == 1\n"
        "assert torch.are_deterministic_algorithms_enabled()\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_every_torch_script_starts_through_start_torch_job():
    """Seed, device and threads are set in one place (aevq.runtime.start_torch_job), never by hand in a script."""
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[1] / "workflow/scripts"
    by_hand = ("torch_device(", "set_num_threads(", "manual_seed(")
    starts = []
    for path in sorted(scripts.glob("*.py")):
        code = path.read_text()
        assert not any(call in code for call in by_hand), f"{path.name} sets up its job by hand"
        # a NumPy job may seed through seed_everything; a job that trains on the configured device starts in one call
        assert not ("seed_everything(" in code and "device" in code), f"{path.name}: use start_torch_job"
        if "start_torch_job(" in code:
            starts.append(path.name)
    # the scripts that train or evaluate torch models on the configured device
    assert {"deep_ae_train.py", "limits_classifier.py", "limits_train.py", "manifolds_circle.py"} <= set(starts)
