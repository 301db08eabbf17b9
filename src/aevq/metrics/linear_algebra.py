"""Closed forms of the linear AutoEncoder (lecture §3.1, Baldi & Hornik 1989) in NumPy/SciPy.

Notation follows the lecture: data x in R^D (centred), code z = W_e x in R^d, reconstruction x_hat = W_d z, global map
P = W_d W_e, covariance Sigma_x = (1/N) sum_i x_i x_i^T = U Lambda U^T with lambda_1 > ... > lambda_D, and the loss

    L(W_e, W_d) = (1/N) sum_i ||x_i - W_d W_e x_i||^2 = tr((I - P) Sigma_x (I - P)^T).

Every critical point has P = U_J U_J^T for an index set J with |J| = d and L = sum_{j not in J} lambda_j; only
J = {1..d} is a minimum (the PCA subspace), every other J is a saddle. Torch is imported lazily (only the Hessian).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.linalg
import scipy.stats

from aevq.metrics.pca import PCA, covariance, pca_eig  # noqa: F401 -- the one PCA (aevq.metrics.pca)


def squared_error_per_image(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Average over images of the squared error summed over pixels (Hinton & Salakhutdinov 2006's measure)."""
    diff = np.asarray(x, dtype=np.float64) - np.asarray(x_hat, dtype=np.float64)
    return float(np.mean(np.sum(diff**2, axis=1)))


# -- subspaces and projections --------------------------------------------------------------------------------------


