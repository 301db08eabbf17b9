"""Choose a minibatch size and learning rate on VALIDATION images only (issue 27): the pilots behind the full profile's
``deep_ae.finetune`` and ``limits.train`` settings. The test set is never loaded.

    python tests/bench/validation_pilot.py deep_ae LR BATCH EPOCHS PRECISION   # fine-tune the pretrained stack
    python tests/bench/validation_pilot.py limits MODEL DIM LR BATCH EPOCHS PRECISION

Reads results/data/mnist.npz (and, for deep_ae, results/models/deep_ae/rbms.pt from a full-profile build) and prints
one JSON line.
- deep_ae: the validation error per epoch of the chapter's own fine-tuning (the last 10000 training images held
  out, early stopping with patience 10, as in the pipeline).
- limits: the model is trained on the first 50000 training images for EPOCHS epochs and scored by its own training
  objective (mean -ELBO, or the AE's cross-entropy, in nats) on the last 10000, averaged over 5 passes.
"""

from __future__ import annotations

import json
import sys
import time

MNIST = "results/data/mnist.npz"
RBMS = "results/models/deep_ae/rbms.pt"
SEED = 20260101
N_VALIDATION = 10000


def deep_ae(lr: float, batch: int, epochs: int, precision: str) -> dict:
    from aevq.data.mnist import load_mnist
    from aevq.models.checkpoint import load_model
    from aevq.models.deep_ae import DeepAutoencoder, fine_tune, split_validation
    from aevq.runtime import start_torch_job, torch_generator
    from aevq.training import as_tensor

    device, _ = start_torch_job(SEED, "cpu", threads=1)
    x_train, _, _, _ = load_mnist(MNIST)
    x_fit, x_val = split_validation(x_train, N_VALIDATION)
    model = DeepAutoencoder.from_rbms(load_model(RBMS, device=device))
    t0 = time.perf_counter()
    result = fine_tune(
        model,
        as_tensor(x_fit, device),
        as_tensor(x_val, device),
        max_epochs=epochs,
        patience=10,
        batch_size=batch,
        lr=lr,
        generator=torch_generator(7),
        precision=precision,
        desc=f"lr {lr} batch {batch} {precision}",
    )
    history = result.history
    return dict(
        lr=lr,
        batch=batch,
        precision=precision,
        best_epoch=result.best_epoch,
        best_val_error=history[result.best_epoch]["val_error"],
        epochs_run=len(history) - 1,
        val_error=[round(h["val_error"], 4) for h in history],
        wall_s=time.perf_counter() - t0,
    )


def limits(model_name: str, dim: int, lr: float, batch: int, epochs: int, precision: str) -> dict:
    import numpy as np
    import torch

    from aevq.chapters.limits import build_model
    from aevq.models.vae import binarized_mnist
    from aevq.runtime import start_torch_job

    device, _ = start_torch_job(SEED, "cpu", threads=1)
    x_train, _, _, _ = binarized_mnist(MNIST, 12345)
    x_fit, x_val = x_train[:-N_VALIDATION], x_train[-N_VALIDATION:]
    vqvae = dict(codebook_size=64, n_slots=8, code_dim=4, commitment=0.25)
    model = build_model(model_name, dim, hidden=[512, 256], vqvae=vqvae, device=device, seed=1)
    t0 = time.perf_counter()
    model.fit(x_fit, epochs=epochs, batch_size=batch, lr=lr, precision=precision)
    wall = time.perf_counter() - t0
    with torch.no_grad():
        xv = torch.as_tensor(x_val, dtype=torch.float32)
        val = float(np.mean([float(model.loss(xv)) for _ in range(5)]))
    return dict(model=f"{model_name}_d{dim}", lr=lr, batch=batch, precision=precision, epochs=epochs, val_loss=val,
                wall_s=wall)  # fmt: skip


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("deep_ae", "limits"):
        print(__doc__)
        return 2
    if argv[0] == "deep_ae":
        lr, batch, epochs, precision = float(argv[1]), int(argv[2]), int(argv[3]), argv[4]
        out = deep_ae(lr, batch, epochs, precision)
    else:
        name, dim, lr, batch, epochs, precision = (
            argv[1],
            int(argv[2]),
            float(argv[3]),
            int(argv[4]),
            int(argv[5]),
            argv[6],
        )
        out = limits(name, dim, lr, batch, epochs, precision)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
