"""Every job Snakemake plans, as tests/bench/dag_jobs.py records it: what the rule declarations derive, job by job."""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from pathlib import Path

from tests.conftest import run_command

REPO = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=4)
def planned_jobs(*args: str) -> tuple[dict, ...]:
    """The jobs of a forced dry run of `all` (nothing runs), in an empty directory, with extra snakemake ``args``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "jobs.json"
        cmd = [sys.executable, str(REPO / "tests/bench/dag_jobs.py"), str(out), "--snakefile", str(REPO / "Snakefile")]
        env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
        res = run_command([*cmd, "-d", tmp, *args], env=env)
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
        return tuple(json.loads(out.read_text()))


QUICK = ("--profile", str(REPO / "workflow/profiles/quick"))


def test_every_job_has_its_own_log_benchmark_and_env():
    jobs = [j for j in planned_jobs() if j["rule"] != "all"]
    assert len(jobs) > 30
    for job in jobs:
        assert job["log"] and job["benchmark"] and job["conda_env"], job["rule"]
        assert job["conda_env"].startswith("../../envs/cpu/"), (job["rule"], job["conda_env"])
    for key in ("log", "benchmark"):
        paths = [str(j[key]) for j in jobs]
        assert len(set(paths)) == len(paths), f"two jobs share a {key}"


def test_the_quick_profile_plans_the_same_dag_on_less_data():
    """Same jobs, same files, same code: only params differ, so what CI runs is what a user's full run runs."""
    full = {(j["rule"], tuple(j["output"])): j for j in planned_jobs()}
    quick = {(j["rule"], tuple(j["output"])): j for j in planned_jobs(*QUICK)}
    assert full.keys() == quick.keys()
    assert all(full[k]["input"] == quick[k]["input"] for k in full)
    assert any(full[k]["params"] != quick[k]["params"] for k in full)


def test_a_cuda_run_gives_a_gpu_to_exactly_the_jobs_that_train_on_the_device():
    cpu = planned_jobs()
    cuda = planned_jobs("--config", "device=cuda")
    assert all(j["resources"].get("gpu", 0) == 0 for j in cpu)
    on_gpu = {j["rule"] for j in cuda if j["resources"].get("gpu")}
    told = {j["rule"] for j in cuda if j["params"].get("device") == "cuda"}
    assert on_gpu == told and {"deep_ae_pretrain", "limits_train", "linear_ae_train"} <= on_gpu
    assert all("/envs/cuda/" in j["conda_env"] for j in cuda if j["rule"] != "all")
    # the exact enumerations and the closed forms stay on the CPU, with no device to be told
    assert not on_gpu & {"helmholtz_learner", "helmholtz_exact_ml", "linear_ae_closed_forms", "deep_ae_rbm_check"}


def test_every_notebook_writes_only_its_chapter_and_is_given_every_input():
    notebooks = [j for j in planned_jobs() if j["rule"].startswith("notebook_")]
    assert len(notebooks) == 7
    for job in notebooks:
        key = job["rule"].removeprefix("notebook_")
        drawn = [Path(p).name for p in job["output"] if p.startswith(("results/figures/", "results/tables/"))]
        assert drawn and all(name.startswith(key + "_") for name in drawn), (key, drawn)
        data = [p for p in job["input"] if p.startswith("results/")]
        assert data and all(p in job["params"]["args"] for p in data), key


def test_a_figure_is_added_by_its_notebook_and_its_caption_alone(tmp_path):
    """The README's recipe: save it in the notebook, write its caption; the rule files do not change."""
    from tests.conftest import copy_repo

    repo = copy_repo(tmp_path / "repo")
    nb_path = repo / "notebooks/01_data.ipynb"
    nb = json.loads(nb_path.read_text())
    cell = 'fig = plt.figure()\nsave_figure(fig, Path(figure_dir) / "data_extra_view.png")\n'
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": cell})
    nb_path.write_text(json.dumps(nb))
    (repo / "workflow/report/data_extra_view.rst").write_text("A new view of the data.\n")
    jobs = {j["rule"]: j for j in _jobs_of(repo, "fig_data_extra_view")}
    assert "results/figures/data_extra_view.png" in jobs["notebook_data"]["output"]
    report = _jobs_of(repo, "results/report.html")
    assert any("results/figures/data_extra_view.png" in j["input"] for j in report if j["rule"] == "report")


def _jobs_of(repo: Path, target: str) -> list[dict]:
    out = repo / "jobs.json"
    cmd = [sys.executable, str(REPO / "tests/bench/dag_jobs.py"), str(out), "--snakefile", str(repo / "Snakefile")]
    res = run_command([*cmd, "-d", str(repo), "--target", target])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    return json.loads(out.read_text())


def test_the_limits_models_train_as_their_latent_size_says(tmp_path):
    """limits.train for every model, with limits.train_at_dim's changes at its size (d = 2: fp32, the former protocol,
    chosen on validation there), the top-level precision elsewhere; an overlay that sets one size's rate changes only
    that size's jobs."""

    def training(*args):
        jobs = [j for j in planned_jobs(*args) if j["rule"] == "limits_train"]
        return {f"{j['wildcards']['limits_model']}_d{j['wildcards']['limits_dim']}": j["params"]["train"] for j in jobs}

    full = training()
    assert full["vae_d2"] == full["ae_d2"] == {"batch_size": 100, "epochs": 30, "lr": 0.001, "precision": "fp32"}
    assert full["vae_d20"] == full["vqvae_d32"] == {"batch_size": 250, "epochs": 30, "lr": 0.0015, "precision": "auto"}
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("precision: fp32\nlimits:\n  train_at_dim:\n    d20: {lr: 0.002}\n")
    changed = training("--configfile", str(REPO / "config/config.yaml"), str(overlay))
    assert changed["vae_d20"] == {**full["vae_d20"], "lr": 0.002, "precision": "fp32"}
    assert changed["vae_d2"] == full["vae_d2"] and changed["vqvae_d32"] == {**full["vqvae_d32"], "precision": "fp32"}
