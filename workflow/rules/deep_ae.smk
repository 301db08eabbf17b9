# Ch. 3.3: deep AutoEncoder with RBM pretraining: rules, notebook and report section.
# One rule per trained model, so each is cached; the notebook only loads artefacts and draws.
DEEP_AE = config["deep_ae"]
DEEP_AE_CAT = "5. Deep AutoEncoder with RBM pretraining"
DEEP_AE_COMMON = dict(
    device=config["device"],
    n_train=config["data"]["n_train"],
    n_test=config["data"]["n_test"],
    batch_size=DEEP_AE["batch_size"],
    validation=DEEP_AE["validation"],
    matmul_n=DEEP_AE["matmul_n"],
    shallow_code=DEEP_AE["shallow_code"],
)


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
        **DEEP_AE_COMMON,
        seed=rule_seed("deep_ae_pretrain"),
        sizes=DEEP_AE["sizes"],
        pretrain=DEEP_AE["pretrain"],
    ),
    threads=HEAVY_THREADS,
    priority=20,  # the head of the longest chain (pretrain, then fine-tune): start it first
)

# The four nets fine-tuned by one script: the paper's pretrained deep AE, the same net from a random start, the
# shallow 784-30 AE, and the 2-D code net (its top RBM pretrained on top of the shared lower stack). Fine-tuning from
# the RBMs is the long chain, so those two start first.
DEEP_AE_NETS = dict(
    finetune=dict(
        sizes=DEEP_AE["sizes"], finetune=DEEP_AE["finetune"], pretrained=True
    ),
    random_init=dict(
        sizes=DEEP_AE["sizes"], finetune=DEEP_AE["finetune"], pretrained=False
    ),
    shallow=dict(
        sizes=DEEP_AE["shallow_sizes"], finetune=DEEP_AE["shallow"], pretrained=False
    ),
    codes2d=dict(
        sizes=DEEP_AE["sizes_2d"], finetune=DEEP_AE["finetune"], pretrained=True
    ),
)
for _kind, _net in DEEP_AE_NETS.items():
    compute_rule(
        f"deep_ae_{_kind}",
        "deep_ae_train.py",
        input=dict(
            mnist=MNIST,
            **(
                {"rbms": "results/models/deep_ae/rbms.pt"} if _net["pretrained"] else {}
            ),
        ),
        output=dict(
            model=f"results/models/deep_ae/{_kind}.pt",
            arrays=f"results/models/deep_ae/{_kind}.npz",
            metrics=f"results/metrics/deep_ae_{_kind}.json",
        ),
        params=dict(
            **DEEP_AE_COMMON,
            seed=rule_seed(f"deep_ae_{_kind}"),
            kind=_kind,
            sizes=_net["sizes"],
            pretrain=DEEP_AE["pretrain"],
            finetune=_net["finetune"],
        ),
        threads=HEAVY_THREADS,
        priority=10 if _net["pretrained"] else 0,
    )

compute_rule(
    "deep_ae_pca",
    "deep_ae_pca.py",
    input=dict(mnist=MNIST),
    output=dict(
        arrays="results/models/deep_ae/pca.npz",
        metrics="results/metrics/deep_ae_pca.json",
    ),
    params=dict(
        n_train=config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        n_components=DEEP_AE["n_components"],
    ),
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
        seed=rule_seed("deep_ae_logistic_pca"),
        device=config["device"],
        n_train=config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        n_components=DEEP_AE["n_components"],
    ),
    threads=HEAVY_THREADS,
)

compute_rule(
    "deep_ae_rbm_check",
    "deep_ae_rbm_check.py",
    output=dict(metrics="results/metrics/deep_ae_rbm_check.json"),
    params=dict(**DEEP_AE["rbm_check"], seed=rule_seed("deep_ae_rbm_check")),
    gpu=0,
)

compute_rule(
    "deep_ae_evaluate",
    "deep_ae_evaluate.py",
    input={
        name: f"results/metrics/deep_ae_{name}.json"
        for name in ["pretrain", *DEEP_AE_NETS, "pca", "logistic_pca", "rbm_check"]
    },
    output=dict(metrics="results/metrics/deep_ae.json"),
    params=dict(profile=config["profile"], threads=HEAVY_THREADS),
    env="data",
)


register_section(
    notebook="05_deep_ae.ipynb",
    inputs=dict(
        mnist="results/data/mnist.npz",
        metrics="results/metrics/deep_ae.json",
        pretrain="results/metrics/deep_ae_pretrain.json",
        finetune="results/metrics/deep_ae_finetune.json",
        random_init="results/metrics/deep_ae_random_init.json",
        rbm_check="results/metrics/deep_ae_rbm_check.json",
        filters="results/models/deep_ae/rbm_filters.npz",
        finetune_arrays="results/models/deep_ae/finetune.npz",
        shallow_arrays="results/models/deep_ae/shallow.npz",
        codes2d_arrays="results/models/deep_ae/codes2d.npz",
        pca_arrays="results/models/deep_ae/pca.npz",
        logistic_pca_arrays="results/models/deep_ae/logistic_pca.npz",
    ),
    category=DEEP_AE_CAT,
    key="deep_ae",
    order=55,
    title="5. Deep AutoEncoder with RBM pretraining",
    lecture="§3.3 Nonlinear / Deep AutoEncoder (Hinton & Salakhutdinov, Science 2006)",
    figures=[
        "deep_ae_reconstructions",
        "deep_ae_codes2d",
        "deep_ae_training_curves",
        "deep_ae_rbm_filters",
    ],
    tables=["deep_ae_errors", "deep_ae_factorization", "deep_ae_timing"],
    metrics=[
        "deep_ae",
        "deep_ae_pretrain",
        "deep_ae_finetune",
        "deep_ae_random_init",
        "deep_ae_shallow",
        "deep_ae_codes2d",
        "deep_ae_pca",
        "deep_ae_logistic_pca",
        "deep_ae_rbm_check",
    ],
)
