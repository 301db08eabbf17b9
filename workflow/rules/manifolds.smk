# Ch. 3.3: uncorrelated is not independent (circle, Swiss roll, Isomap): rules, notebook and report section.
# The models are tiny (an MLP with two 32- or 64-unit layers, N <= 2000 points): one thread each is fastest, and
# lets Snakemake run the three compute rules side by side.
MANIFOLDS = config["manifolds"]


compute_rule(
    "manifolds_circle",
    "manifolds_circle.py",
    output=dict(
        npz="results/models/manifolds/circle.npz",
        metrics="results/metrics/manifolds_circle.json",
    ),
    params=pick(MANIFOLDS["circle"], "n", "hidden", "epochs", "batch_size", "lr"),
)

compute_rule(
    "manifolds_swissroll",
    "manifolds_swissroll.py",
    input=dict(circle=rules.manifolds_circle.output.metrics),
    output=dict(
        npz="results/models/manifolds/swissroll.npz",
        metrics="results/metrics/manifolds.json",
    ),
    params=dict(
        **pick(MANIFOLDS["swiss_roll"], "n", "k", "noise", "ae"),
        max_dim=MANIFOLDS["max_dim"],
    ),
)

compute_rule(
    "manifolds_mnist_residual",
    "manifolds_mnist_residual.py",
    input=dict(mnist=MNIST),
    output=dict(metrics="results/metrics/manifolds_mnist_residual.json"),
    params=dict(
        **pick(MANIFOLDS["mnist"], "n", "digit", "k"), max_dim=MANIFOLDS["max_dim"]
    ),
    env="data",
)


register_section(
    "manifolds",
    notebook="04_manifolds.ipynb",
    inputs=dict(
        circle=rules.manifolds_circle.output.npz,
        circle_metrics=rules.manifolds_circle.output.metrics,
        swissroll=rules.manifolds_swissroll.output.npz,
        metrics=rules.manifolds_swissroll.output.metrics,
        mnist_metrics=rules.manifolds_mnist_residual.output.metrics,
    ),
    claims=[
        rules.manifolds_circle.output.metrics,
        rules.manifolds_swissroll.output.metrics,
        rules.manifolds_mnist_residual.output.metrics,
    ],
)
