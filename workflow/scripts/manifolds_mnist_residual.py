"""Residual variance against dimension for PCA, classical MDS and Isomap on an MNIST subset (Tenenbaum Fig. 2D)."""

from aevq.chapters.manifolds import mnist_residual_experiment
from aevq.data.mnist import load_mnist
from aevq.runtime import snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    x_train, y_train, _, _ = load_mnist(snakemake.input.mnist, n_test=0)
    # the first n training images (official order) of the chosen digit, or of all digits when digit is null
    doc = mnist_residual_experiment(x_train, y_train, digit=p.digit, n=p.n, k=p.k, max_dim=p.max_dim)
    write_json(doc, snakemake.output.metrics)
