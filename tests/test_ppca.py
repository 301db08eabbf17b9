"""Probabilistic PCA: closed form vs scikit-learn, EM vs closed form, the posterior vs the joint Gaussian, sampling."""

import numpy as np
import pytest
import scipy.linalg as sla
from sklearn.decomposition import PCA

from aevq.metrics.linear_algebra import largest_angle_deg
from aevq.models.ppca import PPCA, joint_conditional, monte_carlo_conditional


def _data(n=400, D=12, q=3, seed=0):
    """Data from a PPCA model with well separated eigenvalues (so EM converges in a few hundred steps)."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((D, q)) * np.array([1.5, 1.2, 1.0])
    mu = rng.standard_normal(D)
    X = rng.standard_normal((n, q)) @ W.T + mu + 0.5 * rng.standard_normal((n, D))
    return X


def test_closed_form_matches_sklearn_score_with_its_ddof():
    X = _data()
    ours = PPCA(3, ddof=1).fit(X)
    sk = PCA(n_components=3, svd_solver="full").fit(X)
    assert ours.sigma2_ == pytest.approx(sk.noise_variance_, rel=1e-12)
    assert ours.score(X) == pytest.approx(sk.score(X), rel=1e-10)
    np.testing.assert_allclose(ours.score_samples(X), sk.score_samples(X), rtol=1e-10)
    np.testing.assert_allclose(ours.covariance(), sk.get_covariance(), atol=1e-10)


def test_closed_form_is_the_ml_formula():
    X = _data()
    m = PPCA(3).fit(X)
    S = np.cov(X, rowvar=False, bias=True)
    lam = np.sort(np.linalg.eigvalsh(S))[::-1]
    assert m.sigma2_ == pytest.approx(lam[3:].mean(), rel=1e-12)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(m.W_.T @ m.W_))[::-1], lam[:3] - m.sigma2_, rtol=1e-10)
    # the likelihood via Woodbury / the determinant lemma equals the dense formula
    C = m.covariance()
    dense = -0.5 * (12 * np.log(2 * np.pi) + np.linalg.slogdet(C)[1] + np.trace(np.linalg.solve(C, S)))
    assert m.score(X) == pytest.approx(dense, rel=1e-12)
    assert m.log_likelihood(X) == pytest.approx(len(X) * dense, rel=1e-12)


def test_em_converges_to_the_closed_form():
    X = _data()
    cf = PPCA(3).fit(X)
    em = PPCA(3, method="em", max_iter=2000, tol=1e-13, random_state=1).fit(X, reference=cf.W_)
    h = em.history_.as_arrays()
    assert np.all(np.diff(h["log_likelihood"]) >= -1e-9)  # EM never decreases the likelihood
    assert h["log_likelihood"][-1] == pytest.approx(cf.score(X), rel=1e-9)
    assert em.sigma2_ == pytest.approx(cf.sigma2_, rel=1e-6)
    assert largest_angle_deg(em.W_, cf.W_) < 1e-3
    assert h["angle_deg"][-1] < 1e-3 and len(h["angle_deg"]) == len(h["log_likelihood"]) == len(h["sigma2"])
    # same C, different coordinates: W_em = W_ml R for an orthogonal R
    P_em, P_cf = em.W_ @ em.W_.T, cf.W_ @ cf.W_.T
    assert np.linalg.norm(P_em - P_cf) / np.linalg.norm(P_cf) < 1e-4


def test_posterior_equals_joint_gaussian_conditional():
    X = _data()
    m = PPCA(3).fit(X)
    mean, cov = m.encode(X[:20], return_cov=True)
    ref_mean, ref_cov = joint_conditional(m.W_, m.mean_, m.sigma2_, X[:20])
    np.testing.assert_allclose(mean, ref_mean, atol=1e-10)
    np.testing.assert_allclose(cov, ref_cov, atol=1e-12)
    # and via the full block covariance [[I, W^T], [W, C]] of (z, x)
    Sigma = np.block([[np.eye(3), m.W_.T], [m.W_, m.covariance()]])
    K = Sigma[:3, 3:] @ np.linalg.inv(Sigma[3:, 3:])
    np.testing.assert_allclose(cov, Sigma[:3, :3] - K @ Sigma[3:, :3], atol=1e-10)


def test_monte_carlo_conditional_agrees_within_its_standard_error():
    X = _data()
    m = PPCA(3).fit(X)
    mc = monte_carlo_conditional(m, X[:5], n_samples=20_000, rng=np.random.default_rng(3), chunk=7_000)
    mean, cov = m.encode(X[:5], return_cov=True)
    assert np.max(np.abs(mc["mean"] - mean) / mc["mean_se"]) < 5
    assert np.max(np.abs(mc["cov"] - cov) / mc["cov_se"]) < 5


def test_sample_covariance_approaches_C():
    X = _data()
    m = PPCA(3).fit(X)
    xs = m.sample(100_000, np.random.default_rng(4))
    C = m.covariance()
    err = np.linalg.norm(np.cov(xs, rowvar=False) - C) / np.linalg.norm(C)
    assert err < 0.02
    np.testing.assert_allclose(xs.mean(axis=0), m.mean_, atol=0.05)


def test_decode_of_posterior_mean_and_angles():
    X = _data()
    m = PPCA(3).fit(X)
    Z = m.encode(X)
    assert Z.shape == (len(X), 3) and m.decode(Z).shape == X.shape
    rot = sla.qr(np.random.default_rng(5).standard_normal((3, 3)))[0]
    assert largest_angle_deg(m.W_ @ rot, m.W_) < 1e-6  # the rotation R does not change the subspace
    with pytest.raises(ValueError):
        PPCA(3, method="svd")


def test_blocked_em_step_equals_the_two_pass_formulas():
    from aevq.models.ppca import em_step

    rng = np.random.default_rng(3)
    Y = rng.standard_normal((257, 12)) @ rng.standard_normal((12, 12))
    Y -= Y.mean(axis=0)
    W = rng.standard_normal((12, 3))
    ss = float(np.sum(Y * Y))
    W1, s1, ll1 = em_step(Y, W, 0.7, ss, block_rows=10**6)
    W2, s2, ll2 = em_step(Y, W, 0.7, ss, block_rows=16)
    np.testing.assert_allclose(W1, W2, rtol=1e-12)
    assert s1 == pytest.approx(s2, rel=1e-12) and ll1 == pytest.approx(ll2, rel=1e-12)
    # against the textbook E and M steps written out with E[z_n] row by row
    M = W.T @ W + 0.7 * np.eye(3)
    Ez = Y @ W @ np.linalg.inv(M)
    Szz = len(Y) * 0.7 * np.linalg.inv(M) + Ez.T @ Ez
    np.testing.assert_allclose(W1, (Y.T @ Ez) @ np.linalg.inv(Szz), rtol=1e-10)


def test_aitken_estimate_is_exact_for_a_geometric_sequence_and_zero_at_rounding_noise():
    from aevq.models.ppca import aitken_remaining

    L, c, r = -700.0, 5.0, 0.9
    ll = [L - c * r**k for k in range(10)]
    assert aitken_remaining(ll) == pytest.approx(c * r**9, rel=1e-8)
    assert aitken_remaining(ll[:2]) == np.inf
    assert aitken_remaining([1.0, 2.0, 2.0 - 1e-13]) == pytest.approx(1e-13, rel=1e-2)  # a step down: noise
