"""The linear AutoEncoder (lecture §3.1): z = W_e (x - mean), x_hat = W_d z + mean, trained by gradient descent.

Loss (lecture's symbols, centred data, Sigma_x = (1/N) sum_i x_i x_i^T):

    L(W_e, W_d) = (1/N) sum_i ||x_i - W_d W_e x_i||^2 = tr((I - W_d W_e) Sigma_x (I - W_d W_e)^T)
                = tr(Sigma_x) - 2 tr(W_d W_e Sigma_x) + tr(W_d^T W_d W_e Sigma_x W_e^T).

The loss depends on the data only through Sigma_x, so full-batch gradient descent is run on the trace form (one
d x D x D product per step instead of N x D x d): the same function, the same gradients, the same trajectory as
full-batch descent on the per-image squared errors (tests/test_linear_ae.py checks the two losses agree).
Baldi & Hornik (1989): from a random start, descent converges to col(W_d) = col(U_{1:d}) (the PCA subspace) with
L -> sum_{j>d} lambda_j; the basis inside the subspace is arbitrary (W_d R, R^T W_e give the same P = W_d W_e).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from aevq.metrics.linear_algebra import covariance, pca_eig
from aevq.models.arrays import numpy_native
from aevq.runtime import check_finite, check_progress, torch_generator


def largest_angle_torch(w_d: torch.Tensor, u_top: torch.Tensor) -> float:
    """Largest principal angle (degrees) between col(W_d) and col(U_top) (orthonormal columns).

    sin(theta_max) = ||(I - U U^T) Q||_2 with Q an orthonormal basis of col(W_d): accurate for small angles too.
    """
    q, _ = torch.linalg.qr(w_d)
    resid = q - u_top @ (u_top.T @ q)
    s = torch.linalg.matrix_norm(resid, ord=2).clamp(max=1.0)
    return float(torch.rad2deg(torch.arcsin(s)))


class LinearAE(nn.Module):
    """Shallow linear AE D -> d -> D with recognition W_e (d x D) and generation W_d (D x d).

    Parameters are drawn i.i.d. N(0, init_scale^2) from a private torch.Generator seeded by ``seed``.
    """

    def __init__(
        self,
        n_features: int,
        n_latent: int,
        *,
        init_scale: float = 0.01,
        seed: int = 0,
        device="cpu",
        dtype=torch.float64,
    ):
        super().__init__()
        self.n_features, self.n_latent = int(n_features), int(n_latent)
        self.device, self.dtype = torch.device(device), dtype
        g = torch_generator(seed)
        w_e = torch.randn(n_latent, n_features, generator=g, dtype=dtype) * init_scale
        w_d = torch.randn(n_features, n_latent, generator=g, dtype=dtype) * init_scale
        self.W_e = nn.Parameter(w_e.to(self.device))
        self.W_d = nn.Parameter(w_d.to(self.device))
        self.register_buffer("mean", torch.zeros(n_features, dtype=dtype, device=self.device))
        self.history_: dict[str, np.ndarray] = {}

    # -- the loss --------------------------------------------------------------------------------------------------
    def loss_cov(self, sigma: torch.Tensor) -> torch.Tensor:
        """tr((I - W_d W_e) Sigma_x (I - W_d W_e)^T), expanded so that the largest product is W_e Sigma_x."""
        a = self.W_e @ sigma  # d x D
        return (
            torch.trace(sigma) - 2.0 * torch.trace(self.W_d @ a) + torch.sum((self.W_d.T @ self.W_d) * (a @ self.W_e.T))
        )

    def loss_data(self, x) -> torch.Tensor:
        """(1/N) sum_i ||x_i - x_hat_i||^2 on raw (uncentred) images; the model subtracts its own mean."""
        x = self._tensor(x)
        return torch.mean(torch.sum((x - self(x)) ** 2, dim=1))

    # -- scikit-learn style interface ------------------------------------------------------------------------------
    def fit(
        self,
        x: np.ndarray,
        *,
        steps: int = 1000,
        lr: float = 0.02,
        momentum: float = 0.9,
        u_top: np.ndarray | None = None,
        desc: str = "linear AE",
    ) -> LinearAE:
        """Full-batch gradient descent (heavy-ball momentum) on L from the random init; records per step the loss,
        the largest principal angle between col(W_d) and the top-d eigenvectors of Sigma_x (computed here unless
        ``u_top`` is given) and the loss floor sum_{j>d} lambda_j, in ``history_``."""
        mean, sigma = covariance(x)
        lam, u = pca_eig(sigma)
        if u_top is None:
            u_top = u[:, : self.n_latent]
        with torch.no_grad():
            self.mean.copy_(torch.as_tensor(mean, dtype=self.dtype))
        s = torch.as_tensor(sigma, dtype=self.dtype, device=self.device)
        ut = torch.as_tensor(np.ascontiguousarray(u_top), dtype=self.dtype, device=self.device)
        opt = torch.optim.SGD(self.parameters(), lr=lr, momentum=momentum)
        losses, angles = np.empty(steps + 1), np.empty(steps + 1)
        bar = tqdm(range(steps + 1), desc=desc, mininterval=2.0)
        for step in bar:
            loss = self.loss_cov(s)
            losses[step] = check_finite(loss.item(), what=f"{desc} loss", step=step)
            with torch.no_grad():
                angles[step] = largest_angle_torch(self.W_d.detach(), ut)
            if step == steps:
                break  # record the final state without another update
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % 200 == 0:
                bar.set_postfix(loss=f"{losses[step]:.6g}", angle=f"{angles[step]:.3g}")
        check_progress(losses, what=f"{desc} loss", fix="lower linear_ae.train.lr")
        self.eigenvalues_ = lam
        self.history_ = {
            "step": np.arange(steps + 1),
            "loss": losses,
            "angle_deg": angles,
            "loss_floor": float(lam[self.n_latent :].sum()),
        }
        return self

    def _tensor(self, x) -> torch.Tensor:
        return torch.as_tensor(np.asarray(x), dtype=self.dtype, device=self.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) @ self.W_e.T @ self.W_d.T + self.mean

    @torch.no_grad()
    @numpy_native
    def encode(self, x: np.ndarray) -> np.ndarray:
        """Recognition: z = W_e (x - mean)."""
        return ((self._tensor(x) - self.mean) @ self.W_e.T).cpu().numpy()

    @torch.no_grad()
    @numpy_native
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Generation: x_hat = W_d z + mean."""
        return (self._tensor(z) @ self.W_d.T + self.mean).cpu().numpy()

    @numpy_native
    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return self.decode(self.encode(x))

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(W_e, W_d) as float64 NumPy arrays."""
        return self.W_e.detach().cpu().numpy().astype(np.float64), self.W_d.detach().cpu().numpy().astype(np.float64)
