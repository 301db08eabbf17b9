"""What the Snakemake workflow derives from its declarations, as plain functions that need no Snakemake.

``workflow/rules/*.smk`` only declare: each compute rule (script, inputs, outputs, params) and each chapter (its
notebook and the notebook's inputs). Everything derived from those declarations lives here, where it is linted with
the library and unit-tested without building a DAG (``tests/test_pipeline.py``): the library modules a script runs
(a rule's code input), seeds, threads, the papermill arguments, what a notebook draws, a chapter's title and intro,
the record of the config shown in the report, and the config check with its one-line errors.

Only the standard library, PyYAML and jsonschema are imported: the Snakemake process itself imports this module,
and with ``--sdm conda`` that process runs in the user's Snakemake environment, not in a job's env.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shlex
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

# -- threads -------------------------------------------------------------------------------------------------------


def training_threads(cores: int | None, cap: int) -> int:
    """Threads per training job: a quarter of the cores Snakemake was given, at least 1, at most ``cap``.

    The nets train on minibatches of 100, whose matrices are too small for many threads: on 2 cores two 1-thread jobs
    side by side gave 1.5x the throughput of one 2-thread job (measured), so the default runs several narrow jobs at
    once. A GPU job needs few CPU threads. ``cores`` is None in a dry run without --cores: then the cap.
    """
    if not cores:
        return cap
    return max(1, min(cap, int(cores) // 4))


def pythonpath_with(src_dir: str, pythonpath: str) -> str:
    """``PYTHONPATH`` with ``src_dir`` first, so every job imports ``aevq`` from the checkout whatever else is set."""
    rest = [p for p in pythonpath.split(os.pathsep) if p and p != src_dir]
    return os.pathsep.join([src_dir, *rest])


# -- the library modules a job runs ----------------------------------------------------------------------------------


def _module_file(src_dir: Path, name: str) -> Path | None:
    """src/aevq/a/b.py or src/aevq/a/b/__init__.py for the module name aevq.a.b (None outside the library)."""
    parts = name.split(".")
    if parts[0] != "aevq":
        return None
    base = src_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(source: str) -> Iterable[str]:
    """Every absolute module name an ``import`` names, and for ``from m import x`` also ``m.x`` (x may be a module)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def code_of(path: str | os.PathLike) -> str:
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


def _imports_of(path: Path) -> tuple[str, ...]:
    """``imported_names`` of one file, parsed once per version of it (every rule's ``library_of`` walks the same
    modules: without this, parsing the workflow spent 1.3 of its 2 s re-reading them, in every job's Snakemake)."""
    stat = path.stat()
    return _imports_of_version(path, stat.st_mtime_ns, stat.st_size)


