"""Online wake-sleep (Hinton, Dayan, Frey & Neal 1995) for a three-layer sigmoid Helmholtz machine, many seeds at once.

Layers: x (visible, n_1 units), h (n_2), t (n_3), all binary stochastic with the logistic rule of their eq. 1. The
generative net gives p(t_k = 1) = sigma(b^3_k), p(h_j = 1 | t) = sigma(b^2_j + sum_k t_k W^{32}_{kj}),
p(x_i = 1 | h) = sigma(b^1_i + sum_j h_j W^{21}_{ji}); the recognition net q(h_j = 1 | x) = sigma(c^2_j + sum_i x_i
R^{12}_{ij}), q(t_k = 1 | h) = sigma(c^3_k + sum_j h_j R^{23}_{jk}).

One step sees one example (online, as in the paper): the wake phase samples (h, t) ~ Q from the example and moves each
generative weight by the delta rule eps (s_below - p_below) s_above (eq. 4); the sleep phase dreams (t, h, x) ~ p and
moves each recognition weight by eps (s_above - q_above) s_below (eq. 7). Note [16]'s rates are per connection group
(``rates``); the generative weights to the input units can be held non-negative (Fig 2c legend) by projecting after
each step.

The S machines (one per seed) are independent; they are stacked on a leading axis so one step of NumPy calls updates
all of them, and the random numbers come in blocks. With 9 latent units everything is exact by enumeration
(``exact``): log p(x), KL(Q || P) and the recognition's expected top unit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit, logsumexp

GROUPS = ("gen_b3", "gen_w32", "gen_b2", "gen_w21", "gen_b1", "rec_w12", "rec_c2", "rec_w23", "rec_c3")


def all_binary(n: int) -> np.ndarray:
    codes = np.arange(2**n)
    return ((codes[:, None] >> np.arange(n)[None, :]) & 1).astype(np.float64)


def _log_bern(s: np.ndarray, a: np.ndarray) -> np.ndarray:
    """sum over the last axis of log Bernoulli(s | sigma(a)) = s a - softplus(a)."""
    return (s * a - np.logaddexp(0.0, a)).sum(-1)


class OnlineWakeSleep:
    """``n_seeds`` independent n_1-n_2-n_3 sigmoid Helmholtz machines trained side by side by online wake-sleep.

    ``rates``: one learning rate per group of ``GROUPS``; ``init``: a starting value per group (0 where absent);
    ``positive_gen_w21``: hold the generative weights to the inputs >= 0.
    """

    def __init__(self, sizes, n_seeds: int, *, rates: dict, init: dict | None = None, positive_gen_w21=True):
        n1, n2, n3 = (int(s) for s in sizes)
        self.sizes, self.S = (n1, n2, n3), int(n_seeds)
        missing = set(GROUPS) - set(rates)
        if missing:
            raise ValueError(
                f"online wake-sleep: no learning rate for {sorted(missing)}; give one for each of {GROUPS}"
            )
        self.rates = {g: float(rates[g]) for g in GROUPS}
        init = init or {}
        shapes = dict(
            gen_b3=(n3,), gen_w32=(n3, n2), gen_b2=(n2,), gen_w21=(n2, n1), gen_b1=(n1,),
            rec_w12=(n1, n2), rec_c2=(n2,), rec_w23=(n2, n3), rec_c3=(n3,),
        )  # fmt: skip
        # a bias is kept (S, 1, n), like the activity vectors it is added to
        self.p = {
            g: np.full((self.S, 1, *shape) if len(shape) == 1 else (self.S, *shape), float(init.get(g, 0.0)))
            for g, shape in shapes.items()
        }
        self.positive = bool(positive_gen_w21)
        if self.positive:
            np.maximum(self.p["gen_w21"], 0.0, out=self.p["gen_w21"])
        self.examples_seen = 0

    # -- training ---------------------------------------------------------------------------------------------------
    def fit(
        self,
        data: np.ndarray,
        n_examples: int,
        rng: np.random.Generator,
        sample_index: Callable[[int, np.random.Generator], np.ndarray],
        *,
        block: int = 4096,
        callback=None,
        every: int | None = None,
        progress=None,
    ):
        """``n_examples`` online steps per seed. ``sample_index(n, rng)`` draws rows of ``data`` (each seed its own
        example each step); ``callback(examples_seen)`` every ``every`` steps and at the start."""
        n1, n2, n3 = self.sizes
        S, P, r = self.S, self.p, self.rates
        if callback is not None:
            callback(self.examples_seen)
        steps = range(int(n_examples))
        if progress is not None:
            steps = progress(steps)
        # every vector is kept (S, 1, n) and every weight (S, n_in, n_out), so each product is one batched matmul
        data3 = np.asarray(data, dtype=np.float64)[:, None, :]
        b3, w32, b2, w21, b1 = (P[g] for g in ("gen_b3", "gen_w32", "gen_b2", "gen_w21", "gen_b1"))
        w12, c2, w23, c3 = (P[g] for g in ("rec_w12", "rec_c2", "rec_w23", "rec_c3"))
        o1, o2, o3, o4, o5 = n2, n2 + n3, n2 + 2 * n3, 2 * (n2 + n3), 2 * (n2 + n3) + n1
        u = idx = None
        for step in steps:
            k = step % block
            if k == 0:
                n_block = min(block, int(n_examples) - step)
                idx = sample_index(n_block * S, rng).reshape(n_block, S)
                u = rng.random((n_block, S, 1, o5))
            x = data3[idx[k]]  # (S, 1, n1): each seed its own example
            uk = u[k]
            # wake: recognise bottom-up with binary samples, then the generative delta rules (eq. 4)
            h = (uk[..., :o1] < expit(x @ w12 + c2)).astype(np.float64)
            t = (uk[..., o1:o2] < expit(h @ w23 + c3)).astype(np.float64)
            dt = t - expit(b3)
            dh = h - expit(t @ w32 + b2)
            dx = x - expit(h @ w21 + b1)
            b3 += r["gen_b3"] * dt
            w32 += r["gen_w32"] * (t.transpose(0, 2, 1) * dh)
            b2 += r["gen_b2"] * dh
            w21 += r["gen_w21"] * (h.transpose(0, 2, 1) * dx)
            b1 += r["gen_b1"] * dx
            if self.positive:
                np.maximum(w21, 0.0, out=w21)
            # sleep: dream top-down, then the recognition delta rules (eq. 7)
            t = (uk[..., o2:o3] < expit(b3)).astype(np.float64)
            h = (uk[..., o3:o4] < expit(t @ w32 + b2)).astype(np.float64)
            x = (uk[..., o4:o5] < expit(h @ w21 + b1)).astype(np.float64)
            dh = h - expit(x @ w12 + c2)
            dt = t - expit(h @ w23 + c3)
            w12 += r["rec_w12"] * (x.transpose(0, 2, 1) * dh)
            c2 += r["rec_c2"] * dh
            w23 += r["rec_w23"] * (h.transpose(0, 2, 1) * dt)
            c3 += r["rec_c3"] * dt
            self.examples_seen += 1
            if callback is not None and every and self.examples_seen % every == 0:
                callback(self.examples_seen)
        return self

    def params(self) -> dict[str, np.ndarray]:
        """Copies of the parameters, biases as (S, n), weights as (S, n_in, n_out)."""
        return {g: (v[:, 0, :] if g[4] in "bc" else v).copy() for g, v in self.p.items()}

    # -- exact measurements -----------------------------------------------------------------------------------------
    def exact(self, patterns: np.ndarray) -> dict[str, np.ndarray]:
        """For each seed and each pattern x (K of them), by enumerating all 2^(n_2 + n_3) explanations:
        ``log_px`` (S, K), ``kl_qp`` (S, K) = KL(Q(h, t | x) || P(h, t | x)) in nats, ``q_top`` (S, K, n_3) the
        recognition's P(t_k = 1 | x) = sum_h q(h | x) q(t_k = 1 | h), ``p_top`` (S, K, n_3) the exact posterior's."""
        P = self.params()
        n1, n2, n3 = self.sizes
        H, T = all_binary(n2), all_binary(n3)  # (2^n2, n2), (2^n3, n3)
        x = np.asarray(patterns, dtype=np.float64)
        log_pt = _log_bern(T[None], P["gen_b3"][:, None, :])  # (S, nT)
        a_h = np.einsum("tk,skj->stj", T, P["gen_w32"]) + P["gen_b2"][:, None, :]  # (S, nT, n2)
        log_ph_t = _log_bern(H[None, None], a_h[:, :, None, :])  # (S, nT, nH)
        a_x = np.einsum("hj,sji->shi", H, P["gen_w21"]) + P["gen_b1"][:, None, :]  # (S, nH, n1)
        log_px_h = _log_bern(x[None, None], a_x[:, :, None, :])  # (S, nH, K)
        log_joint = log_pt[:, :, None, None] + log_ph_t[:, :, :, None] + log_px_h[:, None, :, :]  # (S, nT, nH, K)
        log_px = logsumexp(log_joint, axis=(1, 2))  # (S, K)
        log_post = log_joint - log_px[:, None, None, :]
        a_q2 = np.einsum("ki,sij->skj", x, P["rec_w12"]) + P["rec_c2"][:, None, :]  # (S, K, n2)
        log_qh = _log_bern(H[None, None], a_q2[:, :, None, :])  # (S, K, nH)
        a_q3 = np.einsum("hj,sjk->shk", H, P["rec_w23"]) + P["rec_c3"][:, None, :]  # (S, nH, n3)
        log_qt_h = _log_bern(T[None, None], a_q3[:, :, None, :])  # (S, nH, nT)
        log_q = log_qh.transpose(0, 2, 1)[:, None, :, :] + log_qt_h.transpose(0, 2, 1)[:, :, :, None]  # (S,nT,nH,K)
        q = np.exp(log_q)
        kl_qp = (q * (log_q - log_post)).sum(axis=(1, 2))
        q_top = np.einsum("skh,shn->skn", np.exp(log_qh), expit(a_q3))
        p_top = np.einsum("stk,tn->skn", np.exp(logsumexp(log_post, axis=2)), T)
        return {"log_px": log_px, "kl_qp": kl_qp, "q_top": q_top, "p_top": p_top}

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Dreams: ``n`` ancestral samples of the generative model per seed, (S, n, n_1)."""
        P = self.params()
        t = (rng.random((self.S, n, self.sizes[2])) < expit(P["gen_b3"][:, None, :])) * 1.0
        h = (rng.random((self.S, n, self.sizes[1])) < expit(t @ P["gen_w32"] + P["gen_b2"][:, None, :])) * 1.0
        return (rng.random((self.S, n, self.sizes[0])) < expit(h @ P["gen_w21"] + P["gen_b1"][:, None, :])) * 1.0
