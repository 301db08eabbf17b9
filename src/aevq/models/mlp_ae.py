"""A small nonlinear (MLP) AutoEncoder: the lecture's "stack nonlinear layers" route, at toy scale (Ch. 3.3).

recognition G_phi:  z = G_phi(x)        (tanh MLP, linear code layer)
generation  H_theta: x_hat = H_theta(z) (tanh MLP, linear output)
objective:  F = 1/N sum_n ||x_n - H_theta(G_phi(x_n))||^2 / D  (mean squared error, minimised by Adam)

Two kinds of code:

* ``latent="euclidean"``: z in R^q, the usual AutoEncoder code.
* ``latent="angle"`` (q = 1 only): the encoder's last layer has two units (a, b) and the code is the single number
  z = atan2(b, a) in (-pi, pi]; the decoder reads (cos z, sin z). The code is still one real parameter, but the
  decoder is periodic in it, so H_theta can map the code onto a closed curve without a seam. A decoder that is a
  continuous function of a plain z in R cannot: a line cannot be wrapped onto a circle continuously and one-to-one,
  so a Euclidean 1-D code must tear the circle somewhere. Building the periodicity in is prior knowledge of the
  topology (S^1), stated as such wherever this model is used.

Inputs are centred and divided by one global scale (a single number, so the geometry is not distorted); ``decode``
undoes it. Weights are initialised from a ``torch.Generator`` and minibatches drawn from another, so a fit is
reproducible from its seed on CPU.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from aevq.models.arrays import numpy_native
from aevq.models.contract import CodeSizes
from aevq.models.mlp import mlp
from aevq.runtime import torch_generator
from aevq.training import as_tensor, fit_minibatch


class MLPAutoencoder(nn.Module, CodeSizes):
    """MLP AutoEncoder with ``fit`` / ``encode`` / ``decode`` (scikit-learn style, NumPy in and out)."""

    def __init__(
        self,
        input_dim: int,
        latent_dim: int,
        hidden: tuple[int, ...] = (64, 64),
        *,
        latent: str = "euclidean",
        seed: int = 0,
        device: str | torch.device = "cpu",
    ):
        super().__init__()
        if latent not in ("euclidean", "angle"):
            raise ValueError(f"latent must be 'euclidean' or 'angle', not {latent!r}")
        if latent == "angle" and latent_dim != 1:
            raise ValueError("an angle code is one number: latent_dim must be 1")
        self.input_dim, self.latent_dim, self.latent, self.seed = input_dim, latent_dim, latent, int(seed)
        self.device = torch.device(device)
        code_units = 2 if latent == "angle" else latent_dim  # encoder outputs (a, b) for the angle code
        self.encoder = mlp([input_dim, *hidden, code_units], activation=nn.Tanh)
        self.decoder = mlp([code_units, *reversed(hidden), input_dim], activation=nn.Tanh)
        self._init_weights(torch_generator(self.seed))
        self.register_buffer("mean_", torch.zeros(input_dim))
        self.register_buffer("scale_", torch.ones(()))
        self.history_: list[float] = []
        self.to(self.device)

    def _code_sizes(self) -> tuple[int, int]:
        return self.input_dim, self.latent_dim

    def _init_weights(self, gen: torch.Generator) -> None:
        """PyTorch's default Linear init (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), drawn from a private generator."""
        with torch.no_grad():
            for module in self.modules():
                if isinstance(module, nn.Linear):
                    bound = 1.0 / math.sqrt(module.in_features)
                    module.weight.copy_(torch.rand(module.weight.shape, generator=gen) * 2 * bound - bound)
                    module.bias.copy_(torch.rand(module.bias.shape, generator=gen) * 2 * bound - bound)

    # --- tensor maps (standardised units) ---
    def _encode(self, xs: torch.Tensor) -> torch.Tensor:
        h = self.encoder(xs)
        if self.latent == "angle":
            return torch.atan2(h[:, 1], h[:, 0]).unsqueeze(1)
        return h

    def _decode(self, z: torch.Tensor) -> torch.Tensor:
        if self.latent == "angle":
            z = torch.cat([torch.cos(z), torch.sin(z)], dim=1)
        return self.decoder(z)

    def forward(self, xs: torch.Tensor) -> torch.Tensor:
        return self._decode(self._encode(xs))

    # --- scikit-learn style API (NumPy, original units) ---
    def fit(self, x: np.ndarray, *, epochs: int, batch_size: int = 100, lr: float = 1e-3) -> MLPAutoencoder:
        """Minimise the mean squared reconstruction error with Adam; returns self (loss per epoch in ``history_``)."""
        x = np.asarray(x, dtype=np.float64)
        mean = x.mean(axis=0)
        scale = float(np.sqrt(((x - mean) ** 2).sum(axis=1).mean()))  # RMS distance to the mean
        with torch.no_grad():
            self.mean_.copy_(torch.as_tensor(mean, dtype=torch.float32))
            self.scale_.fill_(scale if scale > 0 else 1.0)
        xs = (as_tensor(x, self.device) - self.mean_) / self.scale_
        opt = torch.optim.Adam(self.parameters(), lr=lr)
        gen = torch_generator(self.seed + 1)
        self.train()
        self.history_ = fit_minibatch(
            lambda b: ((self(b) - b) ** 2).mean(),
            opt,
            xs,
            epochs=epochs,
            batch_size=batch_size,
            generator=gen,
            desc=f"mlp-ae q={self.latent_dim} ({self.latent})",
        )
        self.eval()
        return self

    @torch.no_grad()
    @numpy_native
    def encode(self, x: np.ndarray) -> np.ndarray:
        """z = G_phi(x): the code of each row of x (an angle in (-pi, pi] for ``latent='angle'``)."""
        xs = (as_tensor(np.asarray(x, dtype=np.float64), self.device) - self.mean_) / self.scale_
        return self._encode(xs).cpu().numpy().astype(np.float64)

    @torch.no_grad()
    @numpy_native
    def decode(self, z: np.ndarray) -> np.ndarray:
        """x_hat = H_theta(z), in the data's original units."""
        zt = as_tensor(np.asarray(z, dtype=np.float64).reshape(-1, self.latent_dim), self.device)
        return (self._decode(zt) * self.scale_ + self.mean_).cpu().numpy().astype(np.float64)

    @numpy_native
    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return self.decode(self.encode(x))
