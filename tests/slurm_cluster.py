"""A throwaway single-node SLURM cluster on 127.0.0.1 for tests: munged, slurmctld and slurmd from Debian's packages
(`apt-get install slurm-wlm munge`), every file in one temp folder, every daemon stopped by its pid.

    with SlurmCluster(tmp_path) as cluster:
        subprocess.run(["sbatch", "--wrap", "true"], env=cluster.env)

Needs root (slurmd starts job steps as the submitting user). `python -m tests.slurm_cluster` brings one up by hand
and prints the environment to use it from another shell (Ctrl-C stops it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scontrol", "sinfo")
PARTITION = "debug"
# squeue forgets a finished job after MinJobAge seconds; the plugin's squeue status check needs it >= 120 s.
MIN_JOB_AGE = 3600
FAKE_GPU = "fake"


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if shutil.which(b) is None and not Path("/usr/sbin", b).exists()]


def _which(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_line(nodename: str) -> str:
    """`slurmd -C` describes this machine (CPUs, sockets, RealMemory); fall back to os.cpu_count and /proc/meminfo."""
    try:
        out = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True, timeout=20).stdout
        line = next(ln for ln in out.splitlines() if ln.startswith("NodeName="))
        return re.sub(r"^NodeName=\S+", f"NodeName={nodename}", line)
    except (StopIteration, OSError, subprocess.SubprocessError):
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        return f"NodeName={nodename} CPUs={os.cpu_count()} RealMemory={mem_kb // 1024}"


class SlurmCluster:
    """One node (this machine's CPUs and memory), one default partition `debug`, no accounting, memory enforced."""

    def __init__(self, root: Path, start_timeout: float = 60):
        self.root = Path(root)
        self.start_timeout = start_timeout
        self.procs: dict[str, subprocess.Popen] = {}
        self.nodename = socket.gethostname().split(".")[0]
        self.conf = self.root / "slurm.conf"
        self.munge_socket = self.root / "munge" / "munge.socket.2"
        self.bin = self.root / "bin"
        self.env = {
            **os.environ,
            "SLURM_CONF": str(self.conf),
            "PATH": os.pathsep.join([str(self.bin), os.environ.get("PATH", "")]),
        }

    # -- configuration -------------------------------------------------------------------------------------------
    def write_config(self) -> None:
        for sub in ("munge", "state", "spool", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "munge", 0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        # The jobstep plugin drops every SLURM_* variable (SLURM_CONF too) before its `srun` inside a job; a real node
        # finds /etc/slurm/slurm.conf. Rather than write there, put an `srun` first on PATH that knows this config.
        self.bin.mkdir(exist_ok=True)
        srun = self.bin / "srun"
        srun.write_text(f'#!/bin/sh\nSLURM_CONF={self.conf} exec {_which("srun")} "$@"\n')
        os.chmod(srun, 0o755)
        (self.root / "gres.conf").write_text(f"NodeName={self.nodename} Name=gpu Type={FAKE_GPU} File=/dev/null\n")
        log = self.root / "log"
        self.conf.write_text(
            "\n".join(
                [
                    "ClusterName=aevqtest",
                    f"SlurmctldHost={self.nodename}(127.0.0.1)",
                    f"SlurmctldPort={_free_port()}",
                    f"SlurmdPort={_free_port()}",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    f"AuthInfo=socket={self.munge_socket}",
                    f"StateSaveLocation={self.root / 'state'}",
                    f"SlurmdSpoolDir={self.root / 'spool'}",
                    f"SlurmctldPidFile={self.root / 'slurmctld.pid'}",
                    f"SlurmdPidFile={self.root / 'slurmd.pid'}",
                    f"SlurmctldLogFile={log / 'slurmctld.log'}",
                    f"SlurmdLogFile={log / 'slurmd.log'}",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "MpiDefault=none",
                    "SwitchType=switch/none",
                    "ReturnToService=2",
                    "SchedulerType=sched/backfill",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_CPU_Memory",
                    "AccountingStorageType=accounting_storage/none",
                    "JobCompType=jobcomp/none",
                    # memory requests are enforced: a step above its --mem is killed (polled every second)
                    "JobAcctGatherType=jobacct_gather/linux",
                    "JobAcctGatherFrequency=task=1",
                    "JobAcctGatherParams=OverMemoryKill",
                    f"MinJobAge={MIN_JOB_AGE}",
                    "KillWait=5",
                    "InactiveLimit=0",
                    "SlurmctldTimeout=30",
                    "SlurmdTimeout=60",
                    # one stand-in GPU (type `fake`, device /dev/null): jobs asking `--gpus=1` or `--gpus=fake:1` get
                    # scheduled and see CUDA_VISIBLE_DEVICES, so the profile's GPU requests are tested without a GPU
                    "GresTypes=gpu",
                    _node_line(self.nodename) + f" Gres=gpu:{FAKE_GPU}:1 NodeAddr=127.0.0.1 State=UNKNOWN",
                    f"PartitionName={PARTITION} Nodes={self.nodename} Default=YES MaxTime=INFINITE State=UP",
                    "",
                ]
            )
        )

    # -- daemons -------------------------------------------------------------------------------------------------
    def _spawn(self, name: str, cmd: list[str]) -> None:
        out = open(self.root / "log" / f"{name}.out", "w")
        self.procs[name] = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=self.env)

    def _wait(self, what: str, check) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode} while waiting for {what}:\n{self.logs()}")
            if check():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for {what}:\n{self.logs()}")

    def _node_idle(self) -> bool:
        res = subprocess.run(
            [_which("sinfo"), "-h", "-N", "-o", "%T"], capture_output=True, text=True, env=self.env, timeout=20
        )
        return res.returncode == 0 and res.stdout.strip().rstrip("*") in ("idle", "mixed", "allocated")

    def start(self) -> SlurmCluster:
        self.write_config()
        m = self.root / "munge"
        self._spawn(
            "munged",
            [
                _which("munged"),
                "--foreground",
                "--force",
                f"--key-file={m / 'munge.key'}",
                f"--socket={self.munge_socket}",
                f"--pid-file={m / 'munged.pid'}",
                f"--log-file={self.root / 'log' / 'munged.log'}",
                f"--seed-file={m / 'munged.seed'}",
            ],
        )
        self._wait("munged", self.munge_socket.exists)
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._spawn("slurmd", [_which("slurmd"), "-D", "-N", self.nodename, "-f", str(self.conf)])
        self._wait("the node to be idle", self._node_idle)
        return self

    def stop(self) -> None:
        """SIGTERM each daemon this object started (by pid, newest first), SIGKILL after 15 s."""
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=15)
        self.procs.clear()

    def logs(self, tail: int = 3000) -> str:
        parts = []
        for f in sorted((self.root / "log").glob("*")):
            parts.append(f"--- {f.name}\n{f.read_text(errors='replace')[-tail:]}")
        return "\n".join(parts)

    def scontrol_job(self, job_id: str) -> str:
        res = subprocess.run(
            [_which("scontrol"), "show", "job", str(job_id)], capture_output=True, text=True, env=self.env, timeout=20
        )
        return res.stdout + res.stderr

    def __enter__(self) -> SlurmCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    import tempfile

    signal.signal(signal.SIGTERM, _interrupt)  # `kill <pid>` stops the daemons too
    with tempfile.TemporaryDirectory(prefix="aevq-slurm-", dir="/tmp") as tmp, SlurmCluster(Path(tmp)) as cluster:
        print(f"export SLURM_CONF={cluster.conf} PATH={cluster.bin}:$PATH", flush=True)
        print("# the cluster is up; Ctrl-C (or kill this pid) stops it", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
