# Ch. 3.4: the Helmholtz machine. The papers' two machines first (Dayan et al.'s deterministic machine on the shifter,
# Hinton et al.'s wake-sleep on the bars), then the sigmoid machine on the shifter (three learners x top sizes x
# seeds, the test of Dayan et al.'s Appendix A), the exact EM surface of the lecture's Fig 10, the notebook and the
# report section.


rule helmholtz_shifter:
    input:
        library=library_of("helmholtz_shifter.py"),
    output:
        arrays="results/models/helmholtz/deterministic_shifter.npz",
        metrics="results/metrics/helmholtz_shifter.json",
    log:
        log_path("helmholtz_shifter"),
    benchmark:
        bench_path("helmholtz_shifter")
    priority: 5
    conda:
        conda_env("torch")
    threads: 1  # float64 on a 32-24-2 net: one core is as fast as two
    resources:
        **compute_resources(),
    params:
        **compute_params("helmholtz_shifter", dict(cfg=config["helmholtz_shifter"])),
    script:
        "../scripts/helmholtz_shifter.py"


rule helmholtz_bars:
    input:
        library=library_of("helmholtz_bars.py"),
    output:
        arrays="results/models/helmholtz/wake_sleep_bars.npz",
        metrics="results/metrics/helmholtz_bars.json",
    log:
        log_path("helmholtz_bars"),
    benchmark:
        bench_path("helmholtz_bars")
    priority: 5
    conda:
        conda_env("torch")
    resources:
        **compute_resources(),
    params:
        **compute_params("helmholtz_bars", dict(cfg=config["helmholtz_bars"])),
    script:
        "../scripts/helmholtz_bars.py"


HH = config["helmholtz"]
HH_RUNS = expand(
    "results/models/helmholtz/{learner}_top{top}.{ext}",
    learner=["wake_sleep", "rws", "exact_ml"],
    top=HH["tops"],
    ext=["json", "npz"],
)
HH_METRICS = [r for r in HH_RUNS if r.endswith(".json")]


wildcard_constraints:
    top="[0-9]+",


HH_LEARNER_PARAMS = dict(
    seed=rule_seed("helmholtz"),  # one stream for every learner: same starts, same data
    # what one learner's job uses: not the other learners' settings, not the list of top sizes
    helmholtz={k: v for k, v in HH.items() if k not in ("learners", "tops")},
)


# One job per learner and top size: wake-sleep and RWS through the {learner} wildcard, exact maximum likelihood as
# its own rule (its runs take the longest, so it starts first: two side by side end soonest).
rule helmholtz_learner:
    input:
        library=library_of("helmholtz_learner.py"),
    output:
        arrays="results/models/helmholtz/{learner,wake_sleep|rws}_top{top}.npz",
        metrics="results/models/helmholtz/{learner,wake_sleep|rws}_top{top}.json",
    log:
        log_path("helmholtz_learner_{learner}_top{top}"),
    benchmark:
        bench_path("helmholtz_learner_{learner}_top{top}")
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "helmholtz_learner",
            dict(
                HH_LEARNER_PARAMS,
                learner=lambda wildcards: wildcards.learner,
                settings=lambda wildcards: HH["learners"][wildcards.learner],
            ),
        ),
    script:
        "../scripts/helmholtz_learner.py"


rule helmholtz_exact_ml:
    input:
        library=library_of("helmholtz_learner.py"),
    output:
        arrays="results/models/helmholtz/exact_ml_top{top}.npz",
        metrics="results/models/helmholtz/exact_ml_top{top}.json",
    log:
        log_path("helmholtz_learner_exact_ml_top{top}"),
    benchmark:
        bench_path("helmholtz_learner_exact_ml_top{top}")
    priority: 5
    conda:
        conda_env("torch")
    threads: HEAVY_THREADS
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "helmholtz_exact_ml",
            dict(
                HH_LEARNER_PARAMS,
                learner="exact_ml",
                settings=HH["learners"]["exact_ml"],
            ),
        ),
    script:
        "../scripts/helmholtz_learner.py"


rule helmholtz_summary:
    input:
        library=library_of("helmholtz_summary.py"),
        runs=HH_METRICS,
        main_arrays="results/models/helmholtz/wake_sleep_top1.npz",
    output:
        metrics="results/metrics/helmholtz.json",
    log:
        log_path("helmholtz_summary"),
    benchmark:
        bench_path("helmholtz_summary")
    conda:
        conda_env("torch")
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "helmholtz_summary", dict(profile=config["profile"], helmholtz=HH)
        ),
    script:
        "../scripts/helmholtz_summary.py"


rule helmholtz_em:
    input:
        library=library_of("helmholtz_em.py"),
    output:
        arrays="results/models/helmholtz/em_surface.npz",
        metrics="results/metrics/helmholtz_em.json",
    log:
        log_path("helmholtz_em"),
    benchmark:
        bench_path("helmholtz_em")
    conda:
        conda_env("torch")
    resources:
        **compute_resources(),
    params:
        **compute_params("helmholtz_em", dict(cfg=config["helmholtz_em"])),
    script:
        "../scripts/helmholtz_em.py"


HELMHOLTZ_SECTION = register_section(
    "helmholtz",
    notebook="06_helmholtz.ipynb",
    inputs=dict(
        shifter_arrays=rules.helmholtz_shifter.output.arrays,
        shifter=rules.helmholtz_shifter.output.metrics,
        bars_arrays=rules.helmholtz_bars.output.arrays,
        bars=rules.helmholtz_bars.output.metrics,
        em_arrays=rules.helmholtz_em.output.arrays,
        em=rules.helmholtz_em.output.metrics,
        main_arrays="results/models/helmholtz/wake_sleep_top1.npz",
        runs=HH_METRICS,
        metrics=rules.helmholtz_summary.output.metrics,
    ),
    claims=[
        rules.helmholtz_shifter.output.metrics,
        rules.helmholtz_bars.output.metrics,
        rules.helmholtz_summary.output.metrics,
        rules.helmholtz_em.output.metrics,
    ],
    products=HH_RUNS,
)


rule notebook_helmholtz:
    input:
        **notebook_input(HELMHOLTZ_SECTION),
    output:
        **notebook_output(HELMHOLTZ_SECTION),
    log:
        log_path("notebook_helmholtz"),
    benchmark:
        bench_path("notebook_helmholtz")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        **notebook_params(HELMHOLTZ_SECTION),
    shell:
        PAPERMILL


rule chapter_helmholtz:
    input:
        chapter_targets(HELMHOLTZ_SECTION),
    localrule: True
