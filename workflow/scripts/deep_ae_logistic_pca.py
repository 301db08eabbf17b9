"""Logistic PCA baseline: W_d, mu fitted on the training images; each test image's code fitted with them fixed."""

import time

import numpy as np

from aevq.data.mnist import class_picks, load_mnist
from aevq.models.logistic_pca import LogisticPCA
from aevq.runtime import save_npz, seed_everything, snakemake_job, torch_device, torch_generator, write_json
from aevq.training import as_tensor

with snakemake_job(snakemake):
    p = snakemake.params
    seed = p.seed
    seed_everything(seed)
    device = torch_device(p.device, threads=snakemake.threads)
    x_train, _, x_test_np, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    x, x_test = as_tensor(x_train, device), as_tensor(x_test_np, device)
    t0 = time.perf_counter()
    model = LogisticPCA(p.n_components, steps=p.steps, lr=p.lr, generator=torch_generator(seed)).fit(x)
    t_fit = time.perf_counter() - t0
    z_test = model.encode(x_test)
    t_enc = time.perf_counter() - t0 - t_fit
    x_hat = model.decode(z_test)
    err = float(((x_test - x_hat) ** 2).sum(1).mean())
    # amortised comparison: a linear encoder fitted (least squares) from the training images to their codes
    x_hat_lin = model.fit_linear_encoder(x).decode(model.encode_linear(x_test))
    err_lin = float(((x_test - x_hat_lin) ** 2).sum(1).mean())
    err_train = float(((x - model.decode(model.train_codes)) ** 2).sum(1).mean())
    picks = class_picks(y_test)
    save_npz(snakemake.output.arrays, picks=picks, recon=x_hat[picks].cpu().numpy().astype(np.float32))
    write_json(
        {
            "n_components": p.n_components,
            "steps": p.steps,
            "n_train": int(x.shape[0]),
            "n_test": int(x_test.shape[0]),
            "method": f"full-batch Adam (lr {p.lr}, {p.steps} steps) on the Bernoulli cross-entropy for W_d, mu and the"
            f" training codes; then {p.steps} steps per test code with W_d, mu fixed (no encoder)",
            "test_error": err,
            "train_error": err_train,
            "test_error_linear_encoder": err_lin,
            "linear_encoder": "z = [x, 1] A, A by least squares from the training images to their fitted codes",
            "train_cross_entropy": model.history[-1],
            "test_cross_entropy": model.encode_history[-1],
            "timing": {"fit_seconds": t_fit, "encode_test_seconds": t_enc},
        },
        snakemake.output.metrics,
    )
