"""One array contract for every model's ``encode`` / ``decode`` / ``reconstruct``: give a NumPy array, get NumPy
arrays back; give a torch tensor, get tensors back (on the tensor's device).

Each model computes in its own native type: the torch-native ones (the RBM, the deep AE, logistic PCA) on tensors
already on the training device, the others on NumPy arrays with internal batching. These decorators convert at the
boundary only, so a caller never needs to know which kind of model it holds; a call with the native type is
unchanged (no copy, the same numbers).
"""

from __future__ import annotations

import functools

import numpy as np
import torch


def _map(out, fn):
    return tuple(_map(o, fn) for o in out) if isinstance(out, tuple) else fn(out)


def _reference_tensor(model) -> torch.Tensor:
    if isinstance(model, torch.nn.Module):
        return next(iter(model.parameters()))
    return model.W  # LogisticPCA: a plain class holding tensors


def torch_native(method):
    """For a method computing on tensors: NumPy in -> float tensor on the model's device -> NumPy out."""

    @functools.wraps(method)
    def wrapper(self, x, *args, **kwargs):
        if isinstance(x, torch.Tensor):
            return method(self, x, *args, **kwargs)
        ref = _reference_tensor(self)
        out = method(self, torch.as_tensor(np.asarray(x), dtype=ref.dtype, device=ref.device), *args, **kwargs)
        return _map(out, lambda t: t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t)

    return wrapper


def numpy_native(method):
    """For a method computing on NumPy arrays: tensor in -> NumPy -> tensors out on the input's device."""

    @functools.wraps(method)
    def wrapper(self, x, *args, **kwargs):
        if not isinstance(x, torch.Tensor):
            return method(self, x, *args, **kwargs)
        out = method(self, x.detach().cpu().numpy(), *args, **kwargs)
        return _map(out, lambda a: torch.as_tensor(a, device=x.device) if isinstance(a, np.ndarray) else a)

    return wrapper
