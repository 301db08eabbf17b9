"""Benchmark: the cost of one fine-tuning epoch of the paper-size deep AE, Adam vs the paper's conjugate gradients.

    python tests/bench/deep_ae_epoch_cost.py [--mnist results/data/mnist.npz] [--threads 1] [--blocks N]

Times one epoch of each optimiser on the 50000 fit images (the full profile's split) from the same random init, and
prints seconds per epoch, objective evaluations and the achieved GFLOP/s next to a dense matmul measured in the same
process. ``--blocks N`` times only the first N 1000-case CG blocks and scales to the epoch (it says so).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

from aevq.data.mnist import load_mnist  # noqa: E402
from aevq.metrics.speed import matmul_gflops  # noqa: E402
from aevq.models.deep_ae import DeepAutoencoder, fine_tune, split_validation  # noqa: E402
from aevq.runtime import torch_generator  # noqa: E402
from aevq.training import as_tensor  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default="results/data/mnist.npz")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blocks", type=int, default=0, help="CG blocks to time (0 = the whole epoch)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x_train, _, _, _ = load_mnist(args.mnist)
    x_fit, x_val = split_validation(x_train, 10000)
    x, xv = as_tensor(x_fit, "cpu"), as_tensor(x_val[:1000], "cpu")
    sizes = [784, 1000, 500, 250, 30]
    ref = matmul_gflops(1024)
    out = {"threads": args.threads, "matmul_gflops": ref, "n_fit": int(x.shape[0])}
    for opt in ("adam", "cg"):
        g = torch_generator(0)
        model = DeepAutoencoder(sizes, generator=g)
        data = x if opt == "adam" or not args.blocks else x[: args.blocks * 1000]
        t0 = time.perf_counter()
        res = fine_tune(
            model,
            data,
            xv,
            max_epochs=1,
            patience=1,
            batch_size=100,
            lr=1e-3,
            optimizer=opt,
            generator=g,
            desc=opt,
        )
        wall = time.perf_counter() - t0
        rec = res.history[1]
        scale = x.shape[0] / data.shape[0]
        evals = res.n_evals_per_epoch[0] * scale if res.n_evals_per_epoch else x.shape[0] / 100
        cases = evals * (1000 if opt == "cg" else 100)
        flops = cases * model.train_flops_per_sample()
        out[opt] = {
            "seconds_per_epoch": rec["seconds"] * scale,
            "scaled_from_cases": int(data.shape[0]),
            "objective_evaluations_per_epoch": evals,
            "achieved_gflops": flops / (rec["seconds"] * scale) / 1e9,
            "wall_s_incl_evaluation": wall,
        }
    out["cg_over_adam"] = out["cg"]["seconds_per_epoch"] / out["adam"]["seconds_per_epoch"]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
