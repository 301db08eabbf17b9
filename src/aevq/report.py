"""The one self-contained HTML report: a one-screen summary, then the chapters in lecture order (intro, embedded
figures and tables with their captions and a provenance line each, the chapter's claims), the lecture-coverage table
and the provenance section (commit, hardware, versions, wall times, the config).

Prose (captions, intros) is reStructuredText rendered by docutils with MathML (aevq.report_text); the page is a
Jinja2 template (aevq.report_html). Every claim row is printed once, in its chapter; the summary counts and links.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import html
import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markupsafe import Markup

from aevq import paper
from aevq.claims import gather, verdict
from aevq.report_html import CSS, TEMPLATE
from aevq.report_text import ReportTextError, TextContext, format_value, render, render_file
from aevq.runtime import write_text

__all__ = ["build_report", "claims_table", "format_value", "ReportTextError"]

PROVENANCE_PACKAGES = (
    "aevq",
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "matplotlib",
    "torch",
    "snakemake",
    "papermill",
    "docutils",
    "jinja2",
    "pooch",
)

# The summary's headline numbers: this run's value (a :measured: reference) beside the paper's, each linked to its
# chapter. reST, rendered like a caption; the papers' numbers come from aevq.paper.
HEADLINES: tuple[dict[str, str], ...] = (
    dict(
        section="deep_ae",
        quantity="Deep AE 784-1000-500-250-30: squared error per MNIST test image",
        measured=":measured:`deep_ae_pretrained/test_error|.2f`",
        paper=f"{paper.HS2006_TEST_ERROR['deep']:.2f} (Hinton & Salakhutdinov 2006, Fig. 2)",
        note="trained on :measured:`deep_ae_pretrained/n_train|,d` images for"
        " :measured:`deep_ae_pretrained/epochs_run` epochs (the paper: 60,000 images, 200 epochs)",
    ),
    dict(
        section="linear_ae",
        quantity="PCA with 30 components: squared error per MNIST test image",
        measured=":measured:`linear_ae_closed_forms/pca30/error_per_image|.2f`",
        paper=f"{paper.HS2006_TEST_ERROR['pca']:.2f} (Hinton & Salakhutdinov 2006, Fig. 2)",
        note="closed form on :measured:`linear_ae_closed_forms/pca30/n_train|,d` training and "
        ":measured:`linear_ae_closed_forms/pca30/n_test|,d` test images",
    ),
    dict(
        section="deep_ae",
        quantity="Logistic PCA, 30 components: squared error per MNIST test image",
        measured=":measured:`deep_ae_logistic_pca/test_error|.2f`",
        paper=f"{paper.HS2006_TEST_ERROR['logistic_pca']:.2f} (Hinton & Salakhutdinov 2006, Fig. 2)",
        note="**not comparable**: logistic PCA has no encoder, so each test image's code is fitted to that image "
        "itself, which the networks cannot do; with a linear encoder the error is "
        ":measured:`deep_ae_logistic_pca/test_error_linear_encoder|.1f`",
    ),
    dict(
        section="limits",
        quantity="The judge (a small CNN): accuracy on the MNIST test images",
        measured=":measured:`limits_classifier/test_accuracy|.1%`",
        paper=f"about 99% for LeNet-class CNNs (LeCun et al. 1998); trusted above {paper.JUDGE_MIN_ACCURACY:.0%}",
        note="it scores the decoded images of chapter 7",
    ),
    dict(
        section="manifolds",
        quantity="Isomap on the Swiss roll: residual variance at d = :measured:`manifolds/curves/dims/1`",
        measured=":measured:`manifolds/curves/isomap/1|.3f`",
        paper=f"below {paper.TENENBAUM2000_ISOMAP_RV_D2_MAX} (Tenenbaum et al. 2000, Fig. 2B)",
        note=r"residual variance :math:`1 - R^2` between graph and embedding distances",
    ),
    dict(
        section="manifolds",
        quantity="PCA on the Swiss roll: residual variance at d = :measured:`manifolds/curves/dims/1`",
        measured=":measured:`manifolds/curves/pca/1|.3f`",
        paper=f"above {paper.TENENBAUM2000_PCA_RV_D2_MIN} (Tenenbaum et al. 2000, Fig. 2B)",
        note="the same measure; the fraction of variance left unexplained is a different number "
        "(:measured:`manifolds/ae/pca_d2_fvu|.3f`)",
    ),
)


def _esc(x: Any) -> str:
    return html.escape(str(x))


def embed_png(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{_esc(Path(path).name)}" src="data:image/png;base64,{data}">'


def csv_to_html(path: Path, max_rows: int = 60) -> str:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return "<p class=muted>(empty table)</p>"
    head, body = rows[0], rows[1:]
    cut = len(body) > max_rows
    body = body[:max_rows]

    def cell(c: str) -> str:
        try:
            val = float(c)
        except ValueError:
            return f"<td>{_esc(c)}</td>"
        return f'<td class="num">{_esc(format_value(val) if "." in c or "e" in c.lower() else c)}</td>'

    lines = ["<table><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in head) + "</tr>"]
    lines += ["<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in body]
    lines.append("</table>")
    if cut:
        lines.append(f"<p class=muted>The first {max_rows} rows of {len(rows) - 1}; the file has them all.</p>")
    return "\n".join(lines)


# -- claims ----------------------------------------------------------------------------------------------------------

OUTCOMES = ("pass", "fail", "na")
KIND_NAMES = {"empirical": "empirical claims", "identity": "identity checks", "unset": "kind not stated"}


def outcome(row: Mapping[str, Any]) -> str:
    return "na" if row["passed"] is None else ("pass" if row["passed"] else "fail")


def claim_kind(row: Mapping[str, Any]) -> str:
    return row.get("kind") or "unset"


def claim_cells(row: Mapping[str, Any]) -> dict[str, Any]:
    """One claims-table row as escaped cells; a row written before kind/basis existed shows an em dash there."""
    measured = format_value(row["measured"])
    if row.get("uncertainty") not in (None, ""):
        measured += f" ± {format_value(row['uncertainty'])}"
    return dict(
        css=outcome(row),
        kind_class=_esc(claim_kind(row)),
        claim=_esc(row["claim"]),
        detail=_esc(row.get("detail") or ""),
        kind=_esc(row.get("kind") or "—"),
        measured=_esc(measured),
        threshold=_esc(f"{row['op']} {format_value(row['threshold'])}"),
        basis=_esc(row.get("basis") or "—"),
        source=_esc(row.get("source") or ""),
        verdict=_esc(verdict(row)),
    )


def count_sentence(rows: list[Mapping[str, Any]]) -> str:
    """'Of 12 empirical claims, 9 hold, 1 fails and 2 cannot be tested at this scale; ...'."""
    parts = []
    names = dict(empirical="empirical claims", identity="identity checks", unset="claims that do not state their kind")
    for kind in ("empirical", "identity", "unset"):
        sub = [r for r in rows if claim_kind(r) == kind]
        if not sub:
            continue
        n = {o: sum(outcome(r) == o for r in sub) for o in OUTCOMES}
        bits = [f"{n['pass']} hold"]
        if n["fail"]:
            bits.append(f"{n['fail']} fail{'s' if n['fail'] == 1 else ''}")
        if n["na"]:
            bits.append(f"{n['na']} cannot be tested at this scale")
        listed = bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " and " + bits[-1]
        parts.append(f"of {len(sub)} {names[kind]}, {listed}")
    if not parts:
        return "No claims."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def claims_table(rows: list[dict[str, Any]]) -> str:
    """A stand-alone claims table (tests and tools; the report itself renders rows through its template)."""
    head = (
        "<tr><th>claim</th><th>kind</th><th>measured</th><th>threshold</th><th>threshold from</th><th>verdict</th></tr>"
    )
    body = []
    for r in rows:
        c = claim_cells(r)
        body.append(
            f'<tr class="{c["css"]}"><td>{c["claim"]}</td><td>{c["kind"]}</td><td class="num">{c["measured"]}</td>'
            f'<td class="num">{c["threshold"]}</td><td>{c["basis"]} · {c["source"]}</td>'
            f'<td class="verdict">{c["verdict"]}</td></tr>'
        )
    return f"<p>{_esc(count_sentence(rows))}</p><table>{head}{''.join(body)}</table>"


def tally(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Claim counts by chapter, kind and outcome, and a total row."""
    every = [r for s in sections for r in s["claim_rows"]]
    kinds = [k for k in KIND_NAMES if any(claim_kind(r) == k for r in every)]

    def counts(rows):
        return {k: {o: sum(claim_kind(r) == k and outcome(r) == o for r in rows) for o in OUTCOMES} for k in kinds}

    rows = [dict(key=s["key"], title=s["title"], counts=counts(s["claim_rows"])) for s in sections if s["claim_rows"]]
    rows.append(dict(key="", title="all chapters", counts=counts(every), total=True))
    return dict(kinds=kinds, rows=rows, names=KIND_NAMES)


