"""The same DAG through a live single-node SLURM (tests/slurm_cluster.py): the quick profile via
`--workflow-profile workflow/profiles/slurm` gives the local run's metrics, every job really went through sbatch, and a
job that outgrows its memory request fails with its SLURM log named and reruns alone with more memory; a `gpu`
request reaches sbatch (`--gpus`) and the job sees its (stand-in) GPU.

Deselect with `-m "not slurm"`. Skipped without root or the Debian packages (`apt-get install slurm-wlm munge`),
unless AEVQ_REQUIRE_SLURM=1 (CI), where that is a failure."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import QUICK, copy_repo, described_rules, run_snakemake
from tests.slurm_cluster import FAKE_GPU, PARTITION, SlurmCluster, missing_binaries

REPO = Path(__file__).resolve().parents[1]
# status checks every 2 s instead of 10: the test cluster answers at once, and its jobs are seconds long
SLURM = (
    "--workflow-profile",
    "workflow/profiles/slurm",
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--seconds-between-status-checks",
    "2",
)


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "workflow/scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_set_resources_block_from_benchmarks(tmp_path):
    """2x peak memory + 500 MB, 2x wall time, with minimums; --update keeps the profile's head, replaces the block."""
    bench = tmp_path / "benchmarks"
    (bench / "sub").mkdir(parents=True)
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    (bench / "train.tsv").write_text(header + "1500.0\t0:25:00\t3000.2\t1\t1\t1\t1\t1\t1\t1\n")
    (bench / "sub" / "tiny.tsv").write_text(header + "2.0\t0:00:02\t100\t1\t1\t1\t1\t1\t1\t1\n")
    profile = tmp_path / "config.yaml"
    profile.write_text("executor: slurm\nset-resources:\n  old:\n    mem_mb: 1\n")
    text = load_script("slurm_resources").main(["--benchmarks", str(bench), "--update", str(profile)])
    assert yaml.safe_load(profile.read_text()) == {
        "executor": "slurm",
        "set-resources": {"train": {"mem_mb": 6600, "runtime": 50}, "tiny": {"mem_mb": 1000, "runtime": 10}},
    }
    assert profile.read_text().endswith(text)


def test_slurm_profile_combines_with_the_quick_profile(tmp_path):
    """The workflow profile's keys are valid Snakemake options and the quick overlay still applies (a dry run)."""
    repo = copy_repo(tmp_path / "repo")
    res = run_snakemake(repo, "--workflow-profile", "workflow/profiles/slurm", *QUICK, "-n", "--forceall")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "workflow/profiles/quick and workflow specific profile workflow/profiles/slurm" in out, out
    assert re.search(r"rule mnist:(.*\n)+?\s+resources: .*mem_mb=4100", out), out  # the profile's set-resources


def device_rules() -> set[str]:
    """Rules that train on the configured device: the rule hands its script the `device` param (and the script
    follows it through `aevq.runtime.start_torch_job`). Torch rules that only do small float64 checks on the CPU, e.g.
    the Hessian census, get no device and ask for no GPU."""
    rules = {r["name"] for r in described_rules() if r["script"] and "device" in r["params"]}
    for name in rules:  # the param is used: the script, or the chapter module it calls, picks the torch device
        code = Path(next(r["script"] for r in described_rules() if r["name"] == name)).read_text()
        assert "start_torch_job(" in code, f"{name} is given a device it never uses"
    return rules


