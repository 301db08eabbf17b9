"""The report engine on small synthetic inputs (no training): the roles, the docutils renderer, the page, and the
caption files' conventions (workflow/report/README.md)."""

import json
import re
from pathlib import Path

import pytest

from aevq.claims import claim, gather
from aevq.report import (
    benchmark_table,
    build_report,
    claims_table,
    coverage_entries,
    provenance_line,
    source_link_base,
    training_speeds,
)
from aevq.report_text import ReportTextError, TextContext, parse_reference, render

REPO = Path(__file__).resolve().parents[1]
CAPTIONS = sorted((REPO / "workflow/report").glob("*.rst"))
INTROS = sorted((REPO / "workflow/report/sections").glob("*.rst"))


def test_claim_pass_fail_and_nan():
    assert claim("x", 0.5, "<", 1.0, "math")["passed"]
    assert not claim("x", 2.0, "<", 1.0, "math")["passed"]
    assert not claim("x", float("nan"), "<", 1.0, "math")["passed"]
    with pytest.raises(ValueError, match="unknown comparison"):
        claim("x", 1, "~", 1, "math")


# -- the roles and the renderer ----------------------------------------------------------------------------------


def ctx(**kw):
    metrics = {"runs": {"err": [1.23456, {"deep": 3.0}], "n": 5000, "ok": True}}
    return TextContext(metrics=metrics, config={"data": {"n_train": 60000}}, name="cap.rst", **kw)


def test_measured_and_config_roles_walk_keys_and_format():
    out = render(
        "Error :measured:`runs/err/0|.2f`, deep :measured:`runs/err/1/deep`, "
        ":measured:`runs/n|,d` of :config:`data/n_train|,d`; ok: :measured:`runs/ok`.",
        ctx(),
    )
    text = re.sub(r"<[^>]+>", "", out.lead)
    assert text == "Error 1.23, deep 3, 5,000 of 60,000; ok: yes."
    assert out.details == "" and not out.has_math


@pytest.mark.parametrize(
    "text, message",
    [
        (":measured:`runs/missing`", r"cap\.rst: :measured:`runs/missing`: metrics 'runs' has no key 'missing'"),
        (":measured:`other/x`", r"cap\.rst: :measured: names the metrics 'other'"),
        (":measured:`runs/err/7`", r"no key 'err/7'"),
        (":config:`data/n_test`", r"cap\.rst: :config:`data/n_test`: the config has no key 'data/n_test'"),
        (":measured:`runs/n|.2q`", r"cap\.rst: :measured:`runs/n\|\.2q`: format '\.2q'"),
        (":measured:`runs`", r"needs a metrics stem and at least one key"),
        ("An `unclosed role", r"cap\.rst: docutils: .*WARNING"),
        (":unknown:`x`", r'Unknown interpreted text role "unknown"'),
        (":math:`\\tfrac12`", r"cap\.rst: docutils: .*WARNING"),  # LaTeX the MathML converter does not know
    ],
)
def test_a_bad_reference_or_markup_is_a_build_error_naming_the_text(text, message):
    with pytest.raises(ReportTextError, match=message):
        render(text, ctx())


def test_reference_syntax():
    assert parse_reference("a/b/0|.2f") == (["a", "b", "0"], ".2f")
    assert parse_reference("a/b") == (["a", "b"], "")
    with pytest.raises(ReportTextError, match="not a reference"):
        parse_reference("a//b")


def test_first_paragraph_is_the_lead_and_math_is_mathml_without_script():
    out = render(
        "See :math:`\\mathbf{W}_d \\mathbf{W}_e` here.\n\nMore detail.\n\n.. math::\n\n   \\sum_{j>d} \\lambda_j\n",
        ctx(),
    )
    assert out.lead.startswith("<p>See <math") and "More detail" not in out.lead
    assert "<p>More detail.</p>" in out.details and 'display="block"' in out.details
    assert out.has_math and "<script" not in out.lead + out.details and "\\mathbf" not in out.lead


def test_syntax_only_mode_checks_references_without_values():
    c = ctx(strict=False)
    render(":measured:`nothing/here|.2f` and :config:`x/y`", c)
    assert c.used == [("measured", "nothing/here|.2f"), ("config", "x/y")]


