"""The one self-contained HTML report: sections in lecture order, embedded figures, tables, the claims table and a
provenance footer (config, commit, package versions, device, wall time per job)."""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import html
import importlib.metadata
import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from aevq.claims import gather, verdict
from aevq.runtime import write_text

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
    "pooch",
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
figure{margin:1.5em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.93em;color:#333;margin-top:.4em} figcaption b{color:#000}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em} th,td{border:1px solid #ccc;padding:.25em .5em;
text-align:left;vertical-align:top} th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.pass td.verdict{background:#e3f6e3;color:#145214;font-weight:600}
tr.fail td.verdict{background:#fde2e2;color:#8a1010;font-weight:700}
tr.na td.verdict{background:#eeeeee;color:#444;font-style:italic}
.summary{padding:.6em 1em;border-radius:6px;background:#f6f8fa;border:1px solid #ddd}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em} nav ol{columns:2}
.muted{color:#666;font-size:.9em}
"""


def _esc(x: Any) -> str:
    return html.escape(str(x))


def rst_to_html(text: str) -> str:
    """Just enough reStructuredText for captions: paragraphs, **bold**, *italic*, ``code``."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        p = _esc(" ".join(line.strip() for line in para.splitlines()))
        p = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", p)
        p = re.sub(r"``(.+?)``", r"<code>\1</code>", p)
        p = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", p)
        out.append(f"<p>{p}</p>")
    return "\n".join(out)


def format_value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 1e5:
            return f"{v:.6g}"
        return f"{v:.3e}"
    if isinstance(v, list):
        return ", ".join(format_value(x) for x in v)
    return str(v)


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
        lines.append(f"<p class=muted>First {max_rows} rows; the full table is {_esc(path)}.</p>")
    return "\n".join(lines)


def claims_table(rows: list[dict[str, Any]]) -> str:
    tested = [r for r in rows if r["passed"] is not None]
    n_pass = sum(bool(r["passed"]) for r in tested)
    n_untested = len(rows) - len(tested)
    head = (
        "<tr><th>chapter</th><th>claim</th><th>measured</th><th>threshold</th><th>threshold from</th>"
        "<th>verdict</th></tr>"
    )
    body = []
    for r in rows:
        cls = "na" if r["passed"] is None else ("pass" if r["passed"] else "fail")
        detail = f"<br><span class=muted>{_esc(r['detail'])}</span>" if r.get("detail") else ""
        body.append(
            f'<tr class="{cls}"><td>{_esc(r.get("chapter", ""))}</td><td>{_esc(r["claim"])}{detail}</td>'
            f'<td class="num">{_esc(format_value(r["measured"]))}</td>'
            f"<td>{_esc(r['op'])} {_esc(format_value(r['threshold']))}</td><td>{_esc(r['source'])}</td>"
            f'<td class="verdict">{_esc(verdict(r))}</td></tr>'
        )
    summary = (
        f'<p class="summary"><b>{n_pass} of {len(tested)} claims tested hold</b> in this run'
        + (f"; <b>{len(tested) - n_pass} fail</b> and are shown in red" if n_pass < len(tested) else "")
        + (
            f"; {n_untested} cannot be tested in this profile by design (grey, with the value measured here)"
            if n_untested
            else ""
        )
        + ".</p>"
    )
    return summary + "<table>" + head + "".join(body) + "</table>"


def git_commit(root: Path) -> str:
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
        return "unknown (not a git checkout)"
    return sha.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def package_versions() -> dict[str, str]:
    out = {}
    for name in PROVENANCE_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def device_description(requested: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    desc = f"config device={requested}; CPU: {cpu}, {os.cpu_count()} logical cores; Python {platform.python_version()}"
    try:
        import torch

        if torch.cuda.is_available():
            desc += f"; GPU: {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return desc


def benchmark_table(bench_dir: Path) -> str:
    rows = []
    for f in sorted(Path(bench_dir).glob("**/*.tsv")):
        with open(f, newline="") as fh:
            recs = list(csv.DictReader(fh, delimiter="\t"))
        if recs:
            secs = [float(r["s"]) for r in recs]
            rss = recs[-1].get("max_rss", "NA")
            rows.append((str(f.relative_to(bench_dir).with_suffix("")), min(secs), len(secs), rss))
    if not rows:
        return "<p class=muted>No benchmark files found.</p>"
    total = sum(r[1] for r in rows)
    body = "".join(
        f'<tr><td>{_esc(n)}</td><td class="num">{s:.1f}</td><td class="num">{_esc(m)}</td></tr>' for n, s, _, m in rows
    )
    return (
        f"<p>Sum of job wall times: <b>{total:.0f} s</b> (jobs may have run in parallel).</p>"
        "<table><tr><th>job</th><th>wall time (s)</th><th>max RSS (MB)</th></tr>" + body + "</table>"
    )


def build_report(
    sections: list[dict[str, Any]],
    out_path: str | Path,
    *,
    config: dict[str, Any],
    bench_dir: str | Path = "results/benchmarks",
    root: str | Path = ".",
    title: str = "From AutoEncoders to VQ-VAE, Part 1: every claim measured",
) -> dict[str, Any]:
    """Write the report; return a summary (number of figures embedded, claims passed/total)."""
    root = Path(root)
    sections = sorted(sections, key=lambda s: s["order"])
    all_claims: list[dict[str, Any]] = []
    parts: list[str] = []
    n_fig = 0
    for sec in sections:
        metrics = {Path(p).stem: json.loads(Path(p).read_text()) for p in sec.get("metrics", [])}
        rows = gather(metrics)
        for r in rows:
            r["chapter"] = sec["title"]
        all_claims += rows
        parts.append(f'<section id="{_esc(sec["key"])}"><h2>{_esc(sec["title"])}</h2>')
        if sec.get("lecture"):
            parts.append(f"<p class=muted>Lecture: {_esc(sec['lecture'])}</p>")
        if sec.get("intro"):
            parts.append(rst_to_html(sec["intro"]))
        for fig in sec.get("figures", []):
            cap = rst_to_html(Path(fig["caption"]).read_text()) if fig.get("caption") else ""
            pdf = Path(fig["path"]).with_suffix(".pdf")
            vec = f" <span class=muted>(vector copy: {_esc(pdf)})</span>" if pdf.exists() else ""
            parts.append(f"<figure>{embed_png(Path(fig['path']))}<figcaption>{cap}{vec}</figcaption></figure>")
            n_fig += 1
        for tab in sec.get("tables", []):
            cap = rst_to_html(Path(tab["caption"]).read_text()) if tab.get("caption") else ""
            parts.append(f"<div class=table>{cap}{csv_to_html(Path(tab['path']))}</div>")
        if rows:
            parts.append("<h3>Claims of this chapter</h3>" + claims_table(rows))
        parts.append("</section>")

    n_pass = sum(r["passed"] is True for r in all_claims)
    toc = "".join(f'<li><a href="#{_esc(s["key"])}">{_esc(s["title"])}</a></li>' for s in sections)
    versions = package_versions()
    device = device_description(config.get("device", "cpu"))
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title><style>{CSS}</style></head><body>
<h1>{_esc(title)}</h1>
<p class=muted>Built by the aevq pipeline ({_esc(config.get("profile", "?"))} profile) on {now}. Every number below
was measured by this run; thresholds come from mathematics or from the papers cited beside them.</p>
<nav><ol>{toc}<li><a href="#claims">All claims</a></li><li><a href="#provenance">Provenance</a></li></ol></nav>
{"".join(parts)}
<section id="claims"><h2>The claims table</h2>{claims_table(all_claims) if all_claims else "<p>No claims.</p>"}
</section>
<section id="provenance"><h2>Provenance</h2>
<p><b>git commit:</b> {_esc(git_commit(root))}<br><b>device:</b> {_esc(device)}</p>
<h3>Package versions</h3><table>{"".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in versions.items())}
</table>
<h3>Wall time per job (from the benchmark files)</h3>{benchmark_table(Path(bench_dir))}
<h3>Configuration</h3><pre>{_esc(yaml.safe_dump(config, sort_keys=False))}</pre>
</section></body></html>
"""
    write_text(doc, out_path)
    return {"figures": n_fig, "claims": len(all_claims), "claims_passed": n_pass}
