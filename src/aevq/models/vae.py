"""AutoEncoder, VAE and beta-VAE on binary MNIST with one shared MLP shape (784-512-256-d and back).

All three use the same encoder body ``W_e`` (784 -> 512 -> 256) and decoder ``W_d`` (d -> 256 -> 512 -> 784) with a
Bernoulli decoder p_theta(x | z) = prod_i Bern(x_i; sigmoid(W_d(z))_i), so the only difference is the latent:

* ``kind="ae"``: a point, z = f_phi(x) (the encoder's mean head); loss = -log p_theta(x | f_phi(x)) (cross-entropy).
  Nothing places the codes anywhere in particular; ``sample`` still draws z ~ N(0, I), the lecture's experiment.
* ``kind="vae"``: a distribution, q_phi(z | x) = N(mu(x), diag sigma^2(x)), prior p(z) = N(0, I), trained on the
  negative ELBO (Kingma & Welling 2014)

      -L(theta, phi; x) = -E_q[log p_theta(x | z)] + beta * D_KL(q_phi(z | x) || p(z)),   beta = 1,

  with the reparameterisation z = mu + sigma * eps, eps ~ N(0, I) drawn from a private ``torch.Generator``.
* ``beta != 1``: the beta-VAE of Higgins et al. 2017 (same loss, KL weighted by beta).

The closed-form KL of a diagonal Gaussian against N(0, I) is
``D_KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)``; the importance-weighted estimate (Burda et al. 2016)
``log p(x) ~= log (1/k) sum_k p(x, z_k) / q(z_k | x)`` with z_k ~ q is a tighter bound than the ELBO for every x.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from aevq.models.arrays import numpy_native
from aevq.models.contract import CodeSizes
from aevq.models.mlp import mlp
from aevq.models.seeding import PrivateTorchRNG
from aevq.runtime import torch_generator

LOG_2PI = math.log(2 * math.pi)


def kl_diag_gaussian(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """D_KL(N(mu, diag exp(logvar)) || N(0, I)) per row, in nats (closed form)."""
    mu, logvar = mu.float(), logvar.float()  # the loss in float32, also under bfloat16 autocast
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def log_normal_diag(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)) summed over the last axis."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(dim=-1)


def bernoulli_log_lik(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | z) of a Bernoulli decoder with these logits, summed over pixels (x may be grey: cross-entropy)."""
    logits = logits.float()  # the loss in float32, also under bfloat16 autocast
    return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(dim=-1)


class MnistMLPModel(nn.Module):
    """What the limits chapter's AE, VAE and VQ-VAE share: MLP hidden sizes, the pixel count, the device, the seed of
    their initial weights (``init_scope``) and the private generator of every later draw (``generator``)."""

    def __init__(self, *, hidden: tuple[int, ...], n_pixels: int, device, seed: int):
        super().__init__()
        self.hidden, self.n_pixels, self.seed = tuple(int(h) for h in hidden), int(n_pixels), int(seed)
        self.device = torch.device(device)
        self.generator = torch_generator(self.seed + 1, device=self.device)
        self.history_: list[float] = []

    def init_args(self) -> dict:
        """The constructor arguments that rebuild this model (aevq.models.checkpoint)."""
        return dict(**self.own_args(), hidden=list(self.hidden), n_pixels=self.n_pixels, seed=self.seed)

    def own_args(self) -> dict:
        """The subclass's own constructor arguments."""
        raise NotImplementedError

    def init_scope(self):
        """The block that builds the layers: nn.Linear's default init draws there from this model's own stream."""
        return PrivateTorchRNG(self.seed, self.device).active()

    def _fit_adam(self, xt: torch.Tensor, *, epochs: int, batch_size: int, lr: float, desc: str, precision: str):
        """Adam on minibatches of ``self.loss`` (reshuffled by ``self.generator``) at ``precision`` (fp32, or bf16
        autocast: :mod:`aevq.precision`); the loss per epoch goes to ``history_``; the model is left in eval mode."""
        from aevq.training import fit_minibatch

        self.train()
        opt = torch.optim.Adam(self.parameters(), lr=lr)
        self.history_ = fit_minibatch(
            self.loss,
            opt,
            xt,
            epochs=epochs,
            batch_size=batch_size,
            generator=self.generator,
            desc=desc,
            precision=precision,
        )
        self.eval()
        return self