def test_with_device_cuda_exactly_the_training_rules_ask_for_a_gpu(tmp_path):
    """device=cuda: every rule that trains on the device requests gpu=1 (sbatch --gpus=1), no other job does."""
    repo = copy_repo(tmp_path / "repo")
    res = run_snakemake(
        repo, "--workflow-profile", "workflow/profiles/slurm", *QUICK, "-n", "--forceall", "--config", "device=cuda"
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    asking = set()
    for block in re.split(r"^(?=\[\w{3} \w{3} )", out, flags=re.M):
        rule = re.search(r"^rule (\w+):", block, flags=re.M)
        if rule and re.search(r"^\s+resources: .*\bgpu=1\b", block, flags=re.M):
            asking.add(rule.group(1))
    assert asking == device_rules()
    assert len(asking) > 5


@pytest.fixture(scope="module")
def cluster():
    missing = missing_binaries()
    reason = None
    if missing:
        reason = f"SLURM binaries not found: {', '.join(missing)} (apt-get install slurm-wlm munge)"
    elif importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        reason = 'the SLURM executor plugin is not installed (pip install -e ".[slurm]")'
    elif os.geteuid() != 0:
        reason = "a throwaway SLURM cluster needs root (slurmd runs jobs as the submitting user)"
    if reason:
        if os.environ.get("AEVQ_REQUIRE_SLURM") == "1":
            pytest.fail(reason + " and AEVQ_REQUIRE_SLURM=1")
        pytest.skip(reason)
    # a short path: the munge socket must fit in a unix socket name (108 bytes)
    with tempfile.TemporaryDirectory(prefix="aevq-slurm-", dir="/tmp") as tmp, SlurmCluster(Path(tmp)) as c:
        c.env["AEVQ_SLURM_PARTITION"] = PARTITION
        yield c


def slurm_job_ids(workdir: Path) -> dict[str, list[str]]:
    """{'rule_mnist': ['3'], 'group_figures_notebook_data_report': ['7'], ...}: the SLURM job ids, from
    .snakemake/slurm_logs/<rule or group>/[<wildcards>/]<id>.log"""
    ids: dict[str, list[str]] = {}
    for log in sorted((workdir / ".snakemake/slurm_logs").glob("*/**/*.log")):
        top = log.relative_to(workdir / ".snakemake/slurm_logs").parts[0]
        ids.setdefault(top, []).append(log.stem)
    return ids


def metrics(workdir: Path) -> dict[str, dict]:
    """Every metrics JSON except wall-clock files (*_bench.json), without the top-level "timing" key."""
    out = {}
    for f in sorted((workdir / "results/metrics").glob("*.json")):
        if f.name.endswith("_bench.json"):
            continue
        doc = json.loads(f.read_text())
        doc.pop("timing", None)
        out[f.name] = doc
    return out


TINY = """
rule all:
    input: "big.txt"

rule small:
    output: "small.txt"
    log: "logs/small.log"
    resources: gpu=1
    shell: "echo gpu=$CUDA_VISIBLE_DEVICES > {output}"

rule big:
    input: "small.txt"
    output: "big.txt"
    log: "logs/big.log"
    resources: mem_mb=1000
    shell: "python3 -c 'x = bytearray(1500 * 2**20); import time; time.sleep(3)' && cp {input} {output}"
"""


@pytest.mark.slurm
def test_gpu_request_and_a_job_over_its_memory_fails_with_its_slurm_log_and_reruns_alone(cluster, tmp_path):
    (tmp_path / "Snakefile").write_text(TINY)
    profile = str(REPO / "workflow/profiles/slurm")
    args = ("--workflow-profile", profile, "--slurm-init-seconds-before-status-checks", "2", "--latency-wait", "5")

    # `gpu=1` (what the torch rules ask for with device=cuda) plus a gpu_model: sbatch --gpus=fake:1, the stand-in GPU
    res = run_snakemake(tmp_path, *args, "--set-resources", f"small:gpu_model={FAKE_GPU}", env=cluster.env)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert (tmp_path / "small.txt").read_text() == "gpu=0\n"
    (small_id,) = slurm_job_ids(tmp_path)["rule_small"]
    assert f"TresPerJob=gres:gpu:{FAKE_GPU}:1" in cluster.scontrol_job(small_id)
    assert not (tmp_path / "big.txt").exists()
    (log,) = (tmp_path / ".snakemake/slurm_logs/rule_big").glob("*.log")
    assert str(log.relative_to(tmp_path)) in out, out
    assert "exceeded memory limit" in log.read_text() or "OUT_OF_MEMORY" in out, log.read_text()

    res = run_snakemake(tmp_path, *args, "--set-resources", "big:mem_mb=3000", env=cluster.env)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out + cluster.logs()
    assert (tmp_path / "big.txt").read_text() == "gpu=0\n"
    ran = re.findall(r"^rule (\w+):", out, flags=re.M)
    assert "big" in ran and "small" not in ran, out


@pytest.mark.slurm
def test_quick_profile_through_slurm_equals_local_run(cluster, request, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    start = time.monotonic()
    res = run_snakemake(repo, *SLURM, *QUICK, env=cluster.env)
    wall = time.monotonic() - start
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-8000:] + cluster.logs()
    # the local build only now: in CI it is being made beside this one, by the README pass (tests/conftest.py)
    quick_build = request.getfixturevalue("quick_build")
    print(f"\nquick profile wall time: local {quick_build.wall_s:.0f} s, SLURM {wall:.0f} s")

    ids = slurm_job_ids(repo)
    assert "rule_mnist" in ids, ids
    # every notebook and the report: one SLURM job, not dozens of one-second ones
    groups = [key for key in ids if key.startswith("group_")]  # group_figures_<its rules>
    assert len(groups) == 1 and groups[0].startswith("group_figures_") and len(ids[groups[0]]) == 1, ids
    for job_id in (i for group in ids.values() for i in group):
        record = cluster.scontrol_job(job_id)
        assert "JobState=COMPLETED" in record, record
        assert f"Partition={PARTITION}" in record, record
    submitted = len(re.findall(r"Job \S+ has been submitted with SLURM jobid", res.stdout + res.stderr))
    assert submitted == sum(map(len, ids.values()))

    local, remote = metrics(quick_build.repo), metrics(repo)
    assert local.keys() == remote.keys()
    for name in local:
        assert remote[name] == local[name], name
