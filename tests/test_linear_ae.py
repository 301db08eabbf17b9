"""Linear AE = PCA: closed forms against scikit-learn, the Hessian census, rotation invariance, a few GD steps."""

import math

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA as SkPCA

from aevq.chapters.linear_ae import (
    bottleneck_reconstructions,
    census_is_baldi_hornik,
    closed_form_claims,
    convergence_measures,
    data_subspace_measures,
    first_of_each_class,
    hessian_census_examples,
    measure_trained_model,
    nll_constant_rows,
    pca_test_error,
    projection_measures,
    rotation_measures,
    sphere_landscape,
    training_claims,
    training_summary_row,
    which_closer,
)
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
    pca_eig,
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


# -- the chapter module: measures against independent oracles, claims that pass and fail ------------------------------


def test_convergence_measures():
    history = {
        "angle_deg": np.array([10.0, 2.0, 0.9, 0.5]),
        "loss": np.array([5.0, 2.0, 1.001, 1.0005]),
        "loss_floor": 1.0,
    }
    m = convergence_measures(history, np.array([3.0, 2.0, 1.0, 0.5]), 2)
    assert m["final_angle_deg"] == 0.5 and m["final_loss"] == 1.0005
    assert m["loss_gap_rel"] == pytest.approx(5e-4, rel=1e-9)
    assert m["eigengap_d"] == 1.0 and m["steps_to_1deg"] == 2
    history["angle_deg"] = np.array([10.0, 3.0, 2.0, 1.0])  # 1 degree itself is not below
    assert convergence_measures(history, np.array([3.0, 2.0, 1.0, 0.5]), 2)["steps_to_1deg"] is None


def test_projection_measures_against_the_pseudo_inverse():
    rng = np.random.default_rng(8)
    w_d, w_e = rng.standard_normal((6, 2)), rng.standard_normal((2, 6))
    m = projection_measures(w_e, w_d)
    oracle = w_d @ np.linalg.pinv(w_d)  # the orthogonal projection onto col(W_d)
    np.testing.assert_allclose(projection_from_decoder(w_d), oracle, atol=1e-12)
    assert m["p_star"]["symmetry"] < 1e-12 and m["p_star"]["idempotence"] < 1e-12
    assert m["p_star"]["trace"] == pytest.approx(2.0)
    raw = w_d @ w_e
    assert m["raw"]["symmetry"] == pytest.approx(np.linalg.norm(raw - raw.T) / np.linalg.norm(raw), rel=1e-12)
    assert m["raw"]["symmetry"] > 0.1 and m["raw"]["idempotence"] > 0.1  # a random product is no projection


def test_rotation_measures(data):
    rng = np.random.default_rng(9)
    xc = data - data.mean(0)
    w_e, w_d = rng.standard_normal((3, 6)), rng.standard_normal((6, 3))
    r = random_orthogonal(3, rng)
    m, (z, z_rot) = rotation_measures(w_e, w_d, xc, r)
    assert m["loss_data"] == pytest.approx(np.mean(np.sum((xc - xc @ (w_d @ w_e).T) ** 2, axis=1)), rel=1e-12)
    np.testing.assert_allclose(z_rot, xc @ (r.T @ w_e).T, atol=1e-12)  # the rotated encoder's codes
    assert m["loss_rel_diff"] < 1e-12 and m["recon_max_abs_diff"] < 1e-10
    assert m["code_change_rel"] > 0.1
    same, _ = rotation_measures(w_e, w_d, xc, np.eye(3))
    assert same["loss_rel_diff"] == 0.0 and same["code_change_rel"] == 0.0


def test_nll_constant_rows_against_the_closed_forms():
    rng = np.random.default_rng(10)
    x, x_hat = rng.random((30, 8)), rng.random((30, 8))
    rows = nll_constant_rows(x, x_hat, [0.5, 3.0], 1e-4)
    assert [r["likelihood"] for r in rows] == ["Gaussian", "Gaussian", "Bernoulli"]
    for row, s2 in zip(rows[:2], [0.5, 3.0], strict=True):
        theory = 8 / 2 * math.log(2 * math.pi * s2)  # (D/2) log(2 pi sigma^2), D = 8
        assert row["theory"] == pytest.approx(theory, rel=1e-15)
        assert row["constant_min"] == pytest.approx(theory, rel=1e-12)
        assert row["constant_max"] == pytest.approx(theory, rel=1e-12)
        assert row["spread_rel"] < 1e-12 and row["max_abs_minus_theory_rel"] < 1e-12
    assert rows[-1]["theory"] == 0.0 and rows[-1]["max_abs_minus_theory_rel"] < 1e-12


def test_first_of_each_class():
    labels = np.array([3, 1, 0, 1, 2, 0, 3])
    np.testing.assert_array_equal(first_of_each_class(labels, 4), [2, 1, 4, 0])


