"""Gather the chapter's models into the paper's error table, the claims, the summary rows and the timing
(including the full profile's wall time on this machine, extrapolated from this run's per-epoch times)."""

import yaml

from aevq.claims import claim
from aevq.runtime import read_json, snakemake_job, write_json

PAPER = {"deep": 3.00, "logistic_pca": 8.01, "pca": 13.87}
SOURCE = (
    "Hinton & Salakhutdinov, Science 313:504 (2006), Fig. 2: MNIST test error 3.00 (deep AE),"
    " 8.01 (logistic PCA), 13.87 (PCA)"
)


def weights(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


with snakemake_job(snakemake):
    p = snakemake.params
    m = {
        k: read_json(getattr(snakemake.input, k))
        for k in ("pretrain", "finetune", "random_init", "shallow", "codes2d", "pca", "logistic_pca", "rbm_check")
    }
    full = yaml.safe_load(open(snakemake.input.full_config))
    full_cfg = full["deep_ae"]
    ours = {
        "deep": m["finetune"]["test_error"],
        "random": m["random_init"]["test_error"],
        "shallow": m["shallow"]["test_error"],
        "pca": m["pca"]["test_error"],
        "logistic_pca": m["logistic_pca"]["test_error"],
        "codes2d": m["codes2d"]["test_error"],
        "pca2": m["pca"]["test_error_2_components"],
    }
    sizes = "-".join(map(str, m["finetune"]["sizes"]))
    scale = (
        f"profile {p.profile}: {m['finetune']['n_train']} training / {m['finetune']['n_test']} test images,"
        f" net {sizes}, RBM pretraining {m['pretrain']['epochs']} epoch(s) per layer, fine-tuning"
        f" {p.finetune['epochs']} epoch(s) of Adam (the paper: 60000 / 10000 images, 50 CD-1 epochs per layer,"
        " 200 epochs of conjugate gradients)"
    )
    table = [
        {"model": f"deep AE {sizes}, RBM-pretrained + fine-tuned", "ours": ours["deep"], "paper": PAPER["deep"]},
        {"model": f"deep AE {sizes}, random init, same fine-tuning budget", "ours": ours["random"], "paper": None},
        {
            "model": "shallow AE "
            + "-".join(map(str, m["shallow"]["sizes"]))
            + f" ({m['shallow']['code_units']} code, logistic output)",
            "ours": ours["shallow"],
            "paper": None,
        },
        {
            "model": f"logistic PCA ({m['logistic_pca']['n_components']} components; basis fitted on training images,"
            f" each test code optimised by {m['logistic_pca']['steps']} Adam steps on that image; no encoder)",
            "ours": ours["logistic_pca"],
            "paper": PAPER["logistic_pca"],
        },
        {
            "model": "logistic PCA basis + linear encoder (least squares from training images to their codes;"
            " not in the paper)",
            "ours": m["logistic_pca"]["test_error_linear_encoder"],
            "paper": None,
        },
        {
            "model": f"PCA ({m['pca']['n_components']} components, closed form)",
            "ours": ours["pca"],
            "paper": PAPER["pca"],
        },
        {
            "model": "deep AE " + "-".join(map(str, m["codes2d"]["sizes"])) + " (2-D code)",
            "ours": ours["codes2d"],
            "paper": None,
        },
        {"model": "PCA (2 components)", "ours": ours["pca2"], "paper": None},
    ]
    fact_err = m["rbm_check"]["max_abs_error_p_h_given_v"]
    best = min(m["finetune"]["curve"], key=lambda r: r["test_error"])
    claims = [
        claim(
            "Deep nonlinear codes beat PCA: the RBM-pretrained, fine-tuned deep AE reconstructs MNIST test images"
            " with a smaller squared error than PCA with the same code size",
            ours["deep"],
            "<",
            ours["pca"],
            SOURCE,
            detail=f"threshold = our PCA-{m['pca']['n_components']} error on the same test images; {scale}",
        ),
        claim(
            "Full-scale goal: the pretrained deep AE reaches the paper's MNIST test error of 3.00"
            " (sum over 784 pixels of squared error, averaged over test images)",
            ours["deep"],
            "<=",
            PAPER["deep"],
            SOURCE,
            detail=(
                f"{scale}. The measured value is the error after the last epoch (a fixed budget, as the paper's"
                f" 200 epochs). Along the curve the lowest test error was {best['test_error']:.3f} at epoch"
                f" {best['epoch']}; that epoch is picked on the test set, so it is shown, not claimed. A rise after"
                " it while the training cross-entropy keeps falling is overfitting of the fine-tuning. Only the full"
                " profile can be expected to reach 3.00; in the quick profile this row fails by design of the"
                " budget, not because the threshold is wrong."
            ),
        ),
        claim(
            "Pretraining matters: at an equal fine-tuning budget, the pretrained deep AE ends with a lower test"
            " error than the same net from random initialisation",
            ours["deep"],
            "<",
            ours["random"],
            "Hinton & Salakhutdinov (2006): without pretraining, deep autoencoders are hard to optimise",
            detail=(
                f"threshold = our random-init error ({ours['random']:.3f}); random init is PyTorch's default"
                " U(+-1/sqrt(fan_in)) and Adam, not the paper's small-weight random init + conjugate gradients. "
                + scale
            ),
        ),
        claim(
            "An RBM's p(h|v) factorizes into a product of sigmoids: exact enumeration over all 2^n_h hidden states"
            " agrees to 1e-10",
            fact_err,
            "<",
            1e-10,
            "mathematics: no hidden-hidden weights => conditional independence (lecture §3.3)",
            detail=f"tiny RBM {m['rbm_check']['n_visible']}x{m['rbm_check']['n_hidden']}, float64,"
            f" {len(m['rbm_check']['rows'])} visible vectors; free-energy error"
            f" {m['rbm_check']['max_abs_error_free_energy']:.2e}",
        ),
    ]
    summary_rows = [
        {
            "model": "deep AE, RBM pretraining",
            "latent": f"{m['finetune']['sizes'][-1]}-D deterministic code",
            "how_trained": "greedy CD-1 RBM stack, unrolled, fine-tuned by backprop (Adam) on cross-entropy",
            "key_result": f"MNIST test squared error {ours['deep']:.2f} vs PCA-{m['pca']['n_components']}'s"
            f" {ours['pca']:.2f} and random init's {ours['random']:.2f} ({p.profile} profile; paper: 3.00 vs 13.87)",
        }
    ]
    # -- timing: this run, and the full profile's wall time extrapolated from this run's per-epoch times --------
    t_pre = m["pretrain"]["timing"]
    rows = []
    n_q, n_f = m["finetune"]["n_train"], 60000 if full["data"]["n_train"] is None else full["data"]["n_train"]
    # pretraining: seconds per (sample x epoch x FLOP) of the quick stack, scaled to the full stack's FLOPs
    pre_flops_q = sum(t["flops_per_sample"] for t in t_pre["layers"])
    pre_flops_f = 10 * weights(full_cfg["sizes"])
    s_pre = (
        t_pre["seconds_per_epoch_all_layers"] / n_q * (pre_flops_f / pre_flops_q) * n_f * full_cfg["pretrain"]["epochs"]
    )
    rows.append(
        {
            "stage": "pretrain (RBM stack)",
            "seconds_per_epoch": t_pre["seconds_per_epoch_all_layers"],
            "full_profile_seconds": s_pre,
        }
    )
    for key, sizes_key, ep_key in (
        ("finetune", "sizes", "finetune"),
        ("random_init", "sizes", "finetune"),
        ("shallow", "shallow_sizes", "shallow"),
        ("codes2d", "sizes_2d", "finetune"),
    ):
        t = m[key]["timing"]["finetune"]
        f_full = 6 * 2 * weights(full_cfg[sizes_key])
        s = t["seconds_per_epoch"] / n_q * (f_full / t["flops_per_sample"]) * n_f * full_cfg[ep_key]["epochs"]
        if key == "codes2d":
            tt = m[key]["timing"]["pretrain_top_rbm"]
            top = full_cfg["sizes_2d"][-2:]
            s += (
                tt["seconds_per_epoch"]
                / n_q
                * (10 * top[0] * top[1] / tt["flops_per_sample"])
                * n_f
                * full_cfg["pretrain"]["epochs"]
            )
        rows.append({"stage": key, "seconds_per_epoch": t["seconds_per_epoch"], "full_profile_seconds": s})
    t_lp = m["logistic_pca"]["timing"]
    n_test_f = 10000 if full["data"]["n_test"] is None else full["data"]["n_test"]
    scale_steps = full_cfg["logistic_pca"]["steps"] / m["logistic_pca"]["steps"]
    s_lp = (
        t_lp["fit_seconds"] * n_f / n_q + t_lp["encode_test_seconds"] * n_test_f / m["logistic_pca"]["n_test"]
    ) * scale_steps
    rows.append({"stage": "logistic_pca", "seconds_per_epoch": None, "full_profile_seconds": s_lp})
    timing = {
        # resources.threads: the most a training job may use; --cores and --set-threads may give it fewer
        "threads_requested": p.threads,
        "pretrain": {k: v for k, v in t_pre.items() if k != "layers"},
        "pretrain_layers": t_pre["layers"],
        "finetune": m["finetune"]["timing"],
        "random_init": m["random_init"]["timing"],
        "shallow": m["shallow"]["timing"],
        "codes2d": m["codes2d"]["timing"],
        "full_profile_extrapolation": {
            "method": "extrapolated (not measured unless this is the full profile): this run's seconds per epoch"
            " x (full n_train / this n_train) x (full FLOPs per sample / this run's) x full epochs",
            "stages": rows,
            "total_seconds": sum(r["full_profile_seconds"] for r in rows),
        },
    }
    write_json(
        {"profile": p.profile, "errors": table, "claims": claims, "summary_rows": summary_rows, "timing": timing},
        snakemake.output.metrics,
    )
