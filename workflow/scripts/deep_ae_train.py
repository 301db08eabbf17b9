"""Train one of the chapter's autoencoders by backprop on the cross-entropy and evaluate it.

The last ``validation`` training images are held out; the fine-tuning epoch is chosen on them (early stopping), the
model is trained on the rest, and the test images are only measured (the curve in the figure), never used to choose.

kind = finetune     the unrolled RBM stack (784-1000-500-250-30), fine-tuned
       random_init  the same net from random init, same fine-tuning budget
       shallow      a 784-30 nonlinear AE (linear or logistic code, logistic output units), random init
       codes2d      784-1000-500-250-2: the pretrained 784-1000-500-250 stack + a new 250-2 Gaussian top RBM
"""

import numpy as np
import torch

from aevq.data.mnist import class_picks, load_mnist
from aevq.metrics.speed import throughput
from aevq.models.deep_ae import (
    DeepAutoencoder,
    describe_optimizer,
    evaluate,
    fine_tune,
    matmul_gflops,
    pretrain_settings,
    pretrain_stack,
    split_validation,
)
from aevq.models.rbm import RBM, rbm_from_state
from aevq.runtime import save_npz, seed_everything, snakemake_job, torch_device, torch_generator, torch_save, write_json
from aevq.training import as_tensor

with snakemake_job(snakemake):
    p = snakemake.params
    kind = p.kind
    seed = p.seed
    seed_everything(seed)
    device = torch_device(p.device, threads=snakemake.threads)
    gflops_ref = matmul_gflops(p.matmul_n, device=device)
    x_train, _, x_test_np, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    x_fit, x_val_np = split_validation(x_train, p.validation)
    x, x_val, x_test = as_tensor(x_fit, device), as_tensor(x_val_np, device), as_tensor(x_test_np, device)
    g = torch_generator(seed, device=device)
    info, pre_timing = {}, None
    if kind in {"finetune", "codes2d"}:
        saved = torch.load(snakemake.input.rbms, weights_only=True)
        rbms = [rbm_from_state(s, device=device) for s in saved["rbms"]]
        if kind == "codes2d":
            cfg = p.pretrain
            lower = rbms[:-1]
            rbms = pretrain_stack(
                x,
                p.sizes,
                batch_size=p.batch_size,
                generator=g,
                rbms=lower,
                **pretrain_settings(cfg),
            )
            top = rbms[-1]
            pre_timing = throughput(
                x.shape[0],
                [h["seconds"] for h in top.history],
                RBM.cd1_flops_per_sample(top.n_visible, top.n_hidden),
                gflops_ref,
            )
        assert [rbms[0].n_visible] + [r.n_hidden for r in rbms] == list(p.sizes), "stack sizes differ from config"
        model = DeepAutoencoder.from_rbms(rbms)
        info["init"] = "unrolled RBM stack (decoder = transposed encoder weights)"
    else:
        code = p.shallow_code if kind == "shallow" else "linear"
        model = DeepAutoencoder(p.sizes, code_activation=code, generator=g).to(device)
        info["init"] = "random: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's default Linear init), seeded"
    ft = p.finetune
    result = fine_tune(
        model,
        x,
        x_val,
        max_epochs=ft["max_epochs"],
        patience=ft["patience"],
        batch_size=p.batch_size,
        lr=ft["lr"],
        optimizer=ft["optimizer"],
        cg_block=ft["cg_block"],
        cg_line_searches=ft["cg_line_searches"],
        generator=g,
        desc=kind,
        # drawn in the figure, never compared: the test error and the error on 2000 of the training images
        monitor=lambda net: {
            "train_error": evaluate(net, x[:2000])["error"],
            "test_error": evaluate(net, x_test)["error"],
        },
    )
    history, best = result.history, result.history[result.best_epoch]
    model.eval()
    with torch.no_grad():
        picks = class_picks(y_test)
        recon = model(x_test[torch.as_tensor(picks, device=device)]).cpu().numpy()
        arrays = {"picks": picks, "recon": recon.astype(np.float32)}
        if kind == "codes2d":
            arrays["codes"] = model.encode(x_test).cpu().numpy().astype(np.float32)
            arrays["labels"] = y_test
    torch_save({"sizes": list(p.sizes), "kind": kind, "state_dict": model.state_dict()}, snakemake.output.model)
    save_npz(snakemake.output.arrays, **arrays)
    timing = {
        "matmul_gflops": gflops_ref,
        "finetune": throughput(
            x.shape[0], [h["seconds"] for h in history[1:]], model.train_flops_per_sample(), gflops_ref
        ),
    }
    if result.n_evals_per_epoch:  # CG: FLOPs follow the objective evaluations, not the cases
        evals = sum(result.n_evals_per_epoch)
        seconds = sum(h["seconds"] for h in history[1:])
        flops = evals * ft["cg_block"] * model.train_flops_per_sample()
        timing["finetune"].update(
            evaluations_per_epoch=evals / len(result.n_evals_per_epoch),
            achieved_gflops=flops / seconds / 1e9,
            fraction_of_matmul=flops / seconds / 1e9 / gflops_ref,
        )
    if pre_timing is not None:
        timing["pretrain_top_rbm"] = pre_timing
    if kind == "shallow":
        info["code_units"] = p.shallow_code
    write_json(
        {
            "kind": kind,
            "sizes": list(p.sizes),
            "n_train": int(x.shape[0]),
            "n_test": int(x_test.shape[0]),
            "n_validation": int(x_val.shape[0]),
            "optimizer": describe_optimizer(ft, p.batch_size),
            "selection": (
                f"early stopping on the {x_val.shape[0]} validation images: the epoch with the lowest validation"
                f" error, stopping after {ft['patience']} epochs without a new lowest (at most {ft['max_epochs']})"
            ),
            **info,
            "best_epoch": result.best_epoch,
            "epochs_run": len(history) - 1,
            "stopped_early": result.stopped_early,
            "val_error": best["val_error"],
            "test_error": best["test_error"],
            "test_error_last_epoch": history[-1]["test_error"],
            "test_error_before_finetune": history[0]["test_error"],
            "curve": [{k: v for k, v in h.items() if k != "seconds"} for h in history],
            "timing": timing,
        },
        snakemake.output.metrics,
    )
