"""aevq.metrics.pca, the project's one PCA, against scikit-learn's (an independent implementation: SVD of the centred
data), and the chapters that use it."""

import numpy as np
import pytest
from sklearn.decomposition import PCA as SklearnPCA

from aevq.metrics.pca import PCA


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    # correlated, with distinct variances and a nonzero mean: 300 points in 12 dimensions
    return rng.standard_normal((300, 12)) @ rng.standard_normal((12, 12)) + 3.0


def test_components_codes_and_reconstructions_equal_scikit_learns(data):
    ours = PCA(4).fit(data)
    theirs = SklearnPCA(4, svd_solver="full").fit(data)
    # sklearn fixes the same signs (largest-magnitude entry of each component positive, svd_flip on the components)
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=1e-10)
    np.testing.assert_allclose(ours.mean_, theirs.mean_, atol=1e-12)
    np.testing.assert_allclose(ours.encode(data), theirs.transform(data), atol=1e-9)
    np.testing.assert_allclose(ours.reconstruct(data), theirs.inverse_transform(theirs.transform(data)), atol=1e-9)
    # sklearn's variances use 1/(N - 1); ours are the covariance's, 1/N
    n = data.shape[0]
    np.testing.assert_allclose(ours.eigenvalues_[:4] * n / (n - 1), theirs.explained_variance_, rtol=1e-10)
    assert ours.explained_variance_ratio() == pytest.approx(theirs.explained_variance_ratio_.sum(), rel=1e-12)


def test_with_components_is_the_same_fit_truncated(data):
    full = PCA(6).fit(data)
    two = full.with_components(2)
    np.testing.assert_array_equal(two.components_, PCA(2).fit(data).components_)
    # the reconstruction error on the training data is the sum of the discarded eigenvalues
    err = ((data - two.reconstruct(data)) ** 2).sum(1).mean()
    assert err == pytest.approx(two.loss_floor(), rel=1e-10)


def test_both_pca30_numbers_come_from_the_one_pca(data):
    """The linear AE chapter's PCA error and the deep AE chapter's PCA baseline are the same computation."""
    from aevq.chapters.deep_ae import pca_baseline
    from aevq.chapters.linear_ae import pca_test_error

    x_train, x_test = data[:200], data[200:]
    y_test = np.arange(len(x_test)) % 10
    deep, _ = pca_baseline(x_train, x_test, y_test, 5)
    linear = pca_test_error(x_train, x_test, 5)
    expected = ((x_test - PCA(5).fit(x_train).reconstruct(x_test)) ** 2).sum(1).mean()
    assert deep["test_error"] == expected
    assert linear["error_per_image"] == pytest.approx(expected, rel=1e-12)
