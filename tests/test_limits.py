"""Chapter 3.5 (issue 8): the bounds, the KL, the Frechet distance, VQ straight-through, perplexity, the summary."""

import math
import re

import numpy as np
import pytest
import torch

from aevq.chapters import limits, limits_judge
from aevq.metrics.judge import Judge, class_entropy, frechet_between, frechet_distance, nearest_distance
from aevq.models.classifier import MnistCNN
from aevq.models.vae import GaussianAE, binarize, kl_diag_gaussian, log_normal_diag, parse_model_name
from aevq.models.vqvae import VQVAE, perplexity, straight_through_grad_norm
from aevq.paper import BURDA2016_VAE1_NLL
from aevq.runtime import torch_generator
from aevq.summary import LECTURE_SUMMARY, NOT_MEASURED, fill_summary
from tests.conftest import REPO

LECTURE = next(
    (p / "shared" / "seed" / "lecture.txt" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()),
    REPO.parent / "shared" / "seed" / "lecture.txt",
)


def tiny_vae(kind="vae", seed=0):
    return GaussianAE(3, kind=kind, hidden=(16, 8), n_pixels=20, seed=seed)


def test_elbo_below_iwae_on_a_tiny_model():
    model = tiny_vae()
    x = binarize(np.random.default_rng(0).random((64, 20), dtype=np.float32), seed=1)
    model.fit(x, epochs=2, batch_size=16, lr=1e-2, desc="tiny")
    iw = model.iwae(x, k=100, batch_size=16)
    # from the same samples, Jensen makes it exact for every image
    assert np.all(iw["iwae"] >= iw["elbo_mc"] - 1e-5)
    # against the closed-form-KL ELBO (independent samples), every batch of 16
    e = model.elbo(x, k=20)["elbo"]
    for s in range(0, 64, 16):
        assert iw["iwae"][s : s + 16].mean() >= e[s : s + 16].mean()


def test_kl_closed_form_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(3, 4, generator=g)
    logvar = torch.randn(3, 4, generator=g) * 0.5
    z = mu + (0.5 * logvar).exp() * torch.randn(200_000, 3, 4, generator=g)
    mc = (log_normal_diag(z, mu, logvar) - log_normal_diag(z, torch.zeros_like(z), torch.zeros_like(z))).mean(0)
    exact = kl_diag_gaussian(mu, logvar)
    assert torch.allclose(mc, exact, atol=0.03), (mc, exact)


def test_frechet_of_identical_sets_is_zero():
    f = np.random.default_rng(0).normal(size=(500, 6))
    assert frechet_between(f, f) == pytest.approx(0.0, abs=1e-6)


def test_frechet_matches_the_closed_form_for_known_gaussians():
    mu1, mu2 = np.zeros(3), np.array([1.0, -2.0, 0.5])
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 1.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-8)
    # a rotated (non-diagonal) pair with the same spectrum and equal means is at distance 0
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))
    s = q @ np.diag(a) @ q.T
    assert frechet_distance(mu1, s, mu1, s) == pytest.approx(0.0, abs=1e-8)


def test_vq_straight_through_gradient_reaches_the_encoder():
    model = VQVAE(codebook_size=8, code_dim=2, n_slots=3, hidden=(16,), n_pixels=20, seed=0)
    x = torch.rand(10, 20)
    assert straight_through_grad_norm(model, x) > 0
    # the reconstruction term alone gives the codebook no gradient (it is learned by the codebook loss)
    assert model.codebook.grad is None or torch.all(model.codebook.grad == 0)
    model.zero_grad(set_to_none=True)
    model.loss(x).backward()
    assert model.codebook.grad.abs().sum() > 0


def test_vq_fit_sample_and_codes():
    model = VQVAE(codebook_size=8, code_dim=2, n_slots=3, hidden=(16,), n_pixels=20, seed=0)
    x = binarize(np.random.default_rng(0).random((40, 20), dtype=np.float32), seed=2)
    model.fit(x, epochs=1, batch_size=20, lr=1e-2)
    assert model.encode(x).shape == (40, 3)
    for prior in ("uniform", "unigram"):
        codes, dec = model.sample(7, prior=prior)
        assert codes.shape == (7, 3) and dec.shape == (7, 20) and codes.max() < 8
    assert model.code_histogram(x).sum() == 40 * 3


def test_perplexity_of_uniform_histogram_is_k():
    assert perplexity(np.full(64, 5)) == pytest.approx(64)
    assert perplexity(np.array([10, 0, 0, 0])) == pytest.approx(1.0)