# -- provenance ------------------------------------------------------------------------------------------------------


def git_state(root: Path) -> tuple[str | None, list[str] | None]:
    """(HEAD commit, tracked files with uncommitted changes), or (None, None) outside a git checkout."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return sha.stdout.strip(), sorted(line[3:] for line in dirty.stdout.splitlines() if line.strip())


def git_commit(root: Path) -> str:
    sha, dirty = git_state(root)
    if sha is None:
        return "unknown (not a git checkout)"
    return sha + (" (with uncommitted changes)" if dirty else "")


def source_link_base(commit: str | None, environ: Mapping[str, str]) -> str | None:
    """``https://github.com/OWNER/REPO/blob/SHA/`` when the build knows its repository (GitHub Actions sets these)."""
    server, repo = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_REPOSITORY")
    if not (server and repo and commit):
        return None
    return f"{server.rstrip('/')}/{repo}/blob/{commit}/"


def package_versions() -> dict[str, str]:
    out = {}
    for name in PROVENANCE_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def cpu_name() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def gpu_name() -> str | None:
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return None


def device_description(requested: str) -> str:
    desc = (
        f"config device={requested}; CPU: {cpu_name()}, {os.cpu_count()} logical cores; "
        f"Python {platform.python_version()}"
    )
    gpu = gpu_name()
    return desc + (f"; GPU: {gpu}" if gpu else "")


