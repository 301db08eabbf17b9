"""RBM tractability: on a tiny RBM, p(h|v) by exact enumeration equals the product of sigmoids (float64)."""

from aevq.chapters.deep_ae import factorization_check
from aevq.runtime import snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    write_json(factorization_check(p.n_visible, p.n_hidden, p.n_rows, seed=p.seed), snakemake.output.metrics)