def test_judge_helpers():
    assert class_entropy(np.arange(10).repeat(3)) == pytest.approx(math.log(10))
    rng = np.random.default_rng(0)
    x, ref = rng.random((7, 5)), rng.random((11, 5))
    brute = np.sqrt(((x[:, None] - ref[None]) ** 2).sum(-1)).min(1)
    assert np.allclose(nearest_distance(x, ref, batch_size=3), brute, atol=1e-5)


@pytest.mark.parametrize("kernel", [3, 5])
def test_judge_cnn_shapes_and_eval_is_deterministic(kernel):
    clf = MnistCNN(channels=(4, 8), kernel=kernel, hidden=(16,), dropout=0.5, seed=0)
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 784), dtype=np.float32), rng.integers(0, 10, 40)
    clf.fit(x, y, epochs=1, batch_size=20, lr=1e-3)
    assert clf.transform(x).shape == (40, 16)
    p1, p2 = clf.predict_proba(x), clf.predict_proba(x)
    assert p1.shape == (40, 10) and np.allclose(p1.sum(1), 1, atol=1e-5) and np.array_equal(p1, p2)


def test_ae_sample_and_model_names():
    ae = tiny_vae("ae")
    z, dec = ae.sample(5)
    assert z.shape == (5, 3) and dec.shape == (5, 20) and dec.min() >= 0 and dec.max() <= 1
    assert parse_model_name("beta0.5") == {"kind": "vae", "beta": 0.5}
    assert parse_model_name("vqvae")["kind"] == "vqvae"


def test_summary_without_other_chapters_says_not_measured():
    rows = fill_summary({"data": {"claims": []}})
    assert [r["model (lecture)"] for r in rows] == [r["model"] for r in LECTURE_SUMMARY]
    assert all(r["measured in this run"] == NOT_MEASURED for r in rows)


def test_summary_matches_rows_and_appends_the_rest():
    docs = {
        "ppca": {"summary_rows": [{"model": "PPCA", "latent": "Gaussian", "how_trained": "EM", "key_result": "x"}]},
        "limits": {
            "summary_rows": [
                {"model": "VAE (this chapter)", "key_result": "-ELBO 99"},
                {"model": "VQ-VAE (this chapter)", "key_result": "perplexity 30"},
            ]
        },
    }
    rows = {r["model (lecture)"]: r for r in fill_summary(docs)}
    assert rows["PPCA"]["measured in this run"] == "PPCA: x"
    assert "-ELBO 99" in rows["(VAE)"]["measured in this run"]
    assert rows["Helmholtz"]["measured in this run"] == NOT_MEASURED
    assert "VQ-VAE (this chapter) (beyond the lecture's table)" in rows


@pytest.mark.skipif(not LECTURE.exists(), reason="the lecture text sits beside the checkout")
def test_summary_rows_are_the_lecture_rows():
    lines = [re.sub(r"<[^>]+>", "", line).strip() for line in LECTURE.read_text().splitlines()]
    for row in LECTURE_SUMMARY:
        expected = "\t".join([row["model"], row["latent"], row["how_trained"], row["key_result"]])
        assert expected in lines, expected


# ---------------------------------------------------------------------------------- aevq.chapters.limits
class _LinearDecoder:
    """decode(z) = z @ W.T: a stand-in decoder whose continuity and interpolations are known in closed form."""

    def __init__(self, w):
        self.w = np.asarray(w, dtype=np.float64)

    def decode(self, z):
        return np.asarray(z) @ self.w.T


class _FixedJudge:
    """predict_proba: softmax of a fixed linear map; transform: the first 4 pixels (a stand-in for CNN features)."""

    def __init__(self, n_pixels, seed=0):
        self.w = np.random.default_rng(seed).normal(size=(n_pixels, 10))

    def predict_proba(self, x):
        s = np.asarray(x, dtype=np.float64) @ self.w
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def transform(self, x):
        return np.asarray(x, dtype=np.float64)[:, :4]


def test_unit_directions_and_continuity_of_a_scaled_isometry():
    g = torch.Generator().manual_seed(0)
    u = limits.unit_directions(50, 3, g)
    assert u.shape == (50, 3) and np.allclose(np.linalg.norm(u, axis=1), 1.0)
    # W_d = 3 Q with orthonormal columns: ||W_d(z + s u) - W_d(z)|| / s = 3 for every z and unit u
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(7, 3)))
    z = np.random.default_rng(2).normal(size=(40, 3))
    assert limits.continuity(_LinearDecoder(3 * q), z, 0.1, g) == pytest.approx(3.0, rel=1e-6)  # u is float32


