"""What each PPCA fit costs: forming S (O(N D^2)), eigendecomposing it (O(D^3)) and one EM step (O(N D q)).

Synthetic data (a PPCA model with N fixed), a D sweep at fixed q and a q sweep at fixed D; each time is the median of
``repeats`` runs. Wall times live only in this *_bench.json file, with the fitted log-log slopes and the claim.
"""

import numpy as np
from threadpoolctl import threadpool_limits

from aevq.chapters.ppca import cost_claims, cost_fits, cost_sweeps
from aevq.runtime import snakemake_job, write_json

with snakemake_job(snakemake), threadpool_limits(snakemake.params.bench["threads"]):
    p = snakemake.params.bench
    n, reps = int(p["n"]), int(p["repeats"])
    d_rows, q_rows = cost_sweeps(
        np.random.default_rng(int(snakemake.params.seed)),
        n=n,
        d_grid=p["d_grid"],
        q_fixed=p["q_fixed"],
        q_grid=p["q_grid"],
        d_fixed=p["d_fixed"],
        repeats=reps,
    )
    fits = cost_fits(d_rows, q_rows)
    write_json(
        {
            "N": n,
            "repeats": reps,
            "threads": p["threads"],
            "d_sweep": d_rows,
            "q_sweep": q_rows,
            **fits,
            "claims": cost_claims(fits, repeats=reps, threads=p["threads"]),
        },
        snakemake.output.metrics,
    )
