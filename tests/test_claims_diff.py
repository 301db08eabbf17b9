"""tests/bench/claims_diff.py: what a change does to the claims, figures and tables, as a pull request shows it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.claims_diff import claim_changes, figure_changes, markdown, table_changes


def tree(root: Path, claims: dict[str, list[tuple[str, float, str]]], figures: dict, tables: dict) -> Path:
    for sub in ("metrics", "figures", "tables"):
        (root / sub).mkdir(parents=True)
    for stem, rows in claims.items():
        doc = {"claims": [{"claim": c, "measured": v, "status": s, "passed": s == "pass"} for c, v, s in rows]}
        (root / "metrics" / f"{stem}.json").write_text(json.dumps(doc))
    for name, data in figures.items():
        (root / "figures" / name).write_bytes(data)
    for name, text in tables.items():
        (root / "tables" / name).write_text(text)
    return root


def test_a_moved_value_a_flipped_verdict_a_new_claim_a_changed_figure_and_cells(tmp_path):
    before = tree(
        tmp_path / "before",
        {"ch": [("same", 1.0, "pass"), ("moves", 2.0, "pass"), ("flips", 3.0, "pass"), ("gone", 1.0, "FAIL")]},
        {"a.png": b"x", "b.png": b"y"},
        {"t.csv": "k,v\na,1\nb,2\n", "u.csv": "k\n1\n"},
    )
    after = tree(
        tmp_path / "after",
        {"ch": [("same", 1.0, "pass"), ("moves", 2.5, "pass"), ("flips", 3.0, "FAIL"), ("new", 7.0, "pass")]},
        {"a.png": b"x", "b.png": b"z", "c.png": b"w"},
        {"t.csv": "k,v\na,1\nb,3\n", "u.csv": "k\n1\n"},
    )
    assert claim_changes(before, after) == [
        ("ch", "flips", "3", "3", "pass → FAIL"),
        ("ch", "gone", "1", "(removed)", "was FAIL"),
        ("ch", "moves", "2", "2.5", "pass"),
        ("ch", "new", "(new claim)", "7", "pass"),
    ]
    assert figure_changes(before, after) == [("b.png", "changed"), ("c.png", "new")]
    assert table_changes(before, after) == [("t.csv", "1 cells: row 2, v: 2 → 3")]
    md = markdown(before, after, "Effect")
    assert md.startswith("## Effect") and "**Claims:** 4 of 4 changed" in md and "| ch | moves | 2 | 2.5 | pass |" in md


def test_equal_trees_and_no_baseline(tmp_path):
    same = tree(tmp_path / "a", {"ch": [("c", float("nan"), "FAIL")]}, {"f.png": b"1"}, {"t.csv": "k\n1\n"})
    md = markdown(same, same, "Effect")
    assert "**Claims:** 0 of 1 changed" in md and "**Figures:** 0 changed" in md and "**Tables:** 0 changed" in md
    assert "No earlier build" in markdown(None, same, "Effect")
