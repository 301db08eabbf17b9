"""Assemble results/report.html from the registered sections, metrics JSON, captions, coverage table and benchmarks."""

from aevq.report import build_report
from aevq.runtime import snakemake_job

with snakemake_job(snakemake):
    summary = build_report(
        snakemake.params.sections,
        snakemake.output.html,
        config=dict(snakemake.params.config),
        coverage=snakemake.input.coverage,
        provenance=dict(snakemake.params.provenance),
        root=snakemake.scriptdir + "/../..",
    )
    print(f"report: {summary}")
