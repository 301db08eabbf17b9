"""The quick profile end to end, in a copy of the repository: the report embeds every figure the DAG declares,
a second dry run schedules nothing, and editing one notebook reruns only that notebook and the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import QUICK, run_snakemake

pytestmark = pytest.mark.e2e


def job_counts(dry_run_output: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a dry run into {rule: count}."""
    if "Nothing to be done" in dry_run_output:
        return {}
    block = dry_run_output.split("Job stats:", 1)[1]
    jobs = {}
    for line in block.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs


@pytest.fixture(scope="module")
def built(quick_build):
    return quick_build.repo


def test_report_exists_and_embeds_every_declared_figure(built):
    res = run_snakemake(built, *QUICK, "--summary")
    assert res.returncode == 0, res.stderr
    declared = {
        Path(line.split("\t")[0]).name
        for line in res.stdout.splitlines()
        if line.startswith("results/figures/") and line.split("\t")[0].endswith(".png")
    }
    assert "data_mnist_samples.png" in declared
    html = (built / "results/report.html").read_text()
    embedded = set(re.findall(r'<img alt="([^"]+\.png)" src="data:image/png;base64,', html))
    assert declared == embedded
    assert html.index('id="summary"') < html.index('id="data"') and "Provenance" in html


CHAPTERS = ("data", "linear_ae", "ppca", "manifolds", "deep_ae", "helmholtz", "limits")


def test_every_chapter_states_claims_and_none_is_missing_a_verdict(built):
    files = sorted((built / "results/metrics").glob("*.json"))
    assert files
    per_chapter = dict.fromkeys(CHAPTERS, 0)
    for f in files:
        doc = json.loads(f.read_text())
        if "claims" in doc:  # a file that states claims states at least one
            assert doc["claims"], f"{f.name}: an empty claims list"
        for row in doc.get("claims", []):
            assert {"claim", "measured", "op", "threshold", "source", "passed", "status"} <= row.keys(), f
            assert row["status"] in ("pass", "FAIL") or row["passed"] is None, (f, row["claim"])
            assert row["source"].strip() and "issue" not in row["source"].lower(), (f, row["source"])
        chapter = max((c for c in CHAPTERS if f.stem.startswith(c)), key=len)
        per_chapter[chapter] += len(doc.get("claims", []))
    assert all(per_chapter.values()), per_chapter
    data = json.loads((built / "results/metrics/data.json").read_text())
    assert all(row["passed"] for row in data["claims"])


def test_every_job_wrote_log_and_benchmark(built):
    logs = {p.stem for p in (built / "results/logs").glob("**/*.log")}
    benches = {p.stem for p in (built / "results/benchmarks").glob("**/*.tsv")}
    assert {"mnist", "notebook_data", "report"} <= logs
    assert logs == benches


def test_second_dry_run_schedules_nothing(built):
    res = run_snakemake(built, *QUICK, "-n")
    assert res.returncode == 0
    assert job_counts(res.stdout + res.stderr) == {}


def test_editing_one_notebook_reruns_only_it_and_the_report(built_copy):
    built = built_copy
    nb_path = built / "notebooks/01_data.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"] = "".join(nb["cells"][0]["source"]) + "\n\nEdited by the test."
    nb_path.write_text(json.dumps(nb, indent=1))
    res = run_snakemake(built, *QUICK, "-n")
    assert res.returncode == 0, res.stderr
    assert job_counts(res.stdout + res.stderr) == {"notebook_data": 1, "report": 1, "all": 1}
