"""The 4x4 bars of Hinton, Dayan, Frey & Neal (1995, Fig 2a-b): a seeded sampler and p_data exactly.

Two stages: the top level chooses vertical or horizontal bars, the next level turns each of the 4 bars of that
orientation on or off independently; an image (16 pixels, row by row) is the OR of its bars. "The ambiguous
all-white images" are removed (Fig 2b): we remove both images whose orientation cannot be told, no bar and all four
bars, and renormalise.

The paper does not give the probabilities. We take them from the same authors' follow-up on this problem (Dayan &
Hinton 1996, "Varieties of Helmholtz machine"): vertical with probability 2/3, horizontal 1/3, each bar on with
probability 0.2. Both are parameters here, so another choice is one config edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDE = 4
N_PIXELS = SIDE * SIDE
VERTICAL, HORIZONTAL = 1, 0  # orientation codes (1 = vertical)


def bar_masks() -> np.ndarray:
    """(2, 4, 16): masks[o, k] is bar k of orientation o (0 horizontal = row k, 1 vertical = column k)."""
    masks = np.zeros((2, SIDE, SIDE, SIDE))
    for k in range(SIDE):
        masks[HORIZONTAL, k, k, :] = 1.0
        masks[VERTICAL, k, :, k] = 1.0
    return masks.reshape(2, SIDE, N_PIXELS)


def compose(bars: np.ndarray, orientation: np.ndarray | int) -> np.ndarray:
    """Images (..., 16) float64 from bar switches ``bars`` (..., 4) in {0, 1} and the orientation (0 or 1)."""
    masks = bar_masks()[np.asarray(orientation)]  # (..., 4, 16)
    return (np.einsum("...k,...kp->...p", np.asarray(bars, dtype=np.float64), masks) > 0).astype(np.float64)


@dataclass(frozen=True)
class BarsDistribution:
    """p_data over the distinct images: ``patterns`` (K, 16), ``prob`` (K,) summing to 1, ``vertical`` (K,) in {0, 1}
    (every kept image determines its orientation)."""

    patterns: np.ndarray
    prob: np.ndarray
    vertical: np.ndarray

    @property
    def entropy_bits(self) -> float:
        return float(-(self.prob * np.log2(self.prob)).sum())

    def index(self, x: np.ndarray) -> np.ndarray:
        """Row in ``patterns`` of each image of ``x`` (n, 16); -1 where the image is not in the support."""
        codes = np.asarray(x) @ (2 ** np.arange(N_PIXELS))
        lookup = {int(c): i for i, c in enumerate(self.patterns @ (2 ** np.arange(N_PIXELS)))}
        return np.array([lookup.get(int(c), -1) for c in codes], dtype=int)


def bars_distribution(p_vertical: float = 2 / 3, p_bar: float = 0.2) -> BarsDistribution:
    """Enumerate both orientations x 2^4 bar subsets, drop the blank and the full image, merge nothing else (every
    other image has exactly one cause), renormalise."""
    if not (0 < p_vertical < 1 and 0 < p_bar < 1):
        raise ValueError(f"bars: p_vertical = {p_vertical} and p_bar = {p_bar} must both lie strictly in (0, 1)")
    codes = np.arange(2**SIDE)
    subsets = ((codes[:, None] >> np.arange(SIDE)[None, :]) & 1).astype(np.float64)
    k = subsets.sum(1)
    keep = (k > 0) & (k < SIDE)  # the blank and the all-on image are the ambiguous ones
    images, probs, vertical = [], [], []
    for orientation, p_o in ((VERTICAL, p_vertical), (HORIZONTAL, 1 - p_vertical)):
        p = p_o * p_bar**k * (1 - p_bar) ** (SIDE - k)
        images.append(compose(subsets[keep], orientation))
        probs.append(p[keep])
        vertical.append(np.full(int(keep.sum()), orientation))
    prob = np.concatenate(probs)
    return BarsDistribution(np.concatenate(images), prob / prob.sum(), np.concatenate(vertical).astype(np.float64))


def sample_bars(n: int, rng: np.random.Generator | int, dist: BarsDistribution) -> np.ndarray:
    """Row indices into ``dist.patterns`` of ``n`` independent draws from p_data (what an online learner sees)."""
    return np.random.default_rng(rng).choice(len(dist.prob), size=int(n), p=dist.prob)
