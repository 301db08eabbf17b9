"""Make "meaningless noise" a number: score a set of generated images with a trained MNIST classifier.

* ``confidence``: mean max-softmax probability (a digit-like image gets one class with high probability);
* ``confident_share``: share of images whose max-softmax is at least a threshold (the lecture's *completeness*);
* ``class_entropy``: entropy (nats) of the histogram of predicted classes (log 10 = all digits equally often);
* ``nn_distance``: mean Euclidean distance to the nearest training image (batched ``torch.cdist``);
* ``frechet``: ||m1 - m2||^2 + tr(S1 + S2 - 2 (S1 S2)^{1/2}) between Gaussians fitted to the classifier's
  penultimate features of the generated and of real test images (FID with an MNIST classifier, Heusel et al. 2017).

Each score comes with its uncertainty over the scored images, so that two models are compared only beyond it: the
standard error of the mean confidence and of the confident share (binomial), and a bootstrap standard error of the
Frechet distance (the scored images resampled with replacement, the real test images' statistics held fixed).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch


def frechet_distance(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """Frechet (2-Wasserstein) distance squared between N(mu1, s1) and N(mu2, s2)."""
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():  # singular product: regularise as in the FID reference code
        eps = 1e-6 * np.eye(len(s1))
        covmean = scipy.linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean), 0.0))


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(features, dtype=np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_between(features_a: np.ndarray, features_b: np.ndarray) -> float:
    return frechet_distance(*gaussian_stats(features_a), *gaussian_stats(features_b))


def nearest_distance(x: np.ndarray, reference: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Euclidean distance of each row of x to its nearest row of ``reference``."""
    ref = torch.as_tensor(np.asarray(reference), dtype=torch.float32)
    out = []
    for start in range(0, len(x), batch_size):
        xb = torch.as_tensor(np.asarray(x[start : start + batch_size]), dtype=torch.float32)
        out.append(torch.cdist(xb, ref).min(dim=1).values.numpy())
    return np.concatenate(out)


def class_entropy(pred: np.ndarray, n_classes: int = 10) -> float:
    p = np.bincount(pred, minlength=n_classes) / len(pred)
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


def bootstrap_frechet_se(features: np.ndarray, reference: tuple, n_bootstrap: int, seed: int) -> float:
    """Standard deviation of the Frechet distance to ``reference`` (mean, covariance) over ``n_bootstrap`` resamples
    (with replacement) of the rows of ``features``, drawn from a NumPy generator seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    f = np.asarray(features, dtype=np.float64)
    values = [
        frechet_distance(*gaussian_stats(f[rng.integers(0, len(f), len(f))]), *reference) for _ in range(n_bootstrap)
    ]
    return float(np.std(values, ddof=1))


class Judge:
    """A trained classifier plus the reference sets (training images, test-image features).

    ``n_bootstrap`` resamples (seeded by ``bootstrap_seed``, a generator of its own so that the models' sampling
    streams are untouched) give each Frechet distance its standard error."""

    def __init__(
        self,
        classifier,
        x_train: np.ndarray,
        x_test: np.ndarray,
        *,
        confident: float = 0.9,
        n_bootstrap: int = 100,
        bootstrap_seed: int = 0,
    ):
        self.clf, self.x_train, self.confident = classifier, x_train, float(confident)
        self.n_bootstrap, self.bootstrap_seed = int(n_bootstrap), int(bootstrap_seed)
        self.test_features = classifier.transform(x_test)
        self.test_stats = gaussian_stats(self.test_features)

    def score(self, images: np.ndarray) -> dict[str, float]:
        proba = self.clf.predict_proba(images)
        top = proba.max(axis=1)
        n = len(top)
        share = float((top >= self.confident).mean())
        features = self.clf.transform(images)
        return {
            "n": int(n),
            "confidence": float(top.mean()),
            "confidence_se": float(top.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"),
            "confident_share": share,
            "confident_share_se": float(np.sqrt(share * (1.0 - share) / n)),
            "class_entropy": class_entropy(proba.argmax(axis=1)),
            "nn_distance": float(nearest_distance(images, self.x_train).mean()),
            "frechet": frechet_distance(*gaussian_stats(features), *self.test_stats),
            "frechet_se": bootstrap_frechet_se(features, self.test_stats, self.n_bootstrap, self.bootstrap_seed),
        }
