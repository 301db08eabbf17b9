"""Gather the learner x top-size runs of the Helmholtz chapter into its metrics: the comparison table and the claims
(aevq.chapters.helmholtz.summary_document)."""

import numpy as np

from aevq.chapters.helmholtz import summary_document
from aevq.runtime import read_json, snakemake_job, write_json

with snakemake_job(snakemake):
    docs = [read_json(path) for path in snakemake.input.runs]
    first_kl_qp = np.load(snakemake.input.main_arrays)["first_kl_qp"]
    write_json(
        summary_document(snakemake.params.helmholtz, docs, first_kl_qp, snakemake.params.profile),
        snakemake.output.metrics,
    )
