# Last stage: one self-contained HTML report in lecture order, plus a named target for each figure.
from aevq import report_text

REPORT_FIGURES = [f["path"] for s in SECTIONS for f in s["figures"]]
REPORT_PRODUCTS = [p for s in SECTIONS for p in s["products"]]


# What each chapter's figures stand on, for the provenance line under every figure: the notebook, the artefacts it
# reads and the rule, script and library modules that made each one (read from the rules declared above).
ARTEFACT_PRODUCERS = pipeline.artefact_producers(workflow.rules, workflow.basedir)
REPORT_PROVENANCE = {
    s["key"]: pipeline.section_provenance(
        s["notebook"],
        s["inputs"],
        library_of(s["notebook"]),
        ARTEFACT_PRODUCERS,
        workflow.basedir,
    )
    for s in SECTIONS
}


# `snakemake --report` renders the same captions itself (docutils, in this process, after the build): there the
# :measured: and :config: roles read the chapters' metrics and this run's config too.
report_text.register_roles(
    lambda: report_text.TextContext(
        {Path(m).stem: Path(m) for s in SECTIONS for m in s["metrics"]},
        config,
        name="a caption of snakemake --report",
    )
)


rule report:
    input:
        library=library_of("build_report.py"),
        figures=REPORT_FIGURES,
        tables=[t["path"] for s in SECTIONS for t in s["tables"]],
        metrics=[m for s in SECTIONS for m in s["metrics"]],
        captions=[
            item["caption"] for s in SECTIONS for item in s["figures"] + s["tables"]
        ],
        intros=[s["intro_path"] for s in SECTIONS],
        coverage=repo_path("workflow/report/coverage.yaml"),
    output:
        html="results/report.html",
    log:
        log_path("report"),
    benchmark:
        bench_path("report")
    conda:
        conda_env("notebook")
    resources:
        **compute_resources(),
    params:
        **compute_params(
            "report",
            dict(
                sections=sorted(SECTIONS, key=lambda s: s["order"]),
                config=pipeline.provenance_config(config),
                provenance=REPORT_PROVENANCE,
            ),
        ),
    script:
        "../scripts/build_report.py"


# `snakemake --cores all fig_data_mnist_samples` rebuilds one figure (the notebook that draws it runs; training
# rules are cached and never rerun for a figure); each chapter file declares its `chapter_<key>` target. One alias per
# figure, named after the file its notebook saves (aevq.pipeline.notebook_products), so made here in a loop.
for _fig in REPORT_FIGURES:

    rule:
        name:
            f"fig_{Path(_fig).stem}"
        input:
            _fig,
        localrule: True
