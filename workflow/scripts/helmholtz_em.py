"""The lecture's Fig 10: -F(theta, Q) and EM's path on a model small enough to enumerate
(aevq.chapters.helmholtz_em.em_surface); save its metrics and claims and the surface."""

from aevq.chapters.helmholtz_em import em_surface
from aevq.runtime import save_npz, snakemake_job, write_json

with snakemake_job(snakemake):
    doc, arrays = em_surface(snakemake.params.cfg)
    save_npz(snakemake.output.arrays, **arrays)
    write_json(doc, snakemake.output.metrics)