def benchmark_rows(bench_dir: Path) -> list[tuple[str, float, str]]:
    rows = []
    for f in sorted(Path(bench_dir).glob("**/*.tsv")):
        with open(f, newline="") as fh:
            recs = list(csv.DictReader(fh, delimiter="\t"))
        if recs:
            rows.append((str(f.relative_to(bench_dir).with_suffix("")), min(float(r["s"]) for r in recs),
                         recs[-1].get("max_rss", "NA")))  # fmt: skip
    return rows


def training_speeds(metrics: Mapping[str, Any]) -> dict[str, tuple[str, float | None]]:
    """Per training job (its benchmark's name): the precision it trained in and the fraction of that precision's
    dense-matmul rate its training reached, from the metrics documents that record them (the deep AE's nets and
    RBMs, under "timing"; the limits models, under "timing" / "training", each with its job's name)."""
    out: dict[str, tuple[str, float | None]] = {}
    for stem, doc in metrics.items():
        if not isinstance(doc, Mapping):
            continue
        timing = doc.get("timing")
        if isinstance(timing, Mapping) and "precision" in timing:
            rate = timing.get("fraction_of_matmul", (timing.get("finetune") or {}).get("fraction_of_matmul"))
            out[stem] = (timing["precision"], rate)
        for record in ((timing if isinstance(timing, Mapping) else {}).get("training") or {}).values():
            if isinstance(record, Mapping) and "job" in record and "precision" in record:
                out[record["job"]] = (record["precision"], record.get("fraction_of_matmul"))
    return out


