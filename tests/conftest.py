"""Shared fixtures: the repository root, the official t10k files beside the checkout, a local HTTP mirror."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

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


def copy_repo(dest: Path) -> Path:
    """Copy the working tree (no results, no .snakemake, no git) so a test can run the pipeline in isolation."""
    ignore = shutil.ignore_patterns(
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
    shutil.copytree(REPO, dest, ignore=ignore)
    (dest / "results").mkdir(exist_ok=True)
    return dest


def run_snakemake(
    workdir: Path, *args: str, timeout: float = 1800, env: dict | None = None
) -> subprocess.CompletedProcess:
    import os

    cmd = [sys.executable, "-m", "snakemake", *args]
    # jobs call `papermill` and `python` by name: put this interpreter's bin/ first, as an activated venv would
    base = os.environ if env is None else env
    env = {
        **base,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")]),
    }
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)


QUICK = ("--profile", "workflow/profiles/quick", "--cores", "2")


@functools.lru_cache(maxsize=4)
def described_rules(*config: str) -> tuple[dict, ...]:
    """Snakemake's own view of every rule, {name, script, notebook, conda_env} as absolute paths, from a dry run of
    the checkout's Snakefile in an empty directory (the Snakefile writes it when AEVQ_DESCRIBE_RULES names a file)."""
    import json
    import os
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
    """The quick profile built once per session with the local executor, in a copy of the repository (shared by the
    end-to-end tests and the SLURM test, which compares its metrics against this run)."""
    repo = copy_repo(tmp_path_factory.mktemp("e2e") / "repo")
    start = time.monotonic()
    res = run_snakemake(repo, *QUICK)
    wall = time.monotonic() - start
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-8000:]
    return QuickBuild(repo, wall)
