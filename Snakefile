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


# `AEVQ_DESCRIBE_RULES=rules.json snakemake -n`: Snakemake's own view of every rule, for the tests (common.smk)
if os.environ.get("AEVQ_DESCRIBE_RULES"):
    pipeline.describe_rules(
        workflow.rules, os.environ.get("AEVQ_DESCRIBE_RULES"), workflow.linemaps
    )
