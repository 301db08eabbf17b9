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


# --- the chapter's measures and claims (aevq.chapters.ppca) ---------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    """(X, the closed-form and EM fits): one EM run shared by the chapter tests below (it is the slow part)."""
    from aevq.chapters.ppca import fit_closed_form_and_em

    X = _data()
    return X, fit_closed_form_and_em(X, 3, max_iter=3000, tol=1e-12, rng=np.random.default_rng(7))


def test_likelihood_agreement_against_scipy_and_the_angle(fitted):
    from scipy.stats import multivariate_normal

    from aevq.chapters.ppca import likelihood_agreement

    X, fits = fitted
    m = likelihood_agreement(X, fits.closed_form, fits.em)
    cf = fits.closed_form
    dense = multivariate_normal(cf.mean_, cf.covariance()).logpdf(X).mean()  # the D x D route
    assert m["closed_form"]["mean_log_likelihood"] == pytest.approx(dense, rel=1e-12)
    assert m["closed_form"]["sigma2"] == cf.sigma2_
    assert m["em"]["n_iter"] == fits.em.n_iter_ > 0
    assert 0 <= m["em"]["relative_gap"] < 1e-9
    assert m["em"]["largest_angle_deg"] < 1e-3
    assert fits.closed_form_s >= 0 and fits.em_s >= 0


def test_em_fit_draws_its_initial_w_from_the_given_rng():
    from aevq.chapters.ppca import fit_closed_form_and_em

    X = _data()
    a = fit_closed_form_and_em(X, 3, max_iter=3000, tol=1e-4, rng=np.random.default_rng(1))
    b = fit_closed_form_and_em(X, 3, max_iter=3000, tol=1e-4, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.em.W_, b.em.W_)
    rng = np.random.default_rng(1)
    fit_closed_form_and_em(X, 3, max_iter=3000, tol=1e-4, rng=rng)
    assert rng.standard_normal() != np.random.default_rng(1).standard_normal()  # the stream moved on


def test_sklearn_agreement_needs_its_ddof():
    from aevq.chapters.ppca import sklearn_agreement

    X = _data()
    ll_ml = PPCA(3).fit(X).score(X)
    sk = sklearn_agreement(X, 3, ll_ml)
    assert sk["pca_score"] == pytest.approx(PCA(n_components=3).fit(X).score(X), rel=1e-12)
    assert sk["ours_ddof0"] == ll_ml
    assert sk["relative_difference_ddof1"] < 1e-10 and sk["sigma2_relative_difference"] < 1e-10
    assert sk["relative_difference_ddof0"] > 100 * sk["relative_difference_ddof1"]  # 1/N vs 1/(N-1) shows


def test_posterior_check_rows_and_errors():
    from aevq.chapters.ppca import posterior_check

    X = _data()
    m = PPCA(3).fit(X)
    pc = posterior_check(m, X[:5], n_mc=20_000, chunk=7_000, rng=np.random.default_rng(3))
    assert len(pc["rows"]) == 4 and pc["n_points"] == 5 and pc["n_mc"] == 20_000
    assert pc["n_checked"] == 5 * 3 + 3 * 3
    assert pc["mean_relative_error"] < 1e-10 and pc["cov_relative_error"] < 1e-10
    assert pc["mc_mean_max_z"] < 5 and pc["mc_cov_max_z"] < 5
    assert pc["rows"][2]["compared with"] == "Monte Carlo: OLS of z on x over 20000 joint draws"
    mean, cov = m.encode(X[:5], return_cov=True)
    np.testing.assert_array_equal(pc["arrays"]["post_mean"], mean)
    np.testing.assert_array_equal(pc["arrays"]["post_cov"], cov)
    assert pc["rows"][0]["max abs error"] == pytest.approx(0.0, abs=1e-10)


