# Ch. 3.3: uncorrelated is not independent (circle, Swiss roll, Isomap): rules, notebook and report section.
# The models are tiny (an MLP with two 32- or 64-unit layers, N <= 2000 points): one thread each is fastest, and
# lets Snakemake run the three compute rules side by side.
MANIFOLDS = config["manifolds"]
MANIFOLDS_CAT = "4. Uncorrelated is not independent"


compute_rule(
    "manifolds_circle",
    "manifolds_circle.py",
    output=dict(
        npz="results/models/manifolds/circle.npz",
        metrics="results/metrics/manifolds_circle.json",
    ),
    params=dict(
        seed=rule_seed("manifolds_circle"),
        device=DEVICE,
        **{
            k: MANIFOLDS["circle"][k]
            for k in ("n", "hidden", "epochs", "batch_size", "lr")
        },
    ),
)

compute_rule(
    "manifolds_swissroll",
    "manifolds_swissroll.py",
    input=dict(circle="results/metrics/manifolds_circle.json"),
    output=dict(
        npz="results/models/manifolds/swissroll.npz",
        metrics="results/metrics/manifolds.json",
    ),
    params=dict(
        seed=rule_seed("manifolds_swissroll"),
        device=DEVICE,
        **{k: MANIFOLDS["swiss_roll"][k] for k in ("n", "k", "noise")},
        max_dim=MANIFOLDS["max_dim"],
        ae=MANIFOLDS["swiss_roll"]["ae"],
    ),
)

compute_rule(
    "manifolds_mnist_residual",
    "manifolds_mnist_residual.py",
    input=dict(mnist=MNIST),
    output=dict(metrics="results/metrics/manifolds_mnist_residual.json"),
    params=dict(
        **{k: MANIFOLDS["mnist"][k] for k in ("n", "digit", "k")},
        max_dim=MANIFOLDS["max_dim"],
    ),
    env="data",
)


register_section(
    notebook="04_manifolds.ipynb",
    inputs=dict(
        circle="results/models/manifolds/circle.npz",
        circle_metrics="results/metrics/manifolds_circle.json",
        swissroll="results/models/manifolds/swissroll.npz",
        metrics="results/metrics/manifolds.json",
        mnist_metrics="results/metrics/manifolds_mnist_residual.json",
    ),
    category=MANIFOLDS_CAT,
    key="manifolds",
    order=50,
    title="4. Uncorrelated is not independent: the circle, the Swiss roll, Isomap",
    lecture=(
        "Ch. 3.3, the three questions, Fig 6 and Fig 7; Tenenbaum, de Silva & Langford, Science 2000"
    ),
    figures=[
        "manifolds_circle",
        "manifolds_swissroll_geodesic",
        "manifolds_swissroll_embeddings",
        "manifolds_residual_variance",
    ],
    tables=["manifolds_embedding_quality"],
    metrics=["manifolds_circle", "manifolds", "manifolds_mnist_residual"],
)
