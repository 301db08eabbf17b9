# Ch. 3.2: Probabilistic PCA: rules, notebook and report section.

PPCA = config["ppca"]
PPCA_CAT = "3. Probabilistic PCA"


rule ppca_fit:
    input:
        library=library_of("ppca_fit.py"),
        mnist="results/data/mnist.npz",
    output:
        npz="results/models/ppca/ppca_fit.npz",
        metrics="results/metrics/ppca.json",
    log:
        log_path("ppca_fit"),
    benchmark:
        bench_path("ppca_fit")
    conda:
        conda_env("data")
    threads: PPCA["blas_threads"] or HEAVY_THREADS
    resources:
        mem_mb=config["resources"]["mem_mb"],
    params:
        q=PPCA["n_components"],
        n_train=PPCA["n_train"] or config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        em=PPCA["em"],
        posterior=PPCA["posterior"],
        n_samples=PPCA["n_samples"],
        seed=rule_seed("ppca_fit"),
        profile=config["profile"],
    script:
        "../scripts/ppca_fit.py"


rule ppca_cost_bench:
    input:
        library=library_of("ppca_cost_bench.py"),
    output:
        metrics="results/metrics/ppca_cost_bench.json",
    log:
        log_path("ppca_cost_bench"),
    benchmark:
        bench_path("ppca_cost_bench")
    conda:
        conda_env("data")
    threads: PPCA["bench"]["threads"]
    resources:
        mem_mb=config["resources"]["mem_mb"],
    params:
        bench=PPCA["bench"],
        seed=rule_seed("ppca_cost_bench"),
    script:
        "../scripts/ppca_cost_bench.py"


register_section(
    notebook="03_ppca.ipynb",
    inputs=dict(
        fit="results/models/ppca/ppca_fit.npz",
        metrics="results/metrics/ppca.json",
        bench="results/metrics/ppca_cost_bench.json",
    ),
    category=PPCA_CAT,
    rules=["ppca_fit", "ppca_cost_bench"],
    key="ppca",
    order=40,
    title="3. Probabilistic PCA: the encoder derived by Bayes",
    lecture="§3.2 Probabilistic PCA (Tipping & Bishop 1999)",
    figures=["ppca_em_convergence", "ppca_samples", "ppca_ml_formula", "ppca_cost"],
    tables=["ppca_posterior_check", "ppca_ml_formula_values", "ppca_cost_times"],
    metrics=["ppca", "ppca_cost_bench"],
    intro=(
        "PPCA gives PCA a likelihood: z ~ N(0, I), x | z ~ N(W z + mu, sigma^2 I). Its encoder p(z|x) is derived,"
        " not assumed, and its maximum-likelihood fit has a closed form (PCA) and an EM route that never forms a"
        " D x D matrix. Both are fitted on MNIST, the posterior formula is checked against the exact Gaussian"
        " conditional and Monte Carlo, and the two fits' costs are measured."
    ),
)
