# Ch. 3.2: Probabilistic PCA: rules, notebook and report section.

PPCA = config["ppca"]
PPCA_CAT = "3. Probabilistic PCA"


compute_rule(
    "ppca_fit",
    "ppca_fit.py",
    input=dict(mnist=MNIST),
    output=dict(
        npz="results/models/ppca/ppca_fit.npz", metrics="results/metrics/ppca.json"
    ),
    params=dict(
        q=PPCA["n_components"],
        n_train=PPCA["n_train"] or config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        em=PPCA["em"],
        posterior=PPCA["posterior"],
        n_samples=PPCA["n_samples"],
        seed=rule_seed("ppca_fit"),
        profile=config["profile"],
    ),
    env="data",
    threads=PPCA["blas_threads"] or HEAVY_THREADS,
)

compute_rule(
    "ppca_cost_bench",
    "ppca_cost_bench.py",
    output=dict(metrics="results/metrics/ppca_cost_bench.json"),
    params=dict(bench=PPCA["bench"], seed=rule_seed("ppca_cost_bench")),
    env="data",
    threads=PPCA["bench"]["threads"],
)


register_section(
    notebook="03_ppca.ipynb",
    inputs=dict(
        fit="results/models/ppca/ppca_fit.npz",
        metrics="results/metrics/ppca.json",
        bench="results/metrics/ppca_cost_bench.json",
    ),
    category=PPCA_CAT,
    key="ppca",
    order=40,
    title="3. Probabilistic PCA: the encoder derived by Bayes",
    lecture="§3.2 Probabilistic PCA (Tipping & Bishop 1999)",
    figures=["ppca_em_convergence", "ppca_samples", "ppca_ml_formula", "ppca_cost"],
    tables=["ppca_posterior_check", "ppca_ml_formula_values", "ppca_cost_times"],
    metrics=["ppca", "ppca_cost_bench"],
)
