"""Shared fixtures: the repository root, the official t10k files beside the checkout, a local HTTP mirror."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

# OpenMP threads sleep instead of spinning while they wait, as in every pipeline job (workflow/rules/common.smk): on a
# busy machine a spinning torch was measured 4-20x slower on the small tensors of the unit tests. It must be set
# before torch loads libgomp, and conftest is imported before any test module.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parents[1]
T10K_DIR = REPO.parent / "shared" / "data" / "mnist-t10k"
T10K_FILES = {
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}


@pytest.fixture(scope="session")
def t10k_dir() -> Path:
    if not (T10K_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"official t10k files not found in {T10K_DIR} (they sit beside the checkout in CI)")
    return T10K_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture
def http_mirror():
    """Start a file server on 127.0.0.1 for a folder; yields a function folder -> base URL. Stopped afterwards."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


_NOT_SOURCES = (
    ".git",
    "results",
    ".snakemake",
    ".venv",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".whl",
    ".gl",
)


def copy_repo(dest: Path) -> Path:
    """Copy the working tree (no results, no .snakemake, no git) so a test can run the pipeline in isolation."""
    shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(*_NOT_SOURCES))
    (dest / "results").mkdir(exist_ok=True)
    return dest


def source_digest(root: Path) -> str:
    """SHA-256 over the path and bytes of every file copy_repo would copy: equal digests, equal pipelines."""
    digest = hashlib.sha256()
    skip = shutil.ignore_patterns(*_NOT_SOURCES)
    for folder, dirs, files in os.walk(root):
        ignored = skip(folder, dirs + files)
        dirs[:] = sorted(d for d in dirs if d not in ignored)
        for name in sorted(f for f in files if f not in ignored):
            path = Path(folder, name)
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def time_budget_s() -> float:
    """The time budget of every subprocess a test runs, in seconds: AEVQ_TEST_TIMEOUT_S (default 1200).

    One number for all of them, so a slow or busy machine needs one setting, not a hunt through the tests."""
    return float(os.environ.get("AEVQ_TEST_TIMEOUT_S", "1200"))


def run_command(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` with output captured, within the time budget (``time_budget_s``).

    Past the budget the command and everything it started (its own session) are killed and the test fails saying
    what was running, for how long, how loaded the machine was and what the command printed last, instead of a bare
    TimeoutExpired traceback."""
    budget = time_budget_s()
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        load = os.getloadavg()
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        tail = (out + err)[-3000:]
        pytest.fail(
            f"`{shlex.join(map(str, cmd))}` (in {cwd or os.getcwd()}) was still running after "
            f"{time.monotonic() - start:.0f} s, the budget AEVQ_TEST_TIMEOUT_S={budget:.0f} sets, and was killed. "
            f"Load average then: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores (a busy "
            f"machine needs a larger budget). Its last output:\n{tail}",
            pytrace=False,
        )
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def run_snakemake(workdir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", *args]
    # jobs call `papermill` and `python` by name: put this interpreter's bin/ first, as an activated venv would
    base = os.environ if env is None else env
    env = {
        **base,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")]),
    }
    return run_command(cmd, cwd=workdir, env=env)


QUICK = ("--profile", "workflow/profiles/quick", "--cores", "2")


@functools.lru_cache(maxsize=4)
def described_rules(*config: str) -> tuple[dict, ...]:
    """Snakemake's own view of every rule, {name, script, notebook, conda_env} as absolute paths, from a dry run of
    the checkout's Snakefile in an empty directory (the Snakefile writes it when AEVQ_DESCRIBE_RULES names a file)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rules.json"
        args = ("-n", "--cores", "1", "--snakefile", str(REPO / "Snakefile"), "-d", tmp)
        extra = ("--config", *config) if config else ()
        res = run_snakemake(REPO, *args, *extra, env={**os.environ, "AEVQ_DESCRIBE_RULES": str(out)})
        assert res.returncode == 0, res.stderr[-3000:]
        rules = json.loads(out.read_text())
    for rule in rules:
        for code in (rule["script"], rule["notebook"]):
            # wherever the checkout and the temporary directory lie (CI clones to another depth than ours)
            assert code is None or Path(code).is_file(), f"rule {rule['name']}: {code} is not a file"
        if rule["conda_env"]:
            rule["family"] = Path(rule["conda_env"]).stem
            rule["env_device"] = Path(rule["conda_env"]).parent.name
    return tuple(rules)


@dataclasses.dataclass
class QuickBuild:
    repo: Path
    wall_s: float


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory) -> QuickBuild:
    """The quick profile built once, with the local executor, in a copy of the repository. Every end-to-end, DAG,
    CI-replay and SLURM test reads it or works on a copy of it (``built_copy``); none may change it.

    With AEVQ_QUICK_BUILD naming a folder, the build lives there and is reused by a later pytest run as long as the
    sources are byte for byte the same (``source_digest``): .ci/run builds once for its two passes. With
    AEVQ_QUICK_BUILD_REUSE_ONLY=1 as well, it waits for the build another run is making there and never
    rebuilds: .ci/run's SLURM pass runs beside the README pass, which makes the build, and whose tests read it."""
    shared = os.environ.get("AEVQ_QUICK_BUILD")
    root = Path(shared) if shared else tmp_path_factory.mktemp("e2e")
    repo, stamp = root / "repo", root / "quick-build.json"
    digest = source_digest(REPO)
    if stamp.is_file():
        done = json.loads(stamp.read_text())
        if done["sources"] == digest and repo.is_dir():
            return QuickBuild(repo, done["wall_s"])
    if shared and os.environ.get("AEVQ_QUICK_BUILD_REUSE_ONLY") == "1":
        return _wait_for_build(repo, stamp, digest)
    if repo.exists():
        shutil.rmtree(repo)
    copy_repo(repo)
    start = time.monotonic()
    res = run_snakemake(repo, *QUICK)
    wall = time.monotonic() - start
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-8000:]
    stamp.write_text(json.dumps({"sources": digest, "wall_s": wall}))
    return QuickBuild(repo, wall)


def _wait_for_build(repo: Path, stamp: Path, digest: str) -> QuickBuild:
    """The build another pytest run is making there (AEVQ_QUICK_BUILD_REUSE_ONLY=1), once its stamp appears, within
    the time budget; never a rebuild. A stamp for other sources is an error at once."""
    start = time.monotonic()
    while not stamp.is_file():
        if (stamp.parent / "builder-ended").exists() and not stamp.is_file():  # .ci/run: the README pass is over
            pytest.fail(f"the run that makes the quick build in {stamp.parent} ended without it", pytrace=False)
        if time.monotonic() - start > time_budget_s():
            pytest.fail(
                f"no quick build appeared in {stamp.parent} within AEVQ_TEST_TIMEOUT_S={time_budget_s():.0f} s, and"
                " AEVQ_QUICK_BUILD_REUSE_ONLY=1 forbids making one here",
                pytrace=False,
            )
        time.sleep(2)
    done = json.loads(stamp.read_text())
    if done["sources"] != digest or not repo.is_dir():
        pytest.fail(
            f"the quick build in {stamp.parent} is for other sources (AEVQ_QUICK_BUILD_REUSE_ONLY=1)", pytrace=False
        )
    return QuickBuild(repo, done["wall_s"])


@pytest.fixture
def built_copy(quick_build, tmp_path) -> Path:
    """A copy of the quick build (results, .snakemake metadata and times kept) that a test may change."""
    dest = tmp_path / "built"
    shutil.copytree(quick_build.repo, dest, symlinks=True)
    return dest
