"""Polak-Ribiere conjugate gradients with a Wolfe-Powell line search, as used by Hinton & Salakhutdinov (2006).

The paper fine-tuned its deep autoencoders with Carl Rasmussen's ``minimize`` (Matlab): for each block of 1000
training cases, three line searches of Polak-Ribiere conjugate gradients, each line search bracketing a step by cubic
extrapolation and refining it by cubic (or quadratic) interpolation until the strong Wolfe-Powell conditions hold:

    f(x + a s) <= f(x) + RHO a f'(x; s)        (sufficient decrease)
    |f'(x + a s; s)| <= -SIG f'(x; s)          (curvature)

``minimize_cg`` follows that algorithm and its constants (SIG = 0.1, RHO = SIG / 2, INT = 0.1, EXT = 3, at most 20
evaluations per line search, a step-size ratio of at most 10 between line searches). It is written for flat torch
vectors so that any ``nn.Module`` can be optimised through ``parameters_to_vector``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

SIG = 0.1
RHO = SIG / 2
INT = 0.1  # do not re-evaluate within 0.1 of the current bracket's ends
EXT = 3.0  # extrapolate at most 3x the current step
MAX_EVALS = 20  # function evaluations per line search
RATIO = 10.0  # largest ratio of the initial step between consecutive line searches


@dataclass
class CGResult:
    x: torch.Tensor
    f: float  # the objective at x
    n_evals: int  # objective + gradient evaluations used
    n_line_searches: int  # line searches that succeeded


FunGrad = Callable[[torch.Tensor], tuple[float, torch.Tensor]]


def minimize_cg(fun_grad: FunGrad, x0: torch.Tensor, *, line_searches: int = 3) -> CGResult:
    """Minimise ``fun_grad(x) -> (f, df/dx)`` from ``x0`` by ``line_searches`` Polak-Ribiere line searches.

    A failed line search restarts along the steepest descent; two failures in a row end the call (as ``minimize``
    does). The returned point is the best one evaluated, so the objective never increases.
    """
    x = x0.detach().clone()
    f0, df0 = fun_grad(x)
    n_evals = 1
    s = -df0
    d0 = -float(s @ s)  # directional derivative along s
    step = 1.0 / (1.0 - d0)  # the initial step of `minimize` (red = 1)
    done, failed_before = 0, False
    x_best, f_best = x, f0
    while done < line_searches:
        x_best, f_best, df_best = x, f0, df0
        evals_left = MAX_EVALS
        # --- extrapolation: grow the step until the bracket contains a Wolfe point ---------------------------
        while True:
            a2, f2, d2 = 0.0, f0, d0
            f3, df3 = f0, df0
            ok = False
            while not ok and evals_left > 0:
                evals_left -= 1
                f3, df3 = fun_grad(x + step * s)
                n_evals += 1
                ok = math.isfinite(f3) and bool(torch.isfinite(df3).all())
                if not ok:
                    step = (a2 + step) / 2  # back off from a non-finite point
            if f3 < f_best:
                x_best, f_best, df_best = x + step * s, f3, df3
            d3 = float(df3 @ s)
            if d3 > SIG * d0 or f3 > f0 + step * RHO * d0 or evals_left == 0:
                break
            a1, f1, d1 = a2, f2, d2
            a2, f2, d2 = step, f3, d3
            # cubic extrapolation through (a1, f1, d1) and (a2, f2, d2)
            A = 6 * (f1 - f2) + 3 * (d2 + d1) * (a2 - a1)
            B = 3 * (f2 - f1) - (2 * d1 + d2) * (a2 - a1)
            disc = B * B - A * d1 * (a2 - a1)
            new = a1 - d1 * (a2 - a1) ** 2 / (B + math.sqrt(disc)) if disc >= 0 and B + math.sqrt(disc) != 0 else -1
            if not math.isfinite(new) or new < 0 or new > a2 * EXT:
                new = a2 * EXT
            elif new < a2 + INT * (a2 - a1):
                new = a2 + INT * (a2 - a1)
            step = new
        # --- interpolation: shrink the bracket [a2, a4] until the Wolfe-Powell conditions hold ----------------
        a4, f4, d4 = math.inf, math.inf, math.inf
        while (abs(d3) > -SIG * d0 or f3 > f0 + step * RHO * d0) and evals_left > 0:
            if d3 > 0 or f3 > f0 + step * RHO * d0:
                a4, f4, d4 = step, f3, d3
            else:
                a2, f2, d2 = step, f3, d3
            if f4 > f0:  # quadratic interpolation
                new = a2 - (0.5 * d2 * (a4 - a2) ** 2) / (f4 - f2 - d2 * (a4 - a2))
            else:  # cubic interpolation
                A = 6 * (f2 - f4) / (a4 - a2) + 3 * (d4 + d2)
                B = 3 * (f4 - f2) - (2 * d2 + d4) * (a4 - a2)
                disc = B * B - A * d2 * (a4 - a2) ** 2
                new = a2 + (math.sqrt(disc) - B) / A if disc >= 0 and A != 0 else math.nan
            if not math.isfinite(new):
                new = (a2 + a4) / 2
            step = max(min(new, a4 - INT * (a4 - a2)), a2 + INT * (a4 - a2))
            f3, df3 = fun_grad(x + step * s)
            n_evals += 1
            evals_left -= 1
            if f3 < f_best:
                x_best, f_best, df_best = x + step * s, f3, df3
            d3 = float(df3 @ s)
        if abs(d3) < -SIG * d0 and f3 < f0 + step * RHO * d0:  # success: take the step, new conjugate direction
            x, f0 = x + step * s, f3
            beta = float((df3 @ df3 - df0 @ df3) / (df0 @ df0))  # Polak-Ribiere
            s = beta * s - df3
            df0 = df3
            d_prev, d0 = d0, float(df0 @ s)
            if d0 > 0:  # not a descent direction: restart along the gradient
                s = -df0
                d0 = -float(s @ s)
            step = step * min(RATIO, d_prev / (d0 - 1e-300))
            done += 1
            failed_before = False
        else:  # failure: go back to the best point seen, restart along the gradient
            x, f0, df0 = x_best, f_best, df_best
            if failed_before:
                break
            s = -df0
            d0 = -float(s @ s)
            step = 1.0 / (1.0 - d0)
            failed_before = True
    if f_best < f0:  # only when the last line search failed after finding a better point
        x, f0 = x_best, f_best
    return CGResult(x=x, f=float(f0), n_evals=n_evals, n_line_searches=done)
