"""The arithmetic a torch training job runs in: ``fp32``, or ``bf16`` autocast with fp32 master weights.

``precision: bf16`` runs the matrix products of training (linear layers, convolutions, the RBM's CD-1 products) in
bfloat16 under :func:`torch.autocast`: the weights, their gradients, the optimizer state and the loss stay float32,
only each product's operands are rounded to bfloat16 (8 bits of mantissa) and its sums are accumulated in float32.
Everything exact stays out of it: closed forms, enumerations, likelihood bounds and every evaluation run in
fp32/fp64 whatever the setting.

``precision: auto`` chooses bf16 only where the hardware multiplies bfloat16 natively (a CPU with the AVX512-BF16 or
AMX-BF16 instructions, an Arm CPU with BF16, or a CUDA GPU that supports it), and fp32 elsewhere: on a CPU without
them bfloat16 is emulated and slower than float32. A job records the precision it ran in its metrics.
"""

from __future__ import annotations

import contextlib
import functools
import platform
from pathlib import Path

PRECISIONS = ("fp32", "bf16", "auto")

# /proc/cpuinfo flags of native bfloat16 arithmetic: x86 (AVX512-BF16 dot products, AMX tiles) and Arm (FEAT_BF16)
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The feature flags of this CPU as Linux lists them (x86 ``flags``, Arm ``Features``); empty elsewhere."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        if platform.system() != "Linux" or not path.exists():
            return frozenset()
        cpuinfo = path.read_text(errors="replace")
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags.update(value.split())
    return frozenset(flags)


@functools.cache
def cpu_has_native_bf16() -> bool:
    return bool(cpu_flags() & BF16_CPU_FLAGS)


def resolve(requested: str, device) -> str:
    """``fp32`` or ``bf16``: the precision a job on ``device`` runs for the setting ``requested``.

    ``bf16`` is honoured on any device (emulated where not native, so slower but the same arithmetic); ``auto``
    becomes ``bf16`` only where the hardware has it.
    """
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}: fix the config")
    if requested != "auto":
        return requested
    import torch

    kind = torch.device(device).type
    if kind == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if kind == "cpu":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return "fp32"


def autocast(device, precision: str):
    """The context in which a training step's forward pass (and so its backward) runs.

    ``bf16``: torch.autocast to bfloat16 on ``device``; ``fp32``: nothing changes. Losses are computed on float32
    (callers cast the logits with ``.float()`` before the loss), and weights stay float32 (the master copy).
    """
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision != "bf16":
        raise ValueError(f"a job's precision is fp32 or bf16 (resolve 'auto' first), not {precision!r}")
    import torch

    return torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16)


def matmul_dtype(precision: str):
    """The torch dtype whose matmul rate a job at ``precision`` is compared with."""
    import torch

    return torch.bfloat16 if precision == "bf16" else torch.float32
