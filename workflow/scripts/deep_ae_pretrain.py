"""Greedy layer-wise CD-1 pretraining of the 784-1000-500-250-30 RBM stack (top RBM: linear Gaussian hiddens)."""

import numpy as np

from aevq.data.mnist import load_mnist
from aevq.metrics.speed import throughput
from aevq.models.deep_ae import matmul_gflops, pretrain_settings, pretrain_stack, split_validation
from aevq.models.rbm import RBM, rbm_state
from aevq.runtime import save_npz, seed_everything, snakemake_job, torch_device, torch_generator, torch_save, write_json
from aevq.training import as_tensor

with snakemake_job(snakemake):
    p = snakemake.params
    seed = p.seed
    seed_everything(seed)
    device = torch_device(p.device, threads=snakemake.threads)
    gflops_ref = matmul_gflops(p.matmul_n, device=device)
    x_train, _, _, _ = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    x_fit, _ = split_validation(x_train, p.validation)  # the validation images stay unseen until fine-tuning
    x = as_tensor(x_fit, device)
    g = torch_generator(seed, device=device)
    cfg = p.pretrain
    rbms = pretrain_stack(
        x,
        p.sizes,
        batch_size=p.batch_size,
        generator=g,
        **pretrain_settings(cfg),
    )
    torch_save({"sizes": list(p.sizes), "rbms": [rbm_state(r) for r in rbms]}, snakemake.output.model)
    w1 = rbms[0].W.detach().cpu().numpy()
    save_npz(snakemake.output.filters, W1=w1[:, : min(100, w1.shape[1])].T.astype(np.float32))
    layers, timing = [], {"matmul_gflops": gflops_ref, "layers": []}
    for r in rbms:
        name = f"{r.n_visible}-{r.n_hidden} ({r.hidden})"
        layers.append({"layer": name, "recon_error": [h["recon_error"] for h in r.history]})
        t = throughput(
            x.shape[0], [h["seconds"] for h in r.history], RBM.cd1_flops_per_sample(r.n_visible, r.n_hidden), gflops_ref
        )
        timing["layers"].append({"layer": name, **t})
    total_s = sum(sum(t["epoch_seconds"]) for t in timing["layers"])
    n_epochs = cfg["epochs"] * len(rbms)
    flops = sum(t["flops_per_sample"] for t in timing["layers"]) * cfg["epochs"] * x.shape[0]
    timing["total_train_seconds"] = total_s
    timing["seconds_per_epoch_all_layers"] = total_s / cfg["epochs"]
    timing["achieved_gflops"] = flops / total_s / 1e9
    timing["fraction_of_matmul"] = timing["achieved_gflops"] / gflops_ref
    timing["samples_per_s"] = x.shape[0] * n_epochs / total_s
    write_json(
        {
            "sizes": list(p.sizes),
            "n_train": int(x.shape[0]),
            "epochs": cfg["epochs"],
            "layers": layers,
            "timing": timing,
        },
        snakemake.output.metrics,
    )
