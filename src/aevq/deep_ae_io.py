"""Small helpers shared by the deep-AE chapter's scripts: atomic saves, the digits shown in figures, timing records."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def torch_save_atomic(obj, path: str | Path) -> None:
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def class_picks(y: np.ndarray) -> np.ndarray:
    """Index of the first test image of each digit 0..9 (the images shown in the reconstruction figure)."""
    return np.array([int(np.flatnonzero(y == k)[0]) for k in range(10)])


def throughput(n_samples: int, epoch_seconds: list[float], flops_per_sample: float, matmul_gflops: float) -> dict:
    """Samples/s and achieved GFLOP/s over all epochs, next to the dense-matmul GFLOP/s measured in the same job."""
    total = float(sum(epoch_seconds))
    sps = n_samples * len(epoch_seconds) / total if total > 0 else float("nan")
    gflops = sps * flops_per_sample / 1e9
    return {
        "epoch_seconds": [float(s) for s in epoch_seconds],
        "seconds_per_epoch": total / max(1, len(epoch_seconds)),
        "samples_per_s": sps,
        "flops_per_sample": float(flops_per_sample),
        "achieved_gflops": gflops,
        "matmul_gflops": float(matmul_gflops),
        "fraction_of_matmul": gflops / matmul_gflops if matmul_gflops > 0 else float("nan"),
    }
