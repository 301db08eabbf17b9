"""Assemble results/report.html from the registered sections, metrics JSON and benchmark files."""

from aevq.report import build_report
from aevq.runtime import snakemake_job

with snakemake_job(snakemake):
    summary = build_report(snakemake.params.sections, snakemake.output.html, config=dict(snakemake.params.config))
    print(f"report: {summary}")