# -- the page ------------------------------------------------------------------------------------------------------


@pytest.fixture
def synthetic(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    png = tmp_path / "sec_curve.png"
    fig.savefig(png)
    plt.close(fig)
    (tmp_path / "sec_curve.rst").write_text(
        "The loss falls to :measured:`m/loss|.3f`; :math:`\\hat{\\mathbf{x}}` is the reconstruction.\n\n"
        "A **bold** detail with ``code``.\n"
    )
    (tmp_path / "sec_table.rst").write_text("A table.\n")
    (tmp_path / "sec_table.csv").write_text("a,b\n1,2.5\n")
    metrics = tmp_path / "m.json"
    rows = [
        claim("holds", 1.0, "<", 2.0, "math", kind="identity", basis="mathematics"),
        claim("breaks", 3.0, "<", 2.0, "Someone 2001, Table 2", kind="empirical", basis="paper", uncertainty=0.25),
        {k: v for k, v in claim("an old row", 0.5, "<", 1.0, "lecture").items() if k not in ("kind", "basis")},
        claim("paper scale only", 12.3, "<=", 3.0, "paper", applies=False, kind="empirical", basis="paper"),
    ]
    metrics.write_text(json.dumps({"loss": 0.12345, "claims": rows}))
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "job.tsv").write_text("s\th:m:s\tmax_rss\n180.0\t0:03:00\t100\n")
    (tmp_path / "coverage.yaml").write_text(
        "- {slide: 'Fig 1. A curve', lecture: '§1', shown_in: [sec_curve, sec]}\n"
        "- {slide: 'A conceptual slide', lecture: '§2', reason: 'a definition, nothing to measure'}\n"
    )
    section = dict(
        key="sec",
        order=1,
        title="1. Section: a subtitle",
        lecture="§1",
        intro="Intro with :config:`data/n_train|,d` images.\n\nIntro details.",
        metrics=[str(metrics)],
        figures=[dict(path=str(png), caption=str(tmp_path / "sec_curve.rst"))],
        tables=[dict(path=str(tmp_path / "sec_table.csv"), caption=str(tmp_path / "sec_table.rst"))],
    )
    prov = {
        "sec": dict(
            notebook="notebooks/01_sec.ipynb",
            library=["src/aevq/plotting.py"],
            inputs=[dict(path=str(metrics), rule="fit", script="workflow/scripts/fit.py", library=["src/aevq/m.py"])],
            products={"sec_curve": [dict(path=str(metrics), rule="fit", script="workflow/scripts/fit.py")]},
        )
    }
    return tmp_path, section, prov


def build(tmp_path, section, prov, **kw):
    out = tmp_path / "r.html"
    summary = build_report(
        [section],
        out,
        config={"profile": "quick", "device": "cpu", "data": {"n_train": 5000, "n_test": 1000}},
        bench_dir=tmp_path / "bench",
        coverage=tmp_path / "coverage.yaml",
        provenance=prov,
        root=tmp_path,
        headlines=(dict(section="sec", quantity="Loss", measured=":measured:`m/loss|.2f`", paper="0.1 (X 2000)"),),
        **kw,
    )
    return summary, out.read_text()


def test_report_summary_first_claims_once_and_counted_by_kind(synthetic):
    summary, html = build(*synthetic, environ={})
    assert summary == {"figures": 1, "tables": 1, "claims": 4, "claims_passed": 2, "claims_failed": 1}
    assert (
        html.index('id="summary"')
        < html.index('id="sec"')
        < html.index('id="coverage"')
        < html.index('id="provenance"')
    )
    summary_part = html[html.index('id="summary"') : html.index('id="sec"')]
    assert "5,000 training and 1,000 test images" in summary_part and "3 min of job time" in summary_part
    assert "Of 2 empirical claims, 0 hold, 1 fails and 1 cannot be tested at this scale" in summary_part
    assert "of 1 identity checks, 1 hold" in summary_part and "of 1 claims that do not state their kind" in summary_part
    assert '<a href="#claims-sec">' in summary_part and ">0.12<" in summary_part
    for text in ("holds", "breaks", "an old row", "paper scale only"):
        assert len(re.findall(rf"<td>{text}(<details>|</td>)", html)) == 1, text
    assert "3 ± 0.25" in html and '<tr class="fail"' in html and "FAIL" in html
    old = re.search(r"<tr[^>]*><td>1\.3</td><td>an old row</td>(.*?)</tr>", html, re.S).group(1)
    assert old.count("—") == 2  # kind and basis of a row written before they existed
    assert "data:image/png;base64," in html and "<script" not in html