def benchmark_table(bench_dir: Path, speeds: Mapping[str, tuple[str, float | None]] | None = None) -> str:
    """Every job's wall time and peak memory; for a training job also the precision it ran in and the fraction of
    that precision's matmul rate it reached (``speeds``, from :func:`training_speeds`)."""
    rows = benchmark_rows(bench_dir)
    if not rows:
        return "<p class=muted>No benchmark files found.</p>"
    speeds = speeds or {}
    total = sum(r[1] for r in rows)

    def speed_cells(job: str) -> str:
        precision, rate = speeds.get(job, ("", None))
        shown = "" if rate is None else f"{rate:.2f}"
        return f'<td>{_esc(precision)}</td><td class="num">{shown}</td>'

    body = "".join(
        f'<tr><td>{_esc(n)}</td><td class="num">{s:.1f}</td><td class="num">{_esc(m)}</td>{speed_cells(n)}</tr>'
        for n, s, m in rows
    )
    return (
        f"<p>Sum of job wall times: <b>{total:.0f} s</b> (jobs may have run in parallel). For each training job:"
        " the arithmetic it trained in (fp32, or bf16 autocast with float32 weights; config <code>precision</code>)"
        " and the share of that arithmetic's dense-matmul rate, measured in the same job, that its training"
        " reached.</p>"
        "<table><tr><th>job</th><th>wall time (s)</th><th>max RSS (MB)</th><th>precision</th>"
        "<th>share of matmul rate</th></tr>" + body + "</table>"
    )


def human_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _module_name(path: str) -> str:
    p = Path(path)
    parts = list(p.with_suffix("").parts)
    if "src" in parts:
        parts = parts[parts.index("src") + 1 :]
    return ".".join(parts)


def provenance_line(
    prov: Mapping[str, Any] | None, out_dir: Path, link_base: str | None, product: str | None = None
) -> str:
    """One line: the notebook that draws a figure, the artefacts it reads grouped by the rule (and script) that made
    them, then the library modules all of those import. Names link to the source when ``link_base`` is known."""
    if not prov:
        return "Provenance: not recorded for this figure."

    def src(path: str, label: str | None = None) -> str:
        label = _esc(label or Path(path).name)
        return f'<a href="{_esc(link_base + path)}">{label}</a>' if link_base else f"<code>{label}</code>"

    def artefact(path: str) -> str:
        rel = os.path.relpath(path, out_dir)
        return f'<a href="{_esc(rel)}">{_esc(Path(path).name)}</a>'

    by_rule: dict[tuple[str, str], list[str]] = {}
    library = set(prov.get("library", []))
    items = prov.get("products", {}).get(product) if product else None
    for item in prov.get("inputs", []) if items is None else items:
        by_rule.setdefault((item.get("rule") or "", item.get("script") or ""), []).append(item["path"])
        library.update(item.get("library", []))
    groups = []
    for (rule, script), paths in sorted(by_rule.items()):
        made = ""
        if rule:
            made = f" ← rule <code>{_esc(rule)}</code>" + (f" ({src(script)})" if script else "")
        groups.append(", ".join(artefact(p) for p in sorted(paths)) + made)
    modules = sorted(m for m in library if not m.endswith("__init__.py"))
    line = f"Drawn by {src(prov['notebook'])} from " + "; ".join(groups) + "."
    if modules:
        line += " Library: " + ", ".join(src(m, _module_name(m)) for m in modules) + "."
    return line


# -- coverage --------------------------------------------------------------------------------------------------------


def load_coverage(path: str | Path | None) -> list[dict[str, Any]]:
    if path is None or not Path(path).exists():
        return []
    entries = yaml.safe_load(Path(path).read_text()) or []
    if not isinstance(entries, list):
        raise ReportTextError(f"{path}: must be a list of entries (slide, lecture, shown_in or reason)")
    return entries


