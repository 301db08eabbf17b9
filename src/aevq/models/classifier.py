"""The judge's eyes: a small MNIST classifier whose softmax and penultimate features score decodes.

``arch="cnn"`` (both profiles): conv(1->32, k x k) - ReLU - maxpool 2 - conv(32->64, k x k) - ReLU - maxpool 2 -
dropout - linear(64*s*s -> 128) - ReLU - dropout - linear(10), with k = 5 (s = 4) by default (k = 3 gives s = 5).
``arch="mlp"``: 784 - hidden... - 10 with ReLU (cheap, but it does not reach 98% in a few epochs).
The penultimate activations play the role of Inception features in the Frechet distance (dropout is off in eval).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from aevq.models.mlp import mlp
from aevq.models.seeding import PrivateTorchRNG
from aevq.runtime import torch_generator


class MnistCNN(nn.Module):
    def __init__(
        self,
        *,
        arch: str = "cnn",
        channels: tuple[int, int] = (32, 64),
        hidden: tuple[int, ...] = (128,),
        kernel: int = 5,
        dropout: float = 0.0,
        device="cpu",
        seed: int = 0,
    ):
        super().__init__()
        self.device = torch.device(device)
        self.arch = arch
        self._init_args = dict(
            arch=arch,
            channels=[int(c) for c in channels],
            hidden=[int(h) for h in hidden],
            kernel=int(kernel),
            dropout=float(dropout),
            seed=int(seed),
        )
        # nn.Linear/Conv2d's default init and nn.Dropout draw only from torch's global generator: this model keeps
        # its own copy of that state (the init, then the dropout masks of fit), never the process-wide one
        self.torch_rng = PrivateTorchRNG(seed, device)
        with self.torch_rng.active():
            self.drop = nn.Dropout(float(dropout))
            if arch == "cnn":
                c1, c2 = channels
                side = ((28 - kernel + 1) // 2 - kernel + 1) // 2
                self.conv1 = nn.Conv2d(1, c1, kernel)
                self.conv2 = nn.Conv2d(c1, c2, kernel)
                self.fc = nn.Linear(c2 * side * side, hidden[-1])
            elif arch == "mlp":
                self.body = mlp([784, *hidden])
            else:
                raise ValueError(f"arch must be 'cnn' or 'mlp', not {arch!r}")
            self.out = nn.Linear(hidden[-1], 10)
        self.generator = torch_generator(int(seed) + 1, device=self.device)  # every draw after the init
        self.history_: list[float] = []
        self.to(self.device)

    def init_args(self) -> dict:
        """The constructor arguments that rebuild this model (aevq.models.checkpoint)."""
        return dict(self._init_args)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if self.arch == "mlp":
            return F.relu(self.body(x))
        h = x.view(-1, 1, 28, 28)
        h = F.max_pool2d(F.relu(self.conv1(h)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return F.relu(self.fc(self.drop(h.flatten(1))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.drop(self.features(x)))

    def fit(
        self, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int, lr: float, precision: str = "fp32"
    ) -> MnistCNN:
        from aevq.training import as_tensor, fit_minibatch

        self.train()
        xy = torch.cat([as_tensor(x, self.device), as_tensor(y[:, None], self.device)], dim=1)

        def loss(batch):
            return F.cross_entropy(self(batch[:, :-1]).float(), batch[:, -1].long())

        opt = torch.optim.Adam(self.parameters(), lr=lr)
        with self.torch_rng.active():  # the dropout masks
            self.history_ = fit_minibatch(
                loss,
                opt,
                xy,
                epochs=epochs,
                batch_size=batch_size,
                generator=self.generator,
                desc="classifier",
                precision=precision,
            )
        self.eval()
        return self

    @torch.no_grad()
    def _batched(self, x: np.ndarray, fn, batch_size: int = 1000) -> np.ndarray:
        out = []
        for start in range(0, len(x), batch_size):
            xb = torch.as_tensor(np.asarray(x[start : start + batch_size]), dtype=torch.float32, device=self.device)
            out.append(fn(xb).cpu().numpy())
        return np.concatenate(out)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self._batched(x, lambda xb: F.softmax(self(xb), dim=1))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x).argmax(axis=1)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Penultimate features (for the Frechet distance)."""
        return self._batched(x, self.features)

    def score(self, x: np.ndarray, y: np.ndarray) -> float:
        return float((self.predict(x) == y).mean())