def test_ml_formula_check_recovers_a_known_rotation():
    from types import SimpleNamespace

    from aevq.chapters.ppca import ml_formula_check
    from aevq.metrics.linear_algebra import random_orthogonal

    X = _data()
    cf = PPCA(3).fit(X)
    R0 = random_orthogonal(3, np.random.default_rng(2))
    rotated = SimpleNamespace(W_=cf.W_ @ R0, sigma2_=cf.sigma2_)  # what EM may return: the same C
    values, R = ml_formula_check(X, cf, rotated)
    np.testing.assert_allclose(R, R0, atol=1e-10)
    lam = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True)))[::-1]
    assert values["sigma2_formula_mean_discarded"] == pytest.approx(lam[3:].mean(), rel=1e-10)
    assert values["sigma2_closed_form_vs_formula_relative"] < 1e-10
    assert values["R_orthogonality_error"] < 1e-10 and values["em_W_WT_relative_difference"] < 1e-10
    assert values["em_WtW_eigs_vs_lambda_minus_sigma2_max_rel"] < 1e-10
    assert values["R_distance_from_identity"] == pytest.approx(np.linalg.norm(R0 - np.eye(3), 2), abs=1e-10)
    np.testing.assert_allclose(values["em_column_norms_sq_top5"], np.sort(np.sum((cf.W_ @ R0) ** 2, axis=0))[::-1])
    # a W off the ML subspace shows in every measure
    _, R_bad = ml_formula_check(X, cf, SimpleNamespace(W_=cf.W_ * [1.0, 2.0, 1.0], sigma2_=cf.sigma2_))
    assert np.linalg.norm(R_bad.T @ R_bad - np.eye(3), 2) > 1.0


def test_em_step_cost_arithmetic():
    from aevq.chapters.ppca import em_step_cost

    c = em_step_cost(n=1000, D=100, q=10, em_s=2.0, n_iter=100, matmul_gflops=8.0)
    assert c["em_step_s"] == 0.02 and c["em_steps_per_s"] == 50.0
    assert c["em_step_flops"] == 4 * 1000 * 100 * 10
    assert c["em_step_gflops"] == pytest.approx(4e6 / 0.02 / 1e9)
    assert c["em_step_fraction_of_matmul"] == pytest.approx(c["em_step_gflops"] / 8.0)
    assert em_step_cost(10, 10, 2, 1.0, 0, 1.0)["em_step_s"] == 1.0  # no steps: no division by zero


def _fit_measures(fitted):
    from aevq.chapters.ppca import likelihood_agreement, posterior_check, sklearn_agreement

    X, fits = fitted
    a = likelihood_agreement(X, fits.closed_form, fits.em)
    metrics = {
        "n_train": len(X),
        "D": X.shape[1],
        "q": 3,
        "closed_form": a["closed_form"],
        "em": {**a["em"], "tol": 1e-12},
        "sklearn": sklearn_agreement(X, 3, a["closed_form"]["mean_log_likelihood"]),
    }
    post = posterior_check(fits.closed_form, X[:4], n_mc=5_000, chunk=5_000, rng=np.random.default_rng(0))
    return metrics, post, fits.closed_form.eigenvalues_


def test_fit_claims_pass_on_a_good_fit_and_each_fails_when_its_measure_is_off(fitted):
    import copy

    from aevq.chapters.ppca import fit_claims, fit_summary_rows

    metrics, post, lam = _fit_measures(fitted)
    rows = fit_claims(metrics, post, lam, profile="quick")
    assert [r["status"] for r in rows] == ["pass"] * 4
    assert (
        "(fitted on N = 400 training images)" in rows[0]["detail"]
        and "fitted on N" not in fit_claims(metrics, post, lam, profile="full")[0]["detail"]
    )
    assert [r["threshold"] for r in rows] == [1e-6, 0.1, 1e-8, 1e-8]
    breaks = [
        ("em", "relative_gap", 1e-5),
        ("em", "largest_angle_deg", 0.5),
        ("sklearn", "relative_difference_ddof1", 1e-7),
    ]
    for i, (block, key, value) in enumerate(breaks):
        bad = copy.deepcopy(metrics)
        bad[block][key] = value
        statuses = [r["status"] for r in fit_claims(bad, post, lam, profile="quick")]
        assert statuses == ["pass"] * i + ["FAIL"] + ["pass"] * (3 - i), (key, statuses)
    for key in ("mean_relative_error", "cov_relative_error"):
        statuses = [r["status"] for r in fit_claims(metrics, {**post, key: 1e-6}, lam, profile="quick")]
        assert statuses == ["pass"] * 3 + ["FAIL"], key
    (summary,) = fit_summary_rows(metrics, post)
    assert summary["latent"] == "z ∈ ℝ^3, N(0, I)" and "N=400" in summary["key_result"]


# --- the cost benchmark ---------------------------------------------------------------------------------------------
def test_median_time_repeats_and_fills_its_minimum_total():
    from aevq.chapters.ppca import median_time

    calls = []
    med, times = median_time(lambda: calls.append(1), 3, min_total=0.0)
    assert len(times) == len(calls) == 3 and med == np.median(times)
    _, times = median_time(lambda: None, 3, min_total=10.0)
    assert len(times) == 200  # the cap on fast calls


