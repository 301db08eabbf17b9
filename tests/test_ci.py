"""The GitHub Actions workflows: valid, audited, the README's commands, and a cache restore that reruns nothing."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.bench.claims_diff import claim_changes, figure_changes
from tests.conftest import QUICK, REPO, run_command, run_snakemake
from tests.test_pipeline_e2e import job_counts

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))


def run_steps():
    """(workflow, step name, command) for every `run:` step."""
    for path in WORKFLOWS:
        doc = yaml.safe_load(path.read_text())
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                if "run" in step:
                    yield path.name, step.get("name", ""), step["run"].strip()


def test_the_four_jobs_exist_with_explicit_permissions():
    docs = {p.stem: yaml.safe_load(p.read_text()) for p in WORKFLOWS}
    assert {"check", "report", "full"} <= set(docs)
    assert set(docs["report"]["jobs"]) == {"report", "publish"}
    for name, doc in docs.items():
        assert doc["permissions"] == {}, name  # nothing by default; each job asks for what it needs
        for job_name, job in doc["jobs"].items():
            assert "permissions" in job, (name, job_name)
            for step in job.get("steps", []):
                if "uses" in step:
                    ref = step["uses"].split("@", 1)[1]
                    assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), step["uses"]
    assert docs["report"]["jobs"]["publish"]["permissions"] == {"pages": "write", "id-token": "write"}
    inputs = docs["full"][True]["workflow_dispatch"]["inputs"]  # YAML 1.1 reads the key `on` as True
    assert inputs["device"]["options"] == ["cpu", "cuda"] and "runs-on" in inputs


@pytest.mark.parametrize(
    "cmd",
    [
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        ["zizmor", "--offline", str(REPO / ".github/workflows")],
    ],
    ids=["check-jsonschema", "zizmor"],
)
def test_the_workflows_pass_their_linters(cmd):
    exe = Path(sys.executable).parent / cmd[0]
    if not exe.exists():
        pytest.fail(f"{cmd[0]} is not installed: pip install -e '.[dev]'")
    res = run_command([str(exe), *cmd[1:]])
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_command_the_workflows_run_is_a_documented_command():
    """The README, or the docs it links (docs/*.md), shows every command a workflow runs."""
    docs = "\n".join(p.read_text() for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])
    steps = list(run_steps())
    assert len(steps) >= 8
    for workflow, name, command in steps:
        assert command in docs, f"{workflow} step {name!r} runs a command no README or docs page shows: {command}"


def build_command():
    """The report job's build command, as the workflow runs it (without the venv activation)."""
    (cmd,) = [c for _, name, c in run_steps() if name == "build the quick report"]
    return shlex.split(cmd.split("&&", 1)[1])


@pytest.mark.e2e
def test_a_restored_cache_reruns_nothing_and_one_notebook_edit_reruns_only_it(quick_build, tmp_path):
    """Play the report job twice: a built repository (as CI's first run leaves it) records its sources and is
    cached; a fresh clone restores the cache the way the workflow does and must find nothing to do."""
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org"]
    first = tmp_path / "first-run"
    shutil.copytree(quick_build.repo, first, symlinks=True)
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=first, check=True)
    subprocess.run([*git, "add", "-A"], cwd=first, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "built"], cwd=first, check=True)
    mtimes = [sys.executable, "workflow/scripts/ci_mtimes.py"]
    subprocess.run([*mtimes, "record", "results/.source-manifest"], cwd=first, check=True)
    cache = tmp_path / "cache"  # what actions/cache stores: results/ and .snakemake/metadata, times kept
    shutil.copytree(first / "results", cache / "results", symlinks=True)
    shutil.copytree(first / ".snakemake/metadata", cache / ".snakemake/metadata")

    clone = tmp_path / "second-run"
    subprocess.run(["git", "clone", "-q", str(first), str(clone)], check=True)
    shutil.copytree(cache / "results", clone / "results", symlinks=True, dirs_exist_ok=True)
    shutil.copytree(cache / ".snakemake", clone / ".snakemake")
    out = subprocess.run([*mtimes, "restore", "results/.source-manifest"], cwd=clone, capture_output=True, text=True)
    assert out.returncode == 0 and "0 changed or new" in out.stdout, out.stdout
    cmd = build_command()
    assert cmd[0] == "snakemake"
    res = run_snakemake(clone, *cmd[1:], "-n")
    assert res.returncode == 0, res.stderr[-3000:]
    assert job_counts(res.stdout + res.stderr) == {}, res.stdout[-3000:]

    nb_path = clone / "notebooks/04_manifolds.ipynb"  # a changed notebook, committed or not, reruns alone
    nb_path.write_text(
        nb_path.read_text().replace(
            '"cells": [', '"cells": [\n  {"cell_type": "markdown", "metadata": {}, "source": ["edited"]},', 1
        )
    )
    subprocess.run([*mtimes, "restore", "results/.source-manifest"], cwd=clone, check=True, capture_output=True)
    res = run_snakemake(clone, *cmd[1:], "-n")
    assert res.returncode == 0, res.stderr[-3000:]
    assert job_counts(res.stdout + res.stderr) == {"notebook_manifolds": 1, "report": 1, "all": 1}


@pytest.mark.e2e
def test_a_pull_request_summary_shows_what_one_parameter_moves(quick_build, built_copy):
    """The report job's summary for a change of one training parameter (the circle AE's epochs): exactly that
    chapter's claims, figures and tables move, and the summary names them with before, after and verdict."""
    overlay = built_copy / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"manifolds": {"circle": {"epochs": 60}}}))
    res = run_snakemake(built_copy, *QUICK, "--configfile", str(overlay))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    before, after = quick_build.repo / "results", built_copy / "results"
    res = run_command([sys.executable, str(REPO / "tests/bench/claims_diff.py"), str(before), str(after)])
    assert res.returncode == 0, res.stderr
    print(res.stdout)  # the summary a reviewer would see
    changed = claim_changes(before, after)
    assert changed, res.stdout
    assert {metrics for metrics, *_ in changed} == {"manifolds_circle"}, changed
    assert all(f"| {m} | " in res.stdout for m, *_ in changed)
    figures = {name for name, _ in figure_changes(before, after)}
    assert "manifolds_circle.png" in figures
    assert all(name.startswith(("manifolds_", "limits_")) for name in figures), figures
