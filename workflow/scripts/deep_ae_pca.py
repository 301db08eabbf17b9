"""PCA baseline in closed form: the top-k eigenvectors of the training covariance (NumPy, float64)."""

import numpy as np

from aevq.data.mnist import class_picks, load_mnist
from aevq.runtime import save_npz, snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    x_train, _, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test, dtype=np.float64)
    mean = x_train.mean(0)
    xc = x_train - mean
    cov = xc.T @ xc / x_train.shape[0]
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    evals, evecs = evals[order], evecs[:, order]
    errors, recon_picks = {}, {}
    picks = class_picks(y_test)
    for k in sorted({p.n_components, 2}):
        u = evecs[:, :k]
        z = (x_test - mean) @ u
        x_hat = mean + z @ u.T
        errors[k] = float(((x_test - x_hat) ** 2).sum(1).mean())
        recon_picks[k] = x_hat[picks]
    codes2 = (x_test - mean) @ evecs[:, :2]
    save_npz(
        snakemake.output.arrays,
        picks=picks,
        recon=recon_picks[p.n_components].astype(np.float32),
        codes=codes2.astype(np.float32),
        labels=y_test,
    )
    write_json(
        {
            "n_components": p.n_components,
            "n_train": int(x_train.shape[0]),
            "n_test": int(x_test.shape[0]),
            "test_error": errors[p.n_components],
            "test_error_2_components": errors[2],
            "explained_variance_ratio": float(evals[: p.n_components].sum() / evals.sum()),
            "method": "closed form: eigenvectors of the training covariance (float64); test images projected",
        },
        snakemake.output.metrics,
    )
