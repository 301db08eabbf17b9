"""Compare two `results/` trees in content, timings aside: every metrics value, table, claim and saved array.

    python tests/bench/compare_results.py OLD_RESULTS NEW_RESULTS [--only PREFIX ...]

A refactor that should not change what the pipeline measures must print "identical" here for the quick profile (and,
on a machine with the time, the full one). Values under a key that names a time or a speed (``timing``, ``*_s``,
``wall``, ``gflops``, ...) are skipped, and of a benchmark's metrics (``*_bench.json``, nothing but timings) only
what its claims state is compared: a rerun differs there and only there. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

# keys whose values are wall times, speeds or the host: they differ between any two runs
TIMING_KEY = re.compile(
    r"(^timing$|_s$|_s_|^s_|seconds|wall|elapsed|gflop|flops_per|per_second|samples_per|throughput|"
    r"fraction_of_matmul|^host$|^device_name$|_ms$|speedup|\(s\)|s per seed|/ EM step)",
    re.IGNORECASE,
)


def _diff(a, b, where: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if TIMING_KEY.search(str(key)):
                continue
            if key not in a or key not in b:
                out.append(f"{where}/{key}: only in {'new' if key not in a else 'old'}")
            else:
                _diff(a[key], b[key], f"{where}/{key}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _diff(x, y, f"{where}[{i}]", out)
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return
    elif a != b:
        out.append(f"{where}: {a!r} != {b!r}")


def _claims_stated(path: Path) -> list[dict]:
    keep = ("text", "op", "threshold", "source")
    return [{k: row.get(k) for k in keep} for row in json.loads(path.read_text()).get("claims", [])]


def _csv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def compare(old: Path, new: Path, only: tuple[str, ...] = ()) -> list[str]:
    """Differences between two results trees (metrics/*.json and tables/*), as readable lines."""
    out: list[str] = []
    for sub, pattern in (("metrics", "*.json"), ("tables", "*")):
        names = {p.name for p in (old / sub).glob(pattern)} | {p.name for p in (new / sub).glob(pattern)}
        for name in sorted(names):
            if only and not name.startswith(only):
                continue
            a, b = old / sub / name, new / sub / name
            if not a.exists() or not b.exists():
                out.append(f"{sub}/{name}: only in {'new' if not a.exists() else 'old'}")
            elif name.endswith("_bench.json"):  # a benchmark measures only times: compare what its claims state
                _diff(_claims_stated(a), _claims_stated(b), f"{sub}/{name}", out)
            elif name.endswith(".json"):
                _diff(json.loads(a.read_text()), json.loads(b.read_text()), f"{sub}/{name}", out)
            elif name.endswith(".csv"):  # by column, so a timing column can be skipped
                _diff(_csv_rows(a), _csv_rows(b), f"{sub}/{name}", out)
            elif a.read_bytes() != b.read_bytes():
                out.append(f"{sub}/{name}: contents differ")
    for a in sorted((old / "models").rglob("*.npz")):  # every array a figure is drawn from, to the bit
        rel = a.relative_to(old)
        if only and not a.name.startswith(only) and not rel.parts[1].startswith(only):
            continue
        b = new / rel
        if not b.exists():
            out.append(f"{rel}: only in old")
            continue
        x, y = np.load(a), np.load(b)
        for key in sorted(set(x.files) | set(y.files)):
            if key not in x.files or key not in y.files:
                out.append(f"{rel}:{key}: only in {'new' if key not in x.files else 'old'}")
            elif not np.array_equal(x[key], y[key], equal_nan=x[key].dtype.kind in "fc"):
                out.append(f"{rel}:{key}: arrays differ")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--only", nargs="*", default=[], help="file name prefixes to compare (e.g. ppca_)")
    args = parser.parse_args(argv)
    diffs = compare(args.old, args.new, tuple(args.only))
    for line in diffs:
        print(line)
    n = sum(1 for _ in (args.old / "metrics").glob("*.json"))
    print("identical" if not diffs else f"{len(diffs)} differences", f"({n} metrics files in {args.old})")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
