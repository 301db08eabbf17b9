"""One checkpoint format for every trained torch model of the pipeline.

A checkpoint records what rebuilds the model, not just its weights: ``{"format", "class", "init", "state_dict",
"history", "extra"}``, where ``class`` is the model's import path, ``init`` the constructor arguments that
``model.init_args()`` reports (sizes, kind, seed, ...), ``history`` the fit history (``history_``) and ``extra``
whatever the job adds (a stack of models is saved as ``models``, a list of such records). ``load_model`` needs
nothing but the file: no architecture is repeated in a script, so a checkpoint cannot be read with the wrong one.
Everything in it is a tensor or plain Python data, so it loads with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import torch

from aevq.runtime import torch_save

FORMAT = 1


def model_record(model) -> dict:
    """The checkpoint record of one model (its class, constructor arguments, weights on the CPU, fit history)."""
    cls = type(model)
    return {
        "format": FORMAT,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "init": model.init_args(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "history": getattr(model, "history_", None),
    }


def save_model(model, path: str | Path, **extra) -> None:
    """Save ``model`` (or a list of models: a stack) atomically in the one checkpoint format."""
    if isinstance(model, list | tuple):
        blob = {"format": FORMAT, "models": [model_record(m) for m in model]}
    else:
        blob = model_record(model)
    blob["extra"] = extra
    torch_save(blob, path)


def model_from_record(record: dict, device="cpu"):
    if record.get("format") != FORMAT:
        raise ValueError(f"checkpoint format {record.get('format')!r}, expected {FORMAT}: rebuild it with this code")
    module, _, name = record["class"].rpartition(".")
    if not module.startswith("aevq.models."):
        raise ValueError(f"checkpoint names class {record['class']!r}, not one of aevq.models")
    cls = getattr(importlib.import_module(module), name)
    model = cls(**record["init"], device=device)
    model.load_state_dict(record["state_dict"])
    model.history_ = record["history"]
    return model.eval() if hasattr(model, "eval") else model


def load_model(path: str | Path, device="cpu"):
    """The model (or list of models) saved by :func:`save_model`, on ``device``, in eval mode."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if "models" in blob:
        return [model_from_record(r, device) for r in blob["models"]]
    return model_from_record(blob, device)


def load_extra(path: str | Path) -> dict:
    """What the job saved beside the model(s)."""
    return torch.load(path, map_location="cpu", weights_only=True).get("extra", {})
