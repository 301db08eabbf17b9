"""RBM tractability: on a tiny RBM, p(h|v) by exact enumeration equals the product of sigmoids (float64)."""

from aevq.models.rbm import factorization_table
from aevq.runtime import snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    rows = factorization_table(p.n_visible, p.n_hidden, p.n_rows, seed=p.seed)
    write_json(
        {
            "n_visible": p.n_visible,
            "n_hidden": p.n_hidden,
            "dtype": "float64",
            "rows": rows,
            "max_abs_error_p_h_given_v": max(r["max_abs_error_p_h_given_v"] for r in rows),
            "max_abs_error_free_energy": max(r["abs_error_free_energy"] for r in rows),
        },
        snakemake.output.metrics,
    )
