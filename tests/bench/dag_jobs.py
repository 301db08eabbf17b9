"""Every job of the DAG as Snakemake builds it, written as JSON: what a refactor of the rule files must not change.

    python tests/bench/dag_jobs.py OUT.json [snakemake arguments ...]
    python tests/bench/dag_jobs.py OUT.json --profile workflow/profiles/quick
    python tests/bench/dag_jobs.py OUT.json --target chapter_ppca   # the jobs of one target (default: all)

Runs a forced dry run (every job planned, nothing executed) and records each job's rule, wildcards, input and output
files, params (by name, as Snakemake serialises them for its rerun check), log, benchmark, conda env, threads,
resources and priority. Two dumps of the same profile that are equal (``cmp`` or ``diff``) mean the two versions of
the workflow run the same scripts on the same files with the same parameters: what they compute is the same. Inputs
under src/ (the library modules a job runs) are listed too, so a rule that gained or lost a module shows.
"""

from __future__ import annotations

import json
import sys


def _plain(value):
    """A JSON-able view of a param value (Snakemake's own serialisation for anything else)."""
    try:
        return json.loads(json.dumps(value, sort_keys=True))
    except TypeError:
        return repr(value)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    out_path, snakemake_args = argv[0], list(argv[1:])
    target = "all"
    if "--target" in snakemake_args:
        at = snakemake_args.index("--target")
        target = snakemake_args[at + 1]
        del snakemake_args[at : at + 2]
    from snakemake.cli import main as snakemake_main
    from snakemake.executors import dryrun

    jobs = []

    def describe(job):
        jobs.append(
            dict(
                rule=job.rule.name,
                wildcards=dict(job.wildcards.items()),
                output=sorted(map(str, job.output)),
                input=sorted(map(str, job.input)),
                params={k: _plain(v) for k, v in job.params.items()},
                log=sorted(map(str, job.log)),
                benchmark=str(job.benchmark) if job.benchmark else None,
                conda_env=job.rule.conda_env if isinstance(job.rule.conda_env, str) else None,
                threads=job.threads,
                resources={k: v for k, v in job.resources.items() if k not in ("_cores", "_nodes", "tmpdir")},
                priority=job.priority,
                script=job.rule.script,
                shell=job.rule.shellcmd,
                group=job.group,
            )
        )

    def record(self, job):
        # the notebooks run as one group job: record its members
        for member in job.jobs if job.is_group() else [job]:
            describe(member)
        return original(self, job)

    original = dryrun.Executor.run_job
    dryrun.Executor.run_job = record
    try:
        snakemake_main([target, "-n", "--forceall", "--quiet", "all", "--cores", "2", *snakemake_args])
    except SystemExit as stop:
        if stop.code:
            return int(stop.code)
    jobs.sort(key=lambda j: (j["rule"], j["output"]))
    with open(out_path, "w") as fh:
        json.dump(jobs, fh, indent=1, sort_keys=True)
    print(f"{len(jobs)} jobs -> {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
