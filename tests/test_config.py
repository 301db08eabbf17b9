"""The JSON schema stops bad config early, with a message that names the key."""

import copy

import jsonschema
import pytest
import yaml

from tests.conftest import REPO, copy_repo, run_snakemake

SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
FULL = yaml.safe_load((REPO / "config/config.yaml").read_text())
QUICK = yaml.safe_load((REPO / "config/quick.yaml").read_text())


def merged(base, overlay):
    out = copy.deepcopy(base)
    for k, v in overlay.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def test_shipped_configs_are_valid():
    jsonschema.validate(FULL, SCHEMA)
    jsonschema.validate(merged(FULL, QUICK), SCHEMA)
    assert merged(FULL, QUICK)["profile"] == "quick"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"device": "tpu"}, "'tpu' is not one of"),
        ({"seed": -1}, "-1 is less than the minimum"),
        ({"data": {"mnist": {"source": "torrent"}}}, "'torrent' is not one of"),
        ({"data": {"n_train": 10}}, "10 is less than the minimum"),
        ({"typo_key": 1}, "Additional properties are not allowed ('typo_key'"),
    ],
)
def test_bad_values_are_rejected(change, fragment):
    with pytest.raises(jsonschema.ValidationError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        jsonschema.validate(merged(FULL, change), SCHEMA)


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("cfg") / "repo")


def test_snakemake_stops_on_bad_config_with_the_key_named(repo_copy):
    res = run_snakemake(repo_copy, "-n", "--config", "device=tpu")
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert "device" in out and "'tpu' is not one of ['cpu', 'cuda']" in out


def _notebook_command(repo, *args):
    """The papermill command Snakemake would run for the linear-AE notebook (a forced dry run prints it)."""
    target = "results/notebooks/02_linear_ae.ipynb"
    res = run_snakemake(repo, "-n", "-p", "--forceall", target, "--cores", "2", *args)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout + res.stderr


def test_quick_profile_overlay_is_applied(repo_copy, tmp_path):
    # a figure-only value that differs between the profiles reaches the job's command line: Snakemake, not a
    # re-implementation of its merging, says which config applies
    assert f"-p n_scatter {FULL['linear_ae']['n_scatter']}" in _notebook_command(repo_copy)
    quick = _notebook_command(repo_copy, "--profile", "workflow/profiles/quick")
    assert QUICK["linear_ae"]["n_scatter"] != FULL["linear_ae"]["n_scatter"]
    assert f"-p n_scatter {QUICK['linear_ae']['n_scatter']}" in quick
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("linear_ae:\n  n_scatter: 321\n")
    both = _notebook_command(repo_copy, "--profile", "workflow/profiles/quick", "--configfile", str(overlay))
    assert "-p n_scatter 321" in both and "-p n_scatter 1000" not in both


def test_the_quick_overlay_holds_only_what_differs_from_the_full_config():
    repeated = []

    def walk(quick, full, path):
        for key, value in quick.items():
            if isinstance(value, dict) and isinstance(full.get(key), dict):
                walk(value, full[key], (*path, key))
            elif key in full and full[key] == value:
                repeated.append(".".join((*path, key)))

    walk(QUICK, FULL, ())
    assert not repeated, f"config/quick.yaml repeats the full config's values: {repeated}"


def test_every_seeded_rule_gets_its_own_seed_from_the_one_table():
    """Seeds come from config["seed"] and the rule's name (aevq.pipeline.SEED_OFFSETS), never from offsets in
    scripts: each script that reads a seed gets one as a param, and no two rules share one (the Helmholtz learners
    share theirs on purpose: the same starts and the same data stream for every learner)."""
    import re
    from pathlib import Path

    from tests.conftest import described_rules

    rules = {r["name"]: r for r in described_rules()}
    for rule in rules.values():
        if rule["script"]:
            code = Path(rule["script"]).read_text()
            if re.search(r"\bp(arams)?\.seed\b", code):
                assert rule["seed"] is not None, f"{rule['name']} reads a seed its rule does not pass"
            assert not re.search(r"seed \+ \d{3}|SEED_OFFSET", code), f"{rule['script']} adds its own seed offset"
    seeds = [r["seed"] for r in rules.values() if isinstance(r["seed"], int) and not r["name"].startswith("helmholtz")]
    assert len(seeds) >= 15 and len(set(seeds)) == len(seeds), sorted(seeds)
    assert rules["helmholtz_learner"]["seed"] == rules["helmholtz_exact_ml"]["seed"]
    shifted = described_rules("seed=7")
    assert {r["name"]: r["seed"] for r in shifted if isinstance(r["seed"], int)} == {
        name: r["seed"] - 20260101 + 7 for name, r in rules.items() if isinstance(r["seed"], int)
    }
