"""A layered Helmholtz machine (Dayan, Hinton, Neal & Zemel 1995), trained by wake-sleep (Hinton et al. 1995).

Layers z^0 = x (visible), z^1, ..., z^L (latent), all binary stochastic units. Two directed networks:

* generative (top-down, parameters theta): p(z^L) prod_{k=0}^{L-1} p(z^k | z^{k+1}) with the factorial sigmoid
  conditional p(z^k_j = 1 | z^{k+1}) = sigm(b^k_j + sum_i W^k_ji z^{k+1}_i); the top layer has only its biases b^L;
* recognition (bottom-up, parameters phi): q(z^1 | x) prod_{k=2}^{L} q(z^k | z^{k-1}),
  q(z^k_j = 1 | z^{k-1}) = sigm(c^k_j + sum_i R^k_ji z^{k-1}_i).

Wake-sleep uses local delta rules only (no backprop): in the *wake* phase a data vector is recognised bottom-up
(z ~ q(z|x)) and every generative weight moves to make the layer below more probable given the layer above,
Delta W^k = eps_g (z^k - p^k) (z^{k+1})^T; in the *sleep* phase the generative model dreams (z, x) ~ p top-down and
every recognition weight moves to make the layer above more probable given the layer below,
Delta R^k = eps_r (z^k - q^k) (z^{k-1})^T. Each step does both on a minibatch (vectorised).

With few latent units everything of interest is exact by enumeration (``exact``): log p(x) = log sum_z p(x, z), the
free energy F(x) = <E>_Q - H[Q] with E(z) = -log p(x, z), and the gap F + log p(x) = KL(Q || P) >= 0. The enumeration
runs over the 2^{n_1} configurations of the first latent layer and the 2^{n_2+...+n_L} of the layers above, so
n_1 of about 16 and a few units above are cheap (a few seconds on a CPU core for all 508 shift patterns).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp

MAX_ENUM_BITS = 24


def _softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


def _log_bernoulli(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """sum_j log p(z_j) for z_j ~ Bernoulli(sigm(a_j)), rowwise: z.a - sum softplus(a)."""
    return (z * a).sum(-1) - _softplus(a).sum(-1)


def all_configs(n: int) -> np.ndarray:
    """All 2^n binary vectors of length n, (2^n, n) float64 (n = 0 gives one empty row)."""
    codes = np.arange(2**n)
    return ((codes[:, None] >> np.arange(n)[None, :]) & 1).astype(np.float64)


class HelmholtzMachine:
    """Layered sigmoid belief net with a recognition net, trained by wake-sleep.

    ``sizes`` = [n_0 (visible), n_1, ..., n_L]. Generative parameters ``W[k]`` (n_l, n_{k+1}) and ``b[k]`` (n_l,) for
    k = 0..L-1 plus the top biases ``b[L]``; recognition parameters ``R[k]`` (n_l, n_{k-1}) and ``c[k]`` (n_l,) for
    k = 1..L (index 0 unused).
    """

    def __init__(self, sizes, *, lr_gen=0.01, lr_rec=0.01, init_scale=0.0, seed=0):
        self.sizes = [int(s) for s in sizes]
        if len(self.sizes) < 2:
            raise ValueError("need a visible layer and at least one latent layer")
        self.lr_gen, self.lr_rec = float(lr_gen), float(lr_rec)
        self.rng = np.random.default_rng(seed)
        L = len(self.sizes) - 1
        s = self.sizes
        self.W = [init_scale * self.rng.standard_normal((s[k], s[k + 1])) for k in range(L)]
        self.b = [np.zeros(s[k]) for k in range(L + 1)]
        self.R = [None] + [init_scale * self.rng.standard_normal((s[k], s[k - 1])) for k in range(1, L + 1)]
        self.c = [None] + [np.zeros(s[k]) for k in range(1, L + 1)]
        self.steps_done = 0

    # ----------------------------------------------------------------- parameters
    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def get_params(self) -> dict[str, np.ndarray]:
        out = {"sizes": np.array(self.sizes)}
        for k in range(self.n_layers):
            out[f"W{k}"] = self.W[k]
        for k in range(self.n_layers + 1):
            out[f"b{k}"] = self.b[k]
        for k in range(1, self.n_layers + 1):
            out[f"R{k}"] = self.R[k]
            out[f"c{k}"] = self.c[k]
        return out

    @classmethod
    def from_params(cls, params) -> HelmholtzMachine:
        hm = cls([int(s) for s in params["sizes"]])
        hm.W = [np.array(params[f"W{k}"], dtype=float) for k in range(hm.n_layers)]
        hm.b = [np.array(params[f"b{k}"], dtype=float) for k in range(hm.n_layers + 1)]
        hm.R = [None] + [np.array(params[f"R{k}"], dtype=float) for k in range(1, hm.n_layers + 1)]
        hm.c = [None] + [np.array(params[f"c{k}"], dtype=float) for k in range(1, hm.n_layers + 1)]
        return hm

    def seed_first_layer(self, causes: np.ndarray, strength: float = 8.0, p_cause: float = 0.1) -> HelmholtzMachine:
        """Start the first latent layer at known causes (a diagnostic control, not a learning result).

        ``causes`` (n_0, n_1) binary pixel masks: generative W^0 = strength * causes with pixel biases -strength / 2
        (a cause turns its pixels on, p = sigm(strength / 2)); first-layer biases logit(p_cause); recognition
        R^1 = strength / 2 * causes^T and c^1 = -strength so that a unit is on when its whole mask is. The layers
        above are untouched. Returns self.
        """
        causes = np.asarray(causes, dtype=float)
        if causes.shape != self.W[0].shape:
            raise ValueError(f"causes of shape {causes.shape}, first layer needs {self.W[0].shape}")
        self.W[0] = strength * causes
        self.b[0] = np.full(self.sizes[0], -strength / 2)
        self.b[1] = np.full(self.sizes[1], np.log(p_cause / (1 - p_cause)))
        self.R[1] = strength / 2 * causes.T
        self.c[1] = np.full(self.sizes[1], -strength)
        return self

    # ----------------------------------------------------------------- conditionals
    def gen_logits(self, k: int, above: np.ndarray | None) -> np.ndarray:
        """Logits of p(z^k | z^{k+1}); for the top layer (k = L) only the biases."""
        if k == self.n_layers:
            return self.b[k] if above is None else np.broadcast_to(self.b[k], (above.shape[0], self.sizes[k]))
        return self.b[k] + above @ self.W[k].T

    def rec_logits(self, k: int, below: np.ndarray) -> np.ndarray:
        """Logits of q(z^k | z^{k-1})."""
        return self.c[k] + below @ self.R[k].T

    def _bern(self, p: np.ndarray, rng) -> np.ndarray:
        return (rng.random(p.shape) < p).astype(np.float64)

    # ----------------------------------------------------------------- the two networks
    def encode(self, x: np.ndarray, *, sample: bool = True, rng=None) -> list[np.ndarray]:
        """Recognition pass: [z^1, ..., z^L] sampled from q (``sample=True``), else the layer-wise probabilities
        q(z^k = 1 | z^{k-1}) propagated as mean-field values (a deterministic summary)."""
        rng = self.rng if rng is None else rng
        below, out = np.asarray(x, dtype=float), []
        for k in range(1, self.n_layers + 1):
            p = expit(self.rec_logits(k, below))
            below = self._bern(p, rng) if sample else p
            out.append(below)
        return out

    def decode(self, z1: np.ndarray, *, sample: bool = False, rng=None) -> np.ndarray:
        """p(x = 1 | z^1), or a sample of x."""
        p = expit(self.gen_logits(0, np.asarray(z1, dtype=float)))
        return self._bern(p, self.rng if rng is None else rng) if sample else p

    def sample(self, n: int, *, rng=None, return_latents: bool = False):
        """Dreams: ancestral samples (x, z^1..z^L) ~ p, top-down."""
        rng = self.rng if rng is None else rng
        z = self._bern(np.broadcast_to(expit(self.b[self.n_layers]), (n, self.sizes[-1])), rng)
        layers = [z]
        for k in range(self.n_layers - 1, -1, -1):
            z = self._bern(expit(self.gen_logits(k, z)), rng)
            layers.insert(0, z)
        return (layers[0], layers[1:]) if return_latents else layers[0]

    # ----------------------------------------------------------------- wake-sleep
    def wake_sleep_step(self, x: np.ndarray, rng=None) -> None:
        """One wake phase on the minibatch ``x`` and one sleep phase on as many dreams (delta rules, batch means)."""
        rng = self.rng if rng is None else rng
        n = x.shape[0]
        L = self.n_layers
        # wake: recognise, then fit the generative conditionals to the recognised states
        states = [x] + self.encode(x, rng=rng)
        for k in range(L + 1):
            above = states[k + 1] if k < L else None
            err = states[k] - expit(self.gen_logits(k, above))
            if k < L:
                self.W[k] += self.lr_gen * err.T @ above / n
            self.b[k] += self.lr_gen * err.mean(0)
        # sleep: dream, then fit the recognition conditionals to the dreamed states
        dx, dz = self.sample(n, rng=rng, return_latents=True)
        dream = [dx] + dz
        for k in range(1, L + 1):
            err = dream[k] - expit(self.rec_logits(k, dream[k - 1]))
            self.R[k] += self.lr_rec * err.T @ dream[k - 1] / n
            self.c[k] += self.lr_rec * err.mean(0)
        self.steps_done += 1

    def fit(self, X: np.ndarray, *, n_steps: int, batch_size: int, callback=None, every: int = 0, progress=None):
        """Wake-sleep for ``n_steps`` minibatches drawn uniformly (with replacement) from ``X``; returns self.

        ``callback(step)`` runs at step 0 and every ``every`` steps and after the last one (evaluation curves).
        """
        X = np.asarray(X, dtype=float)
        if callback is not None:
            callback(self.steps_done)
        it = range(n_steps) if progress is None else progress(range(n_steps))
        for i in it:
            idx = self.rng.integers(0, X.shape[0], size=batch_size)
            self.wake_sleep_step(X[idx])
            if not all(np.isfinite(w).all() for w in self.W):
                raise FloatingPointError(f"wake-sleep diverged at step {self.steps_done}; lower the learning rates")
            if callback is not None and every and ((i + 1) % every == 0 or i + 1 == n_steps):
                callback(self.steps_done)
        return self

    # ----------------------------------------------------------------- log-probabilities of full configurations
    def log_joint(self, x: np.ndarray, zs: list[np.ndarray]) -> np.ndarray:
        """log p(x, z) for paired rows of x and the latent layers zs = [z^1..z^L]."""
        states = [np.asarray(x, dtype=float)] + list(zs)
        out = 0.0
        for k in range(self.n_layers + 1):
            above = states[k + 1] if k < self.n_layers else None
            a = self.gen_logits(k, above)
            out = out + _log_bernoulli(states[k], np.broadcast_to(a, states[k].shape))
        return out

    def log_q(self, x: np.ndarray, zs: list[np.ndarray]) -> np.ndarray:
        """log q(z | x) for paired rows."""
        states = [np.asarray(x, dtype=float)] + list(zs)
        return sum(_log_bernoulli(states[k], self.rec_logits(k, states[k - 1])) for k in range(1, self.n_layers + 1))

    def free_energy_mc(self, x: np.ndarray, n_samples: int, rng=None) -> np.ndarray:
        """Monte-Carlo F(x) = E_q[log q(z|x) - log p(x, z)] with ``n_samples`` recognition samples per row."""
        rng = self.rng if rng is None else rng
        xr = np.repeat(np.asarray(x, dtype=float), n_samples, axis=0)
        zs = self.encode(xr, rng=rng)
        f = self.log_q(xr, zs) - self.log_joint(xr, zs)
        return f.reshape(-1, n_samples).mean(1)

    # ----------------------------------------------------------------- exact enumeration
    def _upper_tables(self):
        """Tables over Z1 = {0,1}^{n_1} (rows) and U = configurations of layers 2..L (columns)."""
        n1 = self.sizes[1]
        nu = sum(self.sizes[2:])
        if n1 + nu > MAX_ENUM_BITS:
            raise ValueError(f"{n1 + nu} latent units: too many to enumerate (limit {MAX_ENUM_BITS})")
        Z1, U = all_configs(n1), all_configs(nu)
        splits = np.cumsum(self.sizes[2:])[:-1]
        ul = [None, None] + (np.split(U, splits, axis=1) if nu else [])  # ul[k] = z^k block of U, k >= 2
        L = self.n_layers
        # log p(u) = log p(z^L) + sum_{k=2}^{L-1} log p(z^k | z^{k+1})  (vector over U)
        logp_u = np.zeros(U.shape[0])
        for k in range(2, L + 1):
            above = ul[k + 1] if k < L else None
            logp_u += _log_bernoulli(ul[k], np.broadcast_to(self.gen_logits(k, above), ul[k].shape))
        # log p(z^1 | z^2(u)) (Z1 x U)
        a1 = self.gen_logits(1, ul[2] if L >= 2 else None)
        a1 = np.atleast_2d(a1)
        logp_z1_u = Z1 @ a1.T - _softplus(a1).sum(1)[None, :]
        # log q(u | z^1) (Z1 x U): q(z^2 | z^1) depends on both, q(z^k | z^{k-1}) for k >= 3 only on u
        if L >= 2:
            aq = self.rec_logits(2, Z1)
            logq_u = aq @ ul[2].T - _softplus(aq).sum(1)[:, None]
            for k in range(3, L + 1):
                logq_u = logq_u + _log_bernoulli(ul[k], self.rec_logits(k, ul[k - 1]))[None, :]
            top = ul[L]
        else:
            logq_u = np.zeros((Z1.shape[0], 1))
            top = None
        q_u = np.exp(logq_u)
        log_prior_z1 = logsumexp(logp_z1_u + logp_u[None, :], axis=1)
        h_u = (q_u * logq_u).sum(1)  # -H[q(u|z1)]
        e_u = -(q_u * (logp_z1_u + logp_u[None, :])).sum(1)  # <-log p(z1, u)>_{q(u|z1)}
        m_top = q_u @ top if top is not None else None  # E_q[z^L | z^1]
        S = _softplus(self.gen_logits(0, Z1)).sum(1)  # sum_i softplus(b0 + W0 z1)
        return Z1, log_prior_z1, h_u, e_u, m_top, S

    def exact(self, X: np.ndarray, *, chunk: int = 64) -> dict[str, np.ndarray]:
        """Exact per-row quantities by enumerating all latent configurations.

        Returns ``log_px`` = log p(x), ``F`` = <E>_Q - H[Q], ``energy`` = <E>_Q with E = -log p(x, z),
        ``entropy`` = H[Q], ``kl_qp`` = F + log p(x) = KL(Q(z|x) || P(z|x)), and ``q_top`` = q(z^L = 1 | x)
        (the marginal of each top unit under the recognition model). All natural logs (nats).
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        Z1, log_prior_z1, h_u, e_u, m_top, S = self._upper_tables()
        out = {k: np.empty(X.shape[0]) for k in ("log_px", "energy", "entropy")}
        out["q_top"] = np.empty((X.shape[0], self.sizes[-1]))
        for s in range(0, X.shape[0], chunk):
            x = X[s : s + chunk]
            sl = slice(s, s + chunk)
            # log p(x | z1) = x.b0 + (x W0) . z1 - sum_i softplus(b0 + W0 z1)
            logpx_z1 = (x @ self.W[0]) @ Z1.T
            logpx_z1 += (x @ self.b[0])[:, None] - S[None, :]
            t = logpx_z1 + log_prior_z1[None, :]
            m = t.max(1, keepdims=True)
            t -= m
            np.exp(t, out=t)
            out["log_px"][sl] = np.log(t.sum(1)) + m[:, 0]
            aq = self.rec_logits(1, x)
            logq1 = aq @ Z1.T
            logq1 -= _softplus(aq).sum(1)[:, None]
            q1 = np.exp(logq1)
            out["energy"][sl] = q1 @ e_u - np.einsum("ij,ij->i", q1, logpx_z1)
            out["entropy"][sl] = -np.einsum("ij,ij->i", q1, logq1) - q1 @ h_u
            out["q_top"][sl] = q1 @ m_top if m_top is not None else expit(aq)
        out["F"] = out["energy"] - out["entropy"]
        out["kl_qp"] = out["F"] + out["log_px"]
        return out

    def log_prob(self, X: np.ndarray) -> np.ndarray:
        """Exact log p(x) (nats) by enumeration."""
        return self.exact(X)["log_px"]

    def sleep_kl_mc(self, n: int, rng=None) -> float:
        """Estimate of the sleep objective KL(P(z|x) || Q(z|x)) averaged over dreams x ~ p (nats).

        (x, z) ~ p; KL ~ mean[log p(x, z) - log p(x) - log q(z | x)], with log p(x) of each dream exact.
        """
        rng = self.rng if rng is None else rng
        x, zs = self.sample(n, rng=rng, return_latents=True)
        distinct, inverse = np.unique(x, axis=0, return_inverse=True)  # enumerate each distinct dream once
        log_px = self.log_prob(distinct)[inverse.reshape(-1)]
        return float(np.mean(self.log_joint(x, zs) - log_px - self.log_q(x, zs)))
