"""Train one of the chapter's autoencoders by backprop on the cross-entropy and evaluate it.

The last ``validation`` training images are held out; the fine-tuning epoch is chosen on them (early stopping), the
model is trained on the rest, and the test images are only measured (the curve in the figure), never used to choose.

kind = pretrained   the unrolled RBM stack (784-1000-500-250-30), fine-tuned
       random_init  the same net from random init, same fine-tuning budget
       shallow      a 784-30 nonlinear AE (linear or logistic code, logistic output units), random init
       codes2d      784-1000-500-250-2: the pretrained 784-1000-500-250 stack + a new 250-2 Gaussian top RBM
"""

from aevq.chapters.deep_ae import (
    fine_tune_net,
    fine_tune_timing,
    initial_autoencoder,
    reconstruction_arrays,
    training_metrics,
)
from aevq.data.mnist import load_mnist
from aevq.metrics.speed import matmul_gflops
from aevq.models.checkpoint import load_model, save_model
from aevq.models.deep_ae import split_validation
from aevq.precision import resolve
from aevq.runtime import save_npz, snakemake_job, start_torch_job, torch_generator, write_json
from aevq.training import as_tensor

with snakemake_job(snakemake):
    p = snakemake.params
    kind, ft = p.kind, p.finetune
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    precision = resolve(p.precision, device)  # fp32 or bf16 (auto: bf16 where the hardware has it)
    gflops_ref = matmul_gflops(p.matmul_n, device=device, precision=precision)  # the rate training is put against
    x_train, _, x_test_np, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    x_fit, x_val_np = split_validation(x_train, p.validation)
    x, x_val, x_test = as_tensor(x_fit, device), as_tensor(x_val_np, device), as_tensor(x_test_np, device)
    g = torch_generator(p.seed, device=device)
    rbms = None
    if kind in {"pretrained", "codes2d"}:  # the pretrained stack
        rbms = load_model(snakemake.input.rbms, device=device)
    model, info, pre_timing = initial_autoencoder(
        kind,
        p.sizes,
        x=x,
        rbms=rbms,
        pretrain=p.pretrain,
        batch_size=p.batch_size,
        shallow_code=p.shallow_code,
        generator=g,
        device=device,
        matmul_gflops=gflops_ref,
        precision=precision,
    )
    result = fine_tune_net(model, x, x_val, x_test, finetune=ft, generator=g, desc=kind, precision=precision)
    arrays = reconstruction_arrays(model, x_test, y_test, with_codes=kind == "codes2d")
    save_model(model, snakemake.output.model, kind=kind)
    save_npz(snakemake.output.arrays, **arrays)
    timing = {
        "precision": precision,
        "precision_setting": p.precision,
        "matmul_gflops": gflops_ref,
        "finetune": fine_tune_timing(
            result, model, n_samples=x.shape[0], cg_block=ft["cg_block"], matmul_gflops=gflops_ref
        ),
    }
    if pre_timing is not None:
        timing["pretrain_top_rbm"] = pre_timing
    write_json(
        training_metrics(
            kind,
            p.sizes,
            result,
            info=info,
            finetune=ft,
            n_train=x.shape[0],
            n_test=x_test.shape[0],
            n_validation=x_val.shape[0],
            timing=timing,
        ),
        snakemake.output.metrics,
    )
