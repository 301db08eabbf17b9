"""What a change does to the report: the claims, figures and tables of two `results/` trees, as Markdown.

    python tests/bench/claims_diff.py BEFORE_RESULTS AFTER_RESULTS [--title TEXT]

Written for a pull request's job summary (`report.yml` appends it to ``$GITHUB_STEP_SUMMARY``), so a reviewer sees on
the PR page, without downloading anything:

- every claim whose measured value or verdict changed (before, after, verdict), and claims added or removed;
- every figure whose PNG changed (byte for byte: matplotlib writes no time stamp into a PNG);
- every table whose cells changed (how many, and the first few as column: before → after).

A claim is known by its metrics file and its text. Timings are not claims and are not compared here (see
``compare_results.py`` for the full refactor check). With no BEFORE tree (no cached build to compare with) it says so
and exits 0. Exit status 0 either way: the summary informs, the tests decide.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

MAX_CELLS_SHOWN = 5


def _claims(results: Path) -> dict[tuple[str, str], dict]:
    rows = {}
    for path in sorted((results / "metrics").glob("*.json")):
        for row in json.loads(path.read_text()).get("claims", []):
            rows[(path.stem, row["claim"])] = row
    return rows


def _verdict(row: dict) -> str:
    if "status" in row:
        return str(row["status"])
    return "pass" if row.get("passed") else "FAIL"


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def claim_changes(before: Path, after: Path) -> list[tuple[str, str, str, str, str]]:
    """(metrics, claim, before, after, verdict) for each claim that changed value or verdict, appeared or vanished."""
    old, new = _claims(before), _claims(after)
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is None:
            out.append((*key, "(new claim)", _fmt(b["measured"]), _verdict(b)))
        elif b is None:
            out.append((*key, _fmt(a["measured"]), "(removed)", f"was {_verdict(a)}"))
        elif not _same(a["measured"], b["measured"]) or _verdict(a) != _verdict(b):
            verdict = _verdict(b) if _verdict(a) == _verdict(b) else f"{_verdict(a)} → {_verdict(b)}"
            out.append((*key, _fmt(a["measured"]), _fmt(b["measured"]), verdict))
    return out


def figure_changes(before: Path, after: Path) -> list[tuple[str, str]]:
    """(figure, what) for each PNG that differs, appeared or vanished."""
    names = {p.name for p in (before / "figures").glob("*.png")} | {p.name for p in (after / "figures").glob("*.png")}
    out = []
    for name in sorted(names):
        a, b = before / "figures" / name, after / "figures" / name
        if not a.exists():
            out.append((name, "new"))
        elif not b.exists():
            out.append((name, "removed"))
        elif a.read_bytes() != b.read_bytes():
            out.append((name, "changed"))
    return out


def _table(path: Path) -> list[list[str]]:
    with path.open(newline="") as fh:
        return list(csv.reader(fh))


def table_changes(before: Path, after: Path) -> list[tuple[str, str]]:
    """(table, what) for each CSV whose cells differ: the count and the first few as 'row, column: a → b'."""
    names = {p.name for p in (before / "tables").glob("*.csv")} | {p.name for p in (after / "tables").glob("*.csv")}
    out = []
    for name in sorted(names):
        a, b = before / "tables" / name, after / "tables" / name
        if not a.exists() or not b.exists():
            out.append((name, "new" if not a.exists() else "removed"))
            continue
        old, new = _table(a), _table(b)
        if old == new:
            continue
        if len(old) != len(new) or (old and new and old[0] != new[0]):
            out.append((name, f"shape or header changed ({len(old)} → {len(new)} rows)"))
            continue
        header = old[0] if old else []
        cells = [
            (r, header[c] if c < len(header) else str(c), x, y)
            for r, (row_a, row_b) in enumerate(zip(old[1:], new[1:], strict=True), start=1)
            for c, (x, y) in enumerate(zip(row_a, row_b, strict=False))
            if x != y
        ]
        shown = "; ".join(f"row {r}, {col}: {x} → {y}" for r, col, x, y in cells[:MAX_CELLS_SHOWN])
        more = f" (and {len(cells) - MAX_CELLS_SHOWN} more)" if len(cells) > MAX_CELLS_SHOWN else ""
        out.append((name, f"{len(cells)} cells: {shown}{more}"))
    return out


def markdown(before: Path | None, after: Path, title: str) -> str:
    lines = [f"## {title}", ""]
    if before is None or not (before / "metrics").is_dir():
        lines.append("No earlier build to compare with (no cache was restored): every claim is new.")
        return "\n".join(lines) + "\n"
    claims = claim_changes(before, after)
    n_claims = len(_claims(after))
    lines.append(f"**Claims:** {len(claims)} of {n_claims} changed value or verdict.")
    if claims:
        lines += ["", "| metrics | claim | before | after | verdict |", "|---|---|---|---|---|"]
        lines += [f"| {m} | {_cell(c)} | {a} | {b} | {v} |" for m, c, a, b, v in claims]
    for label, changes in (("Figures", figure_changes(before, after)), ("Tables", table_changes(before, after))):
        lines += ["", f"**{label}:** {len(changes)} changed."]
        if changes:
            lines += ["", "| file | change |", "|---|---|"]
            lines += [f"| {name} | {_cell(what)} |" for name, what in changes]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--title", default="What this change does to the report")
    args = parser.parse_args(argv)
    before = args.before if args.before.is_dir() else None
    sys.stdout.write(markdown(before, args.after, args.title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
