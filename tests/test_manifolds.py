"""Ch. 3.3 (issue 6): geodesic distances, residual variance, classical MDS = PCA, seeded synthetic data, MLP AE."""

import numpy as np
import pytest

from aevq.data.synthetic import circle, swiss_roll
from aevq.metrics.manifolds import (
    classical_mds,
    euclidean_distances,
    geodesic_distances,
    graph_path,
    knn_graph,
    largest_component,
    pca_scores,
    residual_variance,
    residual_variance_curves,
    spearman_abs,
    trustworthiness,
)


def _arc(n=9, radius=1.0):
    """n points on a half circle of the given radius, in order."""
    s = np.linspace(0.0, np.pi, n)
    return np.stack([radius * np.cos(s), radius * np.sin(s)], axis=1)


def test_geodesic_follows_the_curve_and_euclidean_cuts_across():
    x = _arc(9)
    d_g, pred = geodesic_distances(x, k=2, return_predecessors=True)
    d_x = euclidean_distances(x)
    # end to end: the graph walks along the arc (a polyline inscribed in it, length <= pi), the straight line is 2
    path = graph_path(pred, 0, 8)
    assert path[0] == 0 and path[-1] == 8 and np.all(np.diff(path) > 0)  # it follows the curve in order
    assert d_g[0, -1] == pytest.approx(np.linalg.norm(np.diff(x[path], axis=0), axis=1).sum())
    assert 3.0 < d_g[0, -1] <= np.pi
    assert d_x[0, -1] == pytest.approx(2.0)
    # neighbours: geodesic = Euclidean; everywhere geodesic >= Euclidean
    assert d_g[3, 4] == pytest.approx(d_x[3, 4])
    assert np.all(d_g >= d_x - 1e-12)


def test_disconnected_graph_gives_inf_and_largest_component():
    x = np.concatenate([_arc(6), _arc(4) + 100.0])
    d_g = geodesic_distances(x, k=2)
    assert np.isinf(d_g[0, -1])
    np.testing.assert_array_equal(largest_component(knn_graph(x, 2)), np.arange(6))
    with pytest.raises(ValueError, match="finite"):
        classical_mds(d_g, 2)


def test_residual_variance_of_an_exact_embedding_is_zero():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    rot = np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])
    y = x @ rot + 3.0  # rigid motion: the same distances
    assert residual_variance(euclidean_distances(x), y) == pytest.approx(0.0, abs=1e-12)
    # a scaled copy is still a perfect linear fit (R^2 = 1); a 1-D projection is not
    assert residual_variance(euclidean_distances(x), 2.5 * y) == pytest.approx(0.0, abs=1e-12)
    assert residual_variance(euclidean_distances(x), x[:, :1]) > 0.05


def test_classical_mds_on_euclidean_distances_equals_pca():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 6)) @ rng.normal(size=(6, 6))
    y_mds, evals = classical_mds(euclidean_distances(x), 3)
    y_pca = pca_scores(x, 3)
    np.testing.assert_allclose(y_mds, y_pca, atol=1e-8)
    # eigenvalues of B = J X X^T J are N times the (biased) covariance eigenvalues
    cov_evals = np.linalg.eigvalsh(np.cov(x, rowvar=False, bias=True))[::-1]
    np.testing.assert_allclose(evals[:6], x.shape[0] * cov_evals, rtol=1e-8)
    # scikit-learn's PCA scores agree up to each column's sign
    y_sk = PCA(3).fit_transform(x)
    np.testing.assert_allclose(np.abs(y_sk), np.abs(y_pca), atol=1e-8)


