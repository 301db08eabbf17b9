"""A small VQ-VAE (van den Oord et al. 2017) with the chapter's MLP shape: 784-512-256-(m*D) and back.

The encoder output z_e(x) is cut into m slots of dimension D; each slot is replaced by its nearest codebook vector
e_k (k = argmin_j ||z_e - e_j||), the decoder sees z_q. The loss per image is

    -log p(x | z_q) + ||sg[z_e] - e||^2 + beta_c * ||z_e - sg[e]||^2,      beta_c = 0.25 (the paper's value),

and the gradient of the reconstruction term is copied from z_q to z_e (straight-through: z_q = z_e + sg[e - z_e]).
To *generate*, a prior over the m discrete codes is needed: ``uniform`` (every code equally likely) or ``unigram``
(the empirical code histogram of the training set per slot, a learned prior that ignores the slots' dependence; the
paper fits a PixelCNN instead).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from aevq.models.arrays import numpy_native
from aevq.models.contract import CodeSizes
from aevq.models.mlp import mlp
from aevq.models.vae import MnistMLPModel, bernoulli_log_lik


def perplexity(counts: np.ndarray) -> float:
    """exp(entropy) of a code histogram: K for a uniform use of K codes, 1 when one code takes everything."""
    p = np.asarray(counts, dtype=float)
    p = p / p.sum()
    nz = p[p > 0]
    return float(np.exp(-(nz * np.log(nz)).sum()))


class VQVAE(MnistMLPModel, CodeSizes):
    def __init__(
        self,
        *,
        codebook_size: int,
        code_dim: int,
        n_slots: int,
        commitment: float = 0.25,
        hidden: tuple[int, ...] = (512, 256),
        n_pixels: int = 784,
        device="cpu",
        seed: int = 0,
    ):
        super().__init__(hidden=hidden, n_pixels=n_pixels, device=device, seed=seed)
        self.K, self.D, self.m, self.commitment = int(codebook_size), int(code_dim), int(n_slots), float(commitment)
        with self.init_scope():
            self.encoder = mlp([n_pixels, *hidden, self.m * self.D])
            self.decoder = mlp([self.m * self.D, *reversed(hidden), n_pixels])
            self.codebook = nn.Parameter(torch.empty(self.K, self.D).uniform_(-1.0 / self.K, 1.0 / self.K))
        self.register_buffer("prior_counts", torch.ones(self.m, self.K))
        self.to(self.device)

    def _code_sizes(self) -> tuple[int, int]:
        return self.n_pixels, self.m * self.D  # z_e: m slots of D numbers, each snapped to a code vector

    def own_args(self) -> dict:
        return dict(codebook_size=self.K, code_dim=self.D, n_slots=self.m, commitment=self.commitment)

    def z_e(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x).view(-1, self.m, self.D)

    def nearest(self, ze: torch.Tensor) -> torch.Tensor:
        """Index of the nearest codebook vector for every slot, shape (batch, m)."""
        with torch.no_grad():  # argmin has no gradient; do not keep the distance graph
            d = torch.cdist(ze.reshape(-1, self.D), self.codebook)
            return d.argmin(dim=1).view(-1, self.m)

    def quantize(self, ze: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(z_q with straight-through gradient, the selected codebook vectors e, the indices)."""
        idx = self.nearest(ze)
        e = self.codebook[idx]
        zq = ze + (e - ze).detach()
        return zq, e, idx

    def losses(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        ze = self.z_e(x).float()  # quantised and penalised in float32, also under bfloat16 autocast
        zq, e, idx = self.quantize(ze)
        rec = -bernoulli_log_lik(self.decoder(zq.reshape(-1, self.m * self.D)), x)
        codebook = (ze.detach() - e).pow(2).sum(dim=(1, 2))
        commit = (ze - e.detach()).pow(2).sum(dim=(1, 2))
        return {"rec": rec, "codebook": codebook, "commit": commit, "idx": idx}

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        parts = self.losses(x)
        return (parts["rec"] + parts["codebook"] + self.commitment * parts["commit"]).mean()

    def fit(
        self, x: np.ndarray, *, epochs: int, batch_size: int, lr: float, desc: str = "vqvae", precision: str = "fp32"
    ) -> VQVAE:
        from aevq.training import as_tensor

        self.train()
        xt = as_tensor(x, self.device)
        with torch.no_grad():  # start the codebook on encoder outputs of K random training slots (no dead start)
            pick = torch.randint(0, len(xt), (self.K,), generator=self.generator, device=self.generator.device)
            slot = torch.randint(0, self.m, (self.K,), generator=self.generator, device=self.generator.device)
            self.codebook.copy_(self.z_e(xt[pick.to(self.device)])[torch.arange(self.K), slot.to(self.device)])
        self._fit_adam(xt, epochs=epochs, batch_size=batch_size, lr=lr, desc=desc, precision=precision)
        counts = np.zeros((self.m, self.K))
        for slot, row in enumerate(self.code_histogram(x)):
            counts[slot] = row
        self.prior_counts.copy_(torch.as_tensor(counts, dtype=torch.float32))
        return self

    @torch.no_grad()
    @numpy_native
    def encode(self, x: np.ndarray) -> np.ndarray:
        """The discrete codes, shape (n, m)."""
        return self.nearest(self.z_e(torch.as_tensor(x, dtype=torch.float32, device=self.device))).cpu().numpy()

    @torch.no_grad()
    @numpy_native
    def decode(self, codes: np.ndarray) -> np.ndarray:
        e = self.codebook[torch.as_tensor(codes, dtype=torch.long, device=self.device)]
        return torch.sigmoid(self.decoder(e.reshape(-1, self.m * self.D))).cpu().numpy()

    @torch.no_grad()
    @numpy_native
    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return self.decode(self.encode(x))

    @torch.no_grad()
    def code_histogram(self, x: np.ndarray, batch_size: int = 2000) -> np.ndarray:
        """Counts of each code per slot, shape (m, K)."""
        counts = np.zeros((self.m, self.K), dtype=np.int64)
        for start in range(0, len(x), batch_size):
            idx = self.encode(x[start : start + batch_size])
            for slot in range(self.m):
                counts[slot] += np.bincount(idx[:, slot], minlength=self.K)
        return counts

    @torch.no_grad()
    def sample(self, n: int, prior: str = "uniform", generator: torch.Generator | None = None):
        """Codes from the ``uniform`` or ``unigram`` prior and their decodes."""
        g = generator or self.generator
        if prior == "uniform":
            probs = torch.ones(self.m, self.K)
        elif prior == "unigram":
            probs = self.prior_counts.cpu().clamp_min(0) + 1e-12
        else:
            raise ValueError(f"unknown prior {prior!r}")
        codes = torch.multinomial(probs, n, replacement=True, generator=g).T.contiguous().numpy()
        return codes, self.decode(codes)

    @torch.no_grad()
    def reconstruction_nats(self, x: np.ndarray) -> np.ndarray:
        xt = torch.as_tensor(x, dtype=torch.float32, device=self.device)
        zq, _, _ = self.quantize(self.z_e(xt))
        return (-bernoulli_log_lik(self.decoder(zq.reshape(-1, self.m * self.D)), xt)).cpu().numpy()


def straight_through_grad_norm(model: VQVAE, x: torch.Tensor) -> float:
    """Norm of d(reconstruction loss)/d(encoder weights): > 0 only if the straight-through copy works."""
    model.zero_grad(set_to_none=True)
    model.losses(x)["rec"].mean().backward()
    return float(sum(p.grad.norm() ** 2 for p in model.encoder.parameters() if p.grad is not None) ** 0.5)
