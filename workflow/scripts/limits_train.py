"""Train one model of the chapter (ae | vae | beta<b> | vqvae at latent size d) on stochastically binarised MNIST."""

import time
from pathlib import Path

from aevq.chapters.limits import build_model
from aevq.metrics.speed import matmul_gflops, throughput
from aevq.models.checkpoint import save_model
from aevq.models.vae import binarized_mnist
from aevq.precision import resolve
from aevq.runtime import snakemake_job, start_torch_job

with snakemake_job(snakemake):
    p = snakemake.params
    name, dim = snakemake.wildcards.limits_model, int(snakemake.wildcards.limits_dim)
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    tr = p.train  # limits.train with the overrides of this latent size (limits.train_at_dim)
    precision = resolve(tr["precision"], device)  # fp32 or bf16 (auto: bf16 where the hardware has it)
    gflops_ref = matmul_gflops(seconds=0.5, device=device, precision=precision)  # the rate training is put against
    x_train, _, _, _ = binarized_mnist(snakemake.input.mnist, p.binarize_seed, n_train=p.n_train, n_test=1)
    model = build_model(name, dim, hidden=p.hidden, vqvae=p.vqvae, device=device, seed=p.seed)
    t0 = time.perf_counter()
    model.fit(
        x_train,
        epochs=tr["epochs"],
        batch_size=tr["batch_size"],
        lr=tr["lr"],
        desc=f"{name}_d{dim}",
        precision=precision,
    )
    seconds = time.perf_counter() - t0
    # 6 FLOPs per weight per image (forward 2, backward 4), as for the deep AE; biases and the codebook left out
    flops_per_image = 6 * sum(w.numel() for w in model.parameters() if w.dim() >= 2)
    speed = throughput(len(x_train) * tr["epochs"], [seconds], flops_per_image, gflops_ref)  # all epochs as one
    save_model(
        model,
        snakemake.output.model,
        timing={
            "job": Path(snakemake.log[0]).stem,  # its benchmark's name, for the report's timing table
            "precision": precision,
            "precision_setting": tr["precision"],
            "train_seconds": seconds,
            **{k: speed[k] for k in ("samples_per_s", "achieved_gflops", "matmul_gflops", "fraction_of_matmul")},
        },
    )