class GaussianAE(MnistMLPModel, CodeSizes):
    """AE (``kind="ae"``) or VAE / beta-VAE (``kind="vae"``) with an MLP 784-hidden-d encoder and mirrored decoder."""

    def __init__(
        self,
        latent_dim: int,
        *,
        kind: str = "vae",
        beta: float = 1.0,
        hidden: tuple[int, ...] = (512, 256),
        n_pixels: int = 784,
        device="cpu",
        seed: int = 0,
    ):
        if kind not in {"ae", "vae"}:
            raise ValueError(f"kind must be 'ae' or 'vae', not {kind!r}")
        super().__init__(hidden=hidden, n_pixels=n_pixels, device=device, seed=seed)
        self.kind, self.beta, self.latent_dim = kind, float(beta), int(latent_dim)
        with self.init_scope():
            self.encoder_body = mlp([n_pixels, *hidden])
            self.mu_head = nn.Linear(hidden[-1], latent_dim)
            self.logvar_head = nn.Linear(hidden[-1], latent_dim)
            self.decoder = mlp([latent_dim, *reversed(hidden), n_pixels])
        self.to(self.device)

    def _code_sizes(self) -> tuple[int, int]:
        return self.n_pixels, self.latent_dim

    # -- the two maps ------------------------------------------------------------------------------------------
    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu(x), log sigma^2(x)); the AE ignores the second (its latent is the point mu)."""
        h = F.relu(self.encoder_body(x))
        return self.mu_head(h), self.logvar_head(h).clamp(-12.0, 8.0)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor, n: int | None = None) -> torch.Tensor:
        """z = mu + sigma * eps, eps ~ N(0, I) from the private generator (shape (n, *mu.shape) if n is given)."""
        shape = mu.shape if n is None else (n, *mu.shape)
        eps = torch.randn(shape, generator=self.generator, device=mu.device)
        return mu + (0.5 * logvar).exp() * eps

    # -- training ----------------------------------------------------------------------------------------------
    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Mean over the batch of the AE cross-entropy or of -ELBO_beta (nats per image)."""
        mu, logvar = self.posterior(x)
        if self.kind == "ae":
            return -bernoulli_log_lik(self.logits(mu), x).mean()
        z = self.reparameterize(mu, logvar)
        rec = -bernoulli_log_lik(self.logits(z), x)
        return (rec + self.beta * kl_diag_gaussian(mu, logvar)).mean()

    def fit(
        self,
        x: np.ndarray,
        *,
        epochs: int,
        batch_size: int,
        lr: float,
        desc: str | None = None,
        precision: str = "fp32",
    ) -> GaussianAE:
        """Adam on minibatches of ``loss``; ``precision`` fp32 or bf16 (autocast, :mod:`aevq.precision`)."""
        from aevq.training import as_tensor

        xt = as_tensor(x, self.device)
        return self._fit_adam(
            xt, epochs=epochs, batch_size=batch_size, lr=lr, desc=desc or self.kind, precision=precision
        )

    # -- scikit-learn style ------------------------------------------------------------------------------------
    @torch.no_grad()
    @numpy_native
    def encode(self, x: np.ndarray, *, return_logvar: bool = False):
        """The recognition map: mu(x) (the AE's code), optionally with log sigma^2(x)."""
        mu, logvar = self.posterior(torch.as_tensor(x, dtype=torch.float32, device=self.device))
        if return_logvar:
            return mu.cpu().numpy(), logvar.cpu().numpy()
        return mu.cpu().numpy()

    @torch.no_grad()
    @numpy_native
    def decode(self, z: np.ndarray) -> np.ndarray:
        """The generative map: Bernoulli means sigmoid(W_d(z)) in [0, 1]."""
        return torch.sigmoid(self.logits(torch.as_tensor(z, dtype=torch.float32, device=self.device))).cpu().numpy()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
        """z ~ N(0, I) and the decoded means; for the AE this is exactly the lecture's failing experiment."""
        g = generator or self.generator
        z = torch.randn((n, self.latent_dim), generator=g, device=g.device).to(self.device)
        return z.cpu().numpy(), self.decode(z.cpu().numpy())

    # -- bounds on log p(x) (VAE only; meaningless for the AE, which has no q) ---------------------------------
    @torch.no_grad()
    def log_weights(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """log w_k = log p(x | z_k) + log p(z_k) - log q(z_k | x), z_k ~ q(z | x); shape (k, batch)."""
        mu, logvar = self.posterior(x)
        z = self.reparameterize(mu, logvar, n=k)
        log_px_z = bernoulli_log_lik(self.logits(z), x.unsqueeze(0))
        log_pz = log_normal_diag(z, torch.zeros_like(z), torch.zeros_like(z))
        log_qz = log_normal_diag(z, mu.unsqueeze(0), logvar.unsqueeze(0))
        return log_px_z + log_pz - log_qz

    @torch.no_grad()
    def elbo(self, x: np.ndarray, *, k: int = 1, batch_size: int = 500) -> dict[str, np.ndarray]:
        """Per image: the ELBO with the closed-form KL (reconstruction term by k samples), its two terms, in nats."""
        out = {"elbo": [], "rec": [], "kl": []}
        for start in range(0, len(x), batch_size):
            xb = torch.as_tensor(x[start : start + batch_size], dtype=torch.float32, device=self.device)
            mu, logvar = self.posterior(xb)
            z = self.reparameterize(mu, logvar, n=k)
            rec = -bernoulli_log_lik(self.logits(z), xb.unsqueeze(0)).mean(dim=0)
            kl = kl_diag_gaussian(mu, logvar)
            out["rec"].append(rec.cpu().numpy())
            out["kl"].append(kl.cpu().numpy())
            out["elbo"].append((-rec - kl).cpu().numpy())
        return {key: np.concatenate(v) for key, v in out.items()}

    @torch.no_grad()
    def iwae(self, x: np.ndarray, *, k: int = 100, batch_size: int = 100) -> dict[str, np.ndarray]:
        """Per image, from the same k samples: the Monte Carlo ELBO mean_k log w_k and the IWAE bound
        log mean_k w_k (Jensen: the second is >= the first for every image)."""
        elbo, iw = [], []
        for start in range(0, len(x), batch_size):
            xb = torch.as_tensor(x[start : start + batch_size], dtype=torch.float32, device=self.device)
            lw = self.log_weights(xb, k)
            elbo.append(lw.mean(dim=0).cpu().numpy())
            iw.append((torch.logsumexp(lw, dim=0) - math.log(k)).cpu().numpy())
        return {"elbo_mc": np.concatenate(elbo), "iwae": np.concatenate(iw)}

    # -- persistence -------------------------------------------------------------------------------------------
    def own_args(self) -> dict:
        return dict(latent_dim=self.latent_dim, kind=self.kind, beta=self.beta)


def parse_model_name(name: str) -> dict:
    """'ae' -> AE; 'vae' -> VAE (beta 1); 'beta4' / 'beta0.5' -> beta-VAE; 'vqvae' -> VQ-VAE."""
    if name == "ae":
        return {"kind": "ae", "beta": 1.0}
    if name == "vae":
        return {"kind": "vae", "beta": 1.0}
    if name.startswith("beta"):
        return {"kind": "vae", "beta": float(name[4:])}
    if name == "vqvae":
        return {"kind": "vqvae"}
    raise ValueError(f"unknown model name {name!r}")


def binarize(x: np.ndarray, seed: int) -> np.ndarray:
    """Stochastic binarisation x_bin ~ Bernoulli(x) with a fixed seed (one draw, kept for the whole run)."""
    rng = np.random.default_rng(seed)
    return (rng.random(x.shape, dtype=np.float32) < x).astype(np.float32)


def binarized_mnist(path, seed: int, *, n_train: int | None = None, n_test: int | None = None):
    """MNIST binarised stochastically once with a fixed seed (train with ``seed``, test with ``seed + 1``).

    The draw is made on all 60000 / 10000 images and then cut to the first n, so the quick profile uses exactly the
    same binary images as the full one. Returns (xb_train, y_train, xb_test, y_test) as float32 0/1 arrays.
    """
    from aevq.data.mnist import load_mnist

    x_train, y_train, x_test, y_test = load_mnist(path)
    xb_train = binarize(x_train, seed)[:n_train]
    xb_test = binarize(x_test, seed + 1)[:n_test]
    return xb_train, y_train[:n_train], xb_test, y_test[:n_test]
