"""Every claim row says what kind of check it is and where its threshold comes from (issue 24: identity checks are
counted apart from empirical claims; "threshold from" is mathematics, a paper or the lecture)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from aevq.claims import BASES, KINDS, claim

CHAPTERS = Path(__file__).resolve().parents[1] / "src" / "aevq" / "chapters"
# chapter 6 states its claims in its own module, checked by tests/test_helmholtz.py
OWN_TESTS = {"helmholtz.py"}


def claim_calls(path: Path) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "claim"
    ]


CALLS = [
    pytest.param(call, id=f"{path.name}:{call.lineno}")
    for path in sorted(CHAPTERS.glob("*.py"))
    if path.name not in OWN_TESTS
    for call in claim_calls(path)
]


def test_the_chapters_state_claims():
    assert len(CALLS) >= 30


@pytest.mark.parametrize("call", CALLS)
def test_every_claim_sets_kind_and_basis(call: ast.Call):
    keywords = {k.arg: k.value for k in call.keywords}
    for name, allowed in (("kind", KINDS), ("basis", BASES)):
        assert name in keywords, f"claim(...) at line {call.lineno} does not set {name}="
        value = keywords[name]
        assert isinstance(value, ast.Constant) and value.value in allowed, (
            f"claim(...) at line {call.lineno}: {name} must be one of {allowed} written as a literal"
        )


def test_claim_rejects_unknown_kind_and_basis():
    with pytest.raises(ValueError, match="kind"):
        claim("x", 1.0, "<", 2.0, "s", kind="proof", basis="mathematics")
    with pytest.raises(ValueError, match="basis"):
        claim("x", 1.0, "<", 2.0, "s", kind="identity", basis="folklore")


def test_not_applicable_row_keeps_its_measured_value():
    row = claim(
        "x",
        3.07,
        "<=",
        8.01,
        "s",
        applies=False,
        not_applicable="not comparable: y",
        kind="empirical",
        basis="paper",
        uncertainty=0.1,
    )
    assert (row["passed"], row["status"], row["measured"], row["uncertainty"]) == (None, "not comparable: y", 3.07, 0.1)


PAPER_CALLS = [
    pytest.param(path, call, id=f"{path.name}:{call.lineno}")
    for path in sorted(CHAPTERS.glob("*.py"))
    if path.name not in OWN_TESTS
    for call in claim_calls(path)
    if any(k.arg == "basis" and getattr(k.value, "value", None) == "paper" for k in call.keywords)
]


@pytest.mark.parametrize(("path", "call"), PAPER_CALLS)
def test_a_paper_threshold_names_the_papers_own_figure_or_table(path: Path, call: ast.Call):
    import importlib

    source = call.args[4]
    if isinstance(source, ast.Name):
        text = getattr(importlib.import_module(f"aevq.chapters.{path.stem}"), source.id)
    else:
        assert isinstance(source, ast.Constant), f"line {call.lineno}: write the source as a constant or a name"
        text = source.value
    assert any(word in text for word in ("Fig", "Table", "eq.", "Eq.", "Theorem")), text
