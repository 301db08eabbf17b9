"""Greedy layer-wise CD-1 pretraining of the 784-1000-500-250-30 RBM stack (top RBM: linear Gaussian hiddens)."""

from aevq.chapters.deep_ae import first_layer_filters, pretrain_metrics
from aevq.data.mnist import load_mnist
from aevq.metrics.speed import matmul_gflops
from aevq.models.checkpoint import save_model
from aevq.models.deep_ae import pretrain_settings, pretrain_stack, split_validation
from aevq.precision import resolve
from aevq.runtime import save_npz, snakemake_job, start_torch_job, torch_generator, write_json
from aevq.training import as_tensor

with snakemake_job(snakemake):
    p = snakemake.params
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    precision = resolve(p.precision, device)  # fp32 or bf16 (auto: bf16 where the hardware has it)
    gflops_ref = matmul_gflops(p.matmul_n, device=device, precision=precision)  # the rate training is put against
    x_train, _, _, _ = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    x_fit, _ = split_validation(x_train, p.validation)  # the validation images stay unseen until fine-tuning
    x = as_tensor(x_fit, device)
    g = torch_generator(p.seed, device=device)
    rbms = pretrain_stack(
        x, p.sizes, batch_size=p.batch_size, generator=g, precision=precision, **pretrain_settings(p.pretrain)
    )
    save_model(rbms, snakemake.output.model)  # the stack: one record per RBM
    save_npz(snakemake.output.filters, W1=first_layer_filters(rbms))
    metrics = pretrain_metrics(
        rbms, p.sizes, n_samples=x.shape[0], epochs=p.pretrain["epochs"], matmul_gflops=gflops_ref
    )
    metrics["timing"].update(precision=precision, precision_setting=p.precision)
    write_json(metrics, snakemake.output.metrics)