def test_first_of_class_and_linear_interpolations():
    labels = np.array([5, 2, 7, 2, 4, 9, 0, 6, 7])
    pairs = limits.first_of_class(labels)
    assert pairs == [(1, 2), (4, 5), (6, 7)]
    codes = np.random.default_rng(0).normal(size=(9, 2))
    path = limits.interpolations(_LinearDecoder(np.eye(2)), codes, pairs, n_steps=5)
    assert path.shape == (3, 5, 2)
    for (i, j), row in zip(pairs, path, strict=True):
        assert np.allclose(row[0], codes[i]) and np.allclose(row[-1], codes[j])
        assert np.allclose(row[2], 0.5 * (codes[i] + codes[j]))


def test_midpoint_completeness_counts_confident_midpoints():
    class OneHotJudge:  # confident (p = 1) exactly where the first pixel of the decode is positive
        def predict_proba(self, x):
            p = np.full((len(x), 10), 0.1)
            p[x[:, 0] > 0] = np.eye(10)[0]
            return p

    a = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [-3.0, 0.0]])
    b = np.array([[1.0, 0.0], [-3.0, 0.0], [-1.0, 0.0], [5.0, 0.0]])  # midpoints: 1, -1, -1, 1
    share = limits.midpoint_completeness(_LinearDecoder(np.eye(2)), OneHotJudge(), a, b, confident=0.9)
    assert share == pytest.approx(0.5)


def test_batch_means_match_numpy_with_a_short_last_batch():
    v = np.random.default_rng(0).normal(size=23)
    got = limits.batch_means(v, 5)
    expected = [v[s : s + 5].mean() for s in range(0, 23, 5)]
    assert len(got) == 5 and np.allclose(got, expected)
    assert np.allclose(limits.batch_means(v[:20], 5), v[:20].reshape(4, 5).mean(axis=1))


def test_vae_bounds_and_ae_reconstruction_on_tiny_models():
    x = binarize(np.random.default_rng(0).random((40, 20), dtype=np.float32), seed=1)
    vae = tiny_vae()
    vae.fit(x, epochs=1, batch_size=20, lr=1e-2, desc="tiny")
    row, per_batch = limits.vae_bounds(vae, x, iwae_k=20, eval_batch=16)
    assert row["n_batches"] == 3 and len(per_batch["elbo"]) == 3 and row["iwae_k"] == 20
    assert row["min_batch_gap_same_samples"] >= -1e-5  # Jensen, image by image, with the same samples
    assert row["neg_elbo"] == pytest.approx(row["reconstruction"] + row["kl"], rel=1e-5)
    beta_row, none = limits.vae_bounds(GaussianAE(3, beta=4.0, hidden=(16, 8), n_pixels=20), x, iwae_k=5, eval_batch=16)
    assert none == {} and "min_batch_gap" not in beta_row and beta_row["beta"] == 4.0
    ae = tiny_vae("ae")
    p = np.clip(ae.decode(ae.encode(x)).astype(np.float64), 1e-12, 1 - 1e-12)
    oracle = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1).mean()
    got = limits.ae_reconstruction(ae, x)
    assert got["beta"] is None and got["reconstruction"] == pytest.approx(oracle, rel=1e-4)
    table, arrays = limits.bounds_table({"ae_d3": ae, "vae_d3": vae}, x, iwae_k=5, eval_batch=16)
    assert set(table) == {"ae_d3", "vae_d3"} and set(arrays) == {"batch_elbo_vae_d3", "batch_iwae_vae_d3"}


def test_codebook_use_against_a_bincount():
    model = VQVAE(codebook_size=8, code_dim=2, n_slots=3, hidden=(16,), n_pixels=20, seed=0)
    x = binarize(np.random.default_rng(0).random((30, 20), dtype=np.float32), seed=2)
    out = limits.codebook_use(model, x, x[:10], x[:10])
    counts = np.bincount(model.encode(x).ravel(), minlength=8)
    freq = counts[counts > 0] / counts.sum()
    assert out["code_counts"] == counts.tolist() and out["dead_codes"] == int((counts == 0).sum())
    assert out["perplexity"] == pytest.approx(np.exp(-(freq * np.log(freq)).sum()))
    assert out["codebook_size"] == 8 and out["n_slots"] == 3


