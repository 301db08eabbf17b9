"""Benchmark: seconds per training epoch of the limits chapter's AE and VAE, by latent size, minibatch and precision.

    python tests/bench/limits_epoch_cost.py [--mnist results/data/mnist.npz] [--images 6000] [--threads 1]

Trains each configuration (the chapter's 784-512-256-d nets, ``GaussianAE``) for one epoch on the first ``--images``
training images and scales the time to an epoch of all 60000, next to a dense matmul of each precision measured in the
same process. Without ``--mnist`` (or if the file is missing) it uses uniform random pixels: the cost does not depend
on the values.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from aevq.metrics.speed import matmul_gflops  # noqa: E402
from aevq.models.vae import GaussianAE  # noqa: E402

FULL_EPOCH_IMAGES = 60000


def training_images(path: str, n: int) -> np.ndarray:
    if Path(path).is_file():
        with np.load(path) as data:
            return (data["x_train"][:n].reshape(n, -1) / 255.0).astype(np.float32)
    return np.random.default_rng(0).random((n, 784), dtype=np.float32)


def epoch_seconds(x: np.ndarray, *, kind: str, latent_dim: int, batch_size: int, precision: str) -> float:
    model = GaussianAE(latent_dim, kind=kind, hidden=(512, 256), seed=0)
    model.fit(x[: 2 * batch_size], epochs=1, batch_size=batch_size, lr=1e-3, precision=precision)  # warm-up
    t0 = time.perf_counter()
    model.fit(x, epochs=1, batch_size=batch_size, lr=1e-3, precision=precision)
    return (time.perf_counter() - t0) * FULL_EPOCH_IMAGES / x.shape[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default="results/data/mnist.npz")
    ap.add_argument("--images", type=int, default=6000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--latent-dims", type=int, nargs="+", default=[2, 20])
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[100, 250])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = training_images(args.mnist, args.images)
    rows = []
    for kind in ("ae", "vae"):
        for d in args.latent_dims:
            for batch in args.batch_sizes:
                row = {"kind": kind, "d": d, "batch_size": batch}
                for precision in ("fp32", "bf16"):
                    row[f"{precision}_s_per_epoch"] = round(
                        epoch_seconds(x, kind=kind, latent_dim=d, batch_size=batch, precision=precision), 2
                    )
                row["bf16_over_fp32"] = round(row["bf16_s_per_epoch"] / row["fp32_s_per_epoch"], 3)
                rows.append(row)
                print(json.dumps(row), flush=True)
    rates = {p: round(matmul_gflops(1024, precision=p), 1) for p in ("fp32", "bf16")}
    print(json.dumps({"matmul_gflops_1024": rates, "threads": args.threads, "images": x.shape[0]}))


if __name__ == "__main__":
    main()