def test_time_point_rows():
    from aevq.chapters.ppca import time_point

    row = time_point(np.random.default_rng(0), 50, 16, 2, 1)
    assert {"D", "q", "N", "form_S", "form_S_all", "eigh", "eigh_all", "em_step", "em_step_all"} <= row.keys()
    assert (row["D"], row["q"], row["N"]) == (16, 2, 50) and row["em_step"] > 0
    assert "eigh" not in time_point(np.random.default_rng(0), 50, 16, 2, 1, closed_form=False)


def test_cost_sweeps_order_and_closed_form_once():
    from aevq.chapters.ppca import cost_sweeps

    d_rows, q_rows = cost_sweeps(
        np.random.default_rng(0), n=40, d_grid=[8, 16], q_fixed=2, q_grid=[1, 2, 4], d_fixed=8, repeats=1
    )
    assert [r["D"] for r in d_rows] == [8, 16] and [r["q"] for r in q_rows] == [1, 2, 4]
    assert ["form_S" in r for r in q_rows] == [True, False, False]


def _power_law_rows(c_S=1e-6, c_e=1e-9, c_em=2e-5, d_exp=(2.0, 3.0, 1.0)):
    Ds = [64, 128, 256, 512]
    d_rows = [
        {
            "D": D,
            "q": 8,
            "N": 100,
            "form_S": c_S * D ** d_exp[0],
            "eigh": c_e * D ** d_exp[1],
            "em_step": c_em * D ** d_exp[2],
        }
        for D in Ds
    ]
    q_rows = [{"D": 256, "q": q, "N": 100, "em_step": 2e-4 * q} for q in (4, 8, 16)]
    return d_rows, q_rows


def test_cost_fits_recover_exact_power_laws_and_the_crossover():
    from aevq.chapters.ppca import cost_fits, loglog_slope

    b, a = loglog_slope([1.0, 2.0, 4.0], [3.0, 12.0, 48.0])
    assert b == pytest.approx(2.0) and np.exp(a) == pytest.approx(3.0)
    d_rows, q_rows = _power_law_rows()
    f = cost_fits(d_rows, q_rows)
    for what, theory in (("form_S", 2.0), ("eigh", 3.0), ("em_step", 1.0)):
        assert f["slopes_in_D"][what]["slope"] == pytest.approx(theory) and f["slopes_in_D"][what]["theory"] == theory
    assert f["em_slope_in_q"]["slope"] == pytest.approx(1.0) and f["em_slope_in_q"]["D"] == 256
    assert f["slope_range"] == "D = 64..512 (4 points), N = 100, q = 8"
    np.testing.assert_allclose(f["closed_over_em_step"], [(r["form_S"] + r["eigh"]) / r["em_step"] for r in d_rows])
    # K 2e-5 D = 1e-6 D^2 + 1e-9 D^3  <=>  1e-9 D^2 + 1e-6 D - K 2e-5 = 0: D* = 171 (measured), 1000, 4000
    for k in ("10", "100", "1000"):
        exact = (-1e-6 + np.sqrt(1e-12 + 4e-9 * int(k) * 2e-5)) / 2e-9
        cx = f["crossover_D_for_K_em_steps"][k]
        assert cx["D_star"] == pytest.approx(exact, rel=0.01)
        assert cx["extrapolated"] is (k != "10")
    # an EM step that grows as fast as the closed form never becomes the dearer one
    d_rows, q_rows = _power_law_rows(c_em=1.0, d_exp=(2.0, 3.0, 3.0))
    none = cost_fits(d_rows, q_rows)["crossover_D_for_K_em_steps"]["10"]
    assert none == {"D_star": None, "extrapolated": True}


def test_cost_claim_passes_with_the_theorys_slopes_and_fails_with_flat_ones():
    from aevq.chapters.ppca import cost_claims, cost_fits

    good = cost_claims(cost_fits(*_power_law_rows()), repeats=3, threads=1)
    assert len(good) == 1 and good[0]["status"] == "pass" and good[0]["measured"] == pytest.approx(2.0)
    assert "D = 64..512 (4 points)" in good[0]["detail"] and "3 repeats, 1 BLAS thread(s)" in good[0]["detail"]
    flat = cost_claims(cost_fits(*_power_law_rows(d_exp=(2.0, 1.8, 1.0))), repeats=3, threads=1)
    assert flat[0]["status"] == "FAIL" and flat[0]["measured"] == pytest.approx(0.8)
