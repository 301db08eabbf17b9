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


rule limits_classifier:
    input:
        library=library_of("limits_classifier.py"),
        mnist=MNIST,
    output:
        model="results/models/limits/classifier.pt",
        metrics="results/metrics/limits_classifier.json",
    log:
        log_path("limits_classifier"),
    benchmark:
        bench_path("limits_classifier")
    # the chain ends with minutes of evaluation: before the short jobs, so that none ends the run alone
    priority: 6
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params("limits_classifier", pick(LIMITS, "classifier"), gpu=True),
    script:
        "../scripts/limits_classifier.py"


rule limits_train:
    input:
        library=library_of("limits_train.py"),
        mnist=MNIST,
    output:
        model="results/models/limits/{limits_model}_d{limits_dim}.pt",
    log:
        log_path("limits_train_{limits_model}_d{limits_dim}"),
    benchmark:
        bench_path("limits_train_{limits_model}_d{limits_dim}")
    priority: 6
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "limits_train",
            dict(
                seed=lambda w: rule_seed(
                    "limits_train", f"{w.limits_model}_d{w.limits_dim}"
                ),
                binarize_seed=rule_seed("mnist_binarized"),
                n_train=MNIST_SIZES["n_train"],
                train=lambda w: pipeline.limits_training(config, w.limits_dim),
                **pick(LIMITS, "hidden", "vqvae"),
            ),
            gpu=True,
        ),
    script:
        "../scripts/limits_train.py"


# the chapter's evaluation of every model by the judge (its claims open the chapter's rows: see claims= below)
rule limits_evaluate:
    input:
        library=library_of("limits_evaluate.py"),
        mnist=MNIST,
        classifier=rules.limits_classifier.output.model,
        classifier_metrics=rules.limits_classifier.output.metrics,
        models=LIMITS_MODELS,
    output:
        metrics="results/metrics/limits.json",
        arrays="results/models/limits/evaluation.npz",
    log:
        log_path("limits_evaluate"),
    benchmark:
        bench_path("limits_evaluate")
    priority: 6
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "limits_evaluate",
            dict(
                binarize_seed=rule_seed("mnist_binarized"),
                profile=config["profile"],
                **MNIST_SIZES,
                models=[Path(m).stem for m in LIMITS_MODELS],
                **pick(
                    LIMITS, "latent_dims", "primary_dim", "judge", "train", "iwae_k"
                ),
                **pick(LIMITS, "eval_n_test", "eval_batch"),
            ),
            gpu=True,
        ),
    script:
        "../scripts/limits_evaluate.py"


LIMITS_SECTION = register_section(
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


rule notebook_limits:
    input:
        **notebook_input(LIMITS_SECTION),
    output:
        **notebook_output(LIMITS_SECTION),
    log:
        log_path("notebook_limits"),
    benchmark:
        bench_path("notebook_limits")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        **notebook_params(LIMITS_SECTION),
    shell:
        PAPERMILL


rule chapter_limits:
    input:
        chapter_targets(LIMITS_SECTION),
    localrule: True
