"""Make "meaningless noise" a number: score a set of generated images with a trained MNIST classifier.

* ``confidence``: mean max-softmax probability (a digit-like image gets one class with high probability);
* ``confident_share``: share of images whose max-softmax is at least a threshold (the lecture's *completeness*);
* ``class_entropy``: entropy (nats) of the histogram of predicted classes (log 10 = all digits equally often);
* ``nn_distance``: mean Euclidean distance to the nearest training image (batched ``torch.cdist``);
* ``frechet``: ||m1 - m2||^2 + tr(S1 + S2 - 2 (S1 S2)^{1/2}) between Gaussians fitted to the classifier's
  penultimate features of the generated and of real test images (FID with an MNIST classifier, Heusel et al. 2017).
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


class Judge:
    """A trained classifier plus the reference sets (training images, test-image features)."""

    def __init__(self, classifier, x_train: np.ndarray, x_test: np.ndarray, *, confident: float = 0.9):
        self.clf, self.x_train, self.confident = classifier, x_train, float(confident)
        self.test_features = classifier.transform(x_test)

    def score(self, images: np.ndarray) -> dict[str, float]:
        proba = self.clf.predict_proba(images)
        top = proba.max(axis=1)
        return {
            "confidence": float(top.mean()),
            "confident_share": float((top >= self.confident).mean()),
            "class_entropy": class_entropy(proba.argmax(axis=1)),
            "nn_distance": float(nearest_distance(images, self.x_train).mean()),
            "frechet": frechet_between(self.clf.transform(images), self.test_features),
        }
