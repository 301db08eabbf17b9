"""Chapter 3.5 (issue 8): the bounds, the KL, the Frechet distance, VQ straight-through, perplexity, the summary."""

import math
import re

import numpy as np
import pytest
import torch

from aevq.metrics.judge import class_entropy, frechet_between, frechet_distance, nearest_distance
from aevq.models.classifier import MnistCNN
from aevq.models.vae import GaussianAE, binarize, kl_diag_gaussian, log_normal_diag, parse_model_name
from aevq.models.vqvae import VQVAE, perplexity, straight_through_grad_norm
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