def test_synthetic_data_is_seeded():
    x1, t1 = circle(200, seed=5)
    x2, t2 = circle(200, seed=5)
    x3, _ = circle(200, seed=6)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(t1, t2)
    assert not np.array_equal(x1, x3)
    assert np.all((t1 >= 0) & (t1 < 2 * np.pi))
    np.testing.assert_allclose(np.linalg.norm(x1, axis=1), 1.0)

    from sklearn.datasets import make_swiss_roll

    s1, u1 = swiss_roll(300, seed=7)
    s2, u2 = swiss_roll(300, seed=7)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(u1, u2)
    ref, tref = make_swiss_roll(300, noise=0.0, random_state=7)
    np.testing.assert_array_equal(s1, ref)
    np.testing.assert_array_equal(u1, tref)
    # scikit-learn's parametrisation: x = (t cos t, h, t sin t), t in [3pi/2, 9pi/2)
    np.testing.assert_allclose(s1[:, 0], u1 * np.cos(u1))
    np.testing.assert_allclose(s1[:, 2], u1 * np.sin(u1))
    assert u1.min() >= 1.5 * np.pi and u1.max() < 4.5 * np.pi


def test_circle_covariance_standard_error_formula():
    """The claim's threshold: each entry of the sample covariance has standard error sqrt(1/(8N))."""
    n, reps = 200, 2000
    rng = np.random.default_rng(3)
    t = rng.uniform(0, 2 * np.pi, size=(reps, n))
    c, s = np.cos(t), np.sin(t)
    c00 = (c**2).mean(1) - c.mean(1) ** 2
    c01 = (c * s).mean(1) - c.mean(1) * s.mean(1)
    se = np.sqrt(1 / (8 * n))
    assert np.std(c00) == pytest.approx(se, rel=0.1)
    assert np.std(c01) == pytest.approx(se, rel=0.1)
    x, _ = circle(n, seed=0)
    assert np.max(np.abs(np.cov(x, rowvar=False, bias=True) - 0.5 * np.eye(2))) < 4 * se


def test_isomap_beats_pca_on_the_papers_swiss_roll():
    # N = 1000, K = 7 as in the paper (with N = 400 the K = 7 graph is too sparse for some seeds)
    x, t = swiss_roll(1000, seed=0)
    d_g = geodesic_distances(x, 7)
    y_iso, _ = classical_mds(d_g, 2)
    y_pca = pca_scores(x, 2)
    assert residual_variance(d_g, y_iso) < 0.05
    assert residual_variance(euclidean_distances(x), y_pca) > 0.2
    assert spearman_abs(y_iso[:, 0], t) > 0.95
    assert spearman_abs(y_pca[:, 0], t) < 0.95
    assert trustworthiness(x, y_iso, 7) > trustworthiness(x, y_pca, 7)


def test_residual_variance_curves_structure():
    x, _ = swiss_roll(150, seed=1)
    x = np.concatenate([x, x[:10] + 1000.0])  # a far-away cluster of 10 (> K): its own component
    cur = residual_variance_curves(x, k=7, dims=range(1, 4))
    assert cur["n_total"] == 160 and cur["n_used"] == 150
    assert cur["dims"] == [1, 2, 3]
    np.testing.assert_allclose(cur["mds"], cur["pca"], atol=1e-9)  # classical MDS on D_X is PCA
    assert cur["pca"][2] == pytest.approx(0.0, abs=1e-9)  # 3-D data, 3 components: exact
    assert all(0.0 <= v <= 1.0 for key in ("pca", "isomap", "pca_vs_geodesic") for v in cur[key])


def test_mlp_autoencoder_is_seeded_and_has_the_right_shapes():
    torch = pytest.importorskip("torch")
    from aevq.models.mlp_ae import MLPAutoencoder

    torch.set_num_threads(1)
    x, _ = circle(64, seed=1)
    codes = []
    for _ in range(2):
        ae = MLPAutoencoder(2, 1, (8,), latent="angle", seed=11).fit(x, epochs=3, batch_size=16, lr=1e-2)
        codes.append(ae.encode(x))
    np.testing.assert_array_equal(codes[0], codes[1])
    assert codes[0].shape == (64, 1)
    assert np.all(np.abs(codes[0]) <= np.pi + 1e-6)
    assert ae.decode(np.zeros((5, 1))).shape == (5, 2)
    assert len(ae.history_) == 3 and all(np.isfinite(ae.history_))
    ae2 = MLPAutoencoder(3, 2, (8,), seed=0).fit(np.random.default_rng(0).normal(size=(40, 3)), epochs=2)
    assert ae2.encode(np.zeros((4, 3))).shape == (4, 2)
    assert ae2.reconstruct(np.zeros((4, 3))).shape == (4, 3)
    with pytest.raises(ValueError):
        MLPAutoencoder(2, 2, latent="angle")


