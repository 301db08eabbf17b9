"""The project's own rules, checked where CI can see them: ruff, snakefmt, snakemake --lint, clean notebooks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_repo, run_snakemake


def _tool(name):
    """The tool installed beside this interpreter (the venv's bin/), as the README installs it."""
    return str(Path(sys.executable).parent / name)


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    res = subprocess.run([_tool("ruff"), *args], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_snakefmt():
    res = subprocess.run(
        [_tool("snakefmt"), "--check", "Snakefile", "workflow/"], cwd=REPO, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_snakemake_lint_is_clean(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    for profile in ([], ["--profile", "workflow/profiles/quick"]):
        res = run_snakemake(repo, "--lint", *profile)
        out = res.stdout + res.stderr
        assert res.returncode == 0 and "Lints for" not in out, out


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb_path in notebooks:
        nb = json.loads(nb_path.read_text())
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{nb_path.name}: needs exactly one cell tagged 'parameters' for papermill"
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, nb_path.name
