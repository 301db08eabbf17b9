"""Ch. 3.4, the lecture's Fig 10 (Dayan et al. 1995 Fig 2): the surface -F(theta, Q) and EM's alternating steps,
exactly, on a model small enough to enumerate.

One binary latent z chooses which of two coins produced D binary observations d (k of them ones): p(z = 1) = pi,
p(d | z = 1) = theta^k (1 - theta)^{D - k}, p(d | z = 0) = (1 - theta)^k theta^{D - k}. With Q = Q(z = 1),

.. math:: -F(\\theta, Q) = Q \\log p(z=1, d \\mid \\theta) + (1 - Q) \\log p(z=0, d \\mid \\theta) + H(Q),

and :math:`\\log p(d \\mid \\theta) = \\max_Q [-F(\\theta, Q)]`, reached at the posterior Q = P(z = 1 | d, theta).
EM alternates the E-step (Q <- P, after which -F = log p(d | theta)) and the M-step (theta <- the maximiser of
-F at fixed Q, here theta = (Q k + (1 - Q)(D - k)) / D). With pi != 1/2 log p(d | theta) has two maxima of different
heights, so EM from one side climbs to the lower one, as in the paper's figure. Pure mathematics: no random numbers.
"""

from __future__ import annotations

import numpy as np

from aevq.claims import claim

LN2 = np.log(2.0)


def log_joint(theta: np.ndarray, k: int, D: int, pi: float) -> tuple[np.ndarray, np.ndarray]:
    """log p(z = 1, d | theta) and log p(z = 0, d | theta)."""
    lt, l1t = np.log(theta), np.log1p(-theta)
    return np.log(pi) + k * lt + (D - k) * l1t, np.log1p(-pi) + k * l1t + (D - k) * lt


def neg_free_energy(theta: np.ndarray, q: np.ndarray, k: int, D: int, pi: float) -> np.ndarray:
    """-F(theta, Q) in nats (broadcasting theta against q)."""
    a1, a0 = log_joint(np.asarray(theta, dtype=float), k, D, pi)
    q = np.asarray(q, dtype=float)
    entropy = -(np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)) - np.where(
        q < 1, (1 - q) * np.log(np.where(q < 1, 1 - q, 1.0)), 0.0
    )
    return q * a1 + (1 - q) * a0 + entropy


def log_evidence(theta: np.ndarray, k: int, D: int, pi: float) -> np.ndarray:
    return np.logaddexp(*log_joint(np.asarray(theta, dtype=float), k, D, pi))


def posterior(theta: np.ndarray, k: int, D: int, pi: float) -> np.ndarray:
    a1, a0 = log_joint(np.asarray(theta, dtype=float), k, D, pi)
    return 1.0 / (1.0 + np.exp(a0 - a1))


def em_path(theta0: float, k: int, D: int, pi: float, steps: int) -> list[dict]:
    """EM from theta0, Q0 = 1/2: after each E-step and each M-step, the point (theta, Q) and -F there (nats), and
    after the E-step log p(d | theta)."""
    theta, q = float(theta0), 0.5
    path = [{"step": "start", "theta": theta, "q": q, "neg_F": float(neg_free_energy(theta, q, k, D, pi))}]
    for _ in range(steps):
        q = float(posterior(theta, k, D, pi))
        path.append(
            {
                "step": "E",
                "theta": theta,
                "q": q,
                "neg_F": float(neg_free_energy(theta, q, k, D, pi)),
                "log_p": float(log_evidence(theta, k, D, pi)),
            }
        )
        theta = (q * k + (1 - q) * (D - k)) / D
        path.append({"step": "M", "theta": theta, "q": q, "neg_F": float(neg_free_energy(theta, q, k, D, pi))})
    return path


def em_surface(cfg: dict) -> tuple[dict, dict]:
    """The surface on a grid, the curve log p(d | theta), the line Q = P(theta), and EM's path; claims that -F
    equals log p(d | theta) after every E-step and that EM never descends (both identities)."""
    k, D, pi, n = int(cfg["k"]), int(cfg["D"]), float(cfg["pi"]), int(cfg["grid"])
    if not 0 <= k <= D:
        raise ValueError(f"helmholtz_em: k = {k} ones must lie in 0..D = {D}")
    theta = np.linspace(0.02, 0.98, n)
    q = np.linspace(0.0, 1.0, n)
    surface = neg_free_energy(theta[None, :], q[:, None], k, D, pi)  # (q, theta)
    path = em_path(float(cfg["theta0"]), k, D, pi, int(cfg["steps"]))
    e_gap = max(abs(p["neg_F"] - p["log_p"]) for p in path if p["step"] == "E")
    climbs = np.diff([p["neg_F"] for p in path])
    evidence = log_evidence(theta, k, D, pi)
    # the two local maxima of log p(d | theta): theta near k / D (z = 1) and near 1 - k / D (z = 0)
    best = float(theta[np.argmax(evidence)])
    end = path[-1]["theta"]
    rows = [
        claim(
            "EM on the Fig 10 model: after every E-step the point lies on the line Q = P, where -F = log p(d | theta)",
            float(e_gap),
            "<=",
            1e-12,
            "Dayan et al. 1995 Fig 2 caption / eq. 5: KL(Q || P) = 0 at Q = P; 1e-12 nats allows float rounding only",
            detail=f"largest |-F - log p(d | theta)| over {cfg['steps']} E-steps",
            kind="identity",
            basis="mathematics",
        ),
        claim(
            "EM on the Fig 10 model never decreases -F (both steps are maximisations of the same surface)",
            float(climbs.min()),
            ">=",
            -1e-12,
            "Neal & Hinton's view of EM (Dayan et al. 1995 Fig 2): coordinate ascent on -F(theta, Q)",
            detail=f"smallest change of -F over {len(climbs)} half-steps, nats",
            kind="identity",
            basis="mathematics",
        ),
    ]
    doc = {
        "k": k,
        "D": D,
        "pi": pi,
        "theta0": float(cfg["theta0"]),
        "path": path,
        "em_end_theta": end,
        "em_end_log_p": float(log_evidence(end, k, D, pi)),
        "global_theta": best,
        "global_log_p": float(evidence.max()),
        "em_stuck_local": bool(abs(end - best) > 0.05),
        "claims": rows,
    }
    arrays = {
        "theta": theta,
        "q": q,
        "neg_F": surface,
        "log_p": evidence,
        "posterior": posterior(theta, k, D, pi),
    }
    return doc, arrays