def coverage_entries(entries: list[dict[str, Any]], anchors: Mapping[str, tuple[str, str]], path: Any) -> list[dict]:
    """Each entry with its links (anchor, label) resolved; an unknown name or an entry with neither ``shown_in`` nor
    ``reason`` is an error naming the slide."""
    out = []
    for i, e in enumerate(entries, 1):
        slide = e.get("slide") if isinstance(e, Mapping) else None
        if not slide:
            raise ReportTextError(f"{path}: entry {i} has no 'slide'")
        shown, reason = e.get("shown_in") or [], e.get("reason")
        if isinstance(shown, str):
            shown = [shown]
        if not shown and not reason:
            raise ReportTextError(f"{path}: {slide!r} needs shown_in (figure, table or section names) or a reason")
        unknown = [n for n in shown if n not in anchors]
        if unknown:
            raise ReportTextError(
                f"{path}: {slide!r} is shown_in {unknown}, which is no figure, table or section of this report"
            )
        links = [dict(anchor=anchors[n][0], label=anchors[n][1]) for n in shown]
        out.append(dict(slide=slide, lecture=e.get("lecture", ""), links=links, reason=reason or ""))
    return out


# -- the report ------------------------------------------------------------------------------------------------------


def _inline(html_text: str) -> str:
    """A one-paragraph rendering without its <p> wrapper (for table cells)."""
    text = html_text.strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return text


def run_scale(config: Mapping[str, Any]) -> str:
    data = config.get("data", {})
    n_train, n_test = data.get("n_train"), data.get("n_test")
    if n_train is None and n_test is None:
        return "all 60,000 training and 10,000 test images of MNIST, the papers' scale"
    train = "all 60,000" if n_train is None else f"{n_train:,}"
    test = "all 10,000" if n_test is None else f"{n_test:,}"
    return f"{train} training and {test} test images of MNIST's 60,000 / 10,000, with smaller training budgets"