@functools.cache
def _imports_of_version(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    return tuple(imported_names(code_of(path)))


@functools.cache
def library_of(entry: str, root: str) -> list[str]:
    """Every src/aevq module a script (workflow/scripts/NAME) or notebook (notebooks/NAME) of the checkout at
    ``root`` imports, transitively, as sorted paths relative to the working directory.

    Read from the source, never imported. These files are the rule's ``library`` input, so an edit to a module
    reruns exactly the jobs that run it (a comment-only edit may rerun them too: Snakemake compares files).
    A module imports its packages' ``__init__`` too, so those count.
    """
    root_path = Path(root)
    src_dir = root_path / "src"
    start = root_path / ("notebooks" if entry.endswith(".ipynb") else "workflow/scripts") / entry
    seen: set[Path] = set()
    todo = [start]
    while todo:
        for name in _imports_of(todo.pop()):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                found = _module_file(src_dir, ".".join(parts[:depth]))
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return sorted(os.path.relpath(f) for f in seen)


# -- seeds -----------------------------------------------------------------------------------------------------------

# Every job's seed is config["seed"] plus its rule's fixed offset, here and only here: the streams of two rules never
# coincide, and a rule added later changes no other rule's numbers. Rules that fan out over wildcards add a stable
# hash of the wildcards ("variant"). "mnist_binarized" is the limits chapter's one stochastic binarisation, shared by
# the models trained on it and their evaluation (its test images use the next seed); "helmholtz" is the one stream
# of every Helmholtz learner (same starts, same data).
SEED_OFFSETS = dict(
    ppca_fit=40,
    ppca_cost_bench=41,
    linear_ae_train=301,
    linear_ae_closed_forms=302,
    deep_ae_pretrain=501,
    deep_ae_pretrained=502,
    deep_ae_random_init=503,
    deep_ae_shallow=504,
    deep_ae_codes2d=505,
    deep_ae_rbm_check=506,
    deep_ae_logistic_pca=507,
    manifolds_circle=601,
    manifolds_swissroll=611,
    helmholtz=700,
    helmholtz_shifter=710,
    helmholtz_bars=720,
    mnist_binarized=800,
    limits_classifier=801,
    limits_train=810,
    limits_evaluate=890,
)


def rule_seed(name: str, base_seed: int, variant: object = None) -> int:
    """The seed of stream ``name`` (a key of SEED_OFFSETS), or of one of its wildcard variants."""
    if name not in SEED_OFFSETS:
        raise KeyError(f"no seed offset for {name!r}: add one to SEED_OFFSETS in src/aevq/pipeline.py")
    seed = base_seed + SEED_OFFSETS[name]
    if variant is not None:
        seed += zlib.crc32(str(variant).encode()) % 10_000
    return seed


def canonical(value):
    """``value`` with every mapping in it, at any depth, as a dict in sorted key order.

    Snakemake decides "Params have changed" by comparing the ``repr`` of each param, and a dict's repr follows its
    insertion order, which for a config section depends on the order the config layers were merged in. Two equal
    configs must give equal params, so every param a rule declares passes through here.
    """
    if isinstance(value, Mapping):
        return {str(k): canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return type(value)(canonical(v) for v in value)
    return value


def canonical_params(params: Mapping) -> dict:
    """A rule's params, each value canonical (see ``canonical``), the names in sorted order."""
    return {name: canonical(params[name]) for name in sorted(params)}


def pick(section: Mapping, *keys: str) -> dict:
    """The named keys of a config section, canonical and in sorted order: a rule's params name what its script uses
    and nothing else, so a change to another key of the section does not rerun it."""
    return canonical({k: section[k] for k in keys})


def limits_training(config: Mapping, dim: int | str) -> dict:
    """How the limits chapter's models at latent size ``dim`` train: ``limits.train`` with what
    ``limits.train_at_dim["d<dim>"]`` changes, in the top-level ``precision`` unless that says otherwise (canonical,
    as every param)."""
    settings = {"precision": config["precision"], **config["limits"]["train"]}
    settings.update(config["limits"]["train_at_dim"].get(f"d{dim}", {}))
    return canonical(settings)


# -- notebooks -------------------------------------------------------------------------------------------------------

# A figure or table a notebook writes: a string literal "NAME.png" / "NAME.csv" (its save path's file name).
_PRODUCT = re.compile(r"""["']([a-z0-9_]+)\.(png|csv)["']""")


def notebook_products(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """The figures and the tables a notebook writes, by name, in the order it writes them.

    The notebook is the one place a figure is named: it saves ``figure_dir / "NAME.png"`` (save_figure adds the PDF)
    and ``table_dir / "NAME.csv"``; the notebook rule's outputs and the report's order come from here.
    """
    figures: list[str] = []
    tables: list[str] = []
    for name, suffix in _PRODUCT.findall(code_of(path)):
        found = figures if suffix == "png" else tables
        if name not in found:
            found.append(name)
    return figures, tables


def _stored_and_used(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names a statement binds (assignments, loop targets, defs, imports, the base of a subscript or attribute store)
    and names it reads."""
    stored, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store | ast.Del) else used).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            stored.add(node.name)
        elif isinstance(node, ast.alias):
            stored.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                stored.add(base.id)
    return stored, used


def notebook_product_inputs(path: str | os.PathLike, parameters: Iterable[str]) -> dict[str, list[str]]:
    """For each figure or table a notebook writes, the ``parameters`` (its injected input names) it depends on.

    A def-use closure over the notebook's top-level statements: the statement that names the product reads some
    names; each is traced back to the earlier statements that bind it (or mutate it by subscript or attribute),
    whose reads are traced in turn, down to the parameters. A product whose trace finds no parameter is listed
    with all of them (the trace cannot see through, e.g., ``exec``)."""
    parameters = set(parameters)
    try:
        statements = ast.parse(code_of(path)).body
    except SyntaxError:
        statements = []
    facts = [_stored_and_used(st) for st in statements]
    texts = [ast.unparse(st) for st in statements]
    out: dict[str, list[str]] = {}
    for i, text in enumerate(texts):
        for name, _suffix in _PRODUCT.findall(text):
            if name in out:
                continue
            found, seen, todo = set(), set(), [(i, n) for n in facts[i][1] | facts[i][0]]
            while todo:
                at, var = todo.pop()
                if (at, var) in seen:
                    continue
                seen.add((at, var))
                if var in parameters:
                    found.add(var)
                    continue
                for j in range(at - 1, -1, -1):
                    if var in facts[j][0] and not (facts[j][0] & parameters):  # not the parameters cell's defaults
                        todo.extend((j, n) for n in facts[j][1] | facts[j][0])
            out[name] = sorted(found) or sorted(parameters)
    return out


def papermill_arguments(inputs: Iterable[tuple[str, object]]) -> str:
    """``-p name path`` for every named input except the notebook and its library, plus the output folders."""
    args = [f"-p {key} {shlex.quote(str(value))}" for key, value in inputs if key not in ("notebook", "library")]
    args += ["-p figure_dir results/figures", "-p table_dir results/tables"]
    return " ".join(args)


def figure_parameters(**values: object) -> str:
    """Extra ``-p name value`` papermill arguments for figure-only values (how many points a scatter draws, ...).

    A plain string, so Snakemake records it with the notebook rule's params: changing a value redraws the figure,
    and since the training rules never see it, nothing retrains."""
    return " ".join(f"-p {k} {shlex.quote(str(v))}" for k, v in sorted(values.items()))


# -- report sections -------------------------------------------------------------------------------------------------


def read_section(path: str | os.PathLike, values: Mapping | None = None) -> dict:
    """A chapter's title, lecture reference and opening paragraphs, from its ``workflow/report/sections/KEY.rst``.

    The file is a titled reST document: the title, underlined; a ``:lecture:`` field (continued on indented lines);
    then the intro, kept as reST (the report renders it, math and roles included). A ``{name}`` field whose name is
    in ``values`` is filled in; other braces (LaTeX's) are left alone. Prose lives there, beside the figure
    captions, not in the rule files.
    """
    lines = Path(path).read_text().splitlines()
    if len(lines) < 2 or not lines[1] or set(lines[1]) != {"="}:
        raise ValueError(f"{path}: the first line must be the chapter's title, underlined with '=' on the second")
    title, rest = lines[0].strip(), lines[2:]
    lecture: list[str] = []
    while rest and not rest[0].strip():
        rest = rest[1:]
    if rest and rest[0].startswith(":lecture:"):
        lecture.append(rest[0][len(":lecture:") :].strip())
        rest = rest[1:]
        while rest and rest[0].startswith((" ", "\t")) and rest[0].strip():
            lecture.append(rest[0].strip())
            rest = rest[1:]
    text = "\n".join(line.rstrip() for line in rest).strip("\n")
    for name, value in (values or {}).items():
        text = text.replace("{" + name + "}", str(value))
    return dict(title=title, lecture=" ".join(lecture), intro=text)


def report_category(title: str) -> str:
    """A chapter's figure group in ``snakemake --report``: its title up to the first colon."""
    return title.split(":", 1)[0].strip()


def provenance_config(cfg: Mapping) -> dict:
    """The config shown in the report's footer, less where the MNIST bytes were fetched from (any source gives the
    same checked bytes; results/metrics/data.json records the one used), so a mirror change reruns nothing.
    """
    shown = json.loads(json.dumps(cfg, sort_keys=True))  # one key order: overlays must not look like changes
    for key in ("source", "mirrors", "retries", "timeout_s"):
        shown["data"]["mnist"].pop(key, None)
    return shown


def artefact_producers(rules: Iterable, root: str | os.PathLike) -> dict[str, dict]:
    """For each output pattern of ``rules`` (Snakemake Rule objects), the rule, its script and its library modules,
    with paths relative to the checkout ``root``: what the report's provenance line under a figure names."""

    def rel(p: str | os.PathLike) -> str:
        return os.path.relpath(os.path.abspath(p), os.path.abspath(root))

    out = {}
    for r in rules:
        script = os.path.join(os.path.dirname(r.snakefile), r.script) if getattr(r, "script", None) else None
        library = r.input.get("library") if hasattr(r.input, "get") else None
        library = [library] if isinstance(library, str) else list(library or [])
        for pattern in r.output:
            out[str(pattern)] = dict(
                rule=r.name,
                script=rel(os.path.normpath(script)) if script else None,
                library=sorted(rel(str(m)) for m in library),
            )
    return out


def produced_by(path: str, producers: Mapping[str, dict]) -> dict | None:
    """The producer of ``path``: an exact output, else the first wildcard pattern (``{name}``) that matches it."""
    if path in producers:
        return producers[path]
    for pattern, producer in sorted(producers.items()):
        if "{" in pattern:
            regex = re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(pattern))
            if re.fullmatch(regex, path):
                return producer
    return None


def section_provenance(
    notebook: str, inputs: Mapping, notebook_library: Iterable[str], producers: Mapping, root: str | os.PathLike
) -> dict:
    """What each figure and table of a chapter stands on: its notebook (path from ``root``), the input artefacts it
    reads (:func:`notebook_product_inputs`) with the rule, script and library that made each, and the notebook's
    library modules. Sorted, so the report's params are the same on every parse."""

    def rel(p: str) -> str:
        return os.path.relpath(os.path.abspath(p), os.path.abspath(root))

    def artefacts(names: Iterable[str]) -> list[dict]:
        paths = sorted(
            {str(p) for n in names for p in ([inputs[n]] if isinstance(inputs[n], str | os.PathLike) else inputs[n])}
        )
        items = []
        for p in paths:
            made = produced_by(p, producers) or {}
            items.append(
                dict(path=p, rule=made.get("rule"), script=made.get("script"), library=made.get("library", []))
            )
        return items

    nb_path = Path(root) / "notebooks" / notebook
    per_product = notebook_product_inputs(nb_path, inputs) if nb_path.exists() else {}
    return dict(
        notebook=f"notebooks/{notebook}",
        library=sorted(rel(m) for m in notebook_library),
        products={name: artefacts(names) for name, names in sorted(per_product.items())},
        inputs=artefacts(inputs),
    )


def describe_rules(rules: Iterable, path: str | os.PathLike, linemaps: Mapping[str, Mapping[int, int]]) -> None:
    """Write every rule's file and line, script or notebook, library input, log, benchmark, conda env, resources, seed
    and param names, as Snakemake parsed them, to ``path`` (JSON; paths of the checkout absolute): the tests check the
    rules one by one from this instead of parsing the rule files themselves. ``linemaps`` (Snakemake's
    ``workflow.linemaps``) maps a rule's line in the compiled code to its line in its file.
    """

    def plain_seed(r):
        seed = dict(r.params.items()).get("seed") if hasattr(r.params, "items") else None
        return "per wildcards" if callable(seed) else seed

    def described(r):
        notebook = r.input.get("notebook") if hasattr(r.input, "get") else None
        library = r.input.get("library") if hasattr(r.input, "get") else None
        library = [library] if isinstance(library, str) else list(library or [])
        script = os.path.join(os.path.dirname(r.snakefile), r.script) if r.script else None
        return dict(
            name=r.name,
            snakefile=os.path.abspath(r.snakefile),
            lineno=linemaps[r.snakefile].get(r.lineno, r.lineno),
            script=os.path.normpath(script) if script else None,
            notebook=os.path.abspath(str(notebook)) if notebook else None,
            library=sorted(os.path.abspath(str(m)) for m in library),
            log=[str(f) for f in r.log],
            benchmark=str(r.benchmark) if r.benchmark else None,
            conda_env=r.conda_env if isinstance(r.conda_env, str) else None,
            resources={k: r.resources[k].raw for k in ("mem_mb", "gpu") if k in r.resources},
            seed=plain_seed(r),
            params=sorted(dict(r.params.items())) if hasattr(r.params, "items") else [],
        )

    with open(path, "w") as fh:
        json.dump([described(r) for r in rules], fh, indent=1)


# -- the config ------------------------------------------------------------------------------------------------------


def quick_profile_on_command_line(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """True when the command line names the quick profile (--profile workflow/profiles/quick, --profile=..., or
    SNAKEMAKE_PROFILE). The profile sets ``config: profile=quick``, but a --config on the command line replaces a
    profile's whole ``config:`` list, so the profile's own name is the reliable sign."""
    names = [environ.get("SNAKEMAKE_PROFILE", "")]
    for i, arg in enumerate(argv):
        if arg in ("--profile", "--workflow-profile") and i + 1 < len(argv):
            names.append(argv[i + 1])
        elif arg.startswith(("--profile=", "--workflow-profile=")):
            names.append(arg.split("=", 1)[1])
    return any(os.path.basename(os.path.normpath(n)) == "quick" for n in names if n)


def _has_key(doc: object, keys: Sequence) -> bool:
    for k in keys:
        if not isinstance(doc, dict) or k not in doc:
            return False
        doc = doc[k]
    return True


def config_origin(
    path: Sequence, command_line: Mapping, command_line_files: Sequence[str], workflow_files: Sequence[str]
) -> str:
    """Which layer set the key at ``path`` (a tuple of keys): the command line's --config, one of its --configfile
    files, or one of the workflow's own config files (the last one that sets it)."""
    import yaml

    if _has_key(dict(command_line), path):
        return "--config on the command line"
    for f in reversed(list(command_line_files)):
        if _has_key(yaml.safe_load(open(f)) or {}, path):
            return f"--configfile {f}"
    for f in reversed(list(workflow_files)):
        if _has_key(yaml.safe_load(open(f)) or {}, path):
            return os.path.relpath(f)
    return "the merged config"


def config_errors(cfg: Mapping, schema_path: str | os.PathLike, origin=lambda path: "the merged config") -> list[str]:
    """One short line per problem of ``cfg`` against the JSON schema (at most 5, then a count), each naming the key,
    the layer that set it (``origin(path)``) and what is allowed. Empty when the config is valid."""
    import jsonschema
    import yaml

    schema = yaml.safe_load(open(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: [str(p) for p in e.absolute_path])
    lines = []
    for err in errors[:5]:
        path = tuple(err.absolute_path)
        where = ".".join(map(str, path)) or "the top level"
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            for key in sorted(set(err.instance) - set(allowed)):
                lines.append(
                    f"unknown config key {'.'.join(map(str, path + (key,)))!r} (from {origin(path + (key,))});"
                    f" allowed at {where}: {', '.join(allowed)}"
                )
        else:
            message = err.message if len(err.message) < 300 else err.message[:300] + " ..."
            lines.append(f"config key {where!r} (from {origin(path)}): {message}")
    if len(errors) > 5:
        lines.append(f"... and {len(errors) - 5} more")
    return lines
