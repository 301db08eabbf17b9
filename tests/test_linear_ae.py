"""Linear AE = PCA: closed forms against scikit-learn, the Hessian census, rotation invariance, a few GD steps."""

import math

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA as SkPCA

from aevq.metrics.linear_algebra import (
    PCA,
    bernoulli_nll_constant,
    covariance,
    covariance_with_spectrum,
    critical_points,
    gaussian_nll_constant,
    hessian_census,
    largest_angle_deg,
    linear_ae_loss,
    linear_ae_loss_data,
    nearest_other_class,
    projection_errors,
    projection_from_decoder,
    random_orthogonal,
    shift_images,
    squared_error_per_image,
)
from aevq.models.linear_ae import LinearAE, largest_angle_torch


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    scales = np.array([2.0, 1.5, 1.0, 0.6, 0.4, 0.2])
    basis = random_orthogonal(6, rng)
    x = (rng.standard_normal((400, 6)) * scales) @ basis.T + rng.standard_normal(6)
    return x


def test_pca_matches_scikit_learn(data):
    ours = PCA(3).fit(data)
    sk = SkPCA(n_components=3, svd_solver="full").fit(data)
    n = data.shape[0]
    np.testing.assert_allclose(ours.eigenvalues_[:3], sk.explained_variance_ * (n - 1) / n, rtol=1e-10)
    assert largest_angle_deg(ours.components_.T, sk.components_.T) < 1e-6
    np.testing.assert_allclose(ours.reconstruct(data), sk.inverse_transform(sk.transform(data)), atol=1e-10)
    # the loss floor sum_{j>d} lambda_j is the training reconstruction error of the optimum
    assert squared_error_per_image(data, ours.reconstruct(data)) == pytest.approx(ours.loss_floor(), rel=1e-10)


def test_critical_point_losses_and_projection(data):
    _, sigma = covariance(data)
    for point in critical_points(sigma, 2):
        assert linear_ae_loss(point["w_e"], point["w_d"], sigma) == pytest.approx(point["loss_formula"], rel=1e-10)
        err = projection_errors(projection_from_decoder(point["w_d"] @ random_orthogonal(2, np.random.default_rng(1))))
        assert err["symmetry"] < 1e-12 and err["idempotence"] < 1e-12 and err["trace"] == pytest.approx(2)


@pytest.mark.parametrize("eigenvalues,d", [([3.0, 2.0, 1.0], 1), ([4.0, 3.0, 2.0, 1.0], 2)])
def test_hessian_census_one_minimum_rest_saddles(eigenvalues, d):
    sigma, _ = covariance_with_spectrum(eigenvalues, np.random.default_rng(3))
    rows = hessian_census(sigma, d)
    assert len(rows) == math.comb(len(eigenvalues), d)
    assert [r["kind"] for r in rows].count("minimum") == 1 and rows[0]["kind"] == "minimum"
    for r in rows:
        assert r["grad_norm"] < 1e-10
        assert r["n_zero"] == d * d  # the GL(d) orbit, nothing more
        assert r["min_abs_nonzero_over_norm"] > 1e-3  # well clear of the zero tolerance
        assert r["loss"] == pytest.approx(r["loss_formula"], rel=1e-12)


def test_rotation_leaves_loss_unchanged(data):
    rng = np.random.default_rng(2)
    mean, sigma = covariance(data)
    w_e, w_d = rng.standard_normal((2, 6)), rng.standard_normal((6, 2))
    r = random_orthogonal(2, rng)
    np.testing.assert_allclose(r.T @ r, np.eye(2), atol=1e-12)
    base = linear_ae_loss_data(w_e, w_d, data - mean)
    assert linear_ae_loss_data(r.T @ w_e, w_d @ r, data - mean) == pytest.approx(base, rel=1e-12)
    assert linear_ae_loss(w_e, w_d, sigma) == pytest.approx(base, rel=1e-10)


def test_model_loss_forms_agree_and_angle_matches_scipy(data):
    model = LinearAE(6, 2, init_scale=0.5, seed=0)
    model.mean.copy_(torch.as_tensor(data.mean(0)))
    _, sigma = covariance(data)
    cov_loss = model.loss_cov(torch.as_tensor(sigma)).item()
    assert cov_loss == pytest.approx(model.loss_data(data).item(), rel=1e-10)
    u = torch.as_tensor(random_orthogonal(6, np.random.default_rng(5))[:, :2])
    assert largest_angle_torch(model.W_d.detach(), u) == pytest.approx(
        largest_angle_deg(model.W_d.detach().numpy(), u.numpy()), abs=1e-8
    )


def test_few_gradient_steps_reach_the_pca_subspace(data):
    model = LinearAE(6, 2, init_scale=0.1, seed=7).fit(data, steps=120, lr=0.05, momentum=0.9)
    h = model.history_
    assert h["loss"][-1] < h["loss"][0]
    assert h["angle_deg"][-1] < 1.0
    assert abs(h["loss"][-1] - h["loss_floor"]) / h["loss_floor"] < 1e-3
    z = model.encode(data)
    assert z.shape == (400, 2) and model.decode(z).shape == data.shape
    # same seed, same numbers
    again = LinearAE(6, 2, init_scale=0.1, seed=7).fit(data, steps=5, lr=0.02, momentum=0.9)
    first = LinearAE(6, 2, init_scale=0.1, seed=7).fit(data, steps=5, lr=0.02, momentum=0.9)
    np.testing.assert_array_equal(again.history_["loss"], first.history_["loss"])


def test_shift_zero_fill_and_nearest_other_class():
    img = np.zeros((1, 28 * 28))
    img.reshape(28, 28)[5, 27] = 1.0  # right edge: a wrap-around roll would bring it to column 1
    shifted = shift_images(img, dx=2).reshape(28, 28)
    assert shifted.sum() == 0
    img.reshape(28, 28)[5, 3] = 1.0
    assert shift_images(img, dx=2).reshape(28, 28)[5, 5] == 1.0
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    y = np.array([0, 1, 0, 1])
    dist, idx = nearest_other_class(x, y, np.arange(4))
    np.testing.assert_array_equal(idx, [1, 2, 1, 2])
    assert dist[0] == pytest.approx(1.0)


def test_nll_constants():
    rng = np.random.default_rng(4)
    x, x_hat = rng.random((20, 10)), rng.random((20, 10))
    for s2 in (0.1, 2.0):
        c = gaussian_nll_constant(x, x_hat, s2)
        np.testing.assert_allclose(c, 5 * math.log(2 * math.pi * s2), rtol=1e-12)
    diff, bce = bernoulli_nll_constant((x > 0.5).astype(float), np.clip(x_hat, 1e-4, 1 - 1e-4))
    assert np.abs(diff).max() < 1e-9 * bce.mean()