# --- the chapter module: measures against numpy / scikit-learn, claims that pass and that fail ----------------------
def test_circle_covariance_against_numpy():
    from aevq.chapters.manifolds import circle_covariance

    x, _ = circle(500, seed=2)
    m = circle_covariance(x)
    xc = x - x.mean(axis=0)
    cov = xc.T @ xc / len(x)  # the biased sample covariance C, written out
    np.testing.assert_allclose(m["covariance"], cov, atol=1e-14)
    assert m["n"] == 500
    assert m["covariance_se"] == pytest.approx(np.sqrt(1 / 4000))
    assert m["covariance_max_abs_deviation"] == pytest.approx(np.abs(cov - np.eye(2) / 2).max())
    np.testing.assert_allclose(m["eigenvalues"], np.sort(np.linalg.eigvals(cov).real)[::-1], atol=1e-14)
    assert m["total_variance"] == pytest.approx(np.trace(cov)) and m["total_variance"] == pytest.approx(1.0, abs=0.01)


def test_pca_reconstruction_and_variance_left_against_sklearn():
    from sklearn.decomposition import PCA

    from aevq.chapters.manifolds import (
        fraction_of_variance_left,
        pca_reconstruction,
        pca_scores_fraction_left,
        total_variance,
    )

    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4)) + 5.0
    evals = np.linalg.eigvalsh(np.cov(x, rowvar=False, bias=True))[::-1]
    assert total_variance(x) == pytest.approx(evals.sum())
    for d in (1, 2, 3):
        sk = PCA(d).fit(x)
        x_hat = pca_reconstruction(x, d)
        np.testing.assert_allclose(x_hat, sk.inverse_transform(sk.transform(x)), atol=1e-9)
        # the variance a d-dim PCA code leaves is the sum of the discarded eigenvalues of C
        left = evals[d:].sum() / evals.sum()
        assert fraction_of_variance_left(x, x_hat, total_variance(x)) == pytest.approx(left, rel=1e-9)
        assert pca_scores_fraction_left(x, pca_scores(x, d), total_variance(x)) == pytest.approx(left, rel=1e-9)
    assert fraction_of_variance_left(x, x, 1.0) == 0.0
    # the circle: PCA with d = 1 must leave (about) half
    xc, _ = circle(2000, seed=0)
    assert fraction_of_variance_left(xc, pca_reconstruction(xc, 1), 1.0) == pytest.approx(0.5, abs=0.03)


def test_longest_detour_is_the_brute_force_argmax():
    from aevq.chapters.manifolds import longest_detour

    x = _arc(9)
    d_x, d_g = euclidean_distances(x), geodesic_distances(x, k=2)
    best = max(((i, j) for i in range(9) for j in range(9)), key=lambda ij: d_g[ij] - d_x[ij])
    assert longest_detour(d_x, d_g) == best == (0, 8)  # the two ends of the arc: arc - chord grows with the angle


