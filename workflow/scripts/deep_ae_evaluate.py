"""Gather the chapter's models into the paper's error table, the claims, the summary rows and the measured timing."""

from aevq.chapters.deep_ae import DOCUMENTS, chapter_metrics
from aevq.runtime import read_json, snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    docs = {name: read_json(getattr(snakemake.input, name)) for name in DOCUMENTS}
    write_json(chapter_metrics(docs, profile=p.profile, threads_requested=p.threads), snakemake.output.metrics)
