# Ch. 3.2: Probabilistic PCA: rules, notebook and report section.
PPCA = config["ppca"]


compute_rule(
    "ppca_fit",
    "ppca_fit.py",
    input=dict(mnist=MNIST),
    output=dict(
        npz="results/models/ppca/ppca_fit.npz", metrics="results/metrics/ppca.json"
    ),
    params=dict(
        q=PPCA["n_components"],
        n_train=PPCA["n_train"] or MNIST_SIZES["n_train"],
        n_test=MNIST_SIZES["n_test"],
        **pick(PPCA, "em", "posterior", "n_samples"),
        profile=config["profile"],
    ),
    env="data",
    threads=PPCA["blas_threads"] or HEAVY_THREADS,
)

compute_rule(
    "ppca_cost_bench",
    "ppca_cost_bench.py",
    output=dict(metrics="results/metrics/ppca_cost_bench.json"),
    params=dict(bench=PPCA["bench"]),
    env="data",
    threads=PPCA["bench"]["threads"],
)


register_section(
    "ppca",
    notebook="03_ppca.ipynb",
    inputs=dict(
        fit=rules.ppca_fit.output.npz,
        metrics=rules.ppca_fit.output.metrics,
        bench=rules.ppca_cost_bench.output.metrics,
    ),
    claims=[rules.ppca_fit.output.metrics, rules.ppca_cost_bench.output.metrics],
)