def principal_angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles (radians, largest first) between col(a) and col(b) (scipy.linalg.subspace_angles)."""
    return scipy.linalg.subspace_angles(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))


def largest_angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """The largest principal angle (degrees) between col(a) and col(b): the one subspace-distance of the project."""
    return float(np.degrees(principal_angles(a, b)[0]))


def projection_from_decoder(w_d: np.ndarray) -> np.ndarray:
    """P* = W_d (W_d^T W_d)^{-1} W_d^T: the global map once W_e is replaced by its optimum, the left inverse of W_d."""
    w_d = np.asarray(w_d, dtype=np.float64)
    return w_d @ np.linalg.solve(w_d.T @ w_d, w_d.T)


def projection_errors(p: np.ndarray) -> dict[str, float]:
    """Relative Frobenius distances ||P - P^T|| / ||P|| and ||P^2 - P|| / ||P|| (0 for an orthogonal projection)."""
    p = np.asarray(p, dtype=np.float64)
    norm = np.linalg.norm(p)
    return {
        "symmetry": float(np.linalg.norm(p - p.T) / norm),
        "idempotence": float(np.linalg.norm(p @ p - p) / norm),
        "trace": float(np.trace(p)),
    }


def random_orthogonal(d: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random d x d orthogonal matrix R (QR of a Gaussian matrix with the sign fix of Mezzadri 2007)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


# -- the loss and its critical points --------------------------------------------------------------------------------


def linear_ae_loss(w_e: np.ndarray, w_d: np.ndarray, sigma: np.ndarray) -> float:
    """L(W_e, W_d) = tr((I - W_d W_e) Sigma_x (I - W_d W_e)^T)."""
    r = np.eye(sigma.shape[0]) - w_d @ w_e
    return float(np.trace(r @ sigma @ r.T))


def linear_ae_loss_data(w_e: np.ndarray, w_d: np.ndarray, xc: np.ndarray) -> float:
    """The same loss from the (centred) data: (1/N) sum_i ||x_i - W_d W_e x_i||^2."""
    xc = np.asarray(xc, dtype=np.float64)
    return float(np.mean(np.sum((xc - (xc @ w_e.T) @ w_d.T) ** 2, axis=1)))


def covariance_with_spectrum(eigenvalues, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sigma = U diag(eigenvalues) U^T with a random orthogonal U (a small example with known spectrum)."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    u = random_orthogonal(lam.size, rng)
    return u @ np.diag(lam) @ u.T, u


def critical_points(sigma: np.ndarray, d: int) -> list[dict]:
    """Every critical point P = U_J U_J^T, |J| = d, as (W_e, W_d) = (U_J^T, U_J); J uses 1-based indices."""
    lam, u = pca_eig(sigma)
    points = []
    for j in itertools.combinations(range(lam.size), d):
        u_j = u[:, list(j)]
        points.append(
            {
                "J": tuple(int(i) + 1 for i in j),
                "w_e": u_j.T.copy(),
                "w_d": u_j.copy(),
                "loss_formula": float(sum(lam[i] for i in range(lam.size) if i not in j)),
            }
        )
    return points


def hessian(sigma: np.ndarray, w_e: np.ndarray, w_d: np.ndarray) -> np.ndarray:
    """The Hessian of L(W_e, W_d) w.r.t. all d*D + D*d entries (vec(W_e) then vec(W_d)), by torch autograd, float64."""
    import torch

    s = torch.as_tensor(sigma, dtype=torch.float64)
    d, dim = w_e.shape
    eye = torch.eye(dim, dtype=torch.float64)

    def loss(theta):
        we = theta[: d * dim].reshape(d, dim)
        wd = theta[d * dim :].reshape(dim, d)
        r = eye - wd @ we
        return torch.trace(r @ s @ r.T)

    theta = torch.cat([torch.as_tensor(w_e, dtype=torch.float64).reshape(-1), torch.as_tensor(w_d).reshape(-1)])
    return torch.autograd.functional.hessian(loss, theta).numpy()


def zero_tolerance(h_eigenvalues: np.ndarray) -> float:
    """Eigenvalues with |mu| <= sqrt(eps) * ||H||_2 count as zero.

    Why: L is constant on the GL(d) orbit (W_d C, C^{-1} W_e), a manifold of dimension d^2 through every critical
    point, so H has at least d^2 exact zero eigenvalues; in float64 they come out as O(eps * ||H||) ~ 1e-16 ||H||.
    Every other eigenvalue is bounded away from zero by a quantity of the order of the smallest eigen-gap
    min |lambda_i - lambda_j| or the smallest eigenvalue of Sigma_x (distinct, positive eigenvalues), i.e. O(||H||)
    for a small well-separated example. sqrt(eps) ~ 1.5e-8 separates the two scales by ~8 orders of magnitude each way;
    :func:`hessian_census` also checks that exactly d^2 eigenvalues fall below it.
    """
    return math.sqrt(np.finfo(np.float64).eps) * float(np.max(np.abs(h_eigenvalues)))


def hessian_census(sigma: np.ndarray, d: int) -> list[dict]:
    """For each critical point J: loss (measured and sum_{j not in J} lambda_j), gradient norm, Hessian inertia."""
    import torch

    rows = []
    for point in critical_points(sigma, d):
        h = hessian(sigma, point["w_e"], point["w_d"])
        mu = np.linalg.eigvalsh((h + h.T) / 2)
        tol = zero_tolerance(mu)
        n_neg, n_zero = int(np.sum(mu < -tol)), int(np.sum(np.abs(mu) <= tol))
        nonzero = np.abs(mu[np.abs(mu) > tol])
        # gradient at the point (must vanish: it is a critical point)
        we = torch.as_tensor(point["w_e"], dtype=torch.float64).requires_grad_()
        wd = torch.as_tensor(point["w_d"], dtype=torch.float64).requires_grad_()
        s = torch.as_tensor(sigma, dtype=torch.float64)
        r = torch.eye(s.shape[0], dtype=torch.float64) - wd @ we
        (torch.trace(r @ s @ r.T)).backward()
        grad = float(torch.sqrt((we.grad**2).sum() + (wd.grad**2).sum()))
        rows.append(
            {
                "J": "{" + ", ".join(str(i) for i in point["J"]) + "}",
                "loss": linear_ae_loss(point["w_e"], point["w_d"], sigma),
                "loss_formula": point["loss_formula"],
                "grad_norm": grad,
                "n_negative": n_neg,
                "n_zero": n_zero,
                "n_positive": int(mu.size - n_neg - n_zero),
                "expected_zero": d * d,
                "min_abs_nonzero_over_norm": float(nonzero.min() / np.abs(mu).max()),
                "tolerance": tol,
                "kind": "minimum" if n_neg == 0 else "saddle",
            }
        )
    return rows


def unit_sphere_loss(sigma: np.ndarray, n_theta: int = 181, n_phi: int = 361) -> dict[str, np.ndarray]:
    """d = 1, D = 3: L(w) = tr Sigma - w^T Sigma w over unit decoder directions w (encoder W_e = w^T, its optimum)."""
    theta = np.linspace(0.0, np.pi, n_theta)
    phi = np.linspace(-np.pi, np.pi, n_phi)
    tt, pp = np.meshgrid(theta, phi, indexing="ij")
    w = np.stack([np.sin(tt) * np.cos(pp), np.sin(tt) * np.sin(pp), np.cos(tt)], axis=-1)
    loss = np.trace(sigma) - np.einsum("...i,ij,...j->...", w, sigma, w)
    return {"theta": theta, "phi": phi, "loss": loss}


def sphere_coordinates(v: np.ndarray) -> tuple[float, float]:
    v = np.asarray(v, dtype=np.float64) / np.linalg.norm(v)
    return float(np.arccos(np.clip(v[2], -1, 1))), float(np.arctan2(v[1], v[0]))


# -- "which is closer?" ----------------------------------------------------------------------------------------------


def shift_images(x: np.ndarray, dx: int = 0, dy: int = 0, side: int = 28) -> np.ndarray:
    """Shift flattened side x side images by (dx, dy) pixels with zero fill (np.roll, then blank the wrapped band)."""
    img = np.asarray(x).reshape(-1, side, side)
    out = np.roll(img, shift=(dy, dx), axis=(1, 2))
    if dy > 0:
        out[:, :dy, :] = 0
    elif dy < 0:
        out[:, dy:, :] = 0
    if dx > 0:
        out[:, :, :dx] = 0
    elif dx < 0:
        out[:, :, dx:] = 0
    return out.reshape(np.asarray(x).shape)


def nearest_other_class(x: np.ndarray, y: np.ndarray, queries: np.ndarray, chunk: int = 1000):
    """For each query index: Euclidean (Frobenius) distance to and index of the nearest image of a different class."""
    x = np.asarray(x, dtype=np.float64)
    sq = np.sum(x**2, axis=1)
    dist = np.empty(len(queries))
    idx = np.empty(len(queries), dtype=np.int64)
    for start in range(0, len(queries), chunk):
        q = queries[start : start + chunk]
        d2 = sq[q, None] + sq[None, :] - 2.0 * x[q] @ x.T
        d2[y[q][:, None] == y[None, :]] = np.inf
        j = np.argmin(d2, axis=1)
        idx[start : start + chunk] = j
        dist[start : start + chunk] = np.sqrt(np.maximum(d2[np.arange(len(q)), j], 0.0))
    return dist, idx


# -- reconstruction losses as negative log-likelihoods ----------------------------------------------------------------


def gaussian_nll_constant(x: np.ndarray, x_hat: np.ndarray, sigma2: float) -> np.ndarray:
    """Per image: -log N(x; x_hat, sigma^2 I) - ||x - x_hat||^2 / (2 sigma^2) (theory: (D/2) log(2 pi sigma^2)).

    The log-density comes from scipy.stats.norm (an implementation independent of the MSE formula).
    """
    x = np.asarray(x, dtype=np.float64)
    x_hat = np.asarray(x_hat, dtype=np.float64)
    nll = -scipy.stats.norm.logpdf(x, loc=x_hat, scale=math.sqrt(sigma2)).sum(axis=1)
    mse_term = np.sum((x - x_hat) ** 2, axis=1) / (2.0 * sigma2)
    return nll - mse_term


def bernoulli_nll_constant(x_bin: np.ndarray, pi_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image: -log Bernoulli(x; pi_hat) (scipy.stats) minus the summed BCE (torch); theory: exactly 0.

    Returns (difference, BCE) so the difference can be read relative to the size of the loss.
    """
    import torch

    x_bin = np.asarray(x_bin, dtype=np.float64)
    pi_hat = np.asarray(pi_hat, dtype=np.float64)
    nll = -scipy.stats.bernoulli.logpmf(x_bin, pi_hat).sum(axis=1)
    bce = (
        torch.nn.functional.binary_cross_entropy(torch.as_tensor(pi_hat), torch.as_tensor(x_bin), reduction="none")
        .sum(dim=1)
        .numpy()
    )
    return nll - bce, bce