def build_report(
    sections: list[dict[str, Any]],
    out_path: str | Path,
    *,
    config: dict[str, Any],
    bench_dir: str | Path = "results/benchmarks",
    coverage: str | Path | None = None,
    provenance: Mapping[str, Any] | None = None,
    root: str | Path = ".",
    environ: Mapping[str, str] | None = None,
    title: str = "From AutoEncoders to VQ-VAE, Part 1: every claim measured",
    headlines: tuple[dict[str, str], ...] | None = None,
) -> dict[str, Any]:
    """Write the report; return a summary (figures and tables embedded, claims by outcome)."""
    root, out_path = Path(root), Path(out_path)
    environ = os.environ if environ is None else environ
    provenance = provenance or {}
    sections = sorted(sections, key=lambda s: s["order"])
    # the roles read only the chapters' declared metrics (the report rule's inputs), never a stray file
    ctx = TextContext({Path(p).stem: Path(p) for sec in sections for p in sec.get("metrics", [])}, config)
    commit, dirty = git_state(root)
    link_base = source_link_base(commit, environ)

    shown: list[dict[str, Any]] = []
    anchors: dict[str, tuple[str, str]] = {}
    n_fig = n_tab = 0
    for number, sec in enumerate(sections, 1):
        metrics = {Path(p).stem: ctx.metric(Path(p).stem) for p in sec.get("metrics", [])}
        claim_rows = gather(metrics)
        anchors[sec["key"]] = (sec["key"], sec["title"].split(":")[0])
        intro_ctx = TextContext(ctx.metrics, config, name=f"sections/{sec['key']}.rst")
        intro = render(sec.get("intro", ""), intro_ctx) if sec.get("intro") else None

        def line(name: str, sec: Mapping[str, Any] = sec) -> Markup:
            return Markup(provenance_line(provenance.get(sec["key"]), out_path.parent, link_base, name))

        def item(entry: Mapping[str, Any], label: str, number: int, body: str) -> dict[str, Any]:
            """One figure or table: its number, body (an embedded PNG or an HTML table), caption and provenance."""
            name = Path(entry["path"]).stem
            anchors.setdefault(name, (f"{label[:3].lower()}-{name}", f"{label} {number}"))
            caption = render_file(entry["caption"], ctx) if entry.get("caption") else None
            return dict(
                name=name,
                number=number,
                body=Markup(body),
                caption=_markup(caption, f"{label} {number}."),
                provenance=line(name),
            )

        figures, tables = [], []
        for fig in sec.get("figures", []):
            n_fig += 1
            figures.append(item(fig, "Figure", n_fig, embed_png(Path(fig["path"]))))
        for tab in sec.get("tables", []):
            n_tab += 1
            tables.append(item(tab, "Table", n_tab, csv_to_html(Path(tab["path"]))))
        rows = []
        for i, r in enumerate(claim_rows, 1):
            cells = {k: Markup(v) for k, v in claim_cells(r).items()}
            rows.append(dict(cells, number=f"{number}.{i}", anchor=f"claim-{sec['key']}-{i}"))
        shown.append(
            dict(
                key=sec["key"],
                title=sec["title"],
                lecture=sec.get("lecture", ""),
                intro=_markup(intro),
                figures=figures,
                tables=tables,
                claims=rows,
                claim_rows=claim_rows,
                claim_sentence=count_sentence(claim_rows),
            )
        )

    every = [r for s in shown for r in s["claim_rows"]]
    cov = coverage_entries(load_coverage(coverage), anchors, coverage)
    n_shown = sum(bool(e["links"]) for e in cov)
    coverage_sentence = (
        f"{n_shown} of the lecture's {len(cov)} slides and figures listed are rebuilt here; "
        f"{len(cov) - n_shown} are not measured, each with its reason."
        if cov
        else "No coverage table was given to this build."
    )

    head_ctx = TextContext(ctx.metrics, config, name="the summary's headline numbers")
    heads = []
    for h in HEADLINES if headlines is None else headlines:
        heads.append(
            dict(
                section=h["section"],
                **{
                    k: Markup(_inline(render(h[k], head_ctx, split=False).lead)) if h.get(k) else ""
                    for k in ("quantity", "measured", "paper", "note")
                },
            )
        )

    bench = benchmark_rows(Path(bench_dir))
    total_s = sum(b[1] for b in bench)
    gpu = gpu_name()
    hardware = f"{cpu_name()} ({os.cpu_count()} logical cores" + (f", GPU {gpu})" if gpu else ", no GPU)")
    run = dict(
        profile=config.get("profile", "?"),
        scale=run_scale(config),
        hardware=hardware,
        hardware_full=device_description(config.get("device", "cpu")),
        duration=(
            f"{human_duration(total_s)} of job time (the sum over {len(bench)} jobs; some ran in parallel)"
            if bench
            else "an unrecorded time (no benchmark files)"
        ),
    )
    commit_html = _esc(commit) if commit else "unknown (not a git checkout)"
    if commit and link_base:
        repo_url = link_base.split("/blob/")[0]
        commit_html = f'<a href="{_esc(repo_url)}/commit/{_esc(commit)}">{_esc(commit)}</a>'
    prov = dict(
        built=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        commit_html=Markup(commit_html),
        dirty=dirty,
        link_base=link_base,
        versions=package_versions(),
        benchmarks=Markup(
            benchmark_table(Path(bench_dir), training_speeds({stem: ctx.metric(stem) for stem in list(ctx.metrics)}))
        ),
        config_yaml=yaml.safe_dump(config, sort_keys=False),
    )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    doc = env.from_string(TEMPLATE).render(
        title=title,
        css=Markup(CSS),
        sections=shown,
        counts=dict(figures=n_fig, tables=n_tab, claims=len(every)),
        run=run,
        claim_sentence=count_sentence(every),
        tally=tally(shown),
        headlines=heads,
        coverage=dict(entries=cov, sentence=coverage_sentence),
        prov=prov,
    )
    write_text(doc, out_path)
    return {
        "figures": n_fig,
        "tables": n_tab,
        "claims": len(every),
        "claims_passed": sum(r["passed"] is True for r in every),
        "claims_failed": sum(r["passed"] is False for r in every),
    }


def _markup(rendered: Any, label: str = "") -> dict[str, Any]:
    """A rendering as template values; ``label`` ("Figure 3.") opens the lead's first paragraph."""
    lead = rendered.lead if rendered is not None else ""
    if label:
        tag = f'<span class="figname">{_esc(label)}</span> '
        lead = "<p>" + tag + lead[3:] if lead.startswith("<p>") else f"<p>{tag}</p>{lead}"
    if rendered is None:
        return dict(lead=Markup(lead), details="", has_math=False)
    return dict(lead=Markup(lead), details=Markup(rendered.details), has_math=rendered.has_math)
