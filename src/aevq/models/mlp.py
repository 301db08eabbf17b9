"""The one multilayer-perceptron builder of the models: Linear layers with an activation between them.

Its own module, so that a model and a measuring instrument that share the shape do not share anything else: the
limits chapter's judge (``classifier``) imports this, not the VAE, and an edit to the VAE never retrains the judge.
"""

from __future__ import annotations

from torch import nn


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear layers d_0 -> d_1 -> ... -> d_L with ``activation`` between them (none after the last).

    The layers are built in order, so their default initialisation draws from torch's global generator in that order
    (models that need a private stream build this under ``aevq.models.seeding.PrivateTorchRNG``)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)