def test_embedding_quality_of_a_perfect_and_of_a_scrambled_embedding():
    from aevq.chapters.manifolds import embedding_quality

    rng = np.random.default_rng(5)
    t = rng.uniform(0, 1, size=120)
    x = np.stack([t, rng.uniform(0, 0.2, size=120)], axis=1)
    d_x = euclidean_distances(x)
    rows = embedding_quality(x, t, {"exact": (x, d_x), "scrambled": (rng.permutation(x), d_x)}, d_x, 5)
    assert [r["method"] for r in rows] == ["exact", "scrambled"]
    exact, scrambled = rows
    assert exact["trustworthiness"] == pytest.approx(1.0)
    assert exact["spearman_first"] == pytest.approx(1.0) and exact["spearman_best"] == pytest.approx(1.0)
    assert exact["residual_variance_d2"] == pytest.approx(0.0, abs=1e-12)
    assert exact["residual_variance_d2_vs_geodesic"] == pytest.approx(0.0, abs=1e-12)
    assert scrambled["trustworthiness"] < 0.7 and scrambled["spearman_first"] < 0.3
    assert scrambled["residual_variance_d2"] > 0.9


def test_mnist_residual_experiment_takes_the_first_n_of_the_digit():
    from aevq.chapters.manifolds import mnist_residual_experiment, subset_indices

    labels = np.array([3, 1, 3, 3, 0, 3, 1])
    np.testing.assert_array_equal(subset_indices(labels, 3, 3), [0, 2, 3])
    np.testing.assert_array_equal(subset_indices(labels, None, 4), [0, 1, 2, 3])
    np.testing.assert_array_equal(subset_indices(labels, 1, 10), [1, 6])
    rng = np.random.default_rng(6)
    images = rng.uniform(size=(90, 12)).astype(np.float32)
    digits = np.arange(90) % 3
    doc = mnist_residual_experiment(images, digits, digit=2, n=20, k=6, max_dim=3)
    assert doc["digit"] == 2 and doc["n"] == 20 and doc["k"] == 6
    oracle = residual_variance_curves(images[2::3][:20].astype(np.float64), k=6, dims=range(1, 4))
    assert doc["curves"] == oracle


def _circle_measures(max_dev, ae_angle, pca=0.5):
    cov = np.eye(2) / 2 + np.array([[max_dev, 0.0], [0.0, 0.0]])
    return {
        "n": 1000,
        "covariance": cov,
        "covariance_se": np.sqrt(1 / 8000),
        "covariance_max_abs_deviation": max_dev,
        "fvu": {"pca_d1": pca, "ae_angle_d1": ae_angle, "ae_euclidean_d1": 0.1},
    }


def test_circle_claims_pass_and_fail():
    from aevq.chapters.manifolds import circle_claims, circle_covariance

    se = np.sqrt(1 / 8000)
    good = circle_claims(_circle_measures(1.0 * se, 1e-3))
    assert [r["passed"] for r in good] == [True, True]
    assert good[0]["threshold"] == pytest.approx(4 * se) and good[1]["measured"] == pytest.approx(2e-3)
    bad = circle_claims(_circle_measures(5.0 * se, 0.6))  # a covariance off 1/2 I; an AE worse than PCA
    assert [r["passed"] for r in bad] == [False, False]
    # an ellipse is not 1/2 I: the covariance claim fails on real data too
    x, _ = circle(1000, seed=0)
    m = circle_covariance(x * np.array([1.2, 1.0]))
    assert not circle_claims({**m, "fvu": _circle_measures(0, 1e-3)["fvu"]})[0]["passed"]


def _swissroll_measures(iso2, pca2, rho_iso, rho_pca):
    curves = {
        "isomap": [0.5, iso2],
        "pca": [0.6, pca2],
        "mds": [0.6, pca2],
        "pca_vs_geodesic": [0.7, 0.5],
    }

    def row(name, rho):
        return {
            "method": name,
            "trustworthiness": 0.9,
            "spearman_first": rho,
            "spearman_best": rho,
            "residual_variance_d2": 0.1,
        }

    quality = [row("PCA", rho_pca), row("Isomap (ours: MDS on D_G)", rho_iso), row("Isomap (scikit-learn)", rho_iso)]
    quality.append(row("nonlinear AE (MLP)", 0.8))
    return {"curves": curves, "quality": quality, "ae": {"fvu": 0.01, "pca_d2_fvu": 0.2}}


