# Ch. 3.3: uncorrelated is not independent (circle, Swiss roll, Isomap): rules, notebook and report section.
# The models are tiny (an MLP with two 32- or 64-unit layers, N <= 2000 points): one thread each is fastest, and
# lets Snakemake run the three compute rules side by side.
MANIFOLDS = config["manifolds"]


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
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "manifolds_circle",
            pick(MANIFOLDS["circle"], "n", "hidden", "epochs", "batch_size", "lr"),
            gpu=True,
        ),
    script:
        "../scripts/manifolds_circle.py"


rule manifolds_swissroll:
    input:
        library=library_of("manifolds_swissroll.py"),
        circle=rules.manifolds_circle.output.metrics,
    output:
        npz="results/models/manifolds/swissroll.npz",
        metrics="results/metrics/manifolds.json",
    log:
        log_path("manifolds_swissroll"),
    benchmark:
        bench_path("manifolds_swissroll")
    conda:
        conda_env("torch")
    resources:
        **compute_resources(gpu=True),
    params:
        **compute_params(
            "manifolds_swissroll",
            dict(
                **pick(MANIFOLDS["swiss_roll"], "n", "k", "noise", "ae"),
                max_dim=MANIFOLDS["max_dim"],
            ),
            gpu=True,
        ),
    script:
        "../scripts/manifolds_swissroll.py"


rule manifolds_mnist_residual:
    input:
        library=library_of("manifolds_mnist_residual.py"),
        mnist=MNIST,
    output:
        metrics="results/metrics/manifolds_mnist_residual.json",
    log:
        log_path("manifolds_mnist_residual"),
    benchmark:
        bench_path("manifolds_mnist_residual")
    conda:
        conda_env("data")
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "manifolds_mnist_residual",
            dict(
                **pick(MANIFOLDS["mnist"], "n", "digit", "k"),
                max_dim=MANIFOLDS["max_dim"],
            ),
        ),
    script:
        "../scripts/manifolds_mnist_residual.py"


MANIFOLDS_SECTION = register_section(
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


rule notebook_manifolds:
    input:
        **notebook_input(MANIFOLDS_SECTION),
    output:
        **notebook_output(MANIFOLDS_SECTION),
    log:
        log_path("notebook_manifolds"),
    benchmark:
        bench_path("notebook_manifolds")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        **notebook_params(MANIFOLDS_SECTION),
    shell:
        PAPERMILL


rule chapter_manifolds:
    input:
        chapter_targets(MANIFOLDS_SECTION),
    localrule: True
