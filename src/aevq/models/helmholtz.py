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

import functools

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit, logsumexp

from aevq.models.contract import CodeSizes

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


@functools.lru_cache(maxsize=8)
def _configs(n: int, dtype) -> torch.Tensor:
    """``all_configs`` as a torch tensor, cached per (n, dtype): every exact step reuses the same 2^n x n table."""
    return torch.as_tensor(all_configs(n), dtype=dtype)


class HelmholtzMachine(CodeSizes):
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

    def _code_sizes(self) -> tuple[int, int]:
        return self.sizes[0], self.sizes[1]  # d: z^1, what decode takes

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

    # ----------------------------------------------------------------- the three learners
    def _wake_update(self, states: list[np.ndarray], weight: np.ndarray | None = None) -> None:
        """Generative delta rules on recognised states [x, z^1..z^L] (rows), each row weighted by ``weight``
        (default 1 / n): Delta W^k = eps_g sum_rows w (z^k - p^k) (z^{k+1})^T."""
        n = states[0].shape[0]
        w = np.full(n, 1.0 / n) if weight is None else weight
        L = self.n_layers
        for k in range(L + 1):
            above = states[k + 1] if k < L else None
            err = (states[k] - expit(self.gen_logits(k, above))) * w[:, None]
            if k < L:
                self.W[k] += self.lr_gen * err.T @ above
            self.b[k] += self.lr_gen * err.sum(0)

    def _recognition_update(self, states: list[np.ndarray], weight: np.ndarray | None = None) -> None:
        """Recognition delta rules on states [x, z^1..z^L]: Delta R^k = eps_r sum_rows w (z^k - q^k) (z^{k-1})^T."""
        n = states[0].shape[0]
        w = np.full(n, 1.0 / n) if weight is None else weight
        for k in range(1, self.n_layers + 1):
            err = (states[k] - expit(self.rec_logits(k, states[k - 1]))) * w[:, None]
            self.R[k] += self.lr_rec * err.T @ states[k - 1]
            self.c[k] += self.lr_rec * err.sum(0)

    def _sleep_update(self, n: int, rng) -> None:
        """Sleep phase: n dreams (x, z) ~ p top-down, then the recognition rules fit q to the dreamed causes."""
        dx, dz = self.sample(n, rng=rng, return_latents=True)
        self._recognition_update([dx] + dz)

    def wake_sleep_step(self, x: np.ndarray, rng=None) -> None:
        """One wake phase on the minibatch ``x`` and one sleep phase on as many dreams (delta rules, batch means)."""
        rng = self.rng if rng is None else rng
        self._wake_update([x] + self.encode(x, rng=rng))
        self._sleep_update(x.shape[0], rng)
        self.steps_done += 1

    def rws_step(self, x: np.ndarray, n_samples: int, q_update=("wake", "sleep"), rng=None) -> None:
        """Reweighted wake-sleep (Bornschein & Bengio 2015) on the minibatch ``x``.

        For each x, K = ``n_samples`` explanations z_k ~ q(z | x) with importance weights
        omega_k = [p(x, z_k) / q(z_k | x)] / sum_j [p(x, z_j) / q(z_j | x)]. The generative update is the wake delta
        rule with each z_k weighted by omega_k (an estimate of the gradient of log p(x), consistent as K grows); the
        wake q-update is the recognition delta rule on the same weighted samples (it moves q towards the true
        posterior P, KL(P || Q) on data); the sleep q-update is wake-sleep's. With K = 1 every omega is 1 and the
        generative update is wake-sleep's wake phase exactly.
        """
        rng = self.rng if rng is None else rng
        unknown = set(q_update) - {"wake", "sleep"}
        if unknown or not q_update:
            raise ValueError(f"q_update must be a non-empty subset of ('wake', 'sleep'), got {tuple(q_update)}")
        n, k = x.shape[0], int(n_samples)
        xr = np.repeat(np.asarray(x, dtype=float), k, axis=0)
        zs = self.encode(xr, rng=rng)
        log_w = (self.log_joint(xr, zs) - self.log_q(xr, zs)).reshape(n, k)
        omega = np.exp(log_w - logsumexp(log_w, axis=1, keepdims=True)).reshape(-1) / n
        states = [xr] + zs
        self._wake_update(states, omega)
        if "wake" in q_update:
            self._recognition_update(states, omega)
        if "sleep" in q_update:
            self._sleep_update(n, rng)
        self.steps_done += 1

    def exact_ml_step(self, x: np.ndarray, *, dtype=torch.float64) -> None:
        """One step of exact maximum likelihood on the minibatch ``x``: gradient ascent on the mean exact log p(x)
        for the generative parameters (rate eps_g) and on E_P[log q] for the recognition ones (rate eps_r)."""
        # a minibatch drawn from a finite set of patterns repeats some: enumerate each distinct one once
        distinct, counts = np.unique(np.asarray(x), axis=0, return_counts=True)
        g = self.exact_gradients(distinct, weights=counts / counts.sum(), dtype=dtype, with_log_px=False)
        for k in range(self.n_layers):
            self.W[k] += self.lr_gen * g["W"][k]
        for k in range(self.n_layers + 1):
            self.b[k] += self.lr_gen * g["b"][k]
        for k in range(1, self.n_layers + 1):
            self.R[k] += self.lr_rec * g["R"][k]
            self.c[k] += self.lr_rec * g["c"][k]
        self.steps_done += 1

    def fit(
        self,
        X: np.ndarray,
        *,
        n_steps: int | None = None,
        batch_size: int,
        order: np.ndarray | None = None,
        learner: str = "wake_sleep",
        n_samples: int = 5,
        q_update=("wake", "sleep"),
        dtype=torch.float64,
        callback=None,
        every: int = 0,
        progress=None,
    ):
        """Train for ``n_steps`` minibatches drawn uniformly (with replacement) from ``X``; returns self.

        ``order`` (row indices into ``X``) fixes the data stream instead: it is consumed ``batch_size`` rows at a time,
        for ``len(order) // batch_size`` steps, so learners with different minibatch sizes see the same patterns.

        ``learner``: "wake_sleep" (Hinton et al. 1995), "rws" (reweighted wake-sleep with ``n_samples`` importance
        samples and the given ``q_update`` phases) or "exact_ml" (exact gradient of log p(x), ``dtype`` for its
        enumeration). ``callback(step)`` runs at step 0, every ``every`` steps and after the last one.
        """
        X = np.asarray(X, dtype=float)
        steps = {
            "wake_sleep": lambda x: self.wake_sleep_step(x),
            "rws": lambda x: self.rws_step(x, n_samples, q_update),
            "exact_ml": lambda x: self.exact_ml_step(x, dtype=dtype),
        }
        if learner not in steps:
            raise ValueError(f"unknown learner {learner!r}; use one of {sorted(steps)}")
        step = steps[learner]
        if order is not None:
            n_steps = len(order) // batch_size
        elif n_steps is None:
            raise ValueError("give n_steps or a data stream (order)")
        if callback is not None:
            callback(self.steps_done)
        it = range(n_steps) if progress is None else progress(range(n_steps))
        for i in it:
            if order is None:
                idx = self.rng.integers(0, X.shape[0], size=batch_size)
            else:
                idx = order[i * batch_size : (i + 1) * batch_size]
            step(X[idx])
            if not all(np.isfinite(w).all() for w in self.W + self.R[1:]):
                raise FloatingPointError(f"{learner} diverged at step {self.steps_done}; lower the learning rates")
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

    # ----------------------------------------------------------------- exact enumeration (torch, vectorised)
    def _tensors(self, dtype) -> dict:
        """The parameters as torch tensors of ``dtype`` (the enumeration runs in torch: fused sigmoid / softplus /
        logsumexp over the 2^{n_1} x n_0 tables are several times faster than their NumPy/SciPy equivalents)."""

        def t(a):
            return torch.as_tensor(np.asarray(a), dtype=dtype)

        return {
            "W": [t(w) for w in self.W],
            "b": [t(b) for b in self.b],
            "R": [None] + [t(r) for r in self.R[1:]],
            "c": [None] + [t(c) for c in self.c[1:]],
        }

    def _posterior_tables(self, dtype=torch.float64) -> dict:
        """Generative tables over Z1 = {0,1}^{n_1} and U = configurations of layers 2..L (no loop over states):
        log p(z^1) marginal over U, p(u | z^1), and sigm / sum softplus of the pixel logits b^0 + W^0 z^1."""
        n1 = self.sizes[1]
        nu = sum(self.sizes[2:])
        if n1 + nu > MAX_ENUM_BITS:
            raise ValueError(f"{n1 + nu} latent units: too many to enumerate (limit {MAX_ENUM_BITS})")
        P = self._tensors(dtype)
        Z1, U = _configs(n1, dtype), _configs(nu, dtype)
        ul = [None, None] + (list(torch.split(U, self.sizes[2:], dim=1)) if nu else [])  # ul[k]: z^k block of U
        L = self.n_layers
        if L == 1:
            log_prior_z1 = Z1 @ P["b"][1] - F.softplus(P["b"][1]).sum()
            post_u = torch.ones((Z1.shape[0], 1), dtype=dtype)
            logp_z1_u, logp_u = log_prior_z1[:, None], torch.zeros(1, dtype=dtype)
        else:
            # log p(u) = log p(z^L) + sum_{k=2}^{L-1} log p(z^k | z^{k+1})  (vector over U)
            logp_u = torch.zeros(U.shape[0], dtype=dtype)
            for k in range(2, L + 1):
                a = P["b"][k] + (ul[k + 1] @ P["W"][k].T if k < L else 0.0)
                logp_u += (ul[k] * a).sum(1) - F.softplus(a).sum(-1)
            a1 = P["b"][1] + ul[2] @ P["W"][1].T  # (|U| x n1)
            logp_z1_u = Z1 @ a1.T - F.softplus(a1).sum(1)[None, :]  # log p(z^1 | z^2(u))
            joint = logp_z1_u + logp_u[None, :]
            log_prior_z1 = torch.logsumexp(joint, dim=1)
            post_u = torch.exp(joint - log_prior_z1[:, None])  # generative p(u | z^1)
        # sigm and sum softplus of b^0 + W^0 z^1 (2^n1 x n0), in row blocks that stay in the CPU cache
        sig0 = torch.empty((Z1.shape[0], self.sizes[0]), dtype=dtype)
        S = torch.empty(Z1.shape[0], dtype=dtype)
        for z, s_out, S_out in zip(*(torch.split(t, 2048) for t in (Z1, sig0, S)), strict=True):
            a0 = torch.addmm(P["b"][0], z, P["W"][0].T)
            torch.sigmoid(a0, out=s_out)
            torch.sum(F.softplus(a0), 1, out=S_out)
        return {
            "P": P,
            "Z1": Z1,
            "ul": ul,
            "logp_u": logp_u,
            "logp_z1_u": logp_z1_u,
            "log_prior_z1": log_prior_z1,
            "post_u": post_u,
            "sig0": sig0,
            "S": S,
        }

    @staticmethod
    def _log_joint_z1(x: torch.Tensor, T: dict) -> torch.Tensor:
        """log p(x, z^1) - x.b^0 for every row and z^1, as one fused matrix product: the row constant x.b^0 changes
        no posterior and is added to log p(x) afterwards."""
        return torch.addmm(T["log_prior_z1"] - T["S"], x @ T["P"]["W"][0], T["Z1"].T)

    def _recognition_tables(self, T: dict) -> dict:
        """Per z^1: -H[q(u | z^1)], <-log p(z^1, u)>_{q(u | z^1)}, E_q[z^L | z^1] and the generative E_p[z^L | z^1]."""
        Z1, ul, L, P = T["Z1"], T["ul"], self.n_layers, T["P"]
        if L == 1:
            return {"h_u": torch.zeros_like(T["S"]), "e_u": -T["log_prior_z1"], "q_top": None, "p_top": Z1}
        aq = P["c"][2] + Z1 @ P["R"][2].T
        logq_u = aq @ ul[2].T - F.softplus(aq).sum(1)[:, None]  # q(z^2 | z^1) depends on both
        for k in range(3, L + 1):  # q(z^k | z^{k-1}) for k >= 3 only on u
            a = P["c"][k] + ul[k - 1] @ P["R"][k].T
            logq_u = logq_u + ((ul[k] * a).sum(1) - F.softplus(a).sum(1))[None, :]
        q_u = torch.exp(logq_u)
        return {
            "h_u": (q_u * logq_u).sum(1),
            "e_u": -(q_u * (T["logp_z1_u"] + T["logp_u"][None, :])).sum(1),
            "q_top": q_u @ ul[L],
            "p_top": T["post_u"] @ ul[L],
        }

    def log_prob_exact(self, X: np.ndarray, *, chunk: int = 16, dtype=torch.float64) -> np.ndarray:
        """Exact log p(x) (nats) by enumeration, without the recognition side (cheaper than ``exact``)."""
        X = torch.as_tensor(np.atleast_2d(np.asarray(X)), dtype=dtype)
        T = self._posterior_tables(dtype)
        b0 = T["P"]["b"][0]
        out = [torch.logsumexp(self._log_joint_z1(x, T), dim=1) + x @ b0 for x in torch.split(X, chunk)]
        return torch.cat(out).double().numpy()

    def exact(self, X: np.ndarray, *, chunk: int = 16, dtype=torch.float64) -> dict[str, np.ndarray]:
        """Exact per-row quantities by enumerating all latent configurations.

        Returns ``log_px`` = log p(x), ``F`` = <E>_Q - H[Q], ``energy`` = <E>_Q with E = -log p(x, z),
        ``entropy`` = H[Q], ``kl_qp`` = F + log p(x) = KL(Q(z|x) || P(z|x)), ``q_top`` = q(z^L = 1 | x) (the marginal
        of each top unit under the recognition model) and ``p_top`` = P(z^L = 1 | x) (under the exact posterior of
        the generative model). All natural logs (nats); ``dtype`` torch.float32 is faster, at ~1e-5 nats of rounding.
        """
        X = torch.as_tensor(np.atleast_2d(np.asarray(X)), dtype=dtype)
        T = self._posterior_tables(dtype)
        Rt = self._recognition_tables(T)
        Z1, P = T["Z1"], T["P"]
        parts = {k: [] for k in ("log_px", "energy", "entropy", "q_top", "p_top")}
        for x in torch.split(X, chunk):
            t = self._log_joint_z1(x, T)  # log p(x, z^1) - x.b^0
            xb0 = x @ P["b"][0]
            parts["log_px"].append(torch.logsumexp(t, dim=1) + xb0)
            parts["p_top"].append(torch.softmax(t, dim=1) @ Rt["p_top"])
            aq = P["c"][1] + x @ P["R"][1].T
            logq1 = torch.addmm(-F.softplus(aq).sum(1)[:, None], aq, Z1.T)
            q1 = torch.exp(logq1)
            # <log p(x | z^1)>_q = <t>_q - <log p(z^1)>_q + x.b^0  (q1 sums to 1 over z^1)
            e_x = (q1 * t).sum(1) - q1 @ T["log_prior_z1"] + xb0
            parts["energy"].append(q1 @ Rt["e_u"] - e_x)
            parts["entropy"].append(-(q1 * logq1).sum(1) - q1 @ Rt["h_u"])
            parts["q_top"].append(q1 @ Rt["q_top"] if Rt["q_top"] is not None else torch.sigmoid(aq))
        out = {k: torch.cat(v).double().numpy() for k, v in parts.items()}
        out["F"] = out["energy"] - out["entropy"]
        out["kl_qp"] = out["F"] + out["log_px"]
        return out

    def exact_gradients(
        self,
        X: np.ndarray,
        *,
        weights: np.ndarray | None = None,
        dtype=torch.float64,
        chunk: int = 8,
        with_log_px: bool = True,
    ) -> dict:
        """Exact gradients of the mean log p(x) over the rows of ``X`` (generative parameters) and of the mean
        E_{P(z|x)}[log q(z | x)] (recognition parameters), by enumerating every latent configuration.

        d log p(x) / d theta = E_{P(z|x)}[d log p(x, z) / d theta]: the wake delta rules with the recognised state
        replaced by its exact posterior expectation. The recognition gradient is the K -> infinity limit of
        reweighted wake-sleep's wake q-update. The posterior factorises as P(z^1, u | x) = P(z^1 | x) p(u | z^1)
        (u: the layers above z^1), so the cost is one pass over the 2^{n_1} first-layer states per pattern plus one
        over (z^1, u) per call. ``weights`` (summing to 1) replaces the plain mean over rows, so a minibatch can be
        passed as its distinct patterns and their frequencies. Returns {"W": [...], "b": [...], "R": [None, ...],
        "c": [None, ...], "log_px": (n,) or None without ``with_log_px``}, NumPy float64, in nats.
        """
        X = torch.as_tensor(np.atleast_2d(np.asarray(X)), dtype=dtype)
        n = X.shape[0]
        w = torch.full((n,), 1.0 / n, dtype=dtype) if weights is None else torch.as_tensor(weights, dtype=dtype)
        L = self.n_layers
        T = self._posterior_tables(dtype)
        Z1, ul, P = T["Z1"], T["ul"], T["P"]
        # per chunk of rows (chunks small enough for the allocator to reuse memory): P(z^1 | x) in place, its
        # weighted mass and E[z^1 | x]
        log_px, ez1, m1 = [], [], torch.zeros(Z1.shape[0], dtype=dtype)
        for x, wc in zip(torch.split(X, chunk), torch.split(w, chunk), strict=True):
            t = self._log_joint_z1(x, T)
            if with_log_px:
                log_px.append(torch.logsumexp(t, dim=1) + x @ P["b"][0])
            post1 = torch.softmax(t, dim=1)  # P(z^1 | x)  (rows x 2^n1), one fused pass
            m1 += wc @ post1
            ez1.append(post1 @ Z1)
        ez1 = torch.cat(ez1)
        Xw = X * w[:, None]
        g = {"W": [None] * L, "b": [None] * (L + 1), "R": [None] * (L + 1), "c": [None] * (L + 1)}
        s0 = T["sig0"]  # sigm(b^0 + W^0 z^1)  (2^n1 x n0)
        g["W"][0] = Xw.T @ ez1 - (s0 * m1[:, None]).T @ Z1
        g["b"][0] = Xw.sum(0) - m1 @ s0
        err = ez1 - torch.sigmoid(P["c"][1] + X @ P["R"][1].T)  # recognition layer 1: E_P[z^1] - q(z^1 = 1 | x)
        g["R"][1], g["c"][1] = err.T @ Xw, w @ err
        if L == 1:
            g["b"][1] = m1 @ Z1 - torch.sigmoid(P["b"][1])
        else:
            M = m1[:, None] * T["post_u"]  # mean mass on (z^1, u)  (2^n1 x |U|)
            mu = M.sum(0)
            s1 = torch.sigmoid(P["b"][1] + ul[2] @ P["W"][1].T)  # p(z^1 = 1 | z^2(u))  (|U| x n1)
            g["W"][1] = Z1.T @ M @ ul[2] - (s1 * mu[:, None]).T @ ul[2]
            g["b"][1] = m1 @ Z1 - mu @ s1
            for k in range(2, L + 1):
                above = ul[k + 1] if k < L else None
                a = P["b"][k] + (above @ P["W"][k].T if k < L else 0.0)
                err_k = (ul[k] - torch.sigmoid(a)) * mu[:, None]
                if k < L:
                    g["W"][k] = err_k.T @ above
                g["b"][k] = err_k.sum(0)
            # recognition layer 2: sum_{z1} m1 (E_p[z^2 | z^1] - q(z^2 = 1 | z^1)) (z^1)^T
            err2 = (T["post_u"] @ ul[2] - torch.sigmoid(P["c"][2] + Z1 @ P["R"][2].T)) * m1[:, None]
            g["R"][2], g["c"][2] = err2.T @ Z1, err2.sum(0)
            for k in range(3, L + 1):
                err_k = (ul[k] - torch.sigmoid(P["c"][k] + ul[k - 1] @ P["R"][k].T)) * mu[:, None]
                g["R"][k], g["c"][k] = err_k.T @ ul[k - 1], err_k.sum(0)

        def np64(v):
            return None if v is None else v.double().numpy()

        out = {key: [np64(v) for v in g[key]] for key in ("W", "b", "R", "c")}
        out["log_px"] = np64(torch.cat(log_px)) if with_log_px else None
        return out

    def log_prob(self, X: np.ndarray) -> np.ndarray:
        """Exact log p(x) (nats) by enumeration."""
        return self.log_prob_exact(X)

    def sleep_kl_mc(self, n: int, rng=None) -> float:
        """Estimate of the sleep objective KL(P(z|x) || Q(z|x)) averaged over dreams x ~ p (nats).

        (x, z) ~ p; KL ~ mean[log p(x, z) - log p(x) - log q(z | x)], with log p(x) of each dream exact.
        """
        rng = self.rng if rng is None else rng
        x, zs = self.sample(n, rng=rng, return_latents=True)
        distinct, inverse = np.unique(x, axis=0, return_inverse=True)  # enumerate each distinct dream once
        log_px = self.log_prob(distinct)[inverse.reshape(-1)]
        return float(np.mean(self.log_joint(x, zs) - log_px - self.log_q(x, zs)))
