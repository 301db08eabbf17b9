# Ch. 2 + 3.1: the AutoEncoder's components and Linear AE = PCA: rules, notebook and report section.
LAE = config["linear_ae"]


rule linear_ae_train:
    input:
        library=library_of("linear_ae_train.py"),
        mnist=MNIST,
    output:
        npz="results/models/linear_ae/trajectory.npz",
        metrics="results/metrics/linear_ae.json",
    log:
        log_path("linear_ae_train"),
    benchmark:
        bench_path("linear_ae_train")
    conda:
        conda_env("torch")
    # one thread: each step is a d x D x D product (~20 MFLOP), too small to gain from threads (measured on the
    # shared 2-core box: 74 ms/step with 1 thread, 395 ms/step with 2)
    threads: 1
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "linear_ae_train",
            dict(
                profile=config["profile"],
                **MNIST_SIZES,
                **pick(LAE, "d", "train", "nll_sigma2", "bernoulli_clip"),
            ),
            gpu=True,
        ),
    script:
        "../scripts/linear_ae_train.py"


rule linear_ae_closed_forms:
    input:
        library=library_of("linear_ae_closed_forms.py"),
        mnist=MNIST,
    output:
        npz="results/models/linear_ae/closed_forms.npz",
        metrics="results/metrics/linear_ae_closed_forms.json",
    log:
        log_path("linear_ae_closed_forms"),
    benchmark:
        bench_path("linear_ae_closed_forms")
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "linear_ae_closed_forms",
            dict(
                **MNIST_SIZES,
                **pick(
                    LAE,
                    "pca_components",
                    "bottleneck_dims",
                    "hessian_examples",
                    "claim_example",
                    "landscape_example",
                    "shift_pixels",
                ),
            ),
        ),
    script:
        "../scripts/linear_ae_closed_forms.py"


LINEAR_AE_SECTION = register_section(
    "linear_ae",
    notebook="02_linear_ae.ipynb",
    inputs=dict(
        trajectory=rules.linear_ae_train.output.npz,
        closed_forms=rules.linear_ae_closed_forms.output.npz,
        mnist=MNIST,
        metrics=rules.linear_ae_train.output.metrics,
        closed_metrics=rules.linear_ae_closed_forms.output.metrics,
    ),
    claims=[
        rules.linear_ae_train.output.metrics,
        rules.linear_ae_closed_forms.output.metrics,
    ],
    # what only the figures use belongs here, not to the training rules
    figure_args=figure_parameters(**pick(LAE, "n_scatter", "n_closer_examples")),
)


rule notebook_linear_ae:
    input:
        **notebook_input(LINEAR_AE_SECTION),
    output:
        **notebook_output(LINEAR_AE_SECTION),
    log:
        log_path("notebook_linear_ae"),
    benchmark:
        bench_path("notebook_linear_ae")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        **notebook_params(LINEAR_AE_SECTION),
    shell:
        PAPERMILL


rule chapter_linear_ae:
    input:
        chapter_targets(LINEAR_AE_SECTION),
    localrule: True
