"""Train one learner (wake-sleep, reweighted wake-sleep or exact ML) with one top size over seeds, on the shift
patterns; record each seed's exact KL curve and final measures (and, for the lecture's wake-sleep 32-16-1 machine, its
first seed in full detail)."""

import numpy as np
import torch
from tqdm.auto import tqdm

from aevq.chapters.helmholtz import (
    LearnerSettings,
    data_stream,
    detailed_evaluation,
    final_measures,
    seeded_causes_control,
    summarise_setting,
    train_seed,
)
from aevq.data.shifter import sample_shifter, shifter_distribution
from aevq.runtime import check_progress, save_npz, snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    hh = p.helmholtz
    learner, n_top = p.learner, int(snakemake.wildcards.top)
    torch.set_num_threads(snakemake.threads)
    sizes = list(hh["sizes"]) + [n_top]
    settings = LearnerSettings.from_config(p.settings)
    dist = shifter_distribution(hh["p_on"])
    X_train, _ = sample_shifter(hh["n_train"], np.random.default_rng((p.seed, 1)), p_on=hh["p_on"])
    main = learner == "wake_sleep" and n_top == 1
    runs, arrays = [], {}
    for i in range(min(hh["seeds"], p.settings.get("seeds", hh["seeds"]))):
        order = data_stream(hh["n_train"], hh["budget"], (p.seed, 2, i))
        detail = None
        if main and i == 0:  # the lecture's machine: its free energy, gap and the two phases' objectives
            wake_x, _ = sample_shifter(hh["n_wake"], np.random.default_rng((p.seed, 3)), p_on=hh["p_on"])
            wake_index = dist.index(wake_x)
            eval_rng = np.random.default_rng((p.seed, 4))

            def detail(hm, wake_x=wake_x, wake_index=wake_index, eval_rng=eval_rng):
                return detailed_evaluation(
                    hm, dist, wake_x, wake_index, n_mc=hh["n_mc"], n_dreams=hh["n_dreams"], rng=eval_rng
                )

        run = train_seed(
            learner,
            sizes,
            settings,
            X_train,
            order,
            dist,
            seed=(p.seed, 5, i),  # the same initial weights for every learner
            init_scale=hh["init_scale"],
            n_evals=hh["n_evals"],
            detail=detail,
            progress=lambda it, i=i: tqdm(it, desc=f"{learner} top {n_top} seed {i}", mininterval=10.0),
        )
        hm = run.pop("machine")
        check_progress(
            [r["kl_data_model_bits"] for r in run["history"]],
            what="KL(p_data||p_model)",
            fix=f"lower helmholtz.learners.{learner}.lr_gen",
        )
        run["final"], _ = final_measures(hm, dist)
        run["seed"] = i
        arrays[f"dreams_{i}"] = hm.sample(hh["n_show"], rng=np.random.default_rng((p.seed, 6, i)))
        if i == 0:  # float64 exact tables of the first seed: the bound F >= -log p(x) is checked on these
            ex = hm.exact(dist.patterns)
            run["final"]["min_gap_float64_bits"] = float(ex["kl_qp"].min() / np.log(2.0))
            arrays.update({f"first_{k}": v for k, v in ex.items()})
            arrays["first_W0"] = hm.W[0]
            arrays["first_generative_top_bias"] = hm.b[-1]
        runs.append(run)
        print({"seed": i, **run["final"], "train_s": round(run["train_s"], 2)}, flush=True)

    control = None
    if main and hh["control_patterns"]:
        control = seeded_causes_control(
            sizes,
            settings,
            X_train,
            data_stream(hh["n_train"], hh["control_patterns"], (p.seed, 7)),
            dist,
            seed=(p.seed, 8),
        )
        print({"control_seeded_causes": control}, flush=True)

    if main:  # what the notebook draws besides the runs: data samples and p_data's tables
        arrays["shown"], arrays["shown_direction"] = sample_shifter(
            hh["n_show"], np.random.default_rng((p.seed, 9)), p_on=hh["p_on"]
        )
        arrays.update(patterns=dist.patterns, prob=dist.prob, p_right=dist.p_right, ambiguous=dist.ambiguous)
    arrays["patterns_seen"] = np.array([r["patterns_seen"] for r in runs[0]["history"]])
    arrays["kl_bits"] = np.array([[r["kl_data_model_bits"] for r in run["history"]] for run in runs])
    save_npz(snakemake.output.arrays, **arrays)
    write_json(
        {
            "learner": learner,
            "n_top": n_top,
            "sizes": sizes,
            "settings": p.settings,
            "budget_patterns": int(hh["budget"]),
            "summary": summarise_setting(runs),
            "runs": runs,
            "control_seeded_causes": control,
        },
        snakemake.output.metrics,
    )
