# Last stage: one self-contained HTML report in lecture order, plus named targets for each chapter and figure.
from aevq import report_text

REPORT_FIGURES = [f["path"] for s in SECTIONS for f in s["figures"]]
REPORT_PRODUCTS = [p for s in SECTIONS for p in s["products"]]


# Each chapter's notebook rule, from its register_section() declaration: papermill runs the notebook on the declared
# inputs (paths injected as parameters) and it writes the declared figures and tables; nothing in it trains.
for _section in SECTIONS:

    rule:
        name:
            f"notebook_{_section['key']}"
        input:
            **_section["inputs"],
            library=library_of(_section["notebook"]),
            notebook=repo_path(f"notebooks/{_section['notebook']}"),
        output:
            **{f: figure(f, _section["category"]) for f in _section["figure_names"]},
            **{
                f"table_{t}": table(t, _section["category"])
                for t in _section["table_names"]
            },
            notebook=f"results/notebooks/{_section['notebook']}",
        log:
            log_path(f"notebook_{_section['key']}"),
        benchmark:
            bench_path(f"notebook_{_section['key']}")
        group:
            "figures"
        conda:
            conda_env("notebook")
        params:
            args=papermill_parameters,
            figure_args=_section["figure_args"],
        shell:
            "papermill -k python3 --no-progress-bar {input.notebook} {output.notebook} {params.args}"
            " {params.figure_args} > {log} 2>&1"


# What each chapter's figures stand on, for the provenance line under every figure: the notebook, the artefacts it
# reads and the rule, script and library modules that made each one (read from the rules declared above).
REPORT_PROVENANCE = {
    s["key"]: pipeline.section_provenance(
        s["notebook"],
        s["inputs"],
        library_of(s["notebook"]),
        pipeline.artefact_producers(workflow.rules, workflow.basedir),
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


compute_rule(
    "report",
    "build_report.py",
    input=dict(
        figures=REPORT_FIGURES,
        tables=[t["path"] for s in SECTIONS for t in s["tables"]],
        metrics=[m for s in SECTIONS for m in s["metrics"]],
        captions=[
            item["caption"] for s in SECTIONS for item in s["figures"] + s["tables"]
        ],
        intros=[s["intro_path"] for s in SECTIONS],
        coverage=repo_path("workflow/report/coverage.yaml"),
    ),
    output=dict(html="results/report.html"),
    params=dict(
        sections=sorted(SECTIONS, key=lambda s: s["order"]),
        config=pipeline.provenance_config(config),
        provenance=REPORT_PROVENANCE,
    ),
    env="notebook",
)


# `snakemake --cores all chapter_data` rebuilds one chapter; `snakemake --cores all fig_data_mnist_samples`
# one figure (the notebook that draws it runs; training rules are cached and never rerun for a figure).
for _section in SECTIONS:

    rule:
        name:
            f"chapter_{_section['key']}"
        input:
            [f["path"] for f in _section["figures"]]
            + [t["path"] for t in _section["tables"]]
            + _section["products"],
        localrule: True


for _fig in REPORT_FIGURES:

    rule:
        name:
            f"fig_{Path(_fig).stem}"
        input:
            _fig,
        localrule: True
