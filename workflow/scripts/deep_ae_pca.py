"""PCA baseline in closed form: the top-k eigenvectors of the training covariance (NumPy, float64)."""

import numpy as np

from aevq.chapters.deep_ae import pca_baseline
from aevq.data.mnist import load_mnist
from aevq.runtime import save_npz, snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    x_train, _, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test, dtype=np.float64)
    metrics, arrays = pca_baseline(x_train, x_test, y_test, p.n_components)
    save_npz(snakemake.output.arrays, **arrays)
    write_json(metrics, snakemake.output.metrics)
