"""Seeded synthetic manifolds for Ch. 3.3 ("uncorrelated is not independent").

* :func:`circle` -- t ~ U[0, 2*pi), x = (cos t, sin t): covariance 1/2 I (no preferred direction), intrinsic
  dimension 1 (the lecture's example).
* :func:`swiss_roll` -- the Swiss roll of Tenenbaum, de Silva & Langford (Science 2000, Fig. 3), drawn with
  scikit-learn's ``make_swiss_roll`` and a seeded ``random_state``. Its parametrisation (scikit-learn's, not the
  Isomap paper's Matlab file) is t = 3*pi/2 * (1 + 2u), h = 21 v with u, v ~ U[0, 1) and
  x = (t cos t, h, t sin t): a 2-D sheet rolled up in 3-D, whose position along the roll is t.

Every function takes an integer seed and returns the points and their intrinsic coordinate t, so the same seed
gives the same arrays on any machine.
"""

from __future__ import annotations

import numpy as np


def circle(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on the unit circle: t ~ U[0, 2*pi), x = (cos t, sin t). Returns (X of shape (n, 2), t)."""
    if n < 2:
        raise ValueError("circle needs n >= 2 points")
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 2.0 * np.pi, size=n)
    x = np.stack([np.cos(t), np.sin(t)], axis=1)
    return x, t


def swiss_roll(n: int, seed: int, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of scikit-learn's Swiss roll (``make_swiss_roll(n, noise, random_state=seed)``).

    Returns (X of shape (n, 3), t) with t in [3*pi/2, 9*pi/2): the coordinate along the roll.
    """
    from sklearn.datasets import make_swiss_roll

    x, t = make_swiss_roll(n_samples=n, noise=noise, random_state=seed)
    return x.astype(np.float64), t.astype(np.float64)
