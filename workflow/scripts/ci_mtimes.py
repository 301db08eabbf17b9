"""Make a restored CI cache trustworthy: which tracked files changed since the cached build, by content.

Snakemake decides by modification times whether a `script:` rule's script, a notebook or a library module is newer
than the outputs. A fresh checkout gives every file the checkout time, so after a cache restore everything would
look new and rerun; restoring times from commit dates instead can hide a change committed before the cached build.
So the cache carries a manifest of the git blob of every tracked file the build used:

    python workflow/scripts/ci_mtimes.py record results/.source-manifest    # after a build, before saving the cache
    python workflow/scripts/ci_mtimes.py restore results/.source-manifest   # after restoring it, before snakemake

`restore` dates back to 2000-01-01 exactly the files whose content equals the manifest's, so they are older than any
output; every other file (changed, new) keeps its checkout time and is newer than the cached outputs, so the jobs
that use it rerun. Without a manifest nothing is touched (everything looks new: a full rebuild, the safe side).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OLD = 946684800  # 2000-01-01T00:00:00Z: older than any output a build writes


def tracked_blobs(root: Path) -> dict[str, str]:
    """path -> git blob id of the working-tree content of every tracked file (`git ls-files -s` + hash-object)."""
    paths = (
        subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
    )
    paths = [p for p in paths if p and (root / p).is_file()]
    blobs = subprocess.run(
        ["git", "hash-object", "--stdin-paths"],
        cwd=root,
        input="\n".join(paths) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return dict(zip(paths, blobs, strict=True))


def record(manifest: Path, root: Path) -> int:
    manifest.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{blob} {path}" for path, blob in sorted(tracked_blobs(root).items())]
    manifest.write_text("\n".join(lines) + "\n")
    print(f"recorded {len(lines)} tracked files in {manifest}")
    return 0


def restore(manifest: Path, root: Path) -> int:
    if not manifest.is_file():
        print(f"no manifest at {manifest}: file times left as checked out (everything reruns)")
        return 0
    cached = dict(line.split(" ", 1)[::-1] for line in manifest.read_text().splitlines() if line)
    same = changed = 0
    for path, blob in tracked_blobs(root).items():
        if cached.get(path) == blob:
            os.utime(root / path, (OLD, OLD), follow_symlinks=False)
            same += 1
        else:
            changed += 1
            print(f"changed since the cached build: {path}")
    print(f"{same} files unchanged since the cached build (dated back), {changed} changed or new")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("record", "restore"):
        print(__doc__, file=sys.stderr)
        return 2
    root = Path.cwd()
    return (record if argv[0] == "record" else restore)(root / argv[1], root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
