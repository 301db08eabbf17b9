"""How long the workflow's jobs take on N cores, given their measured wall times and the rules' priorities: a greedy
list schedule (what Snakemake does: the ready job of highest priority first; among equal priorities an order this
script cannot know, so it draws it at random many times) against the lower bound (all job-seconds / cores).

    python tests/bench/schedule.py BENCHMARKS_DIR [--cores 2] [--draws 200] [snakemake arguments ...]

BENCHMARKS_DIR is a finished build's ``results/benchmarks``. The DAG and the priorities are this checkout's
(``tests/bench/dag_jobs.py``), so a change of priorities can be judged before a full run is spent on it.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def planned_jobs(extra: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "jobs.json"
        subprocess.run([sys.executable, str(HERE / "dag_jobs.py"), str(out), *extra], check=True, capture_output=True)
        return json.loads(out.read_text())


def makespan(jobs: list[dict], seconds: list[float], needs: list[set[int]], cores: int, tie: list[float]) -> float:
    done: set[int] = set()
    started: set[int] = set()
    running: list[tuple[float, int]] = []
    now = 0.0
    while len(done) < len(jobs):
        ready = [i for i in range(len(jobs)) if i not in started and needs[i] <= done]
        ready.sort(key=lambda i: (-jobs[i]["priority"], tie[i]))
        while len(running) < cores and ready:
            i = ready.pop(0)
            started.add(i)
            heapq.heappush(running, (now + seconds[i], i))
        now, i = heapq.heappop(running)
        done.add(i)
    return now


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmarks", type=Path)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--draws", type=int, default=200)
    args, extra = parser.parse_known_args(argv)
    jobs = [j for j in planned_jobs(extra) if j["rule"] != "all"]
    seconds = []
    for job in jobs:
        tsv = args.benchmarks / Path(job["benchmark"]).name
        seconds.append(float(tsv.read_text().splitlines()[-1].split("\t")[0]) if tsv.is_file() else 0.0)
    made_by = {out: i for i, job in enumerate(jobs) for out in job["output"]}
    needs = [{made_by[f] for f in job["input"] if f in made_by} for job in jobs]
    spans = []
    for draw in range(args.draws):
        rng = random.Random(draw)
        spans.append(makespan(jobs, seconds, needs, args.cores, [rng.random() for _ in jobs]) / 60)
    bound = max(sum(seconds) / args.cores, max(seconds)) / 60
    print(
        f"{len(jobs)} jobs, {sum(seconds) / 60:.1f} job-minutes on {args.cores} cores: lower bound {bound:.2f} min;"
        f" greedy by priority over {args.draws} tie orders: mean {statistics.mean(spans):.2f}, best {min(spans):.2f},"
        f" worst {max(spans):.2f} min"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