def test_build_model_checks_the_vq_latent_size():
    vq = {"codebook_size": 8, "n_slots": 2, "code_dim": 3, "commitment": 0.25}
    model = limits.build_model("vqvae", 6, hidden=[16], vqvae=vq, device="cpu", seed=0)
    assert isinstance(model, VQVAE) and model.init_args() == {**vq, "hidden": [16], "n_pixels": 784, "seed": 0}
    with pytest.raises(ValueError, match="n_slots"):
        limits.build_model("vqvae", 5, hidden=[16], vqvae=vq, device="cpu", seed=0)
    args = limits.build_model("beta4", 3, hidden=[16], vqvae=vq, device="cpu", seed=0).init_args()
    assert args["kind"] == "vae" and args["beta"] == 4.0 and args["latent_dim"] == 3


def test_judge_models_is_reproducible_and_complete():
    rng = np.random.default_rng(0)
    x = rng.random((30, 20), dtype=np.float32)
    y = np.tile(np.arange(10), 3)
    models = {
        "ae_d2": GaussianAE(2, kind="ae", hidden=(8,), n_pixels=20, seed=0),
        "vqvae_d4": VQVAE(codebook_size=4, code_dim=2, n_slots=2, hidden=(8,), n_pixels=20, seed=0),
    }
    judge = Judge(_FixedJudge(20), x, x, confident=0.2)

    def run():
        return limits.judge_models(models, judge, x, y, x, n=12, step=0.1, confident=0.2, g=torch_generator(3))

    (j1, p1, a1), (j2, p2, _) = run(), run()
    assert j1 == j2 and p1 == p2
    assert set(j1) == {limits.DATA_KEY, "ae_d2", "vqvae_d4 (uniform prior)", "vqvae_d4 (unigram prior)"}
    assert p1["ae_d2"]["completeness_random"] == j1["ae_d2"]["confident_share"]
    assert p1["vqvae_d4 (uniform prior)"]["continuity_prior"] is None
    assert a1["decodes_ae_d2"].shape == (12, 20) and a1["interp_ae_d2"].shape == (3, limits.N_STEPS, 20)
    assert "map_mu_ae_d2" in a1 and a1["interp_ends"].shape == (3, 2)


def _scores(confidence, frechet, nn=5.0, se=0.01, share=None):
    share = confidence if share is None else share
    return {
        "n": 500,
        "confidence": confidence,
        "confidence_se": se,
        "confident_share": share,
        "confident_share_se": limits.binomial_se(share, 500),
        "class_entropy": 2.0,
        "nn_distance": nn,
        "frechet": frechet,
        "frechet_se": 100 * se,
    }


def test_samplability_claims_pass_and_fail():
    good = {limits.DATA_KEY: _scores(0.99, 0.0), "ae_d2": _scores(0.3, 400.0), "vae_d2": _scores(0.7, 200.0)}
    rows = limits.samplability_claims(good, [2, 20], 500, "note")  # no models at d = 20: no claims for it
    assert len(rows) == 3 and all(r["passed"] for r in rows)
    half = 1.96 * np.hypot(0.01, 0.01)
    assert rows[0]["measured"] == pytest.approx(0.4 - half) and rows[0]["uncertainty"] == pytest.approx(half)
    assert rows[1]["measured"] == pytest.approx(200.0 - 100 * half)
    assert all(r["detail"].endswith("note") and r["kind"] == "empirical" for r in rows)
    bad = {**good, "vae_d2": _scores(0.2, 450.0)}
    assert not any(r["passed"] for r in limits.samplability_claims(bad, [2], 500, "")[:2])


def test_a_difference_inside_its_uncertainty_does_not_pass():
    close = {
        limits.DATA_KEY: _scores(0.99, 0.0),
        "ae_d2": _scores(0.70, 300.0, se=0.02),
        "vae_d2": _scores(0.72, 297.0, se=0.02),
    }
    confidence, frechet, _ = limits.samplability_claims(close, [2], 500, "")
    assert confidence["passed"] is False and confidence["measured"] < 0 < 0.72 - 0.70
    assert frechet["passed"] is False


def test_an_ae_that_decodes_digits_fails_the_noise_claim_and_midpoints_are_compared():
    judged = {
        limits.DATA_KEY: _scores(0.99, 0.0),
        "ae_d2": _scores(0.8, 300.0, share=0.74),
        "vae_d2": _scores(0.9, 100.0),
    }
    props = {
        "ae_d2": {"completeness_midpoints": 0.78, "n_midpoints": 500},
        "vae_d2": {"completeness_midpoints": 0.74, "n_midpoints": 500},
    }
    rows = limits.samplability_claims(judged, [2], 500, "", props)
    assert len(rows) == 4
    noise, midpoints = rows[2], rows[3]
    assert noise["passed"] is False and noise["measured"] > 0.74
    assert midpoints["passed"] is False and midpoints["measured"] < 0


