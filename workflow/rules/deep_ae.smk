# Ch. 3.3: deep AutoEncoder with RBM pretraining: rules, notebook and report section.
# One rule per trained model, so each is cached; the notebook only loads artefacts and draws.
DEEP_AE = config["deep_ae"]
DEEP_AE_COMMON = dict(
    **MNIST_SIZES,
    **pick(DEEP_AE, "batch_size", "validation", "matmul_n", "shallow_code"),
)

# The four nets fine-tuned by one script: the paper's pretrained deep AE, the same net from a random start, the
# shallow 784-30 AE, and the 2-D code net (its top RBM pretrained on top of the shared lower stack). Each names the
# config keys of its layer sizes and of its fine-tuning settings, and whether it starts from the RBM stack.
DEEP_AE_NETS = dict(
    pretrained=dict(sizes="sizes", settings="finetune", from_rbms=True),
    random_init=dict(sizes="sizes", settings="finetune", from_rbms=False),
    shallow=dict(sizes="shallow_sizes", settings="shallow", from_rbms=False),
    codes2d=dict(sizes="sizes_2d", settings="finetune", from_rbms=True),
)
# the metrics documents the chapter's summary gathers, in the order its claims are shown
DEEP_AE_DOCUMENTS = ["pretrain", *DEEP_AE_NETS, "pca", "logistic_pca", "rbm_check"]


compute_rule(
    "deep_ae_pretrain",
    "deep_ae_pretrain.py",
    input=dict(mnist=MNIST),
    output=dict(
        model="results/models/deep_ae/rbms.pt",
        filters="results/models/deep_ae/rbm_filters.npz",
        metrics="results/metrics/deep_ae_pretrain.json",
    ),
    params=dict(
        **DEEP_AE_COMMON, **pick(DEEP_AE, "sizes", "pretrain"), precision=config["precision"]
    ),
    threads=HEAVY_THREADS,
    priority=20,  # the head of the longest chain (pretrain, then fine-tune): start it first
)

for _kind, _net in DEEP_AE_NETS.items():
    compute_rule(
        f"deep_ae_{_kind}",
        "deep_ae_train.py",
        input=dict(mnist=MNIST)
        | ({"rbms": rules.deep_ae_pretrain.output.model} if _net["from_rbms"] else {}),
        output=dict(
            model=f"results/models/deep_ae/{_kind}.pt",
            arrays=f"results/models/deep_ae/{_kind}.npz",
            metrics=f"results/metrics/deep_ae_{_kind}.json",
        ),
        params=dict(
            **DEEP_AE_COMMON,
            kind=_kind,
            sizes=DEEP_AE[_net["sizes"]],
            pretrain=DEEP_AE["pretrain"],
            finetune=DEEP_AE[_net["settings"]],
            precision=config["precision"],
        ),
        threads=HEAVY_THREADS,
        priority=(
            10 if _net["from_rbms"] else 0
        ),  # fine-tuning from the RBMs ends the long chain
    )

compute_rule(
    "deep_ae_pca",
    "deep_ae_pca.py",
    input=dict(mnist=MNIST),
    output=dict(
        arrays="results/models/deep_ae/pca.npz",
        metrics="results/metrics/deep_ae_pca.json",
    ),
    params=dict(**MNIST_SIZES, n_components=DEEP_AE["n_components"]),
    env="data",
)

compute_rule(
    "deep_ae_logistic_pca",
    "deep_ae_logistic_pca.py",
    input=dict(mnist=MNIST),
    output=dict(
        arrays="results/models/deep_ae/logistic_pca.npz",
        metrics="results/metrics/deep_ae_logistic_pca.json",
    ),
    params=dict(
        **DEEP_AE["logistic_pca"],
        **MNIST_SIZES,
        n_components=DEEP_AE["n_components"],
    ),
    threads=HEAVY_THREADS,
)

compute_rule(
    "deep_ae_rbm_check",
    "deep_ae_rbm_check.py",
    output=dict(metrics="results/metrics/deep_ae_rbm_check.json"),
    params=DEEP_AE["rbm_check"],
    gpu=0,
)


# the chapter's summary, from every model's metrics (its claims open the chapter's rows: see claims= below)
compute_rule(
    "deep_ae_evaluate",
    "deep_ae_evaluate.py",
    input={
        name: getattr(rules, f"deep_ae_{name}").output.metrics
        for name in DEEP_AE_DOCUMENTS
    },
    output=dict(metrics="results/metrics/deep_ae.json"),
    params=dict(profile=config["profile"], threads=HEAVY_THREADS),
    env="data",
)


register_section(
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
        **{
            f"{name}_arrays": getattr(rules, f"deep_ae_{name}").output.arrays
            for name in ["pretrained", "shallow", "codes2d", "pca", "logistic_pca"]
        },
    ),
    claims=[rules.deep_ae_evaluate.output.metrics]
    + [getattr(rules, f"deep_ae_{name}").output.metrics for name in DEEP_AE_DOCUMENTS],
)
