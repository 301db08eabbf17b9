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
    assert '<tr class="fail">' in html and "FAIL" in html and "1 of 2 claims hold" in html
    assert "<b>bold</b>" in html and "<code>code</code>" in html
    assert gather({"m": {"claims": [{"a": 1}]}}) == [{"metrics": "m", "a": 1}]


def test_rst_paragraphs():
    assert rst_to_html("a\nb\n\nc") == "<p>a b</p>\n<p>c</p>"
