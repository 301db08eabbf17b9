# Ch. 3.4: the Helmholtz machine: three learners x top sizes x seeds, their summary, the notebook and the report section.

HH = config["helmholtz"]
HH_CAT = "6. The Helmholtz machine"
HH_LEARNERS = ["wake_sleep", "rws", "exact_ml"]
HH_RUNS = expand(
    "results/models/helmholtz/{learner}_top{top}.json",
    learner=HH_LEARNERS,
    top=HH["tops"],
)


wildcard_constraints:
    top="[0-9]+",


HH_LEARNER_PARAMS = dict(
    seed=rule_seed("helmholtz"),  # one stream for every learner: same starts, same data
    # what one learner's job uses: not the other learners' settings, not the list of top sizes
    helmholtz={k: v for k, v in HH.items() if k not in ("learners", "tops")},
)


# One job per learner and top size: wake-sleep and RWS through the {learner} wildcard, exact maximum likelihood as
# its own rule (its runs take the longest, so it starts first: two side by side end soonest).
compute_rule(
    "helmholtz_learner",
    "helmholtz_learner.py",
    output=dict(
        arrays="results/models/helmholtz/{learner,wake_sleep|rws}_top{top}.npz",
        metrics="results/models/helmholtz/{learner,wake_sleep|rws}_top{top}.json",
    ),
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
    output=dict(
        arrays="results/models/helmholtz/exact_ml_top{top}.npz",
        metrics="results/models/helmholtz/exact_ml_top{top}.json",
    ),
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
        runs=HH_RUNS, main_arrays="results/models/helmholtz/wake_sleep_top1.npz"
    ),
    output=dict(metrics="results/metrics/helmholtz.json"),
    params=dict(profile=config["profile"], helmholtz=HH),
    gpu=0,
)


register_section(
    notebook="06_helmholtz.ipynb",
    inputs=dict(
        main_arrays="results/models/helmholtz/wake_sleep_top1.npz",
        runs=HH_RUNS,
        metrics="results/metrics/helmholtz.json",
    ),
    category=HH_CAT,
    products=HH_RUNS + [r.replace(".json", ".npz") for r in HH_RUNS],
    key="helmholtz",
    order=60,
    title="6. The Helmholtz machine: wake-sleep, reweighted wake-sleep and exact maximum likelihood",
    lecture="§3.4 Helmholtz Machine, Figs 8-10 (Dayan, Hinton, Neal & Zemel 1995; Hinton, Dayan, Frey & Neal 1995;"
    " Bornschein & Bengio 2015)",
    figures=[
        "helmholtz_patterns_dreams",
        "helmholtz_free_energy",
        "helmholtz_bound_gap",
        "helmholtz_kl_data_model",
        "helmholtz_top_layer",
        "helmholtz_wake_sleep_kl",
        "helmholtz_learners_direction",
        "helmholtz_learners_kl",
        "helmholtz_learners_dreams",
    ],
    tables=["helmholtz_learners"],
    metrics=["helmholtz"],
    intro_values=dict(
        net="-".join(map(str, HH["sizes"])),
        first=HH["sizes"][1],
        tops=" or ".join(map(str, HH["tops"])),
        budget=HH["budget"],
        seeds=HH["seeds"],
    ),
)
