"""The quick profile's report as a reader gets it (issue 24's measures): the summary first, every caption rendered
without a warning and with MathML where it has math, no results/ path or config key in the reader's text, each claim
row once, a provenance line under every figure, every coverage entry mapped.

The report comes from the session's quick build (tests/conftest.py; AEVQ_QUICK_BUILD keeps it for a later run).
"""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import pytest
import yaml

from aevq.report_text import TextContext, render_file
from tests.test_report import INTERNAL, config_keys

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tree(quick_build) -> Path:
    return quick_build.repo


@pytest.fixture(scope="module")
def page(tree) -> str:
    return (tree / "results/report.html").read_text()


def visible(fragment: str) -> str:
    """The text a reader sees: tags and MathML dropped, entities decoded."""
    fragment = re.sub(r"<math.*?</math>", " ", fragment, flags=re.S)
    fragment = re.sub(r"</(p|td|th|tr|li|summary|h\d)>", " ", fragment)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def without_provenance(page: str) -> str:
    page = re.sub(r'<p class="prov">.*?</p>', "", page, flags=re.S)
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return page[: page.index('<section id="provenance">')]


def test_the_summary_comes_first(page):
    body = page[page.index("<body>") :]
    first_section = re.search(r"<section[^>]*>", body).group(0)
    assert 'id="summary"' in first_section
    assert re.search(r"<h2>Summary</h2>", body[:2000])
    summary = body[: body.index("</section>")]
    for what in ("Profile:", "Hardware:", "claims", "Headline numbers", "Lecture coverage", "of job time"):
        assert what in summary, what
    # every chapter that states claims is linked from the summary's count table
    for key in re.findall(r'<h3 id="claims-([a-z_]+)">', page):
        assert f'href="#claims-{key}"' in summary, key


def quick_config(tree: Path) -> dict:
    def merge(a, b):
        for k, v in b.items():
            if isinstance(v, dict) and isinstance(a.get(k), dict):
                merge(a[k], v)
            else:
                a[k] = v
        return a

    return merge(
        yaml.safe_load((tree / "config/config.yaml").read_text()),
        yaml.safe_load((tree / "config/quick.yaml").read_text()),
    )


def test_every_caption_renders_with_its_values_and_mathml_where_it_has_math(tree, page):
    ctx = TextContext.from_dir(tree / "results/metrics", quick_config(tree))
    captions = sorted((tree / "workflow/report").glob("*.rst"))
    assert len(captions) > 30
    for path in captions:
        out = render_file(path, ctx)  # a warning or a missing value raises, naming the file
        source = path.read_text()
        assert out.has_math == bool(re.search(r":math:`|\.\. math::", source)), path.name
        if out.has_math:
            assert "<math" in out.lead + out.details, path.name
    assert "<math" in page and "<script" not in page


def internal_detail(text: str) -> list[str]:
    found = [m.group(0) for m in INTERNAL.finditer(text)]
    found += [k for k in config_keys() if re.search(rf"(?<![\w/.]){re.escape(k)}(?![\w/])", text)]
    return sorted(set(found))


def test_no_reader_facing_text_holds_a_results_path_a_config_key_or_a_model_id(page):
    """The summary (its tables included), the chapter intros and every caption."""
    shown = without_provenance(page)
    summary_end = shown.index("</section>")
    chapters = re.sub(r"<table.*?</table>", "", shown[summary_end:], flags=re.S)
    prose = visible(shown[:summary_end]) + " " + visible(chapters)
    assert "Summary" in prose and "Figure 1." in prose
    assert not internal_detail(prose)


@pytest.mark.xfail(reason="claim texts and table contents are reworded with the content branch", strict=False)
def test_no_claim_row_or_table_cell_holds_a_results_path_a_config_key_or_a_model_id(page):
    shown = without_provenance(page)
    tables = re.findall(r"<table.*?</table>", shown[shown.index("</section>") :], flags=re.S)
    assert tables
    assert not internal_detail(visible(" ".join(tables)))


def claim_rows(tree: Path) -> list[dict]:
    rows = []
    for f in sorted((tree / "results/metrics").glob("*.json")):
        rows += [dict(r, metrics=f.stem) for r in json.loads(f.read_text()).get("claims", [])]
    return rows


def test_each_claim_row_appears_once(tree, page):
    rows = claim_rows(tree)
    assert rows
    ids = re.findall(r'<tr class="(?:pass|fail|na)" id="(claim-[a-z_]+-\d+)"', page)
    assert len(ids) == len(set(ids)) == len(rows)
    for r in rows:
        cell = "<td>" + htmllib.escape(r["claim"])
        assert page.count(cell) == 1, r["claim"]


def test_every_claim_row_sets_kind_and_basis(tree):
    missing = [(r["metrics"], r["claim"][:60]) for r in claim_rows(tree) if not (r.get("kind") and r.get("basis"))]
    assert not missing, missing


def test_every_figure_and_table_has_its_provenance_line(page):
    figures = re.findall(r'<figure id="fig-[a-z0-9_]+">.*?</figure>', page, flags=re.S)
    tables = re.findall(r'<div class="table" id="tab-[a-z0-9_]+">.*?<p class="prov">.*?</p></div>', page, flags=re.S)
    assert len(figures) > 30 and len(tables) > 10
    for block in figures + tables:
        line = re.search(r'<p class="prov">(.*?)</p>', block, flags=re.S)
        assert line, block[:80]
        text = visible(line.group(1))
        assert text.startswith("Drawn by ") and ".ipynb from " in text and "← rule " in text, text
        assert "Library: aevq." in text, text


def test_every_coverage_entry_maps_to_a_section_or_a_reason(tree, page):
    entries = yaml.safe_load((tree / "workflow/report/coverage.yaml").read_text())
    cov = page[page.index('<section id="coverage">') : page.index('<section id="provenance">')]
    rows = re.findall(r"<tr><td>.*?</tr>", cov, flags=re.S)
    assert len(rows) == len(entries)
    for entry, row in zip(entries, rows, strict=True):
        if entry.get("shown_in"):
            for anchor in re.findall(r'href="#([^"]+)"', row):
                assert f'id="{anchor}"' in page, (entry["slide"], anchor)
            assert len(re.findall(r'href="#', row)) == len(entry["shown_in"])
        else:
            assert entry["reason"] and "not measured:" in row, entry["slide"]
