"""Compare the trained weights of two `results/` trees, tensor by tensor, to the bit, whatever their container.

    python tests/bench/compare_checkpoints.py OLD/results NEW/results [NAME.pt ...]

For a refactor that changed the checkpoint format (what surrounds the weights) but must not change the weights:
every tensor in a ``.pt`` file under models/ (nested dicts and lists searched, in order) is compared by name and
position with ``torch.equal``; the fit histories too, where both files hold one. Exit status 1 when anything differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch


def _tensors(obj, found=None) -> list[tuple[str, torch.Tensor]]:
    """Every tensor inside a loaded checkpoint, as (its key, the tensor), in the order the containers hold them.

    Formats differ in what surrounds the weights (a stack of RBMs as a list of plain dicts, or as a list of model
    records with a ``state_dict`` each), not in their order, so the sequences of (name, tensor) are compared."""
    found = [] if found is None else found
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, torch.Tensor):
                found.append((str(key), value))
            else:
                _tensors(value, found)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _tensors(value, found)
    return found


def compare(old: Path, new: Path, names: list[str]) -> list[str]:
    out = []
    files = names or sorted(p.relative_to(old).as_posix() for p in old.glob("models/**/*.pt"))
    for rel in files:
        a, b = old / rel, new / rel
        if not b.exists():
            out.append(f"{rel}: only in old")
            continue
        ca, cb = (torch.load(p, map_location="cpu", weights_only=False) for p in (a, b))
        tensors_a, tensors_b = _tensors(ca), _tensors(cb)
        if [n for n, _ in tensors_a] != [n for n, _ in tensors_b]:
            out.append(f"{rel}: the parameters differ in name or order")
            continue
        for i, ((name, ta), (_, tb)) in enumerate(zip(tensors_a, tensors_b, strict=True)):
            if ta.shape != tb.shape or not torch.equal(ta, tb):
                diff = (ta.double() - tb.double()).abs().max().item() if ta.shape == tb.shape else float("nan")
                out.append(f"{rel}: tensor {i} ({name}) differs (max |diff| {diff:.3g})")
        if isinstance(ca, dict) and isinstance(cb, dict) and "history" in ca and "history" in cb:
            if ca["history"] != cb["history"]:
                out.append(f"{rel}: fit history differs")
        print(f"{rel}: {len(tensors_a)} tensors, {sum(t.numel() for _, t in tensors_a)} values compared")
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    diffs = compare(Path(argv[0]), Path(argv[1]), argv[2:])
    print("\n".join(diffs) if diffs else "identical")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
