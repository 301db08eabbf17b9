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
