"""Gather the learner x top-size runs of the Helmholtz chapter into its metrics: the comparison table and the claims."""

import numpy as np

from aevq.chapters.helmholtz import (
    LEARNERS,
    LN2,
    comparison_claims,
    independent_pixel_kl_bits,
    independent_pixel_valid_share,
    setting_name,
)
from aevq.data.shifter import shifter_distribution
from aevq.runtime import read_json, snakemake_job, write_json

with snakemake_job(snakemake):
    hh = snakemake.params.helmholtz
    dist = shifter_distribution(hh["p_on"])
    tops = list(hh["tops"])
    docs = {(d["learner"], d["n_top"]): d for d in map(read_json, snakemake.input.runs)}
    summary = {lrn: {t: docs[lrn, t]["summary"] for t in tops} for lrn in LEARNERS}
    lead = docs["wake_sleep", 1]
    first = np.load(snakemake.input.main_arrays)
    main = {
        "kl_qp_bits": first["first_kl_qp"] / LN2,
        "prob": dist.prob,
        "min_gap_all_bits": min(d["runs"][0]["final"]["min_gap_float64_bits"] for d in docs.values()),
        "n_settings": len(docs),
        "independent_valid": independent_pixel_valid_share(dist),
    }
    sizes = list(hh["sizes"]) + [1]
    net = "-".join(map(str, sizes))
    claims = comparison_claims(summary, sizes, int(hh["budget"]), tops, main)
    # what the runs measured, without their wall times (those go under "timing": a rerun elsewhere differs there only)
    table = [
        {
            "learner": lrn,
            "n_top": t,
            "setting": setting_name(lrn, t, sizes),
            **{k: v for k, v in summary[lrn][t].items() if k != "train_s_per_seed"},
        }
        for lrn in LEARNERS
        for t in tops
    ]
    lead_run = lead["runs"][0]
    write_json(
        {
            "profile": snakemake.params.profile,
            "sizes": sizes,
            "tops": tops,
            "budget_patterns": int(hh["budget"]),
            "n_distinct_patterns": int(len(dist.prob)),
            "entropy_data_bits": dist.entropy_bits,
            "kl_independent_pixels_bits": independent_pixel_kl_bits(dist),
            "dreams_valid_independent_pixels": main["independent_valid"],
            "settings": {lrn: docs[lrn, tops[0]]["settings"] for lrn in LEARNERS},
            "comparison": table,
            "history": lead_run["history"],  # the lecture's machine, first seed, in full detail
            "final": lead_run["final"],
            "control_seeded_causes": lead["control_seeded_causes"],
            "claims": claims,
            "summary_rows": [
                {
                    "model": f"Helmholtz machine ({net}, shift patterns), {lrn.replace('_', ' ')}",
                    "latent": "binary stochastic",
                    "how_trained": {
                        "wake_sleep": "wake-sleep / free energy",
                        "rws": "reweighted wake-sleep (K importance samples)",
                        "exact_ml": "exact log p(x) gradient (enumeration)",
                    }[lrn],
                    "key_result": f"KL(p_data||p_model) median {summary[lrn][1]['kl_bits_median']:.2f} bits over"
                    f" {summary[lrn][1]['n_seeds']} seeds; top unit codes the direction in"
                    f" {summary[lrn][1]['n_codes_direction']} of {summary[lrn][1]['n_seeds']}",
                }
                for lrn in LEARNERS
            ],
            "timing": {
                "train_s_per_seed": {
                    f"{lrn}_top{t}": summary[lrn][t]["train_s_per_seed"] for lrn in LEARNERS for t in tops
                },
                "latent_configurations_top1": 2 ** sum(sizes[1:]),
            },
        },
        snakemake.output.metrics,
    )
