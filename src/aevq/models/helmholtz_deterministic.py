"""The deterministic Helmholtz machine of Dayan, Hinton, Neal & Zemel (1995, §3 and Appendices A-B).

Layers are numbered as in the paper: layer 1 is the input d, layers 2 and 3 are latent (the shifter net of Fig 4 is
32-24-2). Mean-field recognition replaces the binary activities by their probabilities (eq. 15),

.. math:: q^\\ell_j = \\sigma\\big(c^\\ell_j + \\textstyle\\sum_i q^{\\ell-1}_i \\phi^{\\ell-1,\\ell}_{ij}\\big),
   \\qquad q^1 = d,

and the free energy of one pattern is a sum of per-unit divergences (eq. 16, Appendix B),

.. math:: F(d) = \\sum_{\\ell\\geq 2}\\sum_j \\mathrm{KL}\\big[q^\\ell_j; p^\\ell_j\\big]
   - \\sum_i \\big[d_i \\log p^1_i + (1 - d_i) \\log(1 - p^1_i)\\big].

The imaging model is not the sigmoid. Generative weights :math:`\\theta_{kj} \\geq 0` are odds that combine
competitively (Appendix A, eq. 18),

.. math:: p_j(s) = 1 - \\frac{1}{1 + \\sum_k s_k \\theta_{kj}},

and on probabilities the machine uses eq. 19, eq. 18's form times a deterministic noisy-OR,

.. math:: p_j(q) = \\Big(1 - \\frac{1}{1 + \\sum_k q_k \\theta_{kj}}\\Big)
   \\Big(1 - \\prod_k \\big(1 - \\frac{q_k \\theta_{kj}}{1 + \\theta_{kj}}\\big)\\Big).

"We used the exact expected value of equation 18 if there were only three units in layer l+1": layer 2's
probabilities given the (at most three) layer-3 units are that expectation over their 2^n configurations. Layers 2
and 3 have a fixed generative bias of odds 0.05 (a parent that is always on), layer 3 also a learned one; the input
layer has none (Fig 4's legend). Weights are stored as natural logarithms, so they are positive, and Fig 4 draws
exactly those logarithms. Autograd replaces Appendix B's recursive derivatives (tested against finite differences).
"""

from __future__ import annotations

import numpy as np
import torch

from aevq.optim import minimize_cg

FIXED_BIAS_ODDS = 0.05  # Fig 4 legend: "fixed, but tiny generative biases (= 0.05)" on layers 2 and 3
P_FLOOR = 1e-7  # keeps log p finite where a data pixel has no cause (eq. 18 gives exactly 0 there)
EXACT_EXPECTATION_MAX = 3  # Appendix A: eq. 18's exact expectation when the layer above has at most 3 units


