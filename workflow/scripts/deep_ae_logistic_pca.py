"""Logistic PCA baseline: W_d, mu fitted on the training images; each test image's code fitted with them fixed."""

from aevq.chapters.deep_ae import logistic_pca_baseline
from aevq.data.mnist import load_mnist
from aevq.runtime import save_npz, snakemake_job, start_torch_job, torch_generator, write_json
from aevq.training import as_tensor

with snakemake_job(snakemake):
    p = snakemake.params
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    x_train, _, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    metrics, arrays = logistic_pca_baseline(
        as_tensor(x_train, device),
        as_tensor(x_test, device),
        y_test,
        n_components=p.n_components,
        steps=p.steps,
        lr=p.lr,
        generator=torch_generator(p.seed),
    )
    save_npz(snakemake.output.arrays, **arrays)
    write_json(metrics, snakemake.output.metrics)
