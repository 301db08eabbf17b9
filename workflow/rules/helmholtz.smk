# Ch. 3.4: the Helmholtz machine. The papers' two machines first (Dayan et al.'s deterministic machine on the shifter,
# Hinton et al.'s wake-sleep on the bars), then the sigmoid machine on the shifter (three learners x top sizes x
# seeds, the test of Dayan et al.'s Appendix A), the exact EM surface of the lecture's Fig 10, the notebook and the
# report section.

compute_rule(
    "helmholtz_shifter",
    "helmholtz_shifter.py",
    output=dict(
        arrays="results/models/helmholtz/deterministic_shifter.npz",
        metrics="results/metrics/helmholtz_shifter.json",
    ),
    params=dict(cfg=config["helmholtz_shifter"]),
    threads=1,  # float64 on a 32-24-2 net: one core is as fast as two
    gpu=0,
    priority=5,
)

compute_rule(
    "helmholtz_bars",
    "helmholtz_bars.py",
    output=dict(
        arrays="results/models/helmholtz/wake_sleep_bars.npz",
        metrics="results/metrics/helmholtz_bars.json",
    ),
    params=dict(cfg=config["helmholtz_bars"]),
    gpu=0,
    priority=5,
)

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
HH_LEARNER_OUTPUT = dict(
    arrays="results/models/helmholtz/{learner}_top{top}.npz",
    metrics="results/models/helmholtz/{learner}_top{top}.json",
)


# One job per learner and top size: wake-sleep and RWS through the {learner} wildcard, exact maximum likelihood as
# its own rule (its runs take the longest, so it starts first: two side by side end soonest).
compute_rule(
    "helmholtz_learner",
    "helmholtz_learner.py",
    output={
        k: v.replace("{learner}", "{learner,wake_sleep|rws}")
        for k, v in HH_LEARNER_OUTPUT.items()
    },
    params=dict(
        **HH_LEARNER_PARAMS,
        learner=lambda wildcards: wildcards.learner,
        settings=lambda wildcards: HH["learners"][wildcards.learner],
    ),
    threads=HEAVY_THREADS,
    gpu=0,
    job="helmholtz_learner_{learner}_top{top}",
)

compute_rule(
    "helmholtz_exact_ml",
    "helmholtz_learner.py",
    output={
        k: v.replace("{learner}", "exact_ml") for k, v in HH_LEARNER_OUTPUT.items()
    },
    params=dict(
        **HH_LEARNER_PARAMS, learner="exact_ml", settings=HH["learners"]["exact_ml"]
    ),
    threads=HEAVY_THREADS,
    gpu=0,
    priority=5,
    job="helmholtz_learner_exact_ml_top{top}",
)

compute_rule(
    "helmholtz_summary",
    "helmholtz_summary.py",
    input=dict(
        runs=HH_METRICS, main_arrays="results/models/helmholtz/wake_sleep_top1.npz"
    ),
    output=dict(metrics="results/metrics/helmholtz.json"),
    params=dict(profile=config["profile"], helmholtz=HH),
    gpu=0,
)

compute_rule(
    "helmholtz_em",
    "helmholtz_em.py",
    output=dict(
        arrays="results/models/helmholtz/em_surface.npz",
        metrics="results/metrics/helmholtz_em.json",
    ),
    params=dict(cfg=config["helmholtz_em"]),
    gpu=0,
)


register_section(
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
