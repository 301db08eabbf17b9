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


rule deep_ae_pretrain:
    input:
        library=library_of("deep_ae_pretrain.py"),
        mnist="results/data/mnist.npz",
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
        mem_mb=config["resources"]["mem_mb"],
        gpu=GPU,
    params:
        **DEEP_AE_COMMON,
        seed=rule_seed("deep_ae_pretrain"),
        sizes=DEEP_AE["sizes"],
        pretrain=DEEP_AE["pretrain"],
    script:
        "../scripts/deep_ae_pretrain.py"


rule deep_ae_finetune:
    input:
        library=library_of("deep_ae_train.py"),
        mnist="results/data/mnist.npz",
        rbms="results/models/deep_ae/rbms.pt",
    output:
        model="results/models/deep_ae/finetune.pt",
        arrays="results/models/deep_ae/finetune.npz",
        metrics="results/metrics/deep_ae_finetune.json",
    log:
        log_path("deep_ae_finetune"),
    benchmark:
        bench_path("deep_ae_finetune")
    priority: 10
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        mem_mb=config["resources"]["mem_mb"],
        gpu=GPU,
    params:
        **DEEP_AE_COMMON,
        seed=rule_seed("deep_ae_finetune"),
        kind="finetune",
        sizes=DEEP_AE["sizes"],
        pretrain=DEEP_AE["pretrain"],
        finetune=DEEP_AE["finetune"],
    script:
        "../scripts/deep_ae_train.py"


# The other three nets train by the same script and rule, with their own sizes, start and budget.
use rule deep_ae_finetune as deep_ae_random_init with:
    input:
        library=library_of("deep_ae_train.py"),
        mnist="results/data/mnist.npz",
    output:
        model="results/models/deep_ae/random_init.pt",
        arrays="results/models/deep_ae/random_init.npz",
        metrics="results/metrics/deep_ae_random_init.json",
    log:
        log_path("deep_ae_random_init"),
    benchmark:
        bench_path("deep_ae_random_init")
    priority: 0
    params:
        **DEEP_AE_COMMON,
        seed=rule_seed("deep_ae_random_init"),
        kind="random_init",
        sizes=DEEP_AE["sizes"],
        pretrain=DEEP_AE["pretrain"],
        finetune=DEEP_AE["finetune"],


use rule deep_ae_finetune as deep_ae_shallow with:
    input:
        library=library_of("deep_ae_train.py"),
        mnist="results/data/mnist.npz",
    output:
        model="results/models/deep_ae/shallow.pt",
        arrays="results/models/deep_ae/shallow.npz",
        metrics="results/metrics/deep_ae_shallow.json",
    log:
        log_path("deep_ae_shallow"),
    benchmark:
        bench_path("deep_ae_shallow")
    priority: 0
    params:
        **DEEP_AE_COMMON,
        seed=rule_seed("deep_ae_shallow"),
        kind="shallow",
        sizes=DEEP_AE["shallow_sizes"],
        pretrain=DEEP_AE["pretrain"],
        finetune=DEEP_AE["shallow"],


use rule deep_ae_finetune as deep_ae_codes2d with:
    output:
        model="results/models/deep_ae/codes2d.pt",
        arrays="results/models/deep_ae/codes2d.npz",
        metrics="results/metrics/deep_ae_codes2d.json",
    log:
        log_path("deep_ae_codes2d"),
    benchmark:
        bench_path("deep_ae_codes2d")
    params:
        **DEEP_AE_COMMON,
        seed=rule_seed("deep_ae_codes2d"),
        kind="codes2d",
        sizes=DEEP_AE["sizes_2d"],
        pretrain=DEEP_AE["pretrain"],
        finetune=DEEP_AE["finetune"],


rule deep_ae_pca:
    input:
        library=library_of("deep_ae_pca.py"),
        mnist="results/data/mnist.npz",
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
        mem_mb=config["resources"]["mem_mb"],
    params:
        n_train=config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        n_components=DEEP_AE["n_components"],
    script:
        "../scripts/deep_ae_pca.py"


rule deep_ae_logistic_pca:
    input:
        library=library_of("deep_ae_logistic_pca.py"),
        mnist="results/data/mnist.npz",
    output:
        arrays="results/models/deep_ae/logistic_pca.npz",
        metrics="results/metrics/deep_ae_logistic_pca.json",
    log:
        log_path("deep_ae_logistic_pca"),
    benchmark:
        bench_path("deep_ae_logistic_pca")
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        mem_mb=config["resources"]["mem_mb"],
        gpu=GPU,
    params:
        **DEEP_AE["logistic_pca"],
        seed=rule_seed("deep_ae_logistic_pca"),
        device=config["device"],
        n_train=config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        n_components=DEEP_AE["n_components"],
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
    params:
        **DEEP_AE["rbm_check"],
        seed=rule_seed("deep_ae_rbm_check"),
    script:
        "../scripts/deep_ae_rbm_check.py"


rule deep_ae_evaluate:
    input:
        library=library_of("deep_ae_evaluate.py"),
        pretrain="results/metrics/deep_ae_pretrain.json",
        finetune="results/metrics/deep_ae_finetune.json",
        random_init="results/metrics/deep_ae_random_init.json",
        shallow="results/metrics/deep_ae_shallow.json",
        codes2d="results/metrics/deep_ae_codes2d.json",
        pca="results/metrics/deep_ae_pca.json",
        logistic_pca="results/metrics/deep_ae_logistic_pca.json",
        rbm_check="results/metrics/deep_ae_rbm_check.json",
    output:
        metrics="results/metrics/deep_ae.json",
    log:
        log_path("deep_ae_evaluate"),
    benchmark:
        bench_path("deep_ae_evaluate")
    conda:
        conda_env("data")
    params:
        profile=config["profile"],
        threads=HEAVY_THREADS,
    script:
        "../scripts/deep_ae_evaluate.py"


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
    rules=[
        "deep_ae_pretrain",
        "deep_ae_finetune",
        "deep_ae_random_init",
        "deep_ae_shallow",
        "deep_ae_codes2d",
        "deep_ae_pca",
        "deep_ae_logistic_pca",
        "deep_ae_rbm_check",
        "deep_ae_evaluate",
    ],
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
    intro=(
        "A stack of RBMs (784-1000-500-250-30) is pretrained layer by layer with CD-1, unrolled into an encoder and"
        " a decoder with tied (transposed) weights, and fine-tuned end to end by backpropagation on the"
        " cross-entropy. We compare it with the same net from random initialisation, a shallow 784-30 AE, logistic PCA and PCA,"
        " on the paper's metric: squared error summed over the 784 pixels, averaged over test images. Fine-tuning"
        " uses Adam on minibatches (the paper's conjugate gradients are the option ``deep_ae.finetune.optimizer: cg``);"
        " its epoch is chosen on validation images held out of the training set, never on the test set."
    ),
)