def test_measure_trained_model_and_its_claims(data):
    """A converged model on the small data passes every claim; an unconverged one fails the two convergence claims."""
    rng = np.random.default_rng(11)
    r = random_orthogonal(2, rng)
    x_test = np.clip(rng.random((50, 6)), 0.05, 0.95)

    def doc(steps):
        model = LinearAE(6, 2, init_scale=0.1, seed=7).fit(data, steps=steps, lr=0.05, momentum=0.9)
        w_e, w_d = model.weights()
        m, codes = measure_trained_model(
            model.history_,
            model.eigenvalues_,
            w_e,
            w_d,
            data - model.mean.numpy(),
            r,
            x_test,
            model.reconstruct(x_test),
            nll_sigma2=[0.1, 1.0],
            bernoulli_clip=1e-4,
        )
        assert codes[0].shape == (400, 2)
        return {"d": 2, "n_train": 400, "n_test": 50, "train": {"steps": steps}, **m}

    good = doc(120)
    assert good["final_loss_data"] == pytest.approx(good["final_loss"], rel=1e-8)  # data and trace forms of L
    rows = training_claims(good, profile="test", nll_sigma2=[0.1, 1.0], bernoulli_clip=1e-4)
    assert len(rows) == 8 and all(r["passed"] for r in rows), [r["claim"] for r in rows if not r["passed"]]
    assert training_summary_row(good)["model"] == "Linear AE"
    early = training_claims(doc(3), profile="test", nll_sigma2=[0.1, 1.0], bernoulli_clip=1e-4)
    assert [r["passed"] for r in early[:3]] == [False, False, False] and all(r["passed"] for r in early[3:])


def test_training_claims_fail_when_their_measures_do():
    ok = {"symmetry": 1e-12, "idempotence": 1e-12, "trace": 2.0}
    nll = [
        {"likelihood": "Gaussian", "spread_rel": 1e-12, "max_abs_minus_theory_rel": 1e-12},
        {"likelihood": "Bernoulli", "spread_rel": 1e-12, "max_abs_minus_theory_rel": 1e-12},
    ]
    base = {
        "d": 2,
        "n_train": 10,
        "n_test": 5,
        "train": {"steps": 1},
        "final_angle_deg": 0.1,
        "eigengap_d": 1.0,
        "loss_gap_rel": 1e-5,
        "final_loss": 1.0,
        "loss_floor": 1.0,
        "projection_p_star": ok,
        "projection_raw_WdWe": ok,
        "trained_product_vs_pca_on_data": {"rel_to_data": 1e-4, "rel_to_projection": 1e-4},
        "rotation_loss_rel_diff": 1e-15,
        "rotation_code_change_rel": 1.0,
        "rotation_recon_max_abs_diff": 1e-15,
        "nll_constants": nll,
    }
    kw = dict(profile="test", nll_sigma2=[1.0], bernoulli_clip=1e-4)
    assert all(r["passed"] for r in training_claims(base, **kw))
    bad = {"symmetry": 1e-3, "idempotence": 1e-3, "trace": 2.0}
    worse = {
        **base,
        "final_angle_deg": 5.0,
        "loss_gap_rel": 0.1,
        "projection_p_star": bad,
        "trained_product_vs_pca_on_data": {"rel_to_data": 0.05, "rel_to_projection": 0.06},
        "rotation_loss_rel_diff": 1e-6,
        "nll_constants": [{**row, "spread_rel": 1e-6, "max_abs_minus_theory_rel": 1e-6} for row in nll],
    }
    assert not any(r["passed"] for r in training_claims(worse, **kw))
    assert not training_claims({**base, "final_angle_deg": float("nan")}, **kw)[0]["passed"]