def test_swissroll_claims_pass_and_fail():
    from aevq.chapters.manifolds import summary_rows, swissroll_claims

    good = swissroll_claims(_swissroll_measures(0.01, 0.4, 0.99, 0.3), k=7)
    assert [r["passed"] for r in good] == [True, True, True, True]
    assert [r["measured"] for r in good] == [0.01, 0.4, 0.99, 0.3]
    assert [r["threshold"] for r in good] == [0.05, 0.2, 0.95, 0.95]
    bad = swissroll_claims(_swissroll_measures(0.06, 0.2, 0.95, 0.951), k=7)  # each just on the wrong side
    assert [r["passed"] for r in bad] == [False, False, False, False]
    rows = summary_rows(_swissroll_measures(0.01, 0.4, 0.99, 0.3), {"ae_angle_d1": 1e-4, "pca_d1": 0.5})
    assert len(rows) == 2 and "Isomap 0.0100 vs PCA 0.400" in rows[0]["key_result"]
    assert "1-D code leaves 1.0e-04" in rows[1]["key_result"]


def test_circle_and_swissroll_experiments_on_small_inputs():
    torch = pytest.importorskip("torch")
    from aevq.chapters.manifolds import circle_experiment, swissroll_experiment

    torch.set_num_threads(1)
    x, _ = circle(64, seed=1)
    measures, arrays = circle_experiment(x, hidden=(8,), epochs=2, batch_size=16, lr=1e-2, seed=3, device="cpu")
    assert set(measures["fvu"]) == {"pca_d1", "ae_angle_d1", "ae_euclidean_d1"}
    assert measures["fvu"]["pca_d1"] == pytest.approx(measures["eigenvalues"][1] / measures["total_variance"])
    assert arrays["curve_angle"].shape == (400, 2) and arrays["z_euclidean"].shape == (64,)
    assert len(arrays["loss_angle"]) == 2

    xs, ts = swiss_roll(300, seed=0)  # K = 10: a connected graph at this N
    ae = {"hidden": (8,), "epochs": 1, "batch_size": 100, "lr": 1e-3}
    m, arr = swissroll_experiment(xs, ts, k=10, max_dim=2, ae=ae, seed=0, device="cpu")
    assert m["curves"]["dims"] == [1, 2] and len(m["quality"]) == 5
    assert m["pair"]["geodesic"] > m["pair"]["euclidean"] and arr["path"][0] == m["pair"]["i"]
    evals = np.linalg.eigvalsh(np.cov(xs, rowvar=False, bias=True))
    assert m["ae"]["pca_d2_fvu"] == pytest.approx(evals[0] / evals.sum())  # the discarded third eigenvalue
    assert arr["y_isomap"].shape == (300, 2) and arr["knn_edges"].shape[1] == 2
    with pytest.raises(RuntimeError, match="disconnected"):
        far = np.concatenate([xs, xs + 1000.0])
        swissroll_experiment(far, np.concatenate([ts, ts]), k=10, max_dim=2, ae=ae, seed=0, device="cpu")


def test_second_order_view_of_a_circle_sees_no_preferred_direction():
    """The lecture's example: x = (cos t, sin t) has covariance 1/2 I, so PCA sees two equal directions and no
    correlation, yet one parameter describes it."""
    from aevq.chapters.manifolds import second_order_view

    t = np.linspace(0.0, 2 * np.pi, 400, endpoint=False)
    view = second_order_view(np.stack([np.cos(t), np.sin(t)], axis=1))
    np.testing.assert_allclose(view["covariance"], 0.5 * np.eye(2), atol=1e-12)
    assert view["max_abs_correlation"] < 1e-12
    np.testing.assert_allclose(view["variance_share"], [0.5, 0.5], atol=1e-12)
    tilted = second_order_view(np.stack([t, 2 * t + 1], axis=1))  # a line: fully correlated, one direction
    assert tilted["max_abs_correlation"] == pytest.approx(1.0)
    assert tilted["variance_share"][0] == pytest.approx(1.0)
