"""Print the SLURM profile's `set-resources:` block from what the benchmark files measured, with headroom.

    python workflow/scripts/slurm_resources.py                      # print the block (results/benchmarks/*.tsv)
    python workflow/scripts/slurm_resources.py --update workflow/profiles/slurm/config.yaml

Per rule (the benchmark file's stem is the rule name; the worst of its rows and wildcard files counts):
mem_mb = headroom * max_rss + overhead (the job's own snakemake wrapper inside SLURM), rounded up to 100 MB, at least
--min-mem; runtime (minutes) = headroom * wall seconds / 60, rounded up, at least --min-runtime. The benchmarks of the
quick profile size a quick-profile cluster run; for the full profile, run it once (locally or on the cluster with the
generous defaults) and regenerate from its benchmarks. `--update` rewrites everything from `set-resources:` to the end
of the profile (the block is the profile's last key).
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path


def measured(bench_dir: Path) -> dict[str, tuple[float, float]]:
    """{rule: (max wall seconds, max max_rss MB)} over every benchmark TSV under bench_dir."""
    out: dict[str, tuple[float, float]] = {}
    for tsv in sorted(bench_dir.glob("**/*.tsv")):
        with tsv.open() as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                s = float(row.get("s") or 0)
                rss = float(row["max_rss"]) if row.get("max_rss") not in (None, "", "NA", "-") else 0.0
                old = out.get(tsv.stem, (0.0, 0.0))
                out[tsv.stem] = (max(old[0], s), max(old[1], rss))
    return out


def resources(
    s: float, rss: float, headroom: float = 2.0, overhead: int = 500, min_mem: int = 1000, min_runtime: int = 10
) -> dict[str, int]:
    mem = max(min_mem, math.ceil((headroom * rss + overhead) / 100) * 100)
    runtime = max(min_runtime, math.ceil(headroom * s / 60))
    return {"mem_mb": int(mem), "runtime": int(runtime)}


def block(table: dict[str, dict[str, int]]) -> str:
    lines = ["set-resources:"]
    for rule in sorted(table):
        lines.append(f"  {rule}:")
        lines += [f"    {key}: {value}" for key, value in table[rule].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmarks", type=Path, default=Path("results/benchmarks"))
    ap.add_argument("--headroom", type=float, default=2.0, help="factor on measured memory and time (default 2)")
    ap.add_argument("--overhead", type=int, default=500, help="MB added for the snakemake wrapper (default 500)")
    ap.add_argument("--min-mem", type=int, default=1000, help="MB (default 1000)")
    ap.add_argument("--min-runtime", type=int, default=10, help="minutes (default 10)")
    ap.add_argument("--skip", nargs="*", default=["all"], help="rules to leave out (local rules)")
    ap.add_argument("--update", type=Path, help="rewrite the set-resources block of this profile in place")
    args = ap.parse_args(argv)
    found = measured(args.benchmarks)
    if not found:
        ap.error(f"no benchmark files under {args.benchmarks}: run the pipeline first")
    table = {
        rule: resources(s, rss, args.headroom, args.overhead, args.min_mem, args.min_runtime)
        for rule, (s, rss) in found.items()
        if rule not in args.skip
    }
    text = block(table)
    if args.update:
        profile = args.update.read_text()
        head = profile.split("\nset-resources:", 1)[0].rstrip("\n")
        args.update.write_text(head + "\n" + text)
    print(text, end="")
    return text


if __name__ == "__main__":
    main()
