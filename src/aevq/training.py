"""A small, shared minibatch trainer for the torch models: seeded shuffling, tqdm progress, NaN guard."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from tqdm.auto import tqdm

from aevq.precision import autocast
from aevq.runtime import DivergenceError, check_finite, check_progress


def as_tensor(x: np.ndarray, device):
    import torch

    return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32, device=device)


def fit_minibatch(
    loss_fn: Callable,
    optimizer,
    x,
    *,
    epochs: int,
    batch_size: int,
    generator,
    desc: str = "train",
    on_epoch_end: Callable[[int, float], bool | None] | None = None,
    explode: float = 10.0,
    precision: str = "fp32",
) -> list[float]:
    """Minimise ``loss_fn(batch)`` (mean over the batch) by minibatch steps; return the mean loss per epoch.

    ``x`` is a tensor on the training device; each epoch visits a fresh permutation drawn from ``generator`` (a
    ``torch.Generator``), so a run is reproducible from its seed. A non-finite loss stops training with an error
    rather than saving a broken model, and so does a finite one that rises ``explode`` x |first epoch's| above the
    first epoch's mean or ends above it (:func:`aevq.runtime.check_progress`). ``on_epoch_end(epoch, mean_loss)``
    may evaluate and record curves; a true return value ends training after that epoch.

    ``precision="bf16"`` runs ``loss_fn`` (forward, and so backward) under bfloat16 autocast
    (:mod:`aevq.precision`); the weights, the optimizer and ``on_epoch_end`` stay float32.
    """
    import torch

    n = x.shape[0]
    history = []
    bar = tqdm(range(epochs), desc=desc, mininterval=2.0)
    for epoch in bar:
        order = torch.randperm(n, generator=generator, device=generator.device).to(x.device)
        total = torch.zeros((), device=x.device)
        for start in range(0, n, batch_size):
            batch = x[order[start : start + batch_size]]
            optimizer.zero_grad(set_to_none=True)
            with autocast(x.device, precision):
                loss = loss_fn(batch)
            loss.backward()
            optimizer.step()
            total += loss.detach() * batch.shape[0]
        mean = check_finite((total / n).item(), what=f"{desc} loss", step=epoch)
        history.append(mean)
        if history[0] is not None and mean > history[0] + explode * abs(history[0]):
            raise DivergenceError(
                f"{desc} loss exploded to {mean:.6g} at epoch {epoch + 1} from {history[0]:.6g} after the first:"
                " training diverged; lower the learning rate in the config. No output was written."
            )
        bar.set_postfix(loss=f"{mean:.5g}")
        if on_epoch_end is not None and on_epoch_end(epoch, mean):
            break  # the caller's stopping rule (e.g. early stopping on a validation split)
    check_progress(history, what=f"{desc} loss", explode=explode)
    return history