def test_captions_and_intros_render_with_lead_details_and_mathml(synthetic):
    _, html = build(*synthetic, environ={})
    cap = html[html.index('<figure id="fig-sec_curve">') : html.index("</figure>")]
    assert 'The loss falls to <span class="measured">0.123</span>' in cap and "<math" in cap
    assert re.search(r"<details><summary>More</summary><p>A <strong>bold</strong> detail", cap)
    assert 'Intro with <span class="config">5,000</span> images.' in html
    assert "<details><summary>More about this chapter</summary><p>Intro details.</p>" in html


def test_every_figure_has_a_provenance_line_linking_source_when_the_repository_is_known(synthetic):
    tmp_path, section, prov = synthetic
    _, html = build(*synthetic, environ={})
    line = re.search(r'<figure id="fig-sec_curve">.*?<p class="prov">(.*?)</p>', html, re.S).group(1)
    assert 'Drawn by <code>01_sec.ipynb</code> from <a href="m.json">m.json</a> ← rule <code>fit</code>' in line
    assert "not a git checkout" in html
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r"}
    assert source_link_base("abc", env) == "https://github.com/o/r/blob/abc/"
    assert source_link_base(None, env) is None and source_link_base("abc", {}) is None
    linked = provenance_line(prov["sec"], tmp_path, "https://github.com/o/r/blob/abc/", "sec_table")
    assert '<a href="https://github.com/o/r/blob/abc/notebooks/01_sec.ipynb">01_sec.ipynb</a>' in linked
    assert '<a href="https://github.com/o/r/blob/abc/src/aevq/m.py">aevq.m</a>' in linked


def test_the_footer_says_plainly_when_the_tree_had_uncommitted_changes(synthetic, tmp_path):
    import subprocess

    root, section, prov = synthetic
    run = dict(cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "init", "-q"], **run)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "add", "sec_table.rst"], **run)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x"], **run)
    _, html = build(root, section, prov, environ={})
    assert "no uncommitted changes" in html
    (root / "sec_table.rst").write_text("A changed table caption.\n")
    _, html = build(root, section, prov, environ={})
    assert "The working tree had uncommitted changes" in html and "sec_table.rst" in html


def test_coverage_entries_link_or_give_a_reason(synthetic):
    _, html = build(*synthetic, environ={})
    cov = html[html.index('id="coverage"') : html.index('id="provenance"')]
    assert '<a href="#fig-sec_curve">Figure 1</a>, <a href="#sec">1. Section</a>' in cov
    assert "<i>not measured:</i> a definition, nothing to measure" in cov
    anchors = {"a": ("fig-a", "Figure 1")}
    with pytest.raises(ReportTextError, match="'S' is shown_in \\['b'\\], which is no figure"):
        coverage_entries([{"slide": "S", "shown_in": ["b"]}], anchors, "cov.yaml")
    with pytest.raises(ReportTextError, match="needs shown_in"):
        coverage_entries([{"slide": "S"}], anchors, "cov.yaml")


def test_a_missing_measured_key_fails_the_build_naming_caption_stem_and_key(synthetic):
    tmp_path, section, prov = synthetic
    (tmp_path / "sec_curve.rst").write_text("Loss :measured:`m/los|.3f`.\n")
    with pytest.raises(ReportTextError, match=r"sec_curve\.rst: :measured:`m/los\|\.3f`: metrics 'm' has no key 'los'"):
        build(tmp_path, section, prov, environ={})


def test_a_claim_that_this_profile_cannot_test_is_neither_pass_nor_fail():
    from aevq.claims import verdict

    row = claim("paper's number", 12.3, "<=", 3.0, "paper", applies=False)
    assert row["passed"] is None and verdict(row) == "full profile only" and row["measured"] == 12.3
    html = claims_table([row, claim("x", 0.5, "<", 1.0, "math")])
    assert "1 hold" in html and "1 cannot be tested" in html and "full profile only" in html and "FAIL" not in html
    assert gather({"m": {"claims": [{"a": 1}]}}) == [{"metrics": "m", "a": 1}]


