# aevq: from raw MNIST to one report that measures every claim of the lecture, in the lecture's order.
# Rules live in workflow/rules/ (one file per stage or chapter); the library in src/aevq; notebooks only draw.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


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
