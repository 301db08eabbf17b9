import pytest

from aevq.claims import claim, gather
from aevq.report import build_report, rst_to_html


def test_claim_pass_fail_and_nan():
    assert claim("x", 0.5, "<", 1.0, "math")["passed"]
    assert not claim("x", 2.0, "<", 1.0, "math")["passed"]
    assert not claim("x", float("nan"), "<", 1.0, "math")["passed"]
    with pytest.raises(ValueError, match="unknown comparison"):
        claim("x", 1, "~", 1, "math")


def test_report_shows_failing_claims_as_failing(tmp_path):
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    png = tmp_path / "f.png"
    fig.savefig(png)
    (tmp_path / "f.rst").write_text("A **bold** caption with ``code``.")
    (tmp_path / "t.csv").write_text("a,b\n1,2.5\n")
    metrics = tmp_path / "m.json"
    metrics.write_text(
        json.dumps({"claims": [claim("holds", 1.0, "<", 2.0, "math"), claim("breaks", 3.0, "<", 2.0, "paper")]})
    )
    section = dict(
        key="s",
        order=1,
        title="Section",
        lecture="",
        intro="",
        metrics=[str(metrics)],
        figures=[dict(path=str(png), caption=str(tmp_path / "f.rst"))],
        tables=[dict(path=str(tmp_path / "t.csv"), caption="")],
    )
    out = tmp_path / "r.html"
    summary = build_report([section], out, config={"profile": "quick", "device": "cpu"}, bench_dir=tmp_path)
    html = out.read_text()
    assert summary == {"figures": 1, "claims": 2, "claims_passed": 1}
    assert "data:image/png;base64," in html
    assert '<tr class="fail">' in html and "FAIL" in html and "1 of 2 claims tested hold" in html
    assert "<b>bold</b>" in html and "<code>code</code>" in html
    assert gather({"m": {"claims": [{"a": 1}]}}) == [{"metrics": "m", "a": 1}]


def test_rst_paragraphs():
    assert rst_to_html("a\nb\n\nc") == "<p>a b</p>\n<p>c</p>"


def test_every_caption_renders_with_docutils_without_a_warning():
    """Snakemake's --report renders the captions with docutils: |x| would be read as a substitution, etc."""
    import io
    from pathlib import Path

    import docutils.core

    captions = sorted((Path(__file__).resolve().parents[1] / "workflow/report").glob("*.rst"))
    assert len(captions) > 30
    for path in captions:
        stream = io.StringIO()
        docutils.core.publish_doctree(
            path.read_text(), settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": stream}
        )
        assert stream.getvalue() == "", f"{path.name}: {stream.getvalue()}"


def test_a_claim_that_this_profile_cannot_test_is_neither_pass_nor_fail():
    from aevq.claims import verdict
    from aevq.report import claims_table

    row = claim("paper's number", 12.3, "<=", 3.0, "paper", applies=False)
    assert row["passed"] is None and verdict(row) == "full profile only" and row["measured"] == 12.3
    html = claims_table([row, claim("x", 0.5, "<", 1.0, "math")])
    assert "1 of 1 claims tested hold" in html and "full profile only" in html and "FAIL" not in html


def test_check_progress_fails_a_finite_divergence():
    from aevq.runtime import DivergenceError, check_progress

    check_progress([5.0, 3.0, 2.0])
    with pytest.raises(DivergenceError, match="ended worse"):
        check_progress([5.0, 3.0, 6.0])
    with pytest.raises(DivergenceError, match="exploded"):
        check_progress([5.0, 3e9, 2.0])
