# Shared by all the stage files: how a compute rule and a chapter are declared. What they derive (a script's library
# modules, seeds, threads, papermill arguments, a chapter's figures, title and intro) is aevq.pipeline's, tested there.
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


# The compute rules declared since the last register_section(): that chapter's rules.
CHAPTER_RULES = []

# fmt: off
# (snakefmt cannot parse a rule inside a function; this block is formatted by hand)
def compute_rule(
    name, script_file, output, params=None, input=None, *, env="torch", threads=1, gpu=None, mem_mb=None,
    priority=0, retries=0, job=None,
):
    """Define the rule called ``name``, which runs workflow/scripts/``script_file`` on ``input`` with ``params``.

    All compute rules are declared through this, so what they all share is written once: the script's library
    modules as an input (an edit to one reruns exactly its users), a log and a benchmark named ``job`` (the rule's
    name unless it fans out over wildcards), the conda env of family ``env`` for the configured device, the memory
    of config["resources"], and for a torch job that may use a GPU (``gpu`` not 0) the ``device`` param and, on a
    CUDA run, a GPU. A rule with its own stream in SEED_OFFSETS gets its ``seed`` param unless it passes one.
    """
    # (no argument may be called `script`: a job's generated code calls Snakemake's own `script` by that name)
    job = job or name
    CHAPTER_RULES.append(name)
    params = dict(params or {})
    if name in pipeline.SEED_OFFSETS:
        params.setdefault("seed", rule_seed(name))
    uses_gpu = env == "torch" and gpu != 0
    if uses_gpu:
        params.setdefault("device", DEVICE)
    params = pipeline.canonical_params(params)  # equal configs, equal params, whatever the merge order
    rule:
        name: name
        input: library=library_of(script_file), **(input or {})
        output: **output
        log: log_path(job)
        benchmark: bench_path(job)
        priority: priority
        retries: retries
        conda: conda_env(env)
        threads: threads
        resources:
            mem_mb=mem_mb or config["resources"]["mem_mb"],
            gpu=GPU if uses_gpu else 0,
        params: **params
        script: f"../scripts/{script_file}"
# fmt: on
SECTIONS = []


def register_section(
    key, notebook, inputs, claims, products=(), intro_values=None, figure_args=""
):
    """A chapter of the report, declared once, after its compute rules (those declared since the previous chapter).

    Their outputs (models, arrays, metrics), and any ``products`` of wildcard rules, are targets of `all` and of
    `chapter_<key>` too, so a missing intermediate is rebuilt even when the figures drawn from it still exist.
    ``claims`` names the chapter's metrics JSONs, in the order the report shows their claims
    (``[rules.X.output.metrics, ...]``); every metrics file of the chapter's rules must be named there. ``notebook`` (in notebooks/) draws from the named
    ``inputs`` the figures and tables it names (aevq.pipeline.notebook_products); the title, lecture reference and
    intro are workflow/report/sections/<key>.rst's (``intro_values`` fill its ``{name}`` fields). From this
    report.smk derives `notebook_<key>`, which passes ``figure_args`` (from ``figure_parameters``) to the notebook.
    """
    declared = [getattr(rules, name) for name in CHAPTER_RULES]
    CHAPTER_RULES.clear()
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
