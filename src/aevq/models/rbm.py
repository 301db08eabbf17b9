"""Restricted Boltzmann machines trained by one-step contrastive divergence (CD-1), as in Hinton & Salakhutdinov (2006).

Energy of a binary-binary RBM with visible v (n_v), hidden h (n_h), weights W (n_v x n_h), biases b (visible) and
c (hidden):

    E(v, h) = - b.v - c.h - v^T W h

There are no visible-visible and no hidden-hidden weights ("restricted"), so given v the hidden units are
conditionally independent and p(h|v) factorizes into a product of sigmoids:

    p(h|v) = prod_j p(h_j|v),    p(h_j = 1|v) = sigmoid(c_j + v.W[:, j])

and likewise p(v_i = 1|h) = sigmoid(b_i + W[i, :].h). ``encode`` returns p(h|v) (the recognition half), ``decode``
p(v|h) (the generative half). The free energy F(v) = -log sum_h exp(-E(v, h)) = -b.v - sum_j softplus(c_j + v.W[:, j]).

The top RBM of the paper's stack has *linear* hidden units with unit-variance Gaussian noise (``hidden="gaussian"``):

    E(v, h) = - b.v - c.h - v^T W h + |h|^2 / 2,   p(h|v) = N(c + W^T v, I),
    F(v) = -b.v - |c + W^T v|^2 / 2  (+ a constant -n_h/2 log 2 pi dropped).

CD-1 follows Hinton's ``rbm.m`` / ``rbmhidlinear.m``: positive statistics from p(h|v_data); one binary (or Gaussian)
sample of h; the reconstruction v' = p(v|h) as probabilities; negative statistics from p(h|v'); updates with momentum
and L2 weight decay on W (not on biases), per minibatch, with the data visited in a seeded random order.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from aevq.models.arrays import torch_native
from aevq.models.contract import CodeSizes
from aevq.precision import autocast
from aevq.runtime import check_finite, check_progress


class RBM(nn.Module, CodeSizes):
    """An RBM with binary visible units and binary (default) or linear-Gaussian hidden units.

    Parameters are plain tensors updated by CD-1 (no autograd); ``W`` is (n_visible, n_hidden).
    """

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        *,
        hidden: str = "binary",
        init_std: float = 0.1,
        generator: torch.Generator | None = None,
        device=None,
        dtype=torch.float32,
    ):
        super().__init__()
        if hidden not in {"binary", "gaussian"}:
            raise ValueError(f"hidden must be 'binary' or 'gaussian', not {hidden!r}")
        self.n_visible, self.n_hidden, self.hidden = int(n_visible), int(n_hidden), hidden
        self.init_std = float(init_std)
        if generator is None:  # no global draw: without a generator the weights start at zero (or are loaded)
            w = torch.zeros(n_visible, n_hidden, dtype=dtype)
        else:
            w = torch.randn(n_visible, n_hidden, generator=generator, dtype=dtype, device="cpu") * init_std
        self.W = nn.Parameter(w.to(device), requires_grad=False)
        self.b = nn.Parameter(torch.zeros(n_visible, dtype=dtype, device=device), requires_grad=False)
        self.c = nn.Parameter(torch.zeros(n_hidden, dtype=dtype, device=device), requires_grad=False)

    def _code_sizes(self) -> tuple[int, int]:
        return self.n_visible, self.n_hidden

    def init_args(self) -> dict:
        """The constructor arguments that rebuild this model (aevq.models.checkpoint); the weights are loaded."""
        return dict(n_visible=self.n_visible, n_hidden=self.n_hidden, hidden=self.hidden, init_std=self.init_std)

    # -- conditionals ------------------------------------------------------------------------------------------
    def hidden_input(self, v: torch.Tensor) -> torch.Tensor:
        """c + v W, the input to each hidden unit."""
        return torch.addmm(self.c, v, self.W)

    @torch_native
    def encode(self, v: torch.Tensor) -> torch.Tensor:
        """Recognition: p(h_j = 1|v) = sigmoid(c_j + v.W_j) (binary), or the mean c + W^T v (Gaussian)."""
        a = self.hidden_input(v)
        return a if self.hidden == "gaussian" else torch.sigmoid(a)

    @torch_native
    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """Generation: p(v_i = 1|h) = sigmoid(b_i + W_i.h)."""
        return torch.sigmoid(torch.addmm(self.b, h, self.W.T))

    def sample_hidden(self, mean: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.hidden == "gaussian":
            return mean + torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return torch.bernoulli(mean, generator=generator)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) per row: -b.v - sum_j softplus(c_j + v.W_j) (binary) or -b.v - |c + W^T v|^2/2 (Gaussian)."""
        a = self.hidden_input(v)
        hid = 0.5 * (a * a).sum(1) if self.hidden == "gaussian" else nn.functional.softplus(a).sum(1)
        return -(v @ self.b) - hid

    def energy(self, v: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """E(v, h) per row (rows of v paired with rows of h)."""
        e = -(v @ self.b) - (h @ self.c) - ((v @ self.W) * h).sum(1)
        if self.hidden == "gaussian":
            e = e + 0.5 * (h * h).sum(1)
        return e

    @torch_native
    def reconstruct(self, v: torch.Tensor) -> torch.Tensor:
        """Deterministic up-down pass p(v | E[h|v]) (used for monitoring only)."""
        return self.decode(self.encode(v))

    # -- CD-1 --------------------------------------------------------------------------------------------------
    @torch.no_grad()
    def fit(
        self,
        x: torch.Tensor,
        *,
        epochs: int,
        batch_size: int = 100,
        lr: float = 0.1,
        momentum_initial: float = 0.5,
        momentum_final: float = 0.9,
        momentum_switch_epoch: int = 5,
        weight_decay: float = 0.0002,
        generator: torch.Generator,
        desc: str = "rbm",
        on_epoch_end: Callable[[int, dict], None] | None = None,
        precision: str = "fp32",
    ) -> RBM:
        """Train by CD-1 on the rows of ``x`` (values in [0, 1], read as probabilities); return self.

        ``self.history_`` gets one dict per epoch: mean squared reconstruction error per sample (summed over
        visible units, v vs the CD reconstruction v'), and the epoch's wall time in seconds.

        ``precision="bf16"``: the five products of a CD-1 step run in bfloat16 (autocast, float32 sums); their
        results, the sampling and the updates of the float32 weights stay float32. <v h>_data - <v h>_recon is
        then one product of stacked factors, so the difference of two nearly equal sums is formed before the
        single rounding to bfloat16, not after it.
        """
        n = x.shape[0]
        dev = x.device
        inc_w, inc_b, inc_c = torch.zeros_like(self.W), torch.zeros_like(self.b), torch.zeros_like(self.c)
        self.history_: list[dict] = []
        bar = tqdm(range(epochs), desc=desc, mininterval=2.0)
        for epoch in bar:
            mom = momentum_initial if epoch < momentum_switch_epoch else momentum_final
            t0 = time.perf_counter()
            order = torch.randperm(n, generator=generator, device=generator.device).to(dev)
            err = torch.zeros((), device=dev, dtype=x.dtype)
            for start in range(0, n, batch_size):
                v0 = x[order[start : start + batch_size]]
                m = v0.shape[0]
                with autocast(dev, precision):  # .float(): a no-op in fp32
                    ph0 = self.encode(v0).float()
                    h0 = self.sample_hidden(ph0, generator)
                    v1 = self.decode(h0).float()
                    ph1 = self.encode(v1).float()
                    # <v h>_data - <v h>_recon, one GEMM each (fp32) or one of stacked factors (bf16)
                    if precision == "bf16":
                        grad_w = (torch.cat([v0, v1]).T @ torch.cat([ph0, -ph1])).float().div_(m)
                    else:
                        grad_w = torch.addmm(v0.T @ ph0, v1.T, ph1, alpha=-1.0).div_(m)
                # weight decay on W only
                grad_w.add_(self.W, alpha=-weight_decay)
                inc_w.mul_(mom).add_(grad_w, alpha=lr)
                inc_b.mul_(mom).add_((v0 - v1).mean(0), alpha=lr)
                inc_c.mul_(mom).add_((ph0 - ph1).mean(0), alpha=lr)
                self.W.add_(inc_w)
                self.b.add_(inc_b)
                self.c.add_(inc_c)
                err += ((v0 - v1) ** 2).sum()
            mean_err = check_finite((err / n).item(), what=f"{desc} reconstruction error", step=epoch)
            rec = {"epoch": epoch + 1, "recon_error": mean_err, "seconds": time.perf_counter() - t0}
            self.history_.append(rec)
            bar.set_postfix(err=f"{mean_err:.4g}")
            if on_epoch_end is not None:
                on_epoch_end(epoch, rec)
        check_progress([h["recon_error"] for h in self.history_], what=f"{desc} reconstruction error")
        return self

    @staticmethod
    def cd1_flops_per_sample(n_visible: int, n_hidden: int) -> int:
        """Multiply-adds of one CD-1 step per sample, times 2: three passes (v->h, h->v', v'->h') + two outer
        products, i.e. 5 GEMM-sized products of n_v x n_h."""
        return 10 * n_visible * n_hidden


# -- exact enumeration (tiny RBMs only) --------------------------------------------------------------------------


def all_binary_states(n: int, dtype=torch.float64) -> torch.Tensor:
    """All 2^n binary vectors of length n, as rows."""
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=dtype)


