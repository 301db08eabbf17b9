"""Train the linear AE (d from config) by gradient descent from a random init on MNIST; save the trajectory, the
weights, reconstructions, codes and the claims about convergence to PCA, the projection, rotation and the NLLs."""

import numpy as np

from aevq.chapters.linear_ae import first_of_each_class, measure_trained_model, training_claims, training_summary_row
from aevq.data.mnist import load_mnist
from aevq.metrics.linear_algebra import random_orthogonal
from aevq.models.linear_ae import LinearAE
from aevq.runtime import save_npz, snakemake_job, start_torch_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    device, rng = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    x_train, y_train, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    model = LinearAE(x_train.shape[1], p.d, init_scale=p.train["init_scale"], seed=p.seed, device=device)
    model.fit(x_train, steps=p.train["steps"], lr=p.train["lr"], momentum=p.train["momentum"])
    w_e, w_d = model.weights()
    mean = model.mean.cpu().numpy()
    r = random_orthogonal(p.d, rng)  # the latent ambiguity's (W_d R, R^T W_e), R Haar-random
    x_hat = model.reconstruct(x_test)
    measures, (z, z_rot) = measure_trained_model(
        model.history_,
        model.eigenvalues_,
        w_e,
        w_d,
        x_train.astype(np.float64) - mean,
        r,
        x_test,
        x_hat,
        nll_sigma2=p.nll_sigma2,
        bernoulli_clip=p.bernoulli_clip,
    )
    picks = first_of_each_class(y_test)
    hist = model.history_
    save_npz(
        snakemake.output.npz,
        step=hist["step"],
        loss=hist["loss"],
        angle_deg=hist["angle_deg"],
        loss_floor=np.array(hist["loss_floor"]),
        eigenvalues=model.eigenvalues_,
        W_e=w_e,
        W_d=w_d,
        mean=mean,
        R=r,
        # the first two code coordinates of every training image (the rotation scatter draws the first n_scatter)
        codes=z[:, :2],
        codes_rotated=z_rot[:, :2],
        code_labels=y_train,
        pick_index=picks,
        x_pick=x_test[picks],
        x_hat_pick=x_hat[picks],
    )
    doc = {
        "d": p.d,
        "D": x_train.shape[1],
        "n_train": int(x_train.shape[0]),
        "n_test": int(x_test.shape[0]),
        "train": dict(p.train),
        **measures,
    }
    doc["summary_rows"] = [training_summary_row(doc)]
    doc["claims"] = training_claims(doc, profile=p.profile, nll_sigma2=p.nll_sigma2, bernoulli_clip=p.bernoulli_clip)
    write_json(doc, snakemake.output.metrics)
