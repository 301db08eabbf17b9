"""What every compute script needs: seeds, the torch device and threads, logs, NaN guards, atomic saves."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and (if imported) torch; return a NumPy Generator for explicit use."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- libraries that still draw from the global state
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def torch_device(requested: str = "cpu", threads: int | None = None):
    """Return the torch device named in config, set the CPU thread count, and make CPU runs deterministic.

    ``cuda`` without a visible GPU is an error rather than a silent fall-back: the numbers would differ.
    """
    import torch

    if threads:
        torch.set_num_threads(int(threads))
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                "config device=cuda but torch sees no CUDA GPU: run with --config device=cpu, or install the CUDA"
                " build of torch (envs/cuda/*.yaml)"
            )
        return torch.device("cuda")
    torch.use_deterministic_algorithms(True, warn_only=True)
    return torch.device("cpu")


def start_torch_job(seed: int, device: str = "cpu", *, threads: int | None = None):
    """The start of every torch job, written once: seed Python, NumPy and torch's global generator with ``seed``, set
    the CPU thread count, and pick the device (``torch_device``: CPU runs deterministic, ``cuda`` without a GPU an
    error). Returns (torch device, NumPy Generator seeded with ``seed``).

    torch is loaded first: ``seed_everything`` seeds its global generator only once it is imported, so a script that
    imports torch lazily would otherwise start from torch's default seed."""
    import torch  # noqa: F401 -- loaded before seeding, so that torch's global generator is seeded too

    rng = seed_everything(seed)
    return torch_device(device, threads=threads), rng


def torch_generator(seed: int, device=None):
    """A private torch.Generator, so one model's draws never depend on another's."""
    import torch

    g = torch.Generator(device=device or "cpu")
    g.manual_seed(int(seed))
    return g


class NonFiniteLossError(FloatingPointError):
    """Training produced NaN or inf; the job stops instead of saving a broken model."""


def check_finite(value: float, *, what: str = "loss", step: int | None = None) -> float:
    value = float(value)
    if not math.isfinite(value):
        where = f" at step {step}" if step is not None else ""
        raise NonFiniteLossError(
            f"{what} became {value}{where}: training diverged. Lower the learning rate or check the input scaling"
            " in config/config.yaml; no output was written."
        )
    return value


class DivergenceError(FloatingPointError):
    """Training made its objective explode, or ended worse than it started; the job stops and writes nothing."""


def check_progress(values, *, what: str = "loss", explode: float = 10.0, fix: str = "lower the learning rate") -> None:
    """Fail a training run whose objective (lower is better), recorded from its start, ended above its first value
    or at some point rose more than ``explode`` x |first| above it: a finite loss can still be a diverged run."""
    values = [float(v) for v in values]
    if len(values) < 2:
        return
    first = values[0]
    bound = first + explode * abs(first)
    worst = max(range(len(values)), key=values.__getitem__)
    if values[worst] > bound:
        raise DivergenceError(
            f"{what} exploded: {values[worst]:.6g} at record {worst}, from {first:.6g} at the start (more than"
            f" {explode:g}x its size above it): training diverged; {fix} in the config. No output was written."
        )
    if values[-1] > first:
        raise DivergenceError(
            f"{what} ended worse than it started ({values[-1]:.6g} > {first:.6g}): training diverged or did not"
            f" learn; {fix} in the config. No output was written."
        )


@contextlib.contextmanager
def _atomic(path: str | Path, suffix: str):
    """Yield a temporary path beside ``path``; on success rename it to ``path``, on error delete it. Every output
    file of the library is written through this, so an interrupted job never leaves a half-written one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + suffix)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(obj: Any, path: str | Path) -> None:
    """Write JSON atomically (temporary file, then rename): an interrupted job leaves no half-written output."""
    with _atomic(path, ".part") as tmp:
        tmp.write_text(json.dumps(to_jsonable(obj), indent=2, sort_keys=False) + "\n")


def write_text(text: str, path: str | Path) -> None:
    """Write a text file atomically (the report's HTML)."""
    with _atomic(path, ".part") as tmp:
        tmp.write_text(text)


def save_npz(path: str | Path, /, **arrays) -> None:
    """np.savez_compressed to a temporary name in the same folder, then rename (no half-written file). ``path`` is
    positional-only, so an array may be called "path" too."""
    with _atomic(path, ".part.npz") as tmp:  # numpy appends .npz to a name without it
        np.savez_compressed(tmp, **arrays)


def torch_save(obj, path: str | Path) -> None:
    """torch.save to a temporary name in the same folder, then rename (no half-written checkpoint)."""
    import torch

    with _atomic(path, ".part") as tmp:
        torch.save(obj, tmp)


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def to_jsonable(obj: Any) -> Any:
    """Convert NumPy scalars/arrays (and nested containers) to plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


@contextlib.contextmanager
def snakemake_job(smk):
    """Run a ``script:`` body with stdout/stderr (tqdm, warnings, tracebacks) going to the rule's log file."""
    log_path = Path(smk.log[0]) if len(smk.log) else None
    if log_path is None:
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(log_path, "w", buffering=1) as fh,
        contextlib.redirect_stderr(fh),
        contextlib.redirect_stdout(fh),
    ):
        logging.basicConfig(
            stream=fh,
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            force=True,
        )
        try:
            yield
        except BaseException:
            import traceback

            traceback.print_exc(file=fh)
            raise
