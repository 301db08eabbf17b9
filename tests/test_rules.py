"""Every rule as Snakemake parsed it: a literal `rule <name>:` in its chapter's file, so grep finds it and an error in
it points there, and what every compute rule shares derived the one way (workflow/rules/common.smk)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from aevq import pipeline
from tests.conftest import REPO, copy_repo, described_rules, run_snakemake

CHAPTERS = ("data", "linear_ae", "ppca", "manifolds", "deep_ae", "helmholtz", "limits")
CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text())


def home_of(name: str) -> str:
    """The file a rule belongs in, by its name: a chapter's rules, notebook_<key> and chapter_<key> in <key>.smk."""
    if name == "all":
        return "Snakefile"
    if name == "mnist":
        return "data.smk"
    if name == "report" or name.startswith("fig_"):
        return "report.smk"
    key = name.removeprefix("notebook_").removeprefix("chapter_")
    chapters = [c for c in CHAPTERS if key == c or key.startswith(c + "_")]
    assert chapters, f"rule {name} belongs to no chapter"
    return f"{chapters[0]}.smk"


def test_every_rule_is_declared_by_name_in_its_chapters_file():
    rules = described_rules()
    assert {r["name"] for r in rules} >= {f"{p}_{c}" for p in ("notebook", "chapter") for c in CHAPTERS}
    for rule in rules:
        path = Path(rule["snakefile"])
        assert path.name == home_of(rule["name"]), (rule["name"], path)
        if rule["name"].startswith("fig_"):
            continue  # one alias per figure, named after the file its notebook saves: made in a loop
        lines = path.read_text().splitlines()
        # where Snakemake says the rule is (its errors name this line), and the one line grep finds
        assert lines[rule["lineno"] - 1] == f"rule {rule['name']}:", (rule["name"], rule["lineno"])
        assert lines.count(f"rule {rule['name']}:") == 1, rule["name"]


def test_every_compute_rule_derives_its_library_log_benchmark_env_seed_and_resources(monkeypatch):
    monkeypatch.chdir(REPO)  # library_of gives paths from the working directory
    compute = [r for r in described_rules() if r["script"]]
    assert len(compute) >= 25
    for rule in compute:
        name, script = rule["name"], Path(rule["script"]).name
        expected = pipeline.library_of.__wrapped__(script, str(REPO))
        assert rule["library"] == sorted(str(REPO / m) for m in expected), name
        (log,) = rule["log"]
        job = re.fullmatch(r"results/logs/(.+)\.log", log).group(1)
        assert rule["benchmark"] == f"results/benchmarks/{job}.tsv", name
        assert job == name or "{" in job, name  # a rule that fans out logs each job under its wildcards
        assert rule["conda_env"] == f"../../envs/cpu/{rule['family']}.yaml", name
        assert rule["resources"] == {"mem_mb": 4000 if name == "mnist" else CONFIG["resources"]["mem_mb"], "gpu": 0}
        if name in pipeline.SEED_OFFSETS:
            per_wildcards = rule["seed"] == "per wildcards"
            assert per_wildcards or rule["seed"] == pipeline.rule_seed(name, CONFIG["seed"]), name
        if "device" in rule["params"]:
            assert rule["family"] == "torch", name  # only a torch job may be given a GPU
    # the report's provenance names each artefact's script: every compute rule runs a script of its own folder
    assert all(Path(r["script"]).parent == REPO / "workflow/scripts" for r in compute)


def _parse_error(repo: Path) -> str:
    res = run_snakemake(repo, "-n", "--cores", "1")
    assert res.returncode != 0
    return res.stdout + res.stderr


def test_an_error_in_a_rule_points_to_the_rule_in_its_chapters_file(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    rules_file = repo / "workflow/rules/limits.smk"
    text = rules_file.read_text()
    wrong = text.replace('log_path("limits_train_{limits_model}_d{limits_dim}")', 'log_path("limits_train")')
    assert wrong != text
    rules_file.write_text(wrong)
    line = wrong.splitlines().index("rule limits_train:") + 1
    err = _parse_error(repo)
    assert f'RuleException in file "{rules_file}", line {line}' in err, err[-3000:]
    assert "rule limits_train" in err


def test_a_chapter_must_claim_every_metrics_file_of_its_rules(tmp_path):
    """register_section() takes the chapter's rules from its file: a metrics file left out of claims= stops the
    workflow, naming the chapter and the file."""
    repo = copy_repo(tmp_path / "repo")
    rules_file = repo / "workflow/rules/ppca.smk"
    text = rules_file.read_text()
    wrong = text.replace(
        "claims=[rules.ppca_fit.output.metrics, rules.ppca_cost_bench.output.metrics]",
        "claims=[rules.ppca_fit.output.metrics]",
    )
    assert wrong != text
    rules_file.write_text(wrong)
    err = _parse_error(repo)
    assert "register_section('ppca')" in err and "missing ['results/metrics/ppca_cost_bench.json']" in err, err[-3000:]
