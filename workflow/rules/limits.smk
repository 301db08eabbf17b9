# Ch. 3.5: why an AutoEncoder is not a generative model (VAE, beta-VAE, VQ-VAE): rules, notebook and report section.
# A classifier judges decodes of random latents; AE / VAE / beta-VAE / VQ-VAE share one MLP shape (784-512-256-d).

LIMITS = config["limits"]
LIMITS_MODELS = expand(
    "results/models/limits/{name}.pt",
    name=[f"{m}_d{d}" for d in LIMITS["latent_dims"] for m in ("ae", "vae")]
    + [f"beta{b:g}_d{LIMITS['primary_dim']}" for b in LIMITS["betas"]]
    + [f"vqvae_d{LIMITS['vqvae']['n_slots'] * LIMITS['vqvae']['code_dim']}"],
)


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
    params=pick(LIMITS, "classifier"),
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
        n_train=MNIST_SIZES["n_train"],
        precision=config["precision"],
        **pick(LIMITS, "hidden", "train", "vqvae"),
    ),
    threads=HEAVY_THREADS,
    job="limits_train_{limits_model}_d{limits_dim}",
)


# the chapter's evaluation of every model by the judge (its claims open the chapter's rows: see claims= below)
compute_rule(
    "limits_evaluate",
    "limits_evaluate.py",
    input=dict(
        mnist=MNIST,
        classifier=rules.limits_classifier.output.model,
        classifier_metrics=rules.limits_classifier.output.metrics,
        models=LIMITS_MODELS,
    ),
    output=dict(
        metrics="results/metrics/limits.json",
        arrays="results/models/limits/evaluation.npz",
    ),
    params=dict(
        binarize_seed=rule_seed("mnist_binarized"),
        profile=config["profile"],
        **MNIST_SIZES,
        models=[Path(m).stem for m in LIMITS_MODELS],
        **pick(LIMITS, "latent_dims", "primary_dim", "judge", "train", "iwae_k"),
        **pick(LIMITS, "eval_n_test", "eval_batch"),
    ),
    threads=HEAVY_THREADS,
)


register_section(
    "limits",
    notebook="07_limits.ipynb",
    inputs=dict(
        metrics=rules.limits_evaluate.output.metrics,
        classifier_metrics=rules.limits_classifier.output.metrics,
        arrays=rules.limits_evaluate.output.arrays,
        # this file is included after every other chapter: the summary table reads every chapter's metrics
        chapter_metrics=[m for s in SECTIONS for m in s["metrics"]],
    ),
    claims=[
        rules.limits_evaluate.output.metrics,
        rules.limits_classifier.output.metrics,
    ],
    products=LIMITS_MODELS,
)
