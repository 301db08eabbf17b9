# Shared by all the stage files: config validation, where the library lives, env/log/benchmark paths, and the
# registry of report sections that each chapter fills in.
import os
import shlex
from pathlib import Path

from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")

# Jobs import `aevq` from this checkout's src/, whatever the environment (pip, --sdm conda, a cluster node).
SRC_DIR = str(Path(workflow.basedir) / "src")
_pythonpath = os.environ.get("PYTHONPATH", "")
if SRC_DIR not in _pythonpath.split(os.pathsep):
    os.environ.update(
        PYTHONPATH=os.pathsep.join(p for p in (SRC_DIR, _pythonpath) if p)
    )

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
        if key != "notebook"
    ]
    args += ["-p figure_dir results/figures", "-p table_dir results/tables"]
    return " ".join(args)


# Each chapter calls register_section(); report.smk turns the registry into the report's inputs.
SECTIONS = []


def register_section(
    key, order, title, lecture, figures=(), tables=(), metrics=(), intro=""
):
    SECTIONS.append(
        dict(
            key=key,
            order=order,
            title=title,
            lecture=lecture,
            intro=intro,
            figures=[
                dict(
                    path=f"results/figures/{f}.png", caption=f"workflow/report/{f}.rst"
                )
                for f in figures
            ],
            tables=[
                dict(path=f"results/tables/{t}.csv", caption=f"workflow/report/{t}.rst")
                for t in tables
            ],
            metrics=[f"results/metrics/{m}.json" for m in metrics],
        )
    )