def test_the_trained_product_is_judged_on_the_data_subspace():
    """W_d W_e = U U^T on the data's span passes, whatever W_e does on a blank pixel (which P* alone cannot see);
    a decoder tilted by a known angle theta away from the PCA subspace is measured at most sin(theta)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((500, 4)) * np.array([3.0, 2.0, 0.5, 0.2])
    x = np.hstack([x - x.mean(0), np.zeros((500, 1))])  # pixel 5 is blank: no image ever lights it
    _, vecs = pca_eig(x.T @ x / len(x))
    u = vecs[:, :2]
    w_e = u.T.copy()
    w_e[:, 4] = rng.standard_normal(2)  # the random start GD never moves on the blank pixel
    on_data = data_subspace_measures(w_e, u, x)
    assert on_data["rel_to_data"] < 1e-12 and on_data["rel_to_projection"] < 1e-12
    assert projection_errors(u @ w_e)["symmetry"] > 0.1  # the raw product is not a symmetric matrix
    theta = np.radians(5.0)
    tilt = u.copy()
    tilt[:, 1] = np.cos(theta) * vecs[:, 1] + np.sin(theta) * vecs[:, 2]  # 5 degrees towards u_3
    tilted = data_subspace_measures(np.linalg.pinv(tilt), tilt, x)
    assert 0.01 < tilted["rel_to_data"] <= np.sin(theta)


def test_pca_error_and_bottleneck_match_scikit_learn(data):
    rng = np.random.default_rng(12)
    x_train, x_test = data[:300], data[300:] + 0.1 * rng.standard_normal((100, 6))
    sk = SkPCA(n_components=2, svd_solver="full").fit(x_train)
    oracle = np.mean(np.sum((x_test - sk.inverse_transform(sk.transform(x_test))) ** 2, axis=1))
    pca30 = pca_test_error(x_train, x_test, 2)
    assert pca30["error_per_image"] == pytest.approx(oracle, rel=1e-10)
    assert (pca30["n_train"], pca30["n_test"], pca30["components"]) == (300, 100, 2)
    picks = np.array([0, 5, 7])
    recon, errors = bottleneck_reconstructions(x_train, x_test, [1, 2, 4], picks)
    assert recon.shape == (3, 3, 6)
    for k, d in enumerate([1, 2, 4]):
        sk = SkPCA(n_components=d, svd_solver="full").fit(x_train)
        x_hat = sk.inverse_transform(sk.transform(x_test))
        np.testing.assert_allclose(recon[k], x_hat[picks], atol=1e-10)
        assert errors[k] == pytest.approx(np.mean(np.sum((x_test - x_hat) ** 2, axis=1)), rel=1e-10)
    assert errors[0] > errors[1] > errors[2]  # a wider bottleneck keeps more


def test_which_closer_against_brute_force():
    rng = np.random.default_rng(13)
    x = rng.random((24, 28 * 28)) * (rng.random((24, 28 * 28)) < 0.2)
    labels = rng.integers(0, 3, size=24)
    m, arrays = which_closer(x, labels, 2)
    shifted = np.zeros_like(x.reshape(-1, 28, 28))
    shifted[:, :, 2:] = x.reshape(-1, 28, 28)[:, :, :-2]  # 2 px to the right, zero fill
    d_shift = np.sqrt(((x - shifted.reshape(24, -1)) ** 2).sum(1))
    dist = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    dist[labels[:, None] == labels[None, :]] = np.inf
    np.testing.assert_allclose(arrays["d_shift"], d_shift, rtol=1e-12)
    np.testing.assert_allclose(arrays["d_other"], dist.min(1), rtol=1e-9)
    np.testing.assert_array_equal(arrays["other_index"], dist.argmin(1))
    assert m["fraction_other_class_closer"] == pytest.approx(np.mean(dist.min(1) < d_shift))
    margin = arrays["d_shift"] - arrays["d_other"]
    assert (np.diff(margin[arrays["order"]]) <= 0).all()
    assert m["n_queries"] == m["n_candidates"] == 24


def test_sphere_landscape():
    sigma, _ = covariance_with_spectrum([3.0, 2.0, 1.0], np.random.default_rng(14))
    land = sphere_landscape(sigma)
    np.testing.assert_allclose(land["eigenvalues"], [3.0, 2.0, 1.0], rtol=1e-12)
    assert land["loss"].shape == (land["theta"].size, land["phi"].size)
    # L at the critical directions +-u_j is tr Sigma - lambda_j (=3, 4, 5 here), the grid's minimum near the first
    for (theta, phi), lam in zip(land["crit"], [3.0, 3.0, 2.0, 2.0, 1.0, 1.0], strict=True):
        w = np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])
        assert 6.0 - w @ sigma @ w == pytest.approx(6.0 - lam, abs=1e-12)
    assert land["loss"].min() == pytest.approx(3.0, abs=1e-2) and land["loss"].max() == pytest.approx(5.0, abs=1e-2)


def test_hessian_census_examples_and_closed_form_claims():
    examples = {
        "D4_d2": {"eigenvalues": [4.0, 3.0, 2.0, 1.0], "d": 2},
        "D3_d1": {"eigenvalues": [3.0, 2.0, 1.0], "d": 1},
    }
    census, sigmas = hessian_census_examples(examples, np.random.default_rng(15))
    rng = np.random.default_rng(15)  # the same draws, in the same order
    for name, spec in examples.items():
        np.testing.assert_array_equal(sigmas[name], covariance_with_spectrum(spec["eigenvalues"], rng)[0])
        assert len(census[name]["rows"]) == math.comb(len(spec["eigenvalues"]), spec["d"])
        assert census_is_baldi_hornik(census[name]["rows"])
    pca30 = {"components": 30, "error_per_image": 13.866, "n_train": 60000, "n_test": 10000}
    rows = closed_form_claims(census["D4_d2"], pca30)
    assert [r["passed"] for r in rows] == [True, True]
    # a second minimum, a missing zero direction, a gradient that does not vanish: each fails the census
    good = census["D4_d2"]["rows"]
    for tamper in ({"kind": "minimum"}, {"n_zero": 3}, {"grad_norm": 1e-6}):
        rows_bad = [good[0]] + [{**good[1], **tamper}] + good[2:]
        assert not census_is_baldi_hornik(rows_bad)
        assert not closed_form_claims({**census["D4_d2"], "rows": rows_bad}, pca30)[0]["passed"]
    assert not closed_form_claims(census["D4_d2"], {**pca30, "error_per_image": 13.9})[1]["passed"]
