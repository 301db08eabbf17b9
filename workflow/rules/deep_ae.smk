# Ch. 3.3: deep AutoEncoder with RBM pretraining: rules, notebook and report section.
# One rule per trained model, so each is cached; the notebook only loads artefacts and draws.
DEEP_AE = config["deep_ae"]
DEEP_AE_COMMON = dict(
    **MNIST_SIZES,
    **pick(DEEP_AE, "batch_size", "validation", "matmul_n", "shallow_code"),
)


rule deep_ae_pretrain:
    input:
        library=library_of("deep_ae_pretrain.py"),
        mnist=MNIST,
    output:
        model="results/models/deep_ae/rbms.pt",
        filters="results/models/deep_ae/rbm_filters.npz",
        metrics="results/metrics/deep_ae_pretrain.json",
    log:
        log_path("deep_ae_pretrain"),
    benchmark:
        bench_path("deep_ae_pretrain")
    priority: 20  # the head of the longest chain (pretrain, then fine-tune): start it first
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "deep_ae_pretrain",
            dict(
                **DEEP_AE_COMMON,
                **pick(DEEP_AE, "sizes", "pretrain"),
                precision=config["precision"],
            ),
            gpu=True,
        ),
    script:
        "../scripts/deep_ae_pretrain.py"


# The four nets fine-tuned by deep_ae_train.py: the paper's pretrained deep AE, the same net from a random start, the
# shallow 784-30 AE, and the 2-D code net (its top RBM pretrained on top of the shared lower stack). Each names its
# kind, its layer sizes and its fine-tuning settings; those that start from the RBM stack take it as an input and end
# the long chain (priority 10).
DEEP_AE_NET_COMMON = dict(
    **DEEP_AE_COMMON, pretrain=DEEP_AE["pretrain"], precision=config["precision"]
)


rule deep_ae_pretrained:
    input:
        library=library_of("deep_ae_train.py"),
        mnist=MNIST,
        rbms=rules.deep_ae_pretrain.output.model,
    output:
        model="results/models/deep_ae/pretrained.pt",
        arrays="results/models/deep_ae/pretrained.npz",
        metrics="results/metrics/deep_ae_pretrained.json",
    log:
        log_path("deep_ae_pretrained"),
    benchmark:
        bench_path("deep_ae_pretrained")
    priority: 10
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "deep_ae_pretrained",
            dict(
                DEEP_AE_NET_COMMON,
                kind="pretrained",
                sizes=DEEP_AE["sizes"],
                finetune=DEEP_AE["finetune"],
            ),
            gpu=True,
        ),
    script:
        "../scripts/deep_ae_train.py"


rule deep_ae_random_init:
    input:
        library=library_of("deep_ae_train.py"),
        mnist=MNIST,
    output:
        model="results/models/deep_ae/random_init.pt",
        arrays="results/models/deep_ae/random_init.npz",
        metrics="results/metrics/deep_ae_random_init.json",
    log:
        log_path("deep_ae_random_init"),
    benchmark:
        bench_path("deep_ae_random_init")
    priority: 10
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "deep_ae_random_init",
            dict(
                DEEP_AE_NET_COMMON,
                kind="random_init",
                sizes=DEEP_AE["sizes"],
                finetune=DEEP_AE["finetune"],
            ),
            gpu=True,
        ),
    script:
        "../scripts/deep_ae_train.py"


rule deep_ae_shallow:
    input:
        library=library_of("deep_ae_train.py"),
        mnist=MNIST,
    output:
        model="results/models/deep_ae/shallow.pt",
        arrays="results/models/deep_ae/shallow.npz",
        metrics="results/metrics/deep_ae_shallow.json",
    log:
        log_path("deep_ae_shallow"),
    benchmark:
        bench_path("deep_ae_shallow")
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "deep_ae_shallow",
            dict(
                DEEP_AE_NET_COMMON,
                kind="shallow",
                sizes=DEEP_AE["shallow_sizes"],
                finetune=DEEP_AE["shallow"],
            ),
            gpu=True,
        ),
    script:
        "../scripts/deep_ae_train.py"


rule deep_ae_codes2d:
    input:
        library=library_of("deep_ae_train.py"),
        mnist=MNIST,
        rbms=rules.deep_ae_pretrain.output.model,
    output:
        model="results/models/deep_ae/codes2d.pt",
        arrays="results/models/deep_ae/codes2d.npz",
        metrics="results/metrics/deep_ae_codes2d.json",
    log:
        log_path("deep_ae_codes2d"),
    benchmark:
        bench_path("deep_ae_codes2d")
    priority: 10
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "deep_ae_codes2d",
            dict(
                DEEP_AE_NET_COMMON,
                kind="codes2d",
                sizes=DEEP_AE["sizes_2d"],
                finetune=DEEP_AE["finetune"],
            ),
            gpu=True,
        ),
    script:
        "../scripts/deep_ae_train.py"


