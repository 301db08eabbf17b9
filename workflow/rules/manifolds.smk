# Ch. 3.3: uncorrelated is not independent (circle, Swiss roll, Isomap): rules, notebook and report section.
# The models are tiny (an MLP with two 32- or 64-unit layers, N <= 2000 points): one thread each is fastest, and
# lets Snakemake run the three compute rules side by side.
MANIFOLDS = config["manifolds"]
MANIFOLDS_CAT = "4. Uncorrelated is not independent"


rule manifolds_circle:
    input:
        library=library_of("manifolds_circle.py"),
    output:
        npz="results/models/manifolds/circle.npz",
        metrics="results/metrics/manifolds_circle.json",
    log:
        log_path("manifolds_circle"),
    benchmark:
        bench_path("manifolds_circle")
    conda:
        conda_env("torch")
    threads: 1
    resources:
        mem_mb=config["resources"]["mem_mb"],
        gpu=GPU,
    params:
        seed=rule_seed("manifolds_circle"),
        device=DEVICE,
        n=MANIFOLDS["circle"]["n"],
        hidden=MANIFOLDS["circle"]["hidden"],
        epochs=MANIFOLDS["circle"]["epochs"],
        batch_size=MANIFOLDS["circle"]["batch_size"],
        lr=MANIFOLDS["circle"]["lr"],
    script:
        "../scripts/manifolds_circle.py"


rule manifolds_swissroll:
    input:
        library=library_of("manifolds_swissroll.py"),
        circle="results/metrics/manifolds_circle.json",
    output:
        npz="results/models/manifolds/swissroll.npz",
        metrics="results/metrics/manifolds.json",
    log:
        log_path("manifolds_swissroll"),
    benchmark:
        bench_path("manifolds_swissroll")
    conda:
        conda_env("torch")
    threads: 1
    resources:
        mem_mb=config["resources"]["mem_mb"],
        gpu=GPU,
    params:
        seed=rule_seed("manifolds_swissroll"),
        device=DEVICE,
        n=MANIFOLDS["swiss_roll"]["n"],
        k=MANIFOLDS["swiss_roll"]["k"],
        noise=MANIFOLDS["swiss_roll"]["noise"],
        max_dim=MANIFOLDS["max_dim"],
        ae=MANIFOLDS["swiss_roll"]["ae"],
    script:
        "../scripts/manifolds_swissroll.py"


rule manifolds_mnist_residual:
    input:
        library=library_of("manifolds_mnist_residual.py"),
        mnist="results/data/mnist.npz",
    output:
        metrics="results/metrics/manifolds_mnist_residual.json",
    log:
        log_path("manifolds_mnist_residual"),
    benchmark:
        bench_path("manifolds_mnist_residual")
    conda:
        conda_env("data")
    threads: 1
    resources:
        mem_mb=config["resources"]["mem_mb"],
    params:
        n=MANIFOLDS["mnist"]["n"],
        digit=MANIFOLDS["mnist"]["digit"],
        k=MANIFOLDS["mnist"]["k"],
        max_dim=MANIFOLDS["max_dim"],
    script:
        "../scripts/manifolds_mnist_residual.py"


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
    rules=["manifolds_circle", "manifolds_swissroll", "manifolds_mnist_residual"],
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
    intro=(
        "PCA and the linear AutoEncoder see only the covariance. Two data sets whose low intrinsic dimension is"
        " invisible to it: points on a circle (covariance 1/2 I, one parameter) and the Swiss roll (a rolled-up"
        " 2-D sheet). Isomap (geodesic distances on a K = 7 neighbour graph, then classical MDS) and a small"
        " nonlinear AutoEncoder recover what PCA cannot."
    ),
)
