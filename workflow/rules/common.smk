# Shared by all the stage files: the helpers every compute rule and every chapter is declared with. What they derive
# (a script's library modules, seeds, threads, papermill arguments, a chapter's figures, title and intro) is
# aevq.pipeline's, tested there.
from pathlib import Path

# Jobs import `aevq` from this checkout's src/, whatever the environment (pip, --sdm conda, a cluster node).
os.environ.update(
    PYTHONPATH=pipeline.pythonpath_with(SRC_DIR, os.environ.get("PYTHONPATH", ""))
)
# OpenMP threads sleep instead of spinning while they wait, in every job: on a shared, oversubscribed CPU a spinning
# 2-thread GEMM was measured 10-40x slower than a sleeping one (jobs inherit it; set before any of them loads libgomp).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DEVICE = config["device"]
GPU = 1 if DEVICE == "cuda" else 0
HEAVY_THREADS = pipeline.training_threads(
    getattr(workflow, "_cores", None), config["resources"]["threads"]
)
pick = pipeline.pick


def repo_path(path):
    """A file of this checkout (notebook, caption) as a path from the working directory (also under `-d elsewhere`)."""
    return os.path.relpath(Path(workflow.basedir) / path)


def library_of(entry):
    return pipeline.library_of(entry, workflow.basedir)


def rule_seed(name, variant=None):
    """The seed of stream ``name`` (a key of aevq.pipeline.SEED_OFFSETS), or of one of its wildcard variants."""
    try:
        return pipeline.rule_seed(name, config["seed"], variant)
    except KeyError as err:
        raise WorkflowError(err.args[0]) from None


def conda_env(family):
    """The per-family conda env for the configured device (envs/cpu or envs/cuda); pins equal the pip pins."""
    return f"../../envs/{DEVICE}/{family}.yaml"


def log_path(name):
    return f"results/logs/{name}.log"


def bench_path(name):
    return f"results/benchmarks/{name}.tsv"


def figure(name, category):
    """A figure's PNG (marked for `snakemake --report`) and its vector PDF copy; caption in workflow/report/."""
    # (a line may not start with `report(`: the parser reads it as the `report:` directive)
    png = report(
        f"results/figures/{name}.png",
        caption=f"../report/{name}.rst",
        category=category,
    )
    return [png, f"results/figures/{name}.pdf"]


def table(name, category):
    csv = report(
        f"results/tables/{name}.csv", caption=f"../report/{name}.rst", category=category
    )
    return csv


def papermill_parameters(wildcards, input):
    return pipeline.papermill_arguments(input.items())


figure_parameters = pipeline.figure_parameters


# -- compute rules ---------------------------------------------------------------------------------------------------
# Each compute rule is declared by name in its chapter's file, so `grep -n "rule NAME"` finds it and Snakemake's errors
# point to it (workflow/rules/data.smk has the shortest). What every compute rule shares is derived by one helper each,
# the same way in every one, and tests/test_rules.py checks them all.
#   input       library=library_of("SCRIPT.py"), the library modules the script runs (an edit reruns their users)
#   log         log_path(JOB), and benchmark bench_path(JOB): JOB is the rule's name, plus its wildcards if it fans out
#   conda       conda_env(FAMILY), the family's env for the configured device
#   resources   **compute_resources(gpu=...), the configured memory and, on a CUDA run, a GPU if it may use one
#   params      **compute_params(NAME, dict(...), gpu=...), its own, its seed stream and, if it may use a GPU, the device


def compute_params(name, params=None, *, gpu=False):
    """The params of the compute rule ``name``, derived the same way for all of them.

    Its own ``params``, the ``seed`` of its stream when SEED_OFFSETS has one (unless it passes its own) and, for a torch
    job that may use a GPU (``gpu=True``, with ``compute_resources(gpu=True)``), what it runs on. Canonical: equal
    configs give equal params, whatever the order the config layers were merged in (pipeline.canonical_params).
    """
    params = dict(params or {})
    if name in pipeline.SEED_OFFSETS:
        params.setdefault("seed", rule_seed(name))
    if gpu:
        params.setdefault("device", DEVICE)
    return pipeline.canonical_params(params)


def compute_resources(*, gpu=False, mem_mb=None):
    """A compute job's resources: the memory of config["resources"] (or its own ``mem_mb``) and, on a CUDA run, a GPU
    for a torch job that may use one (``gpu=True``, with ``compute_params(..., gpu=True)``).
    """
    return dict(mem_mb=mem_mb or config["resources"]["mem_mb"], gpu=GPU if gpu else 0)


SECTIONS = []


def compute_rules_of_this_file():
    """The compute rules (those that run a script) declared so far in the file being read, i.e. a chapter's."""
    here = workflow.included_stack[-1].get_path_or_uri(secret_free=True)
    return [r for r in workflow.rules if r.snakefile == here and r.script]


