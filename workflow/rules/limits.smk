# Ch. 3.5: why an AutoEncoder is not a generative model (VAE, beta-VAE, VQ-VAE): rules, notebook and report section.
# A classifier judges decodes of random latents; AE / VAE / beta-VAE / VQ-VAE share one MLP shape (784-512-256-d).

LIMITS = config["limits"]
LIMITS_CATEGORY = "7. Why an AutoEncoder is not a generative model"
LIMITS_MODELS = (
    [f"{m}_d{d}" for d in LIMITS["latent_dims"] for m in ("ae", "vae")]
    + [f"beta{b:g}_d{LIMITS['primary_dim']}" for b in LIMITS["betas"]]
    + [f"vqvae_d{LIMITS['vqvae']['n_slots'] * LIMITS['vqvae']['code_dim']}"]
)
LIMITS_FIGURES = [
    "limits_random_decodes",
    "limits_properties",
    "limits_latent_maps",
    "limits_interpolation",
    "limits_bound_gap",
    "limits_beta_vq",
]
LIMITS_TABLES = ["limits_properties", "limits_elbo", "limits_beta_vq", "limits_summary"]


wildcard_constraints:
    limits_model="ae|vae|beta[0-9.]+|vqvae",
    limits_dim="[0-9]+",


compute_rule(
    "limits_classifier",
    "limits_classifier.py",
    input=dict(mnist=MNIST),
    output=dict(
        model="results/models/limits/classifier.pt",
        metrics="results/metrics/limits_classifier.json",
    ),
    params=dict(
        seed=rule_seed("limits_classifier"),
        device=DEVICE,
        classifier=LIMITS["classifier"],
    ),
    threads=HEAVY_THREADS,
)

compute_rule(
    "limits_train",
    "limits_train.py",
    input=dict(mnist=MNIST),
    output=dict(model="results/models/limits/{limits_model}_d{limits_dim}.pt"),
    params=dict(
        seed=lambda w: rule_seed("limits_train", f"{w.limits_model}_d{w.limits_dim}"),
        binarize_seed=rule_seed("mnist_binarized"),
        device=DEVICE,
        n_train=config["data"]["n_train"],
        hidden=LIMITS["hidden"],
        train=LIMITS["train"],
        vqvae=LIMITS["vqvae"],
    ),
    threads=HEAVY_THREADS,
    job="limits_train_{limits_model}_d{limits_dim}",
)

compute_rule(
    "limits_evaluate",
    "limits_evaluate.py",
    input=dict(
        mnist=MNIST,
        classifier="results/models/limits/classifier.pt",
        classifier_metrics="results/metrics/limits_classifier.json",
        models=expand("results/models/limits/{name}.pt", name=LIMITS_MODELS),
    ),
    output=dict(
        metrics="results/metrics/limits.json",
        arrays="results/models/limits/evaluation.npz",
    ),
    params=dict(
        seed=rule_seed("limits_evaluate"),
        binarize_seed=rule_seed("mnist_binarized"),
        device=DEVICE,
        profile=config["profile"],
        n_train=config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        models=LIMITS_MODELS,
        **{
            k: LIMITS[k]
            for k in (
                "latent_dims",
                "primary_dim",
                "judge",
                "train",
                "iwae_k",
                "eval_n_test",
            )
        },
        eval_batch=LIMITS["eval_batch"],
    ),
    threads=HEAVY_THREADS,
)


# this file is included after every other chapter: the summary table reads every metrics JSON registered so far
LIMITS_SUMMARY_INPUTS = [m for s in SECTIONS for m in s["metrics"]]


register_section(
    notebook="07_limits.ipynb",
    inputs=dict(
        metrics="results/metrics/limits.json",
        classifier_metrics="results/metrics/limits_classifier.json",
        arrays="results/models/limits/evaluation.npz",
        chapter_metrics=LIMITS_SUMMARY_INPUTS,
    ),
    category=LIMITS_CATEGORY,
    products=expand("results/models/limits/{name}.pt", name=LIMITS_MODELS),
    key="limits",
    order=70,
    title="7. Why an AutoEncoder is not a generative model",
    lecture=(
        "lecture 3.5 'Limits of the AutoEncoder', the closing summary table and the bridge to Part 2;"
        " Kingma & Welling 2014; Higgins et al. 2017; van den Oord et al. 2017"
    ),
    figures=LIMITS_FIGURES,
    tables=LIMITS_TABLES,
    metrics=["limits", "limits_classifier"],
)