# -- the caption files ---------------------------------------------------------------------------------------------

# what a reader must not see: paths into the results tree, internal model IDs, profile hedges, ASCII math
INTERNAL = re.compile(
    r"results/|\b(?:ae|vae|vqvae|beta[\d.]+)_d\d+\b|quick profile|full profile|lecture lecture|\bW\^T\b|M\^-1|"
    r"sum_\{|lambda_j|sigma\^2|x_hat|\bmu\b"
)


def config_keys() -> set[str]:
    import yaml

    def walk(doc, prefix=""):
        for k, v in doc.items():
            key = f"{prefix}{k}"
            if prefix:
                yield key
            if isinstance(v, dict):
                yield from walk(v, key + ".")

    keys = set(walk(yaml.safe_load((REPO / "config/config.yaml").read_text())))
    return keys | {k.replace(".", "/") for k in keys}


def reader_text(source: str) -> str:
    """The prose a reader sees, roles and math removed (their content is not prose)."""
    text = re.sub(r":(measured|config|math):`[^`]*`", "", source)
    return re.sub(r"\.\. math::\n(\n|   .*\n?)*", "", text)


def text_problems(source: str, name: str) -> list[str]:
    try:
        out = render(source, TextContext(strict=False, name=name))
    except ReportTextError as err:
        return [str(err)]
    problems = []
    lead_words = len(re.sub(r"<math.*?</math>", " x ", out.lead, flags=re.S).split())
    if lead_words > 55:
        problems.append(f"the first paragraph has {lead_words} words (the convention: about 40)")
    text = reader_text(source)
    problems += [f"reader text holds {m.group(0)!r}" for m in INTERNAL.finditer(text)]
    problems += [f"reader text holds the config key {k!r}" for k in config_keys() if re.search(rf"\b{k}\b", text)]
    if ("\\" in text or "^" in text) and not out.has_math:
        problems.append("LaTeX outside :math: or .. math::")
    for jinja in ("{{", "{%", "{#"):  # snakemake --report reads a caption as a Jinja2 template first
        if jinja in source:
            problems.append(f"{jinja!r} would be read as Jinja2 by snakemake --report")
    return problems


@pytest.mark.parametrize("path", CAPTIONS + INTROS, ids=lambda p: p.name)
def test_every_caption_and_intro_follows_the_conventions(path):
    from aevq import pipeline

    source = pipeline.read_section(path)["intro"] if path.parent.name == "sections" else path.read_text()
    problems = text_problems(source, path.name)
    assert not problems, problems


def test_the_timing_table_says_which_precision_each_training_job_ran(tmp_path):
    metrics = {
        "deep_ae_pretrain": {"timing": {"precision": "bf16", "fraction_of_matmul": 0.41}},
        "deep_ae_pretrained": {"timing": {"precision": "bf16", "finetune": {"fraction_of_matmul": 0.52}}},
        "limits": {"timing": {"training": {"vae_d20": {"job": "limits_train_vae_d20", "precision": "fp32"}}}},
        "ppca": {"timing": {"fit_s": 3.0}},  # no training precision: not a torch training job
    }
    speeds = training_speeds(metrics)
    assert speeds == {
        "deep_ae_pretrain": ("bf16", 0.41),
        "deep_ae_pretrained": ("bf16", 0.52),
        "limits_train_vae_d20": ("fp32", None),
    }
    for job in ("deep_ae_pretrained", "ppca_fit"):
        (tmp_path / f"{job}.tsv").write_text("s\th:m:s\tmax_rss\n12.5\t0:00:12\t300\n")
    html = benchmark_table(tmp_path, speeds)
    assert "<th>precision</th>" in html
    assert '<td>deep_ae_pretrained</td><td class="num">12.5</td><td class="num">300</td><td>bf16</td>' in html
    assert '<td class="num">0.52</td>' in html
    assert '<td>ppca_fit</td><td class="num">12.5</td><td class="num">300</td><td></td><td class="num"></td>' in html
