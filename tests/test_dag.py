"""The DAG tells the truth: after a quick build, each kind of change reruns exactly what it affects, a missing
intermediate is rebuilt, and invocations from elsewhere or with an overlay do what they say (all dry runs but one)."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from tests.conftest import QUICK, run_snakemake
from tests.test_pipeline_e2e import job_counts

pytestmark = pytest.mark.e2e


def dry(repo, *args, cwd=None):
    res = run_snakemake(cwd or repo, *QUICK, "-n", *args)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return job_counts(res.stdout + res.stderr)


def write_overlay(repo, doc):
    path = repo / "overlay.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_a_library_edit_reruns_exactly_the_jobs_that_run_it(built_copy):
    assert dry(built_copy) == {}
    with open(built_copy / "src/aevq/models/vqvae.py", "a") as fh:
        fh.write("\n# an edit\n")
    jobs = dry(built_copy)
    assert jobs.get("limits_train", 0) >= 1 and "limits_evaluate" in jobs
    assert set(jobs) <= {"limits_train", "limits_evaluate", "notebook_limits", "report", "all"}, jobs


def test_a_vae_edit_retrains_the_limits_models_and_not_their_judge(built_copy):
    with open(built_copy / "src/aevq/models/vae.py", "a") as fh:
        fh.write("\n# an edit\n")
    jobs = dry(built_copy)
    assert jobs.get("limits_train", 0) >= 1 and "limits_evaluate" in jobs
    assert "limits_classifier" not in jobs, jobs  # the judge is an instrument: it does not import the VAE
    assert set(jobs) <= {"limits_train", "limits_evaluate", "notebook_limits", "report", "all"}, jobs


def test_a_shared_module_edit_reruns_its_users_and_no_one_else(built_copy):
    with open(built_copy / "src/aevq/models/ppca.py", "a") as fh:
        fh.write("\n# an edit\n")
    jobs = dry(built_copy)
    assert {"ppca_fit", "ppca_cost_bench"} <= set(jobs)
    assert not any(r.startswith(("deep_ae", "limits", "helmholtz", "manifolds")) for r in jobs), jobs


@pytest.mark.parametrize("target", [(), ("chapter_ppca",)])
def test_a_missing_intermediate_is_rebuilt(built_copy, target):
    (built_copy / "results/metrics/ppca.json").unlink()
    (built_copy / "results/models/ppca/ppca_fit.npz").unlink()
    jobs = dry(built_copy, *target)
    assert jobs.get("ppca_fit") == 1, jobs


def test_where_the_mnist_bytes_come_from_reruns_nothing(built_copy):
    overlay = write_overlay(
        built_copy,
        {"data": {"mnist": {"source": "download", "mirrors": ["https://example.org/mnist/"], "timeout_s": 5}}},
    )
    assert dry(built_copy, "--configfile", overlay) == {}


def reversed_keys(doc):
    """The same config with every mapping's keys in reverse order."""
    if isinstance(doc, dict):
        return {k: reversed_keys(doc[k]) for k in reversed(list(doc))}
    return doc


def test_the_same_values_merged_in_another_order_rerun_nothing(built_copy):
    """Params are canonical: the quick config named again on the command line (so the layers merge in another order),
    then, in reversed key order, plus an overlay that changes nothing a job reads, schedules no job."""
    mirrors = write_overlay(built_copy, {"data": {"mnist": {"mirrors": ["https://example.org/mnist/"]}}})
    assert dry(built_copy, "--configfile", "config/quick.yaml", mirrors) == {}
    flipped = built_copy / "quick-reversed.yaml"
    quick = yaml.safe_load((built_copy / "config/quick.yaml").read_text())
    flipped.write_text(yaml.safe_dump(reversed_keys(quick), sort_keys=False))
    assert dry(built_copy, "--configfile", str(flipped), mirrors) == {}


def test_a_figure_only_parameter_redraws_and_never_retrains(built_copy):
    overlay = write_overlay(built_copy, {"linear_ae": {"n_scatter": 300, "n_closer_examples": 3}})
    assert dry(built_copy, "--configfile", overlay) == {"notebook_linear_ae": 1, "report": 1, "all": 1}


def test_an_overlay_on_the_quick_profile_keeps_the_quick_config(built_copy):
    overlay = write_overlay(built_copy, {"helmholtz": {"n_show": 12}})
    jobs = dry(built_copy, "--configfile", overlay)
    # the Helmholtz chapter and the limits chapter's summary table (it reads every chapter's metrics); not the
    # whole DAG, as the full profile's config would schedule
    assert set(jobs) == {
        "helmholtz_learner",
        "helmholtz_exact_ml",
        "helmholtz_summary",
        "notebook_helmholtz",
        "notebook_limits",
        "report",
        "all",
    }, jobs
    res = run_snakemake(built_copy, *QUICK, "-n", "--configfile", overlay, "--config", "seed=20260101")
    assert res.returncode == 0 and "quick.yaml" in res.stdout + res.stderr


def test_the_quick_profile_runs_from_another_directory(built_copy, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = ("--snakefile", str(built_copy / "Snakefile"), "--profile", str(built_copy / "workflow/profiles/quick"))
    res = run_snakemake(elsewhere, *args, "--cores", "2", "-n", "-d", str(built_copy))
    assert res.returncode == 0, res.stderr[-3000:]
    assert job_counts(res.stdout + res.stderr) == {}
    fresh = tmp_path / "fresh-results"  # a new working directory: everything is scheduled, nothing crashes
    res = run_snakemake(elsewhere, *args, "--cores", "2", "-n", "-d", str(fresh))
    assert res.returncode == 0, res.stderr[-3000:]
    assert job_counts(res.stdout + res.stderr).get("mnist") == 1


def test_a_diverging_run_with_a_finite_loss_fails_and_leaves_no_output(built_copy):
    overlay = write_overlay(built_copy, {"deep_ae": {"shallow": {"lr": 1.0e6}}})
    # the target goes first: --configfile takes every path that follows it
    res = run_snakemake(built_copy, "results/metrics/deep_ae_shallow.json", *QUICK, "--configfile", overlay)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    log = (built_copy / "results/logs/deep_ae_shallow.log").read_text()
    assert "DivergenceError" in log and ("diverged" in log or "did not learn" in log), log[-2000:]
    assert not (built_copy / "results/metrics/deep_ae_shallow.json").exists(), out[-2000:]
    assert not (built_copy / "results/models/deep_ae/shallow.pt").exists()


def test_an_unknown_key_is_reported_in_a_few_lines(built_copy):
    overlay = write_overlay(built_copy, {"typo_key": 1})
    res = run_snakemake(built_copy, *QUICK, "-n", "--configfile", overlay)
    assert res.returncode != 0
    err = res.stdout + res.stderr
    assert "unknown config key 'typo_key'" in err and "overlay.yaml" in err and "allowed at the top level" in err
    assert len(err.splitlines()) < 25, err
    assert textwrap.shorten(err, 100000).count("properties") == 0  # no schema dump
