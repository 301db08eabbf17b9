"""Probabilistic PCA (Tipping & Bishop 1999): the linear-Gaussian latent model whose encoder is derived by Bayes.

The model (lecture §3.2), with latent z in R^q and data x in R^D::

    z ~ N(0, I_q),    x | z ~ N(W z + mu, sigma^2 I_D)   =>   x ~ N(mu, C),   C = W W^T + sigma^2 I_D.

Posterior (the encoder, a result, not an assumption), with M = W^T W + sigma^2 I_q (q x q)::

    p(z | x) = N(z | M^{-1} W^T (x - mu), sigma^2 M^{-1}).

Log-likelihood of N points with sample covariance S::

    log p(X) = -N/2 [D log 2 pi + log|C| + tr(C^{-1} S)].

It is evaluated without forming or inverting the D x D matrix C: by the determinant lemma
``log|C| = (D - q) log sigma^2 + log|M|`` and by Woodbury ``C^{-1} = (I - W M^{-1} W^T) / sigma^2``, so that
``tr(C^{-1} S) = (tr S - tr(M^{-1} W^T S W)) / sigma^2`` needs only ``Y W`` (O(N D q)) for centred data Y.

Two fits:

* ``closed_form``: S = U Lambda U^T, ``sigma^2_ML = mean of the D - q discarded eigenvalues``,
  ``W_ML = U_q (Lambda_q - sigma^2 I)^{1/2} R`` (R = I here; any rotation R gives the same C). Cost O(N D^2) to form
  S and O(D^3) to eigendecompose it.
* ``em``: E-step = encode (posterior moments E[z_n], E[z_n z_n^T]); M-step = refit the decoder (W, sigma^2). Each
  step costs O(N D q) and inverts only the q x q matrix M; no D x D matrix is ever formed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla
from tqdm.auto import tqdm

from aevq.metrics.linear_algebra import largest_angle_deg
from aevq.models.contract import CodeSizes

LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass
class EMHistory:
    """Per-iteration record of an EM fit (values of the parameters *before* each update, then the final ones)."""

    log_likelihood: list[float] = field(default_factory=list)  # mean per sample
    sigma2: list[float] = field(default_factory=list)
    angle_deg: list[float] = field(default_factory=list)  # largest principal angle to a reference subspace

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {
            "log_likelihood": np.asarray(self.log_likelihood, dtype=float),
            "sigma2": np.asarray(self.sigma2, dtype=float),
            "angle_deg": np.asarray(self.angle_deg, dtype=float),
        }


def ppca_log_likelihood_terms(W: np.ndarray, sigma2: float, YW: np.ndarray, trace_S: float, n: int) -> float:
    """Mean log-likelihood per sample from ``Y W`` (N x q) and tr S, with the determinant lemma and Woodbury.

    ``trace_S`` is ``||Y||_F^2 / n`` for the centred data Y the likelihood is evaluated on.
    """
    return ppca_log_likelihood_from_gram(W, sigma2, YW.T @ YW / n, trace_S)


def ppca_log_likelihood_from_gram(W: np.ndarray, sigma2: float, G: np.ndarray, trace_S: float) -> float:
    """The same from ``G = W^T S W`` (q x q): only q x q matrices are factorised."""
    D, q = W.shape
    M = W.T @ W + sigma2 * np.eye(q)
    cho = sla.cho_factor(M)
    logdet_M = 2.0 * np.sum(np.log(np.diag(cho[0])))
    logdet_C = (D - q) * np.log(sigma2) + logdet_M
    trace_CinvS = (trace_S - np.trace(sla.cho_solve(cho, G))) / sigma2
    return float(-0.5 * (D * LOG_2PI + logdet_C + trace_CinvS))


EM_BLOCK_ROWS = 1024  # rows of Y per block: a 1024 x 784 float64 block (6.4 MB) stays in cache for both products


def em_step(
    Y: np.ndarray, W: np.ndarray, sigma2: float, sum_sq: float, *, block_rows: int = EM_BLOCK_ROWS
) -> tuple[np.ndarray, float, float]:
    """One EM step of PPCA on centred data Y (N x D); returns (W_new, sigma2_new, mean log-lik of the old params).

    E-step (encode): ``E[z_n] = M^{-1} W^T y_n``, ``sum_n E[z_n z_n^T] = N sigma^2 M^{-1} + sum_n E[z_n] E[z_n]^T``.
    M-step (decode): ``W_new = [sum_n y_n E[z_n]^T] [sum_n E[z_n z_n^T]]^{-1}`` and
    ``sigma2_new = 1/(N D) sum_n {||y_n||^2 - 2 E[z_n]^T W_new^T y_n + tr(E[z_n z_n^T] W_new^T W_new)}``.
    ``sum_sq`` is ``||Y||_F^2``. Cost O(N D q): the two N x D x q products ``P = Y W`` and ``Y^T P``; only q x q
    matrices are inverted. Since ``E[z_n] = M^{-1} W^T y_n``, the sums need only ``Y^T P`` and ``P^T P``, so both
    products run block by block over the rows of Y while a block is still in cache (1.5x faster than two passes
    over the whole of Y for MNIST's 60000 x 784, measured), without ever forming S.
    """
    n, D = Y.shape
    q = W.shape[1]
    M = W.T @ W + sigma2 * np.eye(q)
    Minv = sla.inv(M, check_finite=False)
    Minv = 0.5 * (Minv + Minv.T)
    YtP = np.zeros((D, q))  # Y^T Y W
    PtP = np.zeros((q, q))  # W^T Y^T Y W
    for start in range(0, n, block_rows):
        Yb = Y[start : start + block_rows]
        P = Yb @ W
        YtP += Yb.T @ P
        PtP += P.T @ P
    loglik = ppca_log_likelihood_from_gram(W, sigma2, PtP / n, sum_sq / n)
    sum_Ezz = n * sigma2 * Minv + Minv @ PtP @ Minv
    YtEz = YtP @ Minv  # sum_n y_n E[z_n]^T
    W_new = sla.solve(sum_Ezz, YtEz.T, assume_a="pos").T
    cross = np.sum(YtEz * W_new)  # sum_n E[z_n]^T W_new^T y_n
    quad = np.sum(sum_Ezz * (W_new.T @ W_new))  # tr(sum_n E[z_n z_n^T] W_new^T W_new)
    sigma2_new = float((sum_sq - 2.0 * cross + quad) / (n * D))
    return W_new, sigma2_new, loglik


def em_step_flops(n: int, D: int, q: int) -> int:
    """FLOPs of the two N x D x q products of one EM step (everything else is O((N + D) q^2))."""
    return 4 * n * D * q


def aitken_remaining(ll: list[float]) -> float:
    """Aitken's estimate of the log-likelihood still to be gained, from the last three values of a linearly
    converging sequence: with increments d_k and ratio r = d_k / d_{k-1} in (0, 1), the rest is d_k r / (1 - r).

    Returns inf while the estimate is not defined (fewer than three values, or a ratio of 1 or more).
    """
    if len(ll) < 3:
        return np.inf
    d_prev, d = ll[-2] - ll[-3], ll[-1] - ll[-2]
    if d <= 0.0:  # EM never lowers the likelihood: a step down is rounding noise, and its size is what is left
        return abs(d)
    if d_prev <= 0.0:
        return np.inf
    r = d / d_prev
    return d * r / (1.0 - r) if r < 1.0 else np.inf


class PPCA(CodeSizes):
    """Probabilistic PCA, scikit-learn style: ``fit(X)`` returns self; ``encode``, ``decode``, ``sample``.

    Parameters
    ----------
    n_components : q, the latent dimension.
    method : ``"closed_form"`` (eigendecomposition of S) or ``"em"``.
    ddof : S = Y^T Y / (N - ddof). 0 is the maximum-likelihood S of Tipping & Bishop; 1 is scikit-learn's convention
        (``PCA.explained_variance_`` divides by N - 1), used to compare with ``PCA.score`` on the same definition.
    tol : EM stops when the log-likelihood still to be gained, by Aitken's estimate from the last three steps (EM
        converges linearly), is below ``tol`` x |log-likelihood| (see :func:`aitken_remaining`).
    max_iter : a safety bound only: reaching it before the stopping rule is an error, not a silent stop.
    random_state : seed (or Generator) of EM's random initial W.

    After ``fit``: ``mean_`` (mu), ``W_`` (D x q), ``sigma2_``, ``eigenvalues_`` (closed form: all D eigenvalues of S),
    ``n_iter_`` and ``history_`` (EM).
    """

    def __init__(
        self,
        n_components: int,
        *,
        method: str = "closed_form",
        ddof: int = 0,
        max_iter: int = 1000,
        tol: float = 1e-10,
        random_state: int | np.random.Generator | None = 0,
    ):
        if method not in ("closed_form", "em"):
            raise ValueError(f"method must be 'closed_form' or 'em', not {method!r}")
        self.n_components = int(n_components)
        self.method = method
        self.ddof = int(ddof)
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.random_state = random_state

    def _code_sizes(self) -> tuple[int, int]:
        return self.W_.shape[0], self.n_components  # D is known once fitted

    # ------------------------------------------------------------------ fitting
    def fit(self, X: np.ndarray, *, reference: np.ndarray | None = None, W_init: np.ndarray | None = None) -> PPCA:
        """Fit mu, W, sigma^2 by maximum likelihood.

        ``reference`` (D x k, EM only): a basis of the ML subspace; the largest principal angle between span(W) and it
        is recorded at every EM iteration. ``W_init`` (EM only) replaces the random initial W.
        """
        X = np.asarray(X, dtype=np.float64)
        n, D = X.shape
        q = self.n_components
        if not 0 < q < D:
            raise ValueError(f"need 0 < q < D, got q={q}, D={D}")
        self.mean_ = X.mean(axis=0)
        Y = X - self.mean_
        denom = n - self.ddof
        if self.method == "closed_form":
            S = Y.T @ Y / denom  # O(N D^2)
            lam, U = sla.eigh(S)  # O(D^3), ascending
            lam, U = lam[::-1], U[:, ::-1]
            lam = np.clip(lam, 0.0, None)
            self.eigenvalues_ = lam
            self.sigma2_ = float(lam[q:].mean())
            Uq = U[:, :q]
            # fix the sign of each eigenvector (largest |entry| positive) so the result is deterministic
            signs = np.sign(Uq[np.argmax(np.abs(Uq), axis=0), np.arange(q)])
            signs[signs == 0] = 1.0
            self.components_ = Uq * signs
            self.W_ = self.components_ * np.sqrt(np.clip(lam[:q] - self.sigma2_, 0.0, None))
            self.n_iter_ = 0
            self.history_ = None
        else:
            rng = np.random.default_rng(self.random_state)
            if self.ddof:
                Y = Y * np.sqrt(n / denom)  # then Y^T Y / n is S with the requested ddof
            sum_sq = float(np.sum(Y * Y))
            if W_init is None:
                W = rng.standard_normal((D, q)) * np.sqrt(sum_sq / n / D)
            else:
                W = np.array(W_init, dtype=np.float64)
            sigma2 = sum_sq / (n * D)  # the total variance per dimension: a safe start
            hist = EMHistory()
            it = 0
            bar = tqdm(range(1, self.max_iter + 1), desc="PPCA EM", mininterval=5.0)
            for it in bar:
                hist.sigma2.append(sigma2)
                if reference is not None:
                    hist.angle_deg.append(largest_angle_deg(W, reference))
                W, sigma2, ll = em_step(Y, W, sigma2, sum_sq)
                hist.log_likelihood.append(ll)
                if not np.isfinite(ll) or sigma2 <= 0:
                    raise FloatingPointError(f"EM diverged at iteration {it}: loglik={ll}, sigma2={sigma2}")
                if it % 10 == 0:
                    bar.set_postfix(loglik=f"{ll:.8g}", sigma2=f"{sigma2:.4g}")
                if aitken_remaining(hist.log_likelihood) <= self.tol * abs(ll):
                    break
            else:
                raise RuntimeError(
                    f"PPCA EM did not meet its stopping rule (estimated remaining log-likelihood < {self.tol:g} x"
                    f" |log-lik|) within max_iter={self.max_iter} steps: raise ppca.em.max_iter in the config"
                )
            # the final parameters' log-likelihood and angle
            self.W_, self.sigma2_ = W, float(sigma2)
            hist.sigma2.append(sigma2)
            if reference is not None:
                hist.angle_deg.append(largest_angle_deg(W, reference))
            hist.log_likelihood.append(ppca_log_likelihood_terms(W, sigma2, Y @ W, sum_sq / n, n))
            self.history_ = hist
            self.n_iter_ = it
            self.components_ = np.linalg.svd(W, full_matrices=False)[0]
        self.n_samples_ = n
        return self

    # ------------------------------------------------------------------ the model's matrices
    @property
    def M_(self) -> np.ndarray:
        """M = W^T W + sigma^2 I_q."""
        return self.W_.T @ self.W_ + self.sigma2_ * np.eye(self.n_components)

    def covariance(self) -> np.ndarray:
        """C = W W^T + sigma^2 I_D (D x D; only for checks and small D)."""
        return self.W_ @ self.W_.T + self.sigma2_ * np.eye(self.W_.shape[0])

    # ------------------------------------------------------------------ encoder / decoder / sampler
    def encode(self, X: np.ndarray, *, return_cov: bool = False):
        """Posterior p(z|x) = N(M^{-1} W^T (x - mu), sigma^2 M^{-1}): the means (N x q) [and the q x q covariance]."""
        X = np.asarray(X, dtype=np.float64)
        cho = sla.cho_factor(self.M_)
        mean = sla.cho_solve(cho, self.W_.T @ (X - self.mean_).T).T
        if not return_cov:
            return mean
        cov = self.sigma2_ * sla.cho_solve(cho, np.eye(self.n_components))
        return mean, 0.5 * (cov + cov.T)

    def decode(self, Z: np.ndarray) -> np.ndarray:
        """E[x | z] = W z + mu (the noise-free generation)."""
        return np.asarray(Z, dtype=np.float64) @ self.W_.T + self.mean_

    def sample(self, n: int, rng: np.random.Generator, *, noise: bool = True, return_z: bool = False):
        """Draw x ~ p(x): z ~ N(0, I_q), x = W z + mu + sigma eps (eps ~ N(0, I_D) unless ``noise=False``)."""
        Z = rng.standard_normal((n, self.n_components))
        X = self.decode(Z)
        if noise:
            X = X + np.sqrt(self.sigma2_) * rng.standard_normal(X.shape)
        return (X, Z) if return_z else X

    # ------------------------------------------------------------------ likelihood
    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """log p(x_n) = -1/2 [D log 2 pi + log|C| + (x_n - mu)^T C^{-1} (x_n - mu)] per row, via Woodbury."""
        X = np.asarray(X, dtype=np.float64)
        D, q = self.W_.shape
        Y = X - self.mean_
        cho = sla.cho_factor(self.M_)
        logdet_C = (D - q) * np.log(self.sigma2_) + 2.0 * np.sum(np.log(np.diag(cho[0])))
        YW = Y @ self.W_
        maha = (np.sum(Y * Y, axis=1) - np.sum(YW * sla.cho_solve(cho, YW.T).T, axis=1)) / self.sigma2_
        return -0.5 * (D * LOG_2PI + logdet_C + maha)

    def score(self, X: np.ndarray) -> float:
        """Mean log-likelihood per sample (the same quantity as scikit-learn's ``PCA.score``)."""
        return float(np.mean(self.score_samples(X)))

    def log_likelihood(self, X: np.ndarray) -> float:
        """Total log p(X) = sum_n log p(x_n) = -N/2 [D log 2 pi + log|C| + tr(C^{-1} S)]."""
        return float(np.sum(self.score_samples(X)))


def joint_conditional(W: np.ndarray, mu: np.ndarray, sigma2: float, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p(z | x) from the joint Gaussian of (z, x), computed independently of M.

    (z, x) ~ N((0, mu), [[I, W^T], [W, C]]) with C = W W^T + sigma^2 I, so the Gaussian conditioning formulas give
    E[z|x] = W^T C^{-1} (x - mu) and Cov[z|x] = I - W^T C^{-1} W, solved here with a Cholesky factor of the D x D C.
    """
    D, q = W.shape
    C = W @ W.T + sigma2 * np.eye(D)
    cho = sla.cho_factor(C)
    mean = (W.T @ sla.cho_solve(cho, (np.asarray(X, dtype=np.float64) - mu).T)).T
    cov = np.eye(q) - W.T @ sla.cho_solve(cho, W)
    return mean, 0.5 * (cov + cov.T)


def monte_carlo_conditional(
    model: PPCA, X: np.ndarray, *, n_samples: int, rng: np.random.Generator, chunk: int = 10_000
) -> dict[str, np.ndarray]:
    """Estimate p(z|x) from joint samples (z, x) of the model alone, by least squares regression of z on x.

    For a jointly Gaussian (z, x), E[z|x] = a + B x is linear and Cov[z|x] is the residual covariance, so the OLS fit
    of z on [1, x] over ``n_samples`` joint draws estimates both without using M. Standard errors from OLS theory:
    Var(mean prediction at x_0)_i = Sigma_ii * h(x_0) with h = [1, x_0] (A^T A)^{-1} [1, x_0]^T, and
    Var(Sigma_ij estimate) = (Sigma_ij^2 + Sigma_ii Sigma_jj) / dof (Wishart), dof = n - D - 1.
    Sufficient statistics are accumulated in chunks, so memory stays O(chunk * D + D^2).
    """
    D, q = model.W_.shape
    p = D + 1
    AtA = np.zeros((p, p))
    AtZ = np.zeros((p, q))
    ZtZ = np.zeros((q, q))
    done = 0
    while done < n_samples:
        m = min(chunk, n_samples - done)
        x, z = model.sample(m, rng, return_z=True)
        A = np.hstack([np.ones((m, 1)), x - model.mean_])
        AtA += A.T @ A
        AtZ += A.T @ z
        ZtZ += z.T @ z
        done += m
    cho = sla.cho_factor(AtA)
    B = sla.cho_solve(cho, AtZ)  # p x q
    rss = ZtZ - AtZ.T @ B  # residual sum of squares and cross-products
    dof = n_samples - p
    Sigma = rss / dof
    A0 = np.hstack([np.ones((X.shape[0], 1)), np.asarray(X, dtype=np.float64) - model.mean_])
    mean = A0 @ B
    h = np.sum(A0 * sla.cho_solve(cho, A0.T).T, axis=1)  # leverage of each query point
    mean_se = np.sqrt(np.outer(h, np.diag(Sigma)))
    cov_se = np.sqrt((Sigma**2 + np.outer(np.diag(Sigma), np.diag(Sigma))) / dof)
    return {"mean": mean, "mean_se": mean_se, "cov": Sigma, "cov_se": cov_se, "dof": dof}
