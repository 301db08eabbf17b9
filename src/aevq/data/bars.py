"""The 4x4 bars of Hinton, Dayan, Frey & Neal (1995, Fig 2a-b): a seeded sampler and p_data exactly.

Two stages: the top level chooses vertical or horizontal bars, the next level turns each of the 4 bars of that
orientation on or off independently; an image (16 pixels, row by row) is the OR of its bars. "The ambiguous
all-white images" are removed (Fig 2b caption). In Fig 2a a bar is drawn white on black, so the all-white image is the
one with all four bars on (from either orientation); the blank image (no bar, all black) appears four times among
the 36 samples of Fig 2b, so it is kept (``keep_blank``). The blank is the one kept image whose orientation is not
determined.

The text does not give the probabilities. Fig 2b's 36 samples count 4, 8, 15 and 9 images with 0, 1, 2 and 3 bars,
as expected under each bar on with probability 1/2 (2.4, 9.6, 14.4, 9.6) and far from 0.2 (14.8, 14.8, 5.5, 0.9); 20
of the 32 non-blank samples are horizontal, 12 vertical, consistent with the symmetric top level of Fig 2a (1/2).
Both are parameters here, so another choice is one config edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDE = 4
N_PIXELS = SIDE * SIDE
VERTICAL, HORIZONTAL = 1, 0  # orientation codes (1 = vertical)
# Hinton et al. 1995 Fig 2b, counted: of its 36 samples, how many have 0, 1, 2, 3 bars on (none has 4), and how many
# of the 32 with a bar are horizontal and vertical
FIG2B_BAR_COUNTS = (4, 8, 15, 9)
FIG2B_HORIZONTAL_VERTICAL = (20, 12)


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
    and ``determined`` (K,) bool: whether the image tells its orientation (all but the blank, whose ``vertical`` is
    0); ``kept_mass``: the generator's probability of the kept images, so that the generator itself, as a model, is
    KL(p_data || p_generator) = -log2(kept_mass) bits from p_data (the floor of Fig 2a's structure)."""

    patterns: np.ndarray
    prob: np.ndarray
    vertical: np.ndarray
    determined: np.ndarray
    kept_mass: float

    @property
    def entropy_bits(self) -> float:
        return float(-(self.prob * np.log2(self.prob)).sum())

    def index(self, x: np.ndarray) -> np.ndarray:
        """Row in ``patterns`` of each image of ``x`` (n, 16); -1 where the image is not in the support."""
        codes = np.asarray(x) @ (2 ** np.arange(N_PIXELS))
        lookup = {int(c): i for i, c in enumerate(self.patterns @ (2 ** np.arange(N_PIXELS)))}
        return np.array([lookup.get(int(c), -1) for c in codes], dtype=int)


def bars_distribution(p_vertical: float = 0.5, p_bar: float = 0.5, keep_blank: bool = True) -> BarsDistribution:
    """Enumerate both orientations x 2^4 bar subsets, drop the all-on image, merge the blank of both orientations into
    one image (or drop it too when ``keep_blank`` is false), renormalise. Every other image has exactly one cause."""
    if not (0 < p_vertical < 1 and 0 < p_bar < 1):
        raise ValueError(f"bars: p_vertical = {p_vertical} and p_bar = {p_bar} must both lie strictly in (0, 1)")
    codes = np.arange(2**SIDE)
    subsets = ((codes[:, None] >> np.arange(SIDE)[None, :]) & 1).astype(np.float64)
    k = subsets.sum(1)
    keep = (k > 0) & (k < SIDE)  # one orientation's images with 1 to 3 bars; the blank is added once below
    images, probs, vertical = [], [], []
    for orientation, p_o in ((VERTICAL, p_vertical), (HORIZONTAL, 1 - p_vertical)):
        p = p_o * p_bar**k * (1 - p_bar) ** (SIDE - k)
        images.append(compose(subsets[keep], orientation))
        probs.append(p[keep])
        vertical.append(np.full(int(keep.sum()), orientation))
    determined = [np.ones(2 * int(keep.sum()), dtype=bool)]
    if keep_blank:  # either orientation with no bar on
        images.append(np.zeros((1, N_PIXELS)))
        probs.append(np.array([(1 - p_bar) ** SIDE]))
        vertical.append(np.zeros(1))
        determined.append(np.zeros(1, dtype=bool))
    prob = np.concatenate(probs)
    return BarsDistribution(
        np.concatenate(images),
        prob / prob.sum(),
        np.concatenate(vertical).astype(np.float64),
        np.concatenate(determined),
        float(prob.sum()),
    )


def sample_bars(n: int, rng: np.random.Generator | int, dist: BarsDistribution) -> np.ndarray:
    """Row indices into ``dist.patterns`` of ``n`` independent draws from p_data (what an online learner sees)."""
    return np.random.default_rng(rng).choice(len(dist.prob), size=int(n), p=dist.prob)