def test_bound_claims_pass_and_fail():
    row = {"iwae_k": 100, "n_batches": 5, "bound_gap": 1.0, "min_batch_gap_same_samples": 0.1}
    table = {"ae_d2": {"reconstruction": 1.0}, "vae_d2": {**row, "min_batch_gap": 0.2}}
    (ok,) = limits.bound_claims(table, 100, 500)
    assert ok["passed"] and "k = 100" in ok["claim"] and "first 500" in ok["detail"]
    (bad,) = limits.bound_claims({"vae_d2": {**row, "min_batch_gap": -0.01}}, 100, 500)
    assert bad["passed"] is False


def test_judge_claims_pass_and_fail():
    cfg = {"arch": "cnn", "channels": [16, 32], "kernel": 5, "dropout": 0.25, "hidden": [128], "epochs": 2}
    assert limits_judge.describe_judge(cfg).startswith(
        "conv 5x5 16 - pool - conv 5x5 32 - pool - dropout 0.25 - FC 128"
    )
    assert limits_judge.describe_judge({**cfg, "arch": "mlp", "hidden": [64, 32]}) == "784-64-32-10"
    (ok,) = limits_judge.judge_claims(0.99, cfg, 60000, 10000)
    (bad,) = limits_judge.judge_claims(0.5, cfg, 60000, 10000)
    assert ok["passed"] and "NOT trustworthy" not in ok["detail"]
    assert bad["passed"] is False and "NOT trustworthy" in bad["detail"]
    note = limits_judge.judge_note({"test_accuracy": 0.5, "arch": "cnn", "n_train": 60000, "n_test": 10000})
    assert "not trustworthy" in note and "0.5000" in note


def test_notes_state_the_run_settings():
    assert "seed 11 (train) / 12 (test)" in limits.binarization_note(11)
    assert limits.scale_note("full", 8, 5000) == ""
    assert "8 epochs on 5000 images" in limits.scale_note("quick", 8, 5000)
    assert limits.REFERENCES[1]["value"] == f"{BURDA2016_VAE1_NLL:.2f}"


def test_summary_rows_with_and_without_a_vq_vae():
    judged = {
        "ae_d20": _scores(0.4, 403.2),
        "vae_d20": _scores(0.65, 251.7),
        "vqvae_d32 (unigram prior)": _scores(0.45, 376.4),
    }
    bounds = {"vae_d20": {"neg_elbo": 143.0, "neg_log_px_iwae": 135.6}}
    vq = {"vqvae_d32": {"n_slots": 8, "codebook_size": 64, "perplexity": 39.0, "dead_codes": 0}}
    rows = limits.summary_rows(judged, bounds, vq, 20, 0.25)
    assert [r["model"] for r in rows] == [
        "Deterministic AE (this chapter)",
        "VAE (this chapter)",
        "VQ-VAE (this chapter)",
    ]
    assert "confidence 0.40, Frechet 403.2" in rows[0]["key_result"]
    assert "-ELBO 143.0 nats, IWAE -log p(x) 135.6" in rows[1]["key_result"]
    assert "+ 0.25 commitment" in rows[2]["how_trained"] and "perplexity 39.0 of 64" in rows[2]["key_result"]
    rows = limits.summary_rows({}, {}, {}, 20, float("nan"))
    assert len(rows) == 2 and "-ELBO nan" in rows[1]["key_result"]


def test_each_score_carries_its_uncertainty_over_the_scored_images():
    """Standard errors shrink like 1/sqrt(n) and the bootstrap is seeded: the same images give the same numbers."""
    from aevq.metrics.judge import bootstrap_frechet_se, gaussian_stats

    rng = np.random.default_rng(3)
    reference = gaussian_stats(rng.standard_normal((2000, 3)))
    few, many = rng.standard_normal((50, 3)) + 0.5, rng.standard_normal((800, 3)) + 0.5
    se_few = bootstrap_frechet_se(few, reference, 60, seed=1)
    assert se_few == bootstrap_frechet_se(few, reference, 60, seed=1)
    assert se_few > 2 * bootstrap_frechet_se(many, reference, 60, seed=1) > 0
    x = rng.random((40, 20), dtype=np.float32)
    judge = Judge(_FixedJudge(20), x, x, confident=0.2, n_bootstrap=20, bootstrap_seed=4)
    s = judge.score(x[:30])
    assert s["n"] == 30 and s["confidence_se"] > 0 and s["frechet_se"] > 0
    assert s["confident_share_se"] == pytest.approx(np.sqrt(s["confident_share"] * (1 - s["confident_share"]) / 30))
    assert s == judge.score(x[:30])
