"""Training speed as the deep-AE chapter reports it: samples/s and achieved GFLOP/s against a dense matmul."""

from __future__ import annotations

import time


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


def matmul_gflops(n: int = 1024, seconds: float = 1.0, device=None, precision: str = "fp32") -> float:
    """Dense (n x n) @ (n x n) throughput in GFLOP/s (2 n^3 FLOPs per product), measured now, here, in the dtype of
    ``precision`` (float32, or bfloat16 for a bf16 job: the rate its products could reach)."""
    import torch

    from aevq.precision import matmul_dtype

    dtype = matmul_dtype(precision)
    g = torch.Generator().manual_seed(0)  # the values do not matter; the global generator stays untouched
    a = torch.rand(n, n, generator=g).to(device=device, dtype=dtype)
    b = torch.rand(n, n, generator=g).to(device=device, dtype=dtype)
    out = torch.empty(n, n, device=device, dtype=dtype)
    torch.mm(a, b, out=out)  # warm-up
    reps, t0 = 0, time.perf_counter()
    while True:
        torch.mm(a, b, out=out)
        reps += 1
        if device is not None and torch.device(device).type == "cuda":
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return 2.0 * n**3 * reps / elapsed / 1e9
