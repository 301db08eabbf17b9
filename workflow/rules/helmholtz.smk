# Ch. 3.4: the Helmholtz machine: three learners x top sizes x seeds, their summary, the notebook and the report section.

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


register_section(
    "helmholtz",
    notebook="06_helmholtz.ipynb",
    inputs=dict(
        main_arrays="results/models/helmholtz/wake_sleep_top1.npz",
        runs=HH_METRICS,
        metrics="results/metrics/helmholtz.json",
    ),
    products=HH_RUNS,
    intro_values=dict(
        net="-".join(map(str, HH["sizes"])),
        first=HH["sizes"][1],
        tops=" or ".join(map(str, HH["tops"])),
        budget=HH["budget"],
        seeds=HH["seeds"],
    ),
)
