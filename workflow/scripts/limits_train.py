"""Train one model of the chapter (ae | vae | beta<b> | vqvae at latent size d) on stochastically binarised MNIST."""

from aevq.chapters.limits import build_model
from aevq.models.checkpoint import save_model
from aevq.models.vae import binarized_mnist
from aevq.runtime import snakemake_job, start_torch_job

with snakemake_job(snakemake):
    p = snakemake.params
    name, dim = snakemake.wildcards.limits_model, int(snakemake.wildcards.limits_dim)
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    x_train, _, _, _ = binarized_mnist(snakemake.input.mnist, p.binarize_seed, n_train=p.n_train, n_test=1)
    model = build_model(name, dim, hidden=p.hidden, vqvae=p.vqvae, device=device, seed=p.seed)
    tr = p.train
    model.fit(x_train, epochs=tr["epochs"], batch_size=tr["batch_size"], lr=tr["lr"], desc=f"{name}_d{dim}")
    save_model(model, snakemake.output.model)
