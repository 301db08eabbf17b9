"""The shift patterns of Dayan, Hinton, Neal & Zemel (1995, Fig 1; beside the lecture's Fig 8): sampler, exact p_data.

A pattern is 4 rows of 8 binary pixels, flattened row by row (row 0 = top) into 32 values:

* the bottom row (row 3) is random, each pixel on with probability ``p_on`` (0.2 in the paper);
* the top row (row 0) is the bottom row shifted one pixel left or right with wrap-around, the direction chosen first,
  left and right equiprobable;
* the middle rows copy the outer rows: row 1 copies the top row, row 2 the bottom row ("the top two rows as a left
  retina and the bottom two rows as a right retina", their Fig 1 caption).

Because there are only 2^8 bottom rows and 2 directions, p_data is enumerated exactly: 512 (bottom, direction) pairs,
merged where they give the same image (the bottom rows invariant under a shift by two pixels: 00000000, 11111111,
01010101, 10101010 look the same shifted left or right), so 508 distinct patterns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROWS, WIDTH = 4, 8
N_PIXELS = ROWS * WIDTH
LEFT, RIGHT = 0, 1  # direction codes


def shift_row(bottom: np.ndarray, direction: np.ndarray | int) -> np.ndarray:
    """The top row: ``bottom`` (..., 8) rolled one pixel left (direction 0) or right (direction 1), with wrap-around."""
    bottom = np.asarray(bottom)
    left = np.roll(bottom, -1, axis=-1)
    right = np.roll(bottom, 1, axis=-1)
    d = np.asarray(direction)[..., None] if np.ndim(direction) else direction
    return np.where(d == RIGHT, right, left)


def compose(bottom: np.ndarray, direction: np.ndarray | int) -> np.ndarray:
    """Rows (top, copy of top, copy of bottom, bottom) flattened to (..., 32) float64 in {0, 1}."""
    bottom = np.asarray(bottom, dtype=np.float64)
    top = shift_row(bottom, direction).astype(np.float64)
    return np.concatenate([top, top, bottom, bottom], axis=-1)


def sample_shifter(n: int, rng: np.random.Generator | int, p_on: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` patterns: (x of shape (n, 32) float64, direction of shape (n,) int, 0 = left, 1 = right).

    Two-stage as in the paper: the direction first (equiprobable), then the bottom row with p(on) = ``p_on``.
    """
    rng = np.random.default_rng(rng)
    direction = rng.integers(0, 2, size=n)
    bottom = (rng.random((n, WIDTH)) < p_on).astype(np.float64)
    return compose(bottom, direction), direction


@dataclass(frozen=True)
class ShifterDistribution:
    """p_data over the distinct patterns, exactly.

    ``patterns`` (K, 32) distinct images; ``prob`` (K,) their probabilities (sum 1); ``p_right`` (K,) the posterior
    probability that the shift was right given the image (0 or 1, or 0.5 for the 4 ambiguous bottom rows);
    ``ambiguous`` (K,) True where the image does not determine the direction.
    """

    patterns: np.ndarray
    prob: np.ndarray
    p_right: np.ndarray
    ambiguous: np.ndarray

    @property
    def entropy_bits(self) -> float:
        p = self.prob
        return float(-(p * np.log2(p)).sum())

    def index(self, x: np.ndarray) -> np.ndarray:
        """Row index in ``patterns`` of each image in ``x`` (n, 32); -1 where the image is not a shift pattern."""
        lookup = {k: i for i, k in enumerate(_keys(self.patterns))}
        return np.array([lookup.get(k, -1) for k in _keys(x)], dtype=int)


def true_causes() -> np.ndarray:
    """The 16 latent causes of the generating process as pixel masks, (32, 16) float64 in {0, 1}.

    Column ``d * 8 + i`` (direction d, 0 = left, 1 = right; bottom pixel i) switches on bottom pixel i in rows 2-3 and
    its shifted partner in rows 0-1 (pixel i - 1 for a left shift, i + 1 for a right shift, with wrap-around). A
    pattern is the OR of the causes of its on bottom pixels, all of one direction.
    """
    causes = np.zeros((N_PIXELS, 2 * WIDTH))
    for direction in (LEFT, RIGHT):
        for i in range(WIDTH):
            bottom = np.zeros(WIDTH)
            bottom[i] = 1.0
            causes[:, direction * WIDTH + i] = compose(bottom, direction)
    return causes


def _keys(x: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in np.packbits(np.asarray(x) > 0.5, axis=-1)]


def shifter_distribution(p_on: float = 0.2) -> ShifterDistribution:
    """Enumerate all 2^8 bottom rows x 2 directions with probability p_on^k (1-p_on)^(8-k) / 2, merge equal images."""
    codes = np.arange(2**WIDTH)
    bottoms = ((codes[:, None] >> np.arange(WIDTH)[None, :]) & 1).astype(np.float64)
    k = bottoms.sum(1)
    p_bottom = p_on**k * (1 - p_on) ** (WIDTH - k)
    images, probs, rights = [], {}, {}
    order = []
    for direction in (LEFT, RIGHT):
        for x, p in zip(compose(bottoms, direction), p_bottom, strict=True):
            key = x.astype(np.uint8).tobytes()
            if key not in probs:
                probs[key], rights[key] = 0.0, 0.0
                order.append(key)
                images.append(x)
            probs[key] += 0.5 * p
            rights[key] += 0.5 * p * direction
    prob = np.array([probs[k] for k in order])
    p_right = np.array([rights[k] for k in order]) / prob
    ambiguous = (p_right > 0) & (p_right < 1)
    return ShifterDistribution(np.array(images), prob, p_right, ambiguous)
