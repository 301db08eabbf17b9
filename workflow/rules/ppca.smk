# Ch. 3.2: Probabilistic PCA: rules, notebook and report section.
PPCA = config["ppca"]


rule ppca_fit:
    input:
        library=library_of("ppca_fit.py"),
        mnist=MNIST,
    output:
        npz="results/models/ppca/ppca_fit.npz",
        metrics="results/metrics/ppca.json",
    log:
        log_path("ppca_fit"),
    benchmark:
        bench_path("ppca_fit")
    priority: 8  # minutes of EM at full scale that nothing else waits for: started early, it never ends a run alone
    conda:
        conda_env("data")
    threads: PPCA["blas_threads"] or HEAVY_THREADS
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "ppca_fit",
            dict(
                q=PPCA["n_components"],
                n_train=PPCA["n_train"] or MNIST_SIZES["n_train"],
                n_test=MNIST_SIZES["n_test"],
                **pick(PPCA, "em", "posterior", "n_samples"),
                profile=config["profile"],
            ),
        ),
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
        **compute_resources(),
    params:
        **compute_params("ppca_cost_bench", dict(bench=PPCA["bench"])),
    script:
        "../scripts/ppca_cost_bench.py"


PPCA_SECTION = register_section(
    "ppca",
    notebook="03_ppca.ipynb",
    inputs=dict(
        fit=rules.ppca_fit.output.npz,
        metrics=rules.ppca_fit.output.metrics,
        bench=rules.ppca_cost_bench.output.metrics,
    ),
    claims=[rules.ppca_fit.output.metrics, rules.ppca_cost_bench.output.metrics],
)


rule notebook_ppca:
    input:
        **notebook_input(PPCA_SECTION),
    output:
        **notebook_output(PPCA_SECTION),
    log:
        log_path("notebook_ppca"),
    benchmark:
        bench_path("notebook_ppca")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        **notebook_params(PPCA_SECTION),
    shell:
        PAPERMILL


rule chapter_ppca:
    input:
        chapter_targets(PPCA_SECTION),
    localrule: True
