# aevq: from raw MNIST to one report that measures every claim of the lecture, in the lecture's order.
# Rules live in workflow/rules/ (one file per stage or chapter); the library in src/aevq; notebooks only draw.
import os

from snakemake.utils import min_version

min_version("9.0")


# The full profile's config, then (with `--profile workflow/profiles/quick`) the quick overlay, then whatever the
# command line adds (--configfile, --config) on top of both: see workflow/rules/config.smk.
configfile: os.path.join(workflow.basedir, "config/config.yaml")


include: "workflow/rules/config.smk"
include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
# chapters, in lecture order (each registers its report section)
include: "workflow/rules/linear_ae.smk"
include: "workflow/rules/ppca.smk"
include: "workflow/rules/manifolds.smk"
include: "workflow/rules/deep_ae.smk"
include: "workflow/rules/helmholtz.smk"
include: "workflow/rules/limits.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        "results/report.html",
        # every model, array and metrics file the report stands on: a missing one is rebuilt, never ignored
        REPORT_PRODUCTS,


# `AEVQ_DESCRIBE_RULES=rules.json snakemake -n`: Snakemake's own view of every rule (its script or notebook and its
# conda env), for the tests that check envs and devices rule by rule without parsing the rule files themselves.
if os.environ.get("AEVQ_DESCRIBE_RULES"):
    import json

    def _described(r):
        base = os.path.dirname(r.snakefile)
        notebook = r.input.get("notebook") if hasattr(r.input, "get") else None
        return dict(
            name=r.name,
            script=os.path.normpath(os.path.join(base, r.script)) if r.script else None,
            notebook=str(notebook) if notebook else None,
            conda_env=r.conda_env if isinstance(r.conda_env, str) else None,
        )

    with open(os.environ["AEVQ_DESCRIBE_RULES"], "w") as fh:
        json.dump([_described(r) for r in workflow.rules], fh, indent=1)