def register_section(
    key, notebook, inputs, claims, products=(), intro_values=None, figure_args=""
):
    """A chapter of the report, declared once in its file, after the chapter's compute rules (those of the file).

    Their outputs (models, arrays, metrics), and any ``products`` of wildcard rules, are targets of `all` and of
    `chapter_<key>` too, so a missing intermediate is rebuilt even when the figures drawn from it still exist.
    ``claims`` names the chapter's metrics JSONs, in the order the report shows their claims
    (``[rules.X.output.metrics, ...]``); every metrics file of the chapter's rules must be named there. ``notebook``
    (in notebooks/) draws from the named ``inputs`` the figures and tables it names (aevq.pipeline.notebook_products);
    the title, lecture reference and intro are workflow/report/sections/<key>.rst's (``intro_values`` fill its
    ``{name}`` fields). Returns the section, from which the chapter's `notebook_<key>` rule takes its input, output
    and params (notebook_input, notebook_output, notebook_params: ``figure_args``, from ``figure_parameters``, go to
    the notebook) and its `chapter_<key>` target its files (chapter_targets).
    """
    declared = compute_rules_of_this_file()
    # a wildcard rule's outputs are patterns, not files: its files are the chapter's ``products``
    outputs = [
        str(f)
        for r in declared
        if "{" not in "".join(map(str, r.output))
        for f in r.output
    ]
    claims = [str(c) for c in claims]
    declared_metrics = [f for f in outputs if f.startswith("results/metrics/")]
    if sorted(claims) != sorted(declared_metrics):
        raise WorkflowError(
            f"register_section({key!r}): claims= must name every metrics file of the chapter's rules, once:"
            f" missing {sorted(set(declared_metrics) - set(claims))}, not the chapter's"
            f" {sorted(set(claims) - set(declared_metrics))}"
        )
    intro_path = repo_path(f"workflow/report/sections/{key}.rst")
    text = pipeline.read_section(intro_path, intro_values)
    figures, tables = pipeline.notebook_products(repo_path(f"notebooks/{notebook}"))

    def shown(kind, names):
        return [
            dict(
                path=f"results/{kind}/{n}.{'png' if kind == 'figures' else 'csv'}",
                caption=repo_path(f"workflow/report/{n}.rst"),
            )
            for n in names
        ]

    SECTIONS.append(
        dict(
            key=key,
            order=len(SECTIONS) + 1,  # the chapters are included in lecture order
            **text,
            intro_path=intro_path,
            figures=shown("figures", figures),
            tables=shown("tables", tables),
            metrics=claims,
            products=sorted(set(outputs) | set(products)),
            notebook=notebook,
            # plain paths: rules.X.output.Y carries its rule, which the report job cannot be handed
            inputs={
                k: [str(f) for f in v] if isinstance(v, list) else str(v)
                for k, v in inputs.items()
            },
            category=pipeline.report_category(text["title"]),
            figure_args=figure_args,
            figure_names=figures,
            table_names=tables,
        )
    )
    return SECTIONS[-1]


# -- a chapter's notebook rule and target ------------------------------------------------------------------------------
# Each chapter file ends with its register_section() and two literal rules that take what they derive from the
# section it returns: `notebook_<key>` (papermill runs the notebook on the chapter's inputs; it writes the chapter's
# figures and tables) and the target `chapter_<key>` (`snakemake --cores all chapter_<key>` rebuilds the chapter).
# workflow/rules/data.smk is the shortest example.

PAPERMILL = (
    "papermill -k python3 --no-progress-bar {input.notebook} {output.notebook} {params.args}"
    " {params.figure_args} > {log} 2>&1"
)


def notebook_input(section):
    """The chapter's artefacts its notebook reads (each passed to it by name), then its library and the notebook."""
    return dict(
        **section["inputs"],
        library=library_of(section["notebook"]),
        notebook=repo_path(f"notebooks/{section['notebook']}"),
    )


def notebook_output(section):
    """The figures and tables the chapter's notebook writes (read from its save paths), and the executed notebook."""
    return dict(
        **{f: figure(f, section["category"]) for f in section["figure_names"]},
        **{f"table_{t}": table(t, section["category"]) for t in section["table_names"]},
        notebook=f"results/notebooks/{section['notebook']}",
    )


def notebook_params(section):
    """Every input but the notebook and its library as a papermill `-p` argument, and the figure-only values."""
    return dict(args=papermill_parameters, figure_args=section["figure_args"])


def chapter_targets(section):
    """Everything a chapter makes: its figures, tables and the products its figures stand on."""
    return (
        [f["path"] for f in section["figures"]]
        + [t["path"] for t in section["tables"]]
        + section["products"]
    )