rule deep_ae_pca:
    input:
        library=library_of("deep_ae_pca.py"),
        mnist=MNIST,
    output:
        arrays="results/models/deep_ae/pca.npz",
        metrics="results/metrics/deep_ae_pca.json",
    log:
        log_path("deep_ae_pca"),
    benchmark:
        bench_path("deep_ae_pca")
    conda:
        conda_env("data")
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "deep_ae_pca", dict(**MNIST_SIZES, n_components=DEEP_AE["n_components"])
        ),
    script:
        "../scripts/deep_ae_pca.py"


rule deep_ae_logistic_pca:
    input:
        library=library_of("deep_ae_logistic_pca.py"),
        mnist=MNIST,
    output:
        arrays="results/models/deep_ae/logistic_pca.npz",
        metrics="results/metrics/deep_ae_logistic_pca.json",
    log:
        log_path("deep_ae_logistic_pca"),
    benchmark:
        bench_path("deep_ae_logistic_pca")
    # the longest jobs first, so that none ends the run alone (tests/bench/schedule.py)
    priority: 8
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "deep_ae_logistic_pca",
            dict(
                **DEEP_AE["logistic_pca"],
                **MNIST_SIZES,
                n_components=DEEP_AE["n_components"],
            ),
            gpu=True,
        ),
    script:
        "../scripts/deep_ae_logistic_pca.py"


rule deep_ae_rbm_check:
    input:
        library=library_of("deep_ae_rbm_check.py"),
    output:
        metrics="results/metrics/deep_ae_rbm_check.json",
    log:
        log_path("deep_ae_rbm_check"),
    benchmark:
        bench_path("deep_ae_rbm_check")
    conda:
        conda_env("torch")
    resources:
        **compute_resources(),
    params:
        **compute_params("deep_ae_rbm_check", DEEP_AE["rbm_check"]),
    script:
        "../scripts/deep_ae_rbm_check.py"


# the metrics documents the chapter's summary gathers, in the order its claims are shown
DEEP_AE_DOCUMENTS = dict(
    pretrain=rules.deep_ae_pretrain.output.metrics,
    pretrained=rules.deep_ae_pretrained.output.metrics,
    random_init=rules.deep_ae_random_init.output.metrics,
    shallow=rules.deep_ae_shallow.output.metrics,
    codes2d=rules.deep_ae_codes2d.output.metrics,
    pca=rules.deep_ae_pca.output.metrics,
    logistic_pca=rules.deep_ae_logistic_pca.output.metrics,
    rbm_check=rules.deep_ae_rbm_check.output.metrics,
)


# the chapter's summary, from every model's metrics (its claims open the chapter's rows: see claims= below)
rule deep_ae_evaluate:
    input:
        **DEEP_AE_DOCUMENTS,
        library=library_of("deep_ae_evaluate.py"),
    output:
        metrics="results/metrics/deep_ae.json",
    log:
        log_path("deep_ae_evaluate"),
    benchmark:
        bench_path("deep_ae_evaluate")
    conda:
        conda_env("data")
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "deep_ae_evaluate", dict(profile=config["profile"], threads=HEAVY_THREADS)
        ),
    script:
        "../scripts/deep_ae_evaluate.py"


DEEP_AE_SECTION = register_section(
    "deep_ae",
    notebook="05_deep_ae.ipynb",
    inputs=dict(
        mnist=MNIST,
        metrics=rules.deep_ae_evaluate.output.metrics,
        pretrain=rules.deep_ae_pretrain.output.metrics,
        pretrained=rules.deep_ae_pretrained.output.metrics,
        random_init=rules.deep_ae_random_init.output.metrics,
        rbm_check=rules.deep_ae_rbm_check.output.metrics,
        filters=rules.deep_ae_pretrain.output.filters,
        pretrained_arrays=rules.deep_ae_pretrained.output.arrays,
        shallow_arrays=rules.deep_ae_shallow.output.arrays,
        codes2d_arrays=rules.deep_ae_codes2d.output.arrays,
        pca_arrays=rules.deep_ae_pca.output.arrays,
        logistic_pca_arrays=rules.deep_ae_logistic_pca.output.arrays,
    ),
    claims=[rules.deep_ae_evaluate.output.metrics, *DEEP_AE_DOCUMENTS.values()],
)


rule notebook_deep_ae:
    input:
        **notebook_input(DEEP_AE_SECTION),
    output:
        **notebook_output(DEEP_AE_SECTION),
    log:
        log_path("notebook_deep_ae"),
    benchmark:
        bench_path("notebook_deep_ae")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        **notebook_params(DEEP_AE_SECTION),
    shell:
        PAPERMILL


rule chapter_deep_ae:
    input:
        chapter_targets(DEEP_AE_SECTION),
    localrule: True
