"""Compare the trained weights of two `results/` trees, tensor by tensor, to the bit, whatever their container.

    python tests/bench/compare_checkpoints.py OLD/results NEW/results [NAME.pt ...]

For a refactor that changed the checkpoint format (what surrounds the weights) but must not change the weights:
every ``state_dict`` in a ``.pt`` file under models/ (nested dicts and lists searched) is compared by parameter name
with ``torch.equal``; the fit histories too, where both files hold one. Exit status 1 when anything differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch


def _state_dicts(obj, where="") -> dict[str, dict]:
    """Every state_dict-like mapping (names to tensors) inside a loaded checkpoint, by its place in it."""
    found = {}
    if isinstance(obj, dict):
        if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
            return {where or "/": obj}
        for key, value in obj.items():
            found.update(_state_dicts(value, f"{where}/{key}"))
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            found.update(_state_dicts(value, f"{where}[{i}]"))
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
        tensors_a = {n: t for sd in _state_dicts(ca).values() for n, t in sd.items()}
        tensors_b = {n: t for sd in _state_dicts(cb).values() for n, t in sd.items()}
        if set(tensors_a) != set(tensors_b):
            out.append(f"{rel}: parameter names differ: {sorted(set(tensors_a) ^ set(tensors_b))[:6]}")
        for name in sorted(set(tensors_a) & set(tensors_b)):
            if not torch.equal(tensors_a[name], tensors_b[name]):
                diff = (tensors_a[name].double() - tensors_b[name].double()).abs().max().item()
                out.append(f"{rel}:{name}: differs (max |diff| {diff:.3g})")
        if isinstance(ca, dict) and isinstance(cb, dict) and "history" in ca and "history" in cb:
            if ca["history"] != cb["history"]:
                out.append(f"{rel}: fit history differs")
        print(f"{rel}: {len(tensors_a)} tensors, {sum(t.numel() for t in tensors_a.values())} values compared")
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
