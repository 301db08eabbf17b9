"""Every slide of the lecture is accounted for (issue 24): workflow/report/coverage.yaml maps each one, in lecture
order, to the figures, tables or sections that rebuild it, or gives the reason it is not measured."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aevq import pipeline

REPO = Path(__file__).resolve().parents[1]
COVERAGE = REPO / "workflow" / "report" / "coverage.yaml"
ENTRIES = yaml.safe_load(COVERAGE.read_text())


def report_names() -> set[str]:
    names = {p.stem for p in (REPO / "workflow" / "report" / "sections").glob("*.rst")}
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        figures, tables = pipeline.notebook_products(nb)
        names |= set(figures) | set(tables)
    return names


def test_the_lecture_is_covered_in_order():
    assert isinstance(ENTRIES, list) and len(ENTRIES) >= 40
    slides = " ".join(e["slide"] for e in ENTRIES)
    # every numbered figure of the lecture, once each
    for k in range(1, 11):
        assert sum(e["slide"].startswith(f"Fig {k}.") for e in ENTRIES) == 1, f"Fig {k}"
    for topic in ("cryptograph", "norm", "KL", "information-bottleneck", "Dirac", "six components", "course map"):
        assert topic.lower() in (slides + " ".join(e.get("reason", "") for e in ENTRIES)).lower(), topic
    order = ["Ch. 1", "Ch. 2", "§3.1", "§3.2", "§3.3", "§3.4", "§3.5"]
    ranks = [order.index(e["lecture"]) for e in ENTRIES if e["lecture"] in order]
    assert ranks == sorted(ranks), "entries must follow the lecture's order"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["slide"][:40] for e in ENTRIES])
def test_every_slide_maps_to_what_rebuilds_it_or_to_a_reason(entry):
    assert entry.get("slide") and entry.get("lecture"), entry
    shown, reason = entry.get("shown_in"), entry.get("reason")
    assert bool(shown) != bool(reason), f"{entry['slide']}: shown_in or a reason, not both"
    if reason:
        assert len(reason.split()) >= 5, f"{entry['slide']}: say why it is not measured"
    else:
        unknown = set(shown) - report_names()
        assert not unknown, f"{entry['slide']}: {sorted(unknown)} is no figure, table or section of the report"
