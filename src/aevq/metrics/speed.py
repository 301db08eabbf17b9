"""Training speed as the deep-AE chapter reports it: samples/s and achieved GFLOP/s against a dense matmul."""

from __future__ import annotations


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
