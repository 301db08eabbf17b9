"""Residual variance against dimension for PCA, classical MDS and Isomap on an MNIST subset (Tenenbaum Fig. 2D)."""

import numpy as np

from aevq.data.mnist import load_mnist
from aevq.metrics.manifolds import residual_variance_curves
from aevq.runtime import snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    x_train, y_train, _, _ = load_mnist(snakemake.input.mnist, n_test=0)
    # the first n training images (official order) of the chosen digit, or of all digits when digit is null
    idx = np.arange(len(y_train)) if p.digit is None else np.flatnonzero(y_train == p.digit)
    idx = idx[: p.n]
    x = x_train[idx].astype(np.float64)
    curves = residual_variance_curves(x, k=p.k, dims=range(1, p.max_dim + 1))
    write_json(
        {
            "digit": p.digit,
            "n": int(len(idx)),
            "k": p.k,
            "curves": curves,
            "note": (
                "Tenenbaum et al. used 1000 handwritten 2s, epsilon-Isomap and tangent distance for MDS; here K-NN"
                " Isomap on Euclidean pixel distances, the largest connected component of the K-NN graph"
            ),
        },
        snakemake.output.metrics,
    )