def eq18(s: torch.Tensor, theta: torch.Tensor, bias_odds: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Appendix A eq. 18 on binary (or any) activities: p_j = 1 - 1 / (1 + bias_j + sum_k s_k theta_kj).

    ``s`` (..., n_above), ``theta`` (n_above, n_below) >= 0 odds; returns (..., n_below)."""
    total = s @ theta + bias_odds
    return total / (1.0 + total)


def eq19(q: torch.Tensor, theta: torch.Tensor, bias_odds: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Appendix A eq. 19 on probabilities: eq. 18's form on q times the deterministic noisy-OR
    1 - prod_k (1 - q_k theta_kj / (1 + theta_kj)). A bias is a parent that is always on (q = 1)."""
    competitive = eq18(q, theta, bias_odds)
    prob = theta / (1.0 + theta)  # odds -> the probability that parent k alone turns unit j on
    log_off = torch.log1p(-q.unsqueeze(-1) * prob).sum(-2)
    if not isinstance(bias_odds, float) or bias_odds != 0.0:
        bias = torch.as_tensor(bias_odds, dtype=q.dtype)
        log_off = log_off + torch.log1p(-bias / (1.0 + bias))
    return competitive * (1.0 - torch.exp(log_off))


def all_binary(n: int, dtype=torch.float64) -> torch.Tensor:
    """All 2^n binary vectors of length n, (2^n, n)."""
    codes = torch.arange(2**n)
    return ((codes[:, None] >> torch.arange(n)[None, :]) & 1).to(dtype)


def expected_eq18(q: torch.Tensor, theta: torch.Tensor, bias_odds: float | torch.Tensor) -> torch.Tensor:
    """E_{s ~ q (factorial)}[eq. 18(s)], exactly, by enumerating the 2^n configurations of the n units above."""
    configs = all_binary(q.shape[-1], q.dtype)  # (C, n)
    log_w = configs @ torch.log(q).T + (1 - configs) @ torch.log1p(-q).T  # (C, batch)
    return torch.exp(log_w).T @ eq18(configs, theta, bias_odds)


def _bernoulli_kl(q: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """sum_j KL[q_j; p_j] = q log(q/p) + (1 - q) log((1 - q)/(1 - p)), with 0 log 0 = 0."""
    return (torch.xlogy(q, q) - q * torch.log(p) + torch.xlogy(1 - q, 1 - q) - (1 - q) * torch.log1p(-p)).sum(-1)


def _floor(p: torch.Tensor) -> torch.Tensor:
    return P_FLOOR + (1 - 2 * P_FLOOR) * p


class DeterministicHelmholtz(torch.nn.Module):
    """Two latent layers (the paper's layers 2 and 3) above the input layer 1, e.g. ``sizes=(32, 24, 2)``.

    Parameters: recognition ``rec_w1`` (n1, n2), ``rec_b2``; ``rec_w2`` (n2, n3), ``rec_b3``; generative log-odds
    ``log_theta_32`` (n3, n2), ``log_theta_21`` (n2, n1) and the learned layer-3 bias log-odds ``log_bias_3``.
    """

    def __init__(self, sizes=(32, 24, 2), *, rec_init=0.1, gen_log_mean=-2.0, gen_log_std=0.5, seed=0):
        super().__init__()
        n1, n2, n3 = (int(s) for s in sizes)
        self.sizes = (n1, n2, n3)
        g = torch.Generator().manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]))

        def randn(*shape):
            return torch.randn(*shape, generator=g, dtype=torch.float64)

        self.rec_w1 = torch.nn.Parameter(rec_init * randn(n1, n2))
        self.rec_b2 = torch.nn.Parameter(torch.zeros(n2, dtype=torch.float64))
        self.rec_w2 = torch.nn.Parameter(rec_init * randn(n2, n3))
        self.rec_b3 = torch.nn.Parameter(torch.zeros(n3, dtype=torch.float64))
        self.log_theta_32 = torch.nn.Parameter(gen_log_mean + gen_log_std * randn(n3, n2))
        self.log_theta_21 = torch.nn.Parameter(gen_log_mean + gen_log_std * randn(n2, n1))
        self.log_bias_3 = torch.nn.Parameter(gen_log_mean + gen_log_std * randn(n3))

    # -- the two passes -------------------------------------------------------------------------------------------
    def recognise(self, d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean-field recognition (eq. 15): q^2, q^3."""
        q2 = torch.sigmoid(d @ self.rec_w1 + self.rec_b2)
        q3 = torch.sigmoid(q2 @ self.rec_w2 + self.rec_b3)
        return q2, q3

    def p_top(self) -> torch.Tensor:
        """Layer 3's generative probabilities: eq. 18 with only the biases (fixed 0.05 plus learned) as parents."""
        total = FIXED_BIAS_ODDS + torch.exp(self.log_bias_3)
        return total / (1 + total)

    def generative_probs(self, q2: torch.Tensor, q3: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """p^2 given q^3 (exact expectation of eq. 18 for <= 3 units above, else eq. 19) and p^1 given q^2 (eq. 19)."""
        theta_32 = torch.exp(self.log_theta_32)
        if q3.shape[-1] <= EXACT_EXPECTATION_MAX:
            p2 = expected_eq18(_floor(q3), theta_32, FIXED_BIAS_ODDS)
        else:
            p2 = eq19(q3, theta_32, FIXED_BIAS_ODDS)
        p1 = eq19(q2, torch.exp(self.log_theta_21))
        return p2, p1

    def free_energy(self, d: torch.Tensor) -> torch.Tensor:
        """F(d) per pattern in nats (eq. 16 with the input layer's term, Appendix B)."""
        q2, q3 = self.recognise(d)
        p2, p1 = self.generative_probs(q2, q3)
        p3 = self.p_top().expand_as(q3)
        p1 = _floor(p1)
        recon = -(d * torch.log(p1) + (1 - d) * torch.log1p(-p1)).sum(-1)
        return recon + _bernoulli_kl(q2, _floor(p2)) + _bernoulli_kl(q3, _floor(p3))

    # -- training -------------------------------------------------------------------------------------------------
    def fit(
        self,
        patterns: np.ndarray,
        prob: np.ndarray,
        *,
        n_line_searches: int,
        chunk: int = 50,
        callback=None,
        recognition_only: bool = False,
    ):
        """Minimise the expected free energy sum_d p_data(d) F(d) over the exact data distribution by the project's
        conjugate gradients, ``chunk`` line searches per call of ``minimize_cg`` (``callback(done, f)`` after each);
        ``recognition_only`` holds the generative weights fixed."""
        d = torch.as_tensor(patterns, dtype=torch.float64)
        w = torch.as_tensor(prob, dtype=torch.float64)
        params = [p for name, p in self.named_parameters() if not recognition_only or name.startswith("rec_")]

        def fun_grad(x):
            torch.nn.utils.vector_to_parameters(x, params)
            for p in params:
                p.grad = None
            f = w @ self.free_energy(d)
            f.backward()
            return float(f.detach()), torch.cat([p.grad.reshape(-1) for p in params]).detach()

        x = torch.nn.utils.parameters_to_vector(params).detach()
        done, f = 0, float("nan")
        while done < n_line_searches:
            res = minimize_cg(fun_grad, x, line_searches=min(chunk, n_line_searches - done))
            x, f = res.x, res.f
            done += max(res.n_line_searches, 1)
            if not np.isfinite(f):
                raise FloatingPointError("deterministic Helmholtz machine: the free energy became non-finite")
            if callback is not None:
                callback(done, f)
            if res.n_line_searches == 0:  # two failed line searches in a row: a (numerical) minimum
                break
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(x, params)
        return self

    @torch.no_grad()
    def set_fig4_structure(self, causes: np.ndarray, *, log_odds=12.0, p_cause=0.2):
        """The generative half of the Fig 4 solution, by construction: layer-2 unit c (the first ``causes.shape[1]``)
        turns on the pixels of cause c (a shifted pair), the rest are silent; layer-3 unit k turns on the causes of
        direction k with probability ``p_cause`` under eq. 18 and the layer-3 biases make each unit on half the time.
        A control: with this held fixed, how low can the recognition bring F, and do the layer-3 units stay tuned?"""
        odds_on, odds_off = np.exp(log_odds), np.exp(-log_odds)
        n_causes = causes.shape[1]
        t21 = np.full((self.sizes[1], self.sizes[0]), odds_off)
        t21[:n_causes] = np.where(causes.T > 0.5, odds_on, odds_off)
        per_direction = n_causes // self.sizes[2]
        t32 = np.full((self.sizes[2], self.sizes[1]), odds_off)
        for k in range(self.sizes[2]):
            # eq. 18 with the fixed bias: p = (0.05 + t) / (1.05 + t) = p_cause
            t32[k, k * per_direction : (k + 1) * per_direction] = (
                p_cause * (1 + FIXED_BIAS_ODDS) - FIXED_BIAS_ODDS
            ) / (1 - p_cause)
        self.log_theta_21.copy_(torch.as_tensor(np.log(t21)))
        self.log_theta_32.copy_(torch.as_tensor(np.log(t32)))
        self.log_bias_3.copy_(torch.full((self.sizes[2],), float(np.log(1.0 - FIXED_BIAS_ODDS))))  # p^3 = 1/2

    # -- the stochastic model it defines --------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ancestral samples of the stochastic eq. 18 model: s^3, then s^2, then the image s^1 (n, n1)."""
        p3 = self.p_top().numpy()
        s3 = (rng.random((n, len(p3))) < p3).astype(np.float64)
        p2 = eq18(torch.as_tensor(s3), torch.exp(self.log_theta_32), FIXED_BIAS_ODDS).numpy()
        s2 = (rng.random(p2.shape) < p2).astype(np.float64)
        p1 = eq18(torch.as_tensor(s2), torch.exp(self.log_theta_21)).numpy()
        return (rng.random(p1.shape) < p1).astype(np.float64), s2, s3

    @torch.no_grad()
    def arrays(self) -> dict[str, np.ndarray]:
        """Every parameter as a NumPy array (the generative ones as the natural logs of the odds, as in Fig 4)."""
        return {k: v.detach().numpy().copy() for k, v in self.state_dict().items()}
