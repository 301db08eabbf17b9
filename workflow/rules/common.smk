# Shared by all the stage files: config validation, where the library lives, env/log/benchmark paths, the library
# modules each job runs, and the registry of report sections that each chapter fills in.
import ast
import functools
import json
import os
import shlex
import zlib
from pathlib import Path

# Jobs import `aevq` from this checkout's src/, whatever the environment (pip, --sdm conda, a cluster node).
SRC_DIR = str(Path(workflow.basedir) / "src")
_pythonpath = os.environ.get("PYTHONPATH", "")
if SRC_DIR not in _pythonpath.split(os.pathsep):
    os.environ.update(
        PYTHONPATH=os.pathsep.join(p for p in (SRC_DIR, _pythonpath) if p)
    )

# OpenMP threads sleep instead of spinning while they wait, in every job: on a shared, oversubscribed CPU a spinning
# 2-thread GEMM was measured 10-40x slower than a sleeping one (jobs inherit it; set before any of them loads libgomp).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DEVICE = config["device"]


def training_threads(cores, cap):
    """Threads per training job: a quarter of the cores Snakemake was given, at least 1, at most ``cap``.

    The nets train on minibatches of 100, whose matrices are too small for many threads: on 2 cores two 1-thread jobs
    side by side gave 1.5x the throughput of one 2-thread job (measured), so the default runs several narrow jobs at
    once. A GPU job needs few CPU threads. ``cores`` is None in a dry run without --cores: then the cap.
    """
    if not cores:
        return cap
    return max(1, min(cap, int(cores) // 4))


HEAVY_THREADS = training_threads(
    getattr(workflow, "_cores", None), config["resources"]["threads"]
)
GPU = 1 if DEVICE == "cuda" else 0


def repo_path(path):
    """A file of this repository (notebook, caption, library module) as a path from the working directory.

    From the repository root it is the plain relative path; with `-d elsewhere` it still points at the checkout.
    """
    return os.path.relpath(Path(workflow.basedir) / path)


def _module_file(name):
    """src/aevq/a/b.py or src/aevq/a/b/__init__.py for the module name aevq.a.b (None outside the library)."""
    parts = name.split(".")
    if parts[0] != "aevq":
        return None
    base = Path(SRC_DIR).joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _code_of(path):
    """Python source of a script, or the code cells of a notebook (IPython magics dropped)."""
    path = Path(path)
    if path.suffix != ".ipynb":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    lines = [
        line
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if not line.lstrip().startswith(("%", "!"))
    ]
    return "\n".join(lines)


@functools.cache
def library_of(entry):
    """Every src/aevq module a script (workflow/scripts/NAME) or notebook (notebooks/NAME) imports, transitively.

    Read from the source, never imported. These files are the rule's `library` input, so an edit to a module
    reruns exactly the jobs that run it (a comment-only edit may rerun them too: Snakemake compares files).
    """
    start = Path(workflow.basedir) / (
        f"notebooks/{entry}"
        if entry.endswith(".ipynb")
        else f"workflow/scripts/{entry}"
    )
    seen, todo = set(), [start]
    while todo:
        code = _code_of(todo.pop())
        for name in _imported_names(code):
            parts = name.split(".")
            for depth in range(
                1, len(parts) + 1
            ):  # a module imports its packages' __init__ too
                found = _module_file(".".join(parts[:depth]))
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return sorted(os.path.relpath(f) for f in seen)


# Every job's seed is config["seed"] plus its rule's fixed offset, here and only here: the streams of two rules never
# coincide, and a rule added later changes no other rule's numbers. Rules that fan out over wildcards add a stable
# hash of the wildcards ("variant"). "mnist_binarized" is the limits chapter's one stochastic binarisation, shared by
# the models trained on it and their evaluation (its test images use the next seed).
SEED_OFFSETS = dict(
    ppca_fit=40,
    ppca_cost_bench=41,
    linear_ae_train=301,
    linear_ae_closed_forms=302,
    deep_ae_pretrain=501,
    deep_ae_finetune=502,
    deep_ae_random_init=503,
    deep_ae_shallow=504,
    deep_ae_codes2d=505,
    deep_ae_rbm_check=506,
    deep_ae_logistic_pca=507,
    manifolds_circle=601,
    manifolds_swissroll=611,
    helmholtz=700,
    mnist_binarized=800,
    limits_classifier=801,
    limits_train=810,
    limits_evaluate=890,
)


def rule_seed(name, variant=None):
    """The seed of rule ``name`` (a key of SEED_OFFSETS), or of one of its wildcard variants."""
    if name not in SEED_OFFSETS:
        raise WorkflowError(
            f"no seed offset for {name!r}: add one to SEED_OFFSETS in workflow/rules/common.smk"
        )
    seed = config["seed"] + SEED_OFFSETS[name]
    if variant is not None:
        seed += zlib.crc32(str(variant).encode()) % 10_000
    return seed


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
    """`-p name path` for every named input except the notebook itself, plus the output folders."""
    args = [
        f"-p {key} {shlex.quote(str(value))}"
        for key, value in input.items()
        if key not in ("notebook", "library")
    ]
    args += ["-p figure_dir results/figures", "-p table_dir results/tables"]
    return " ".join(args)


def figure_parameters(**values):
    """Extra `-p name value` papermill arguments for figure-only values (how many points a scatter draws, ...).

    A plain string, so Snakemake records it with the notebook rule's params: changing a value redraws the figure,
    and since the training rules never see it, nothing retrains."""
    return " ".join(f"-p {k} {shlex.quote(str(v))}" for k, v in sorted(values.items()))


def provenance_config(cfg):
    """The config shown in the report's footer, less where the MNIST bytes were fetched from (any source gives the
    same checked bytes; results/metrics/data.json records the one used), so a mirror change reruns nothing.
    """
    shown = json.loads(
        json.dumps(cfg, sort_keys=True)
    )  # one key order: overlays must not look like changes
    for key in ("source", "mirrors", "retries", "timeout_s"):
        shown["data"]["mnist"].pop(key, None)
    return shown


def _plain_seed(r):
    """A rule's seed param: the number, "per wildcards" for a function of them, or None."""
    seed = dict(r.params.items()).get("seed") if hasattr(r.params, "items") else None
    return "per wildcards" if callable(seed) else seed


def describe_rules(path):
    """Write every rule's script or notebook, conda env, seed and param names, as Snakemake parsed them, to ``path``
    (JSON): the tests
    check envs and devices rule by rule from this instead of parsing the rule files themselves.
    """

    def described(r):
        notebook = r.input.get("notebook") if hasattr(r.input, "get") else None
        script = (
            os.path.join(os.path.dirname(r.snakefile), r.script) if r.script else None
        )
        return dict(
            name=r.name,
            script=os.path.normpath(script) if script else None,
            notebook=os.path.abspath(str(notebook)) if notebook else None,
            conda_env=r.conda_env if isinstance(r.conda_env, str) else None,
            seed=_plain_seed(r),
            params=sorted(dict(r.params.items())) if hasattr(r.params, "items") else [],
        )

    with open(path, "w") as fh:
        json.dump([described(r) for r in workflow.rules], fh, indent=1)


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
    of config["resources"], and a GPU for torch jobs on a CUDA run (``gpu=0`` for a torch job that never uses one).
    """
    # (no argument may be called `script`: a job's generated code calls Snakemake's own `script` by that name)
    job = job or name
    CHAPTER_RULES.append(name)
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
            gpu=GPU if gpu is None and env == "torch" else (gpu or 0),
        params: **(params or {})
        script: f"../scripts/{script_file}"
# fmt: on
SECTIONS = []


def section_intro(key, values=None):
    """A chapter's opening paragraph(s), from workflow/report/sections/<key>.rst (prose lives beside the figure
    captions, not in the rule files), with ``{name}`` filled from ``values`` where the text quotes the config.
    """
    text = Path(repo_path(f"workflow/report/sections/{key}.rst")).read_text()
    if values:
        text = text.format(**values)
    return "\n\n".join(
        " ".join(par.split()) for par in text.split("\n\n") if par.strip()
    )


def register_section(
    key,
    order,
    title,
    lecture,
    figures=(),
    tables=(),
    metrics=(),
    intro_values=None,
    products=(),
    notebook=None,
    inputs=None,
    category=None,
    figure_args="",
):
    """A chapter of the report, declared once, after its compute rules (those declared since the previous chapter):
    their outputs (models, arrays, metrics), and any ``products`` of wildcard rules, are targets of `all` and of
    `chapter_<key>` too, so a missing intermediate is rebuilt even when the figures drawn from it still exist.
    ``notebook`` (a file in notebooks/) draws the ``figures`` and ``tables`` from the named ``inputs``; report.smk
    derives its rule, `notebook_<key>`, from this declaration (``category``: the figures' group in
    `snakemake --report`; ``figure_args``: figure-only values from ``figure_parameters``).
    """
    declared = [getattr(globals()["rules"], name) for name in CHAPTER_RULES]
    CHAPTER_RULES.clear()
    # a wildcard rule's outputs are patterns, not files: its files are the chapter's ``products``
    outputs = [
        str(f)
        for r in declared
        if "{" not in "".join(map(str, r.output))
        for f in r.output
    ]
    SECTIONS.append(
        dict(
            key=key,
            order=order,
            title=title,
            lecture=lecture,
            intro=section_intro(key, intro_values),
            intro_path=repo_path(f"workflow/report/sections/{key}.rst"),
            figures=[
                dict(
                    path=f"results/figures/{f}.png",
                    caption=repo_path(f"workflow/report/{f}.rst"),
                )
                for f in figures
            ],
            tables=[
                dict(
                    path=f"results/tables/{t}.csv",
                    caption=repo_path(f"workflow/report/{t}.rst"),
                )
                for t in tables
            ],
            metrics=[f"results/metrics/{m}.json" for m in metrics],
            products=sorted(set(outputs) | set(products)),
            notebook=notebook,
            inputs=dict(inputs or {}),
            category=category or title,
            figure_args=figure_args,
            figure_names=list(figures),
            table_names=list(tables),
        )
    )