def exact_p_h_given_v(rbm: RBM, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """p(h|v) for every binary h by brute force, exp(-E(v,h)) / sum_h' exp(-E(v,h')), against the product of
    sigmoids prod_j p(h_j|v). Returns (exact, factorized), each (n_v_rows, 2^n_h)."""
    hs = all_binary_states(rbm.n_hidden, dtype=rbm.W.dtype)
    exact, fact = [], []
    for row in v:
        vv = row.expand(hs.shape[0], -1)
        logits = -rbm.energy(vv, hs)
        exact.append(torch.softmax(logits, dim=0))
        p = torch.sigmoid(rbm.hidden_input(row[None]))[0]
        fact.append(torch.prod(hs * p + (1 - hs) * (1 - p), dim=1))
    return torch.stack(exact), torch.stack(fact)


def exact_free_energy(rbm: RBM, v: torch.Tensor) -> torch.Tensor:
    """F(v) = -log sum_h exp(-E(v, h)) by enumeration over binary h (binary hidden units only)."""
    hs = all_binary_states(rbm.n_hidden, dtype=rbm.W.dtype)
    out = []
    for row in v:
        out.append(-torch.logsumexp(-rbm.energy(row.expand(hs.shape[0], -1), hs), dim=0))
    return torch.stack(out)


def factorization_table(n_visible: int = 8, n_hidden: int = 10, n_rows: int = 5, seed: int = 0) -> list[dict]:
    """The tractability check as table rows: for random v, max |p_exact(h|v) - prod_j p(h_j|v)| over all 2^n_h h,
    and |F_exact(v) - F(v)|, in float64 on a random tiny RBM (weights N(0, 1), biases N(0, 1))."""
    g = torch.Generator().manual_seed(seed)
    rbm = RBM(n_visible, n_hidden, init_std=1.0, generator=g, dtype=torch.float64)
    rbm.b.copy_(torch.randn(n_visible, generator=g, dtype=torch.float64))
    rbm.c.copy_(torch.randn(n_hidden, generator=g, dtype=torch.float64))
    v = torch.bernoulli(torch.full((n_rows, n_visible), 0.5, dtype=torch.float64), generator=g)
    exact, fact = exact_p_h_given_v(rbm, v)
    f_exact, f_closed = exact_free_energy(rbm, v), rbm.free_energy(v)
    rows = []
    for i in range(n_rows):
        rows.append(
            {
                "v": "".join(str(int(b)) for b in v[i].tolist()),
                "n_h_states": int(exact.shape[1]),
                "max_p_exact": float(exact[i].max()),
                "max_abs_error_p_h_given_v": float((exact[i] - fact[i]).abs().max()),
                "sum_p_factorized": float(fact[i].sum()),
                "free_energy_exact": float(f_exact[i]),
                "free_energy_closed_form": float(f_closed[i]),
                "abs_error_free_energy": float((f_exact[i] - f_closed[i]).abs()),
            }
        )
    return rows
