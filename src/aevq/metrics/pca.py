"""The one PCA of the project, in closed form (NumPy, float64): every chapter's PCA is this one.

For data x_1..x_N in R^D with mean mu, the covariance Sigma_x = (1/N) sum_i (x_i - mu)(x_i - mu)^T = U Lambda U^T,
lambda_1 >= ... >= lambda_D >= 0. The top d eigenvectors U_{1:d} are the optimal linear code of size d (lecture §3.1):
z = U_{1:d}^T (x - mu) (the encoder W_e), x_hat = mu + U_{1:d} z (the decoder W_d = W_e^T), and the training error of
that reconstruction is sum_{j>d} lambda_j. Each eigenvector's sign is fixed (its largest-magnitude entry positive, as
scikit-learn's ``svd_flip`` on the components), so codes are reproducible across LAPACKs.
"""

from __future__ import annotations

import numpy as np


def covariance(x: np.ndarray, mean: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (mean, Sigma_x) with Sigma_x = (1/N) sum_i (x_i - mean)(x_i - mean)^T, in float64."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0) if mean is None else np.asarray(mean, dtype=np.float64)
    xc = x - mean
    return mean, xc.T @ xc / x.shape[0]


def pca_eig(sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigendecomposition Sigma_x = U Lambda U^T with eigenvalues in decreasing order (columns of U = u_j), each
    eigenvector's largest-magnitude entry positive, eigenvalues clipped at 0 (a covariance has none below)."""
    lam, u = np.linalg.eigh(np.asarray(sigma, dtype=np.float64))
    order = np.argsort(lam)[::-1]
    lam, u = lam[order], u[:, order]
    signs = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])])
    signs[signs == 0] = 1.0
    return np.clip(lam, 0.0, None), u * signs


class PCA:
    """Closed-form PCA with ``n_components`` = d, scikit-learn style: ``fit``, ``encode`` (transform), ``decode``
    (inverse_transform), ``reconstruct``. After ``fit``: ``mean_`` (mu), ``eigenvalues_`` (all D lambda_j, decreasing),
    ``eigenvectors_`` (U), ``components_`` (U_{1:d}^T, d x D: the optimal W_e)."""

    def __init__(self, n_components: int):
        self.n_components = int(n_components)

    def fit(self, x: np.ndarray) -> PCA:
        self.mean_, sigma = covariance(x)
        self.eigenvalues_, self.eigenvectors_ = pca_eig(sigma)
        self.components_ = self.eigenvectors_[:, : self.n_components].T
        return self

    def with_components(self, n_components: int) -> PCA:
        """The same fit, keeping the top ``n_components`` axes (no second eigendecomposition)."""
        other = PCA(n_components)
        other.mean_, other.eigenvalues_, other.eigenvectors_ = self.mean_, self.eigenvalues_, self.eigenvectors_
        other.components_ = self.eigenvectors_[:, :n_components].T
        return other

    def encode(self, x: np.ndarray) -> np.ndarray:
        """z = U_{1:d}^T (x - mu), one row per image."""
        return (np.asarray(x, dtype=np.float64) - self.mean_) @ self.components_.T

    def decode(self, z: np.ndarray) -> np.ndarray:
        """x_hat = mu + U_{1:d} z."""
        return z @ self.components_ + self.mean_

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """The orthogonal projection of x - mu onto the top d axes, plus mu."""
        return self.decode(self.encode(x))

    def explained_variance_ratio(self) -> float:
        """sum_{j<=d} lambda_j / sum_j lambda_j: the share of the variance the d axes keep."""
        return float(self.eigenvalues_[: self.n_components].sum() / self.eigenvalues_.sum())

    def loss_floor(self) -> float:
        """L_min = sum_{j>d} lambda_j (training-set loss of the optimal linear AE)."""
        return float(self.eigenvalues_[self.n_components :].sum())
