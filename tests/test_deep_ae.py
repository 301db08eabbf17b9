"""Deep AE chapter: RBM factorization vs enumeration, CD-1 learns, unrolling ties the decoder to the encoder."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

import aevq.chapters.deep_ae as ch
from aevq.models.checkpoint import model_from_record, model_record
from aevq.models.deep_ae import (
    DeepAutoencoder,
    DivergenceError,
    cross_entropy_loss,
    evaluate,
    fine_tune,
    pretrain_stack,
    squared_error,
)
from aevq.models.rbm import RBM, exact_free_energy, exact_p_h_given_v, factorization_table


def _tiny_rbm(hidden="binary", seed=0):
    g = torch.Generator().manual_seed(seed)
    rbm = RBM(6, 7, hidden=hidden, init_std=1.0, generator=g, dtype=torch.float64)
    rbm.b.copy_(torch.randn(6, generator=g, dtype=torch.float64))
    rbm.c.copy_(torch.randn(7, generator=g, dtype=torch.float64))
    return rbm, g


def test_p_h_given_v_factorizes_exactly():
    rbm, g = _tiny_rbm()
    v = torch.bernoulli(torch.full((4, 6), 0.5, dtype=torch.float64), generator=g)
    exact, fact = exact_p_h_given_v(rbm, v)
    assert exact.shape == (4, 2**7)
    assert torch.allclose(exact.sum(1), torch.ones(4, dtype=torch.float64))
    assert (exact - fact).abs().max().item() < 1e-12
    assert (exact_free_energy(rbm, v) - rbm.free_energy(v)).abs().max().item() < 1e-10


def test_factorization_table_rows():
    rows = factorization_table(5, 6, 3, seed=1)
    assert len(rows) == 3
    assert max(r["max_abs_error_p_h_given_v"] for r in rows) < 1e-10
    assert all(abs(r["sum_p_factorized"] - 1) < 1e-12 for r in rows)


def test_gaussian_free_energy_matches_integral():
    """Linear Gaussian hiddens: F(v) = -b.v - |c + W^T v|^2/2 equals -log int exp(-E(v,h)) dh up to n_h/2 log 2pi."""
    rbm, g = _tiny_rbm("gaussian")
    rbm.W.mul_(0.3)
    v = torch.bernoulli(torch.full((2, 6), 0.5, dtype=torch.float64), generator=g)
    # Monte Carlo-free check: E is quadratic in h, minimised at h* = c + W^T v; F = E(v, h*) - n_h/2 log 2pi
    h_star = rbm.encode(v)
    f_closed = rbm.free_energy(v)
    f_from_e = rbm.energy(v, h_star)
    assert torch.allclose(f_closed, f_from_e, atol=1e-12)


def test_cd1_lowers_reconstruction_error():
    g = torch.Generator().manual_seed(0)
    protos = (torch.rand(4, 36, generator=g) < 0.5).float()
    x = protos[torch.randint(0, 4, (400,), generator=g)]
    x = torch.where(torch.rand(x.shape, generator=g) < 0.05, 1 - x, x)
    rbm = RBM(36, 16, init_std=0.01, generator=g)
    before = ((x - rbm.reconstruct(x)) ** 2).sum(1).mean().item()
    rbm.fit(x, epochs=15, batch_size=20, lr=0.1, generator=g, desc="test")
    after = ((x - rbm.reconstruct(x)) ** 2).sum(1).mean().item()
    assert after < 0.5 * before
    assert rbm.history_[-1]["recon_error"] < rbm.history_[0]["recon_error"]


def test_cd1_is_reproducible():
    x = (torch.rand(50, 10, generator=torch.Generator().manual_seed(3)) < 0.3).float()
    ws = []
    for _ in range(2):
        g = torch.Generator().manual_seed(7)
        ws.append(RBM(10, 5, generator=g).fit(x, epochs=2, batch_size=10, generator=g).W.clone())
    assert torch.equal(ws[0], ws[1])


def test_unrolling_ties_decoder_to_transposed_encoder():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 20, generator=g)
    kw = dict(
        epochs=1,
        batch_size=20,
        lr_binary=0.1,
        lr_top=0.001,
        momentum_initial=0.5,
        momentum_final=0.9,
        momentum_switch_epoch=5,
        weight_decay=0.0002,
        generator=g,
    )
    rbms = pretrain_stack(x, [20, 12, 8, 3], **kw)
    assert [r.hidden for r in rbms] == ["binary", "binary", "gaussian"]
    model = DeepAutoencoder.from_rbms(rbms)
    assert model.code_activation == "linear"
    assert [(lay.in_features, lay.out_features) for lay in model.enc] == [(20, 12), (12, 8), (8, 3)]
    assert [(lay.in_features, lay.out_features) for lay in model.dec] == [(3, 8), (8, 12), (12, 20)]
    for enc, dec in zip(model.enc, reversed(model.dec), strict=True):
        assert torch.equal(dec.weight, enc.weight.T)
    for enc, rbm in zip(model.enc, rbms, strict=True):
        assert torch.equal(enc.bias, rbm.c)
    # the unrolled net's first layer is the RBM's p(h|v); its code is the top RBM's mean
    with torch.no_grad():
        h = x
        for r in rbms:
            h = r.encode(h)
        assert torch.allclose(model.encode(x), h, atol=1e-6)
        assert model(x).shape == x.shape
    # reusing the lower stack for a 2-D code keeps those layers and trains only a new top RBM
    rbms2 = pretrain_stack(x, [20, 12, 8, 2], rbms=rbms[:-1], **kw)
    assert rbms2[0] is rbms[0] and rbms2[-1].n_hidden == 2
    # state round trip
    r2 = model_from_record(model_record(rbms[0]))
    assert torch.equal(r2.W, rbms[0].W) and r2.hidden == "binary"


def _tiny_problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    protos = (torch.rand(4, 16, generator=g) < 0.4).float()
    x = protos[torch.randint(0, 4, (300,), generator=g)]
    x = torch.where(torch.rand(x.shape, generator=g) < 0.05, 1 - x, x)  # flip 5% of the pixels
    return x[:200], x[200:250], x[250:], g


def test_fine_tune_lowers_error_and_records_curves():
    x, x_val, _, g = _tiny_problem()
    model = DeepAutoencoder([16, 8, 4], generator=g)
    loss0 = cross_entropy_loss(model, x).item()
    res = fine_tune(model, x, x_val, max_epochs=3, patience=3, batch_size=20, lr=0.01, generator=g)
    hist = res.history
    assert [h["epoch"] for h in hist] == [0, 1, 2, 3]
    assert cross_entropy_loss(model, x).item() < loss0
    best = min(hist, key=lambda r: r["val_error"])
    assert res.best_epoch == best["epoch"]
    assert evaluate(model, x_val)["error"] == pytest.approx(best["val_error"])  # the chosen weights are restored
    assert squared_error(model, x_val) == pytest.approx(best["val_error"], rel=1e-6)


def test_early_stopping_chooses_on_validation_and_never_reads_the_test_set():
    """Two runs that differ only in the test images the monitor measures choose the same epoch and weights."""
    runs = []
    for test_seed in (1, 2):
        x, x_val, _, _ = _tiny_problem()
        x_test = (torch.rand(50, 16, generator=torch.Generator().manual_seed(test_seed)) < 0.5).float()
        g = torch.Generator().manual_seed(5)
        model = DeepAutoencoder([16, 8, 4], generator=g)
        seen = []

        def monitor(net, x_test=x_test, seen=seen):
            err = evaluate(net, x_test)["error"]
            seen.append(err)
            return {"test_error": err}

        res = fine_tune(
            model, x, x_val, max_epochs=60, patience=4, batch_size=20, lr=0.05, generator=g, monitor=monitor
        )
        assert len(seen) == len(res.history) and [h["test_error"] for h in res.history] == seen
        runs.append((res.best_epoch, len(res.history), [p.detach().clone() for p in model.parameters()], seen))
    (e1, n1, w1, t1), (e2, n2, w2, t2) = runs
    assert t1 != t2  # the monitors saw different test sets
    assert (e1, n1) == (e2, n2)
    assert all(torch.equal(a, b) for a, b in zip(w1, w2, strict=True))
    assert n1 - 1 < 60 and n1 - 1 == e1 + 4  # it stopped 4 epochs after the chosen one


def test_monitoring_every_kth_epoch_changes_nothing_but_which_epochs_carry_the_monitor():
    """The monitor runs at the start, after each of the first k epochs and every k-th, after the last and at the chosen
    epoch; the choice, the weights and every monitored value are those of monitoring every epoch (the chosen epoch's
    measured on restored weights)."""
    runs = {}
    for every in (1, 4):
        x, x_val, x_test, g = _tiny_problem()
        model = DeepAutoencoder([16, 8, 4], generator=g)
        res = fine_tune(
            model,
            x,
            x_val,
            max_epochs=60,
            patience=4,
            batch_size=20,
            lr=0.05,
            generator=g,
            monitor=lambda net, x_test=x_test: {"test_error": evaluate(net, x_test)["error"]},
            monitor_every=every,
        )
        runs[every] = (res, [p.detach().clone() for p in model.parameters()], evaluate(model, x_test)["error"])
    (every_epoch, w1, final1), (sparse, w3, final3) = runs[1], runs[4]
    last = len(sparse.history) - 1
    assert sparse.best_epoch == every_epoch.best_epoch and last == len(every_epoch.history) - 1 < 60
    assert all(torch.equal(a, b) for a, b in zip(w1, w3, strict=True))
    monitored = {h["epoch"] for h in sparse.history if "test_error" in h}
    assert monitored == {e for e in range(last + 1) if e <= 4 or e % 4 == 0} | {last, sparse.best_epoch}
    assert sparse.best_epoch % 4 != 0  # this run checks the restored weights' pass (not a scheduled one)
    for h in sparse.history:
        assert h["val_error"] == every_epoch.history[h["epoch"]]["val_error"]
        if "test_error" in h:
            assert h["test_error"] == every_epoch.history[h["epoch"]]["test_error"]
    assert sparse.history[sparse.best_epoch]["test_error"] == final3 == final1
    with pytest.raises(ValueError, match="monitor_every"):
        fine_tune(model, x, x_val, max_epochs=1, patience=1, batch_size=20, lr=0.05, generator=g, monitor_every=0)


def test_fine_tune_raises_on_divergence_and_on_no_improvement():
    x, x_val, _, g = _tiny_problem()
    with pytest.raises(DivergenceError, match="diverged|no epoch improved"):
        fine_tune(
            DeepAutoencoder([16, 8, 4], generator=g),
            x,
            x_val,
            max_epochs=5,
            patience=5,
            batch_size=20,
            lr=1e6,
            generator=g,
        )


def test_cg_fine_tuning_lowers_the_objective_and_matches_its_budget():
    x, x_val, _, g = _tiny_problem()
    model = DeepAutoencoder([16, 8, 4], generator=g)
    loss0 = cross_entropy_loss(model, x).item()
    res = fine_tune(
        model,
        x,
        x_val,
        max_epochs=4,
        patience=4,
        batch_size=20,
        lr=1.0,
        optimizer="cg",
        cg_block=50,
        cg_line_searches=3,
        generator=g,
    )
    assert res.optimizer == "cg" and len(res.n_evals_per_epoch) == 4
    assert all(n >= 4 * 3 for n in res.n_evals_per_epoch)  # 4 blocks x at least one evaluation per line search
    assert cross_entropy_loss(model, x).item() < 0.8 * loss0


def test_minimize_cg_solves_a_quadratic_and_never_increases_f():
    from aevq.optim import minimize_cg

    g = torch.Generator().manual_seed(0)
    a = torch.randn(10, 10, generator=g, dtype=torch.float64)
    H = a @ a.T + 10 * torch.eye(10, dtype=torch.float64)
    b = torch.randn(10, generator=g, dtype=torch.float64)

    def fg(v):
        return float(0.5 * v @ H @ v - b @ v), H @ v - b

    x0 = torch.zeros(10, dtype=torch.float64)
    res = minimize_cg(fg, x0, line_searches=30)
    assert torch.allclose(res.x, torch.linalg.solve(H, b), atol=1e-6)
    res3 = minimize_cg(fg, x0, line_searches=3)
    assert res3.n_line_searches == 3 and res3.f < fg(x0)[0]

    # Rosenbrock: a hard non-quadratic valley; CG with exact-enough line searches gets close
    def rosen(v):
        v = v.detach().requires_grad_(True)
        f = (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2
        f.backward()
        return float(f.detach()), v.grad.detach()

    res = minimize_cg(rosen, torch.tensor([-1.2, 1.0], dtype=torch.float64), line_searches=100)
    assert res.f < 1e-6


def test_logistic_pca_fits_low_rank_bernoulli_data():
    from aevq.models.logistic_pca import LogisticPCA

    g = torch.Generator().manual_seed(0)
    z_true, w_true = torch.randn(300, 2, generator=g), 3 * torch.randn(20, 2, generator=g)
    x = torch.sigmoid(z_true @ w_true.T)
    model = LogisticPCA(2, steps=200, lr=0.05, generator=g).fit(x)
    assert model.history_[-1] < model.history_[0]
    x_hat = model.decode(model.encode(x[:50]))
    mean_err = ((x[:50] - x.mean(0)) ** 2).sum(1).mean()
    assert ((x[:50] - x_hat) ** 2).sum(1).mean() < 0.1 * mean_err


def test_logistic_pca_gradients_written_out_equal_autograd():
    """The blocked, hand-derived gradients equal autograd's on the cross-entropy, over a last block that is partial."""
    from aevq.models.logistic_pca import GRADIENT_BLOCK_ROWS, cross_entropy, cross_entropy_gradients

    g = torch.Generator().manual_seed(3)
    n = 2 * GRADIENT_BLOCK_ROWS + 37
    x = torch.rand(n, 20, generator=g, dtype=torch.float64)
    z, w, mu = (torch.randn(*shape, generator=g, dtype=torch.float64) for shape in ((n, 3), (20, 3), (20,)))
    params = [t.clone().requires_grad_(True) for t in (z, w, mu)]
    reference = cross_entropy(x, *params)
    reference.backward()
    loss, grad_z, grad_w, grad_mu = cross_entropy_gradients(x, z, w, mu)
    assert loss == pytest.approx(reference.item(), rel=1e-12)
    for ours, theirs in zip((grad_z, grad_w, grad_mu), params, strict=True):
        torch.testing.assert_close(ours, theirs.grad, rtol=1e-10, atol=1e-14)
    codes_only = cross_entropy_gradients(x, z, w, mu, decoder=False)
    assert codes_only[0] == loss and torch.equal(codes_only[1], grad_z) and codes_only[2:] == (None, None)


def test_logistic_pca_encode_leaves_basis_fixed_and_linear_encoder_runs():
    from aevq.models.logistic_pca import LogisticPCA

    g = torch.Generator().manual_seed(1)
    x = torch.rand(100, 12, generator=g)
    model = LogisticPCA(3, steps=20, lr=0.05, generator=g).fit(x[:80])
    w, mu = model.W.clone(), model.mu.clone()
    model.encode(x[80:])  # test codes: only z moves, W_d and mu stay as fitted on the training rows
    assert torch.equal(w, model.W) and torch.equal(mu, model.mu)
    z = model.fit_linear_encoder(x[:80]).encode_linear(x[80:])
    assert z.shape == (20, 3) and torch.isfinite(z).all()


# --- aevq.chapters.deep_ae: what the chapter measures and claims --------------------------------------------------
def _digits(n, d=16, seed=0):
    """Images in [0, 1] with labels 0..9 (every digit present), a few dominant directions plus noise."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(3, d))
    x = 1 / (1 + np.exp(-(rng.normal(size=(n, 3)) @ basis + 0.3 * rng.normal(size=(n, d)))))
    return x, np.arange(n) % 10


def test_pca_baseline_matches_the_svd_of_the_centred_data():
    """Oracle: the right singular vectors of X - mu (no covariance, no eigh) span the same top-k subspaces."""
    x_train, _ = _digits(300)
    x_test, y_test = _digits(60, seed=1)
    metrics, arrays = ch.pca_baseline(x_train, x_test, y_test, 4)
    mean = x_train.mean(0)
    _, s, vt = np.linalg.svd(x_train - mean, full_matrices=False)
    for k, key in ((4, "test_error"), (2, "test_error_2_components")):
        x_hat = mean + (x_test - mean) @ vt[:k].T @ vt[:k]
        assert metrics[key] == pytest.approx(((x_test - x_hat) ** 2).sum(1).mean(), rel=1e-10)
    assert metrics["explained_variance_ratio"] == pytest.approx((s[:4] ** 2).sum() / (s**2).sum(), rel=1e-10)
    assert (metrics["n_train"], metrics["n_test"], metrics["n_components"]) == (300, 60, 4)
    assert list(arrays["picks"]) == list(range(10)) and arrays["recon"].shape == (10, 16)
    # the 2-D codes agree with the SVD's up to the sign of each axis
    assert np.allclose(np.abs(arrays["codes"]), np.abs((x_test - mean) @ vt[:2].T), atol=1e-5)
    assert arrays["labels"] is y_test


def test_reconstruction_error_is_the_sum_over_pixels_averaged_over_images():
    x = np.array([[1.0, 0.0], [0.5, 0.5]])
    x_hat = np.array([[0.0, 0.0], [0.5, 1.5]])
    assert ch.reconstruction_error(x, x_hat) == pytest.approx((1.0 + 1.0) / 2)
    assert ch.reconstruction_error(torch.as_tensor(x), torch.as_tensor(x_hat)) == pytest.approx(1.0)


def test_logistic_pca_baseline_measures_its_model():
    from aevq.models.logistic_pca import LogisticPCA

    x_np, _ = _digits(100, seed=2)
    x_test_np, y_test = _digits(30, seed=3)
    x, x_test = torch.as_tensor(x_np, dtype=torch.float32), torch.as_tensor(x_test_np, dtype=torch.float32)
    kw = dict(n_components=3, steps=30, lr=0.05)
    metrics, arrays = ch.logistic_pca_baseline(x, x_test, y_test, generator=torch.Generator().manual_seed(4), **kw)
    # oracle: the same model, fitted with the same generator, measured by hand
    model = LogisticPCA(3, steps=30, lr=0.05, generator=torch.Generator().manual_seed(4)).fit(x)
    x_hat = model.decode(model.encode(x_test))
    assert metrics["test_error"] == pytest.approx(float(((x_test - x_hat) ** 2).sum(1).mean()), rel=1e-6)
    assert metrics["train_error"] < ((x_np - x_np.mean(0)) ** 2).sum(1).mean()  # better than the mean image
    assert np.isfinite(metrics["test_error_linear_encoder"])
    assert metrics["train_cross_entropy"] == pytest.approx(model.history_[-1], rel=1e-6)
    assert arrays["recon"].shape == (10, 16) and arrays["recon"].dtype == np.float32


def test_factorization_check_summarises_the_table():
    out = ch.factorization_check(4, 5, 3, seed=0)
    assert len(out["rows"]) == 3 and out["dtype"] == "float64"
    assert out["max_abs_error_p_h_given_v"] == max(r["max_abs_error_p_h_given_v"] for r in out["rows"]) < 1e-10
    assert out["max_abs_error_free_energy"] < 1e-10


def test_speed_accounting_follows_the_layer_sizes():
    rbms = [RBM(20, 12), RBM(12, 3, hidden="gaussian")]
    for r in rbms:
        r.history_ = [{"recon_error": 1.0, "seconds": 0.5}, {"recon_error": 0.5, "seconds": 1.5}]
    out = ch.pretrain_metrics(rbms, [20, 12, 3], n_samples=100, epochs=2, matmul_gflops=10.0)
    assert [lay["layer"] for lay in out["layers"]] == ["20-12 (binary)", "12-3 (gaussian)"]
    t = out["timing"]
    assert t["total_train_seconds"] == 4.0 and t["seconds_per_epoch_all_layers"] == 2.0
    flops = 10 * (20 * 12 + 12 * 3) * 2 * 100  # 5 products of d_{l-1} x d_l per CD-1 step, 2 FLOPs each
    assert t["achieved_gflops"] == pytest.approx(flops / 4.0 / 1e9)
    assert t["fraction_of_matmul"] == pytest.approx(flops / 4.0 / 1e9 / 10.0)
    assert t["samples_per_s"] == pytest.approx(100 * 4 / 4.0)
    assert t["layers"][0]["samples_per_s"] == pytest.approx(100 * 2 / 2.0)
    # fine-tuning: 6 FLOPs per weight and case; with CG, per objective evaluation on a block
    model = DeepAutoencoder([20, 12, 3])
    assert model.train_flops_per_sample() == 6 * 2 * (20 * 12 + 12 * 3)
    hist = [{"seconds": 0.0}, {"seconds": 1.0}, {"seconds": 3.0}]
    adam = SimpleNamespace(history=hist, n_evals_per_epoch=[])
    t = ch.fine_tune_timing(adam, model, n_samples=50, cg_block=10, matmul_gflops=1.0)
    assert t["samples_per_s"] == pytest.approx(100 / 4.0) and "evaluations_per_epoch" not in t
    cg = SimpleNamespace(history=hist, n_evals_per_epoch=[30, 50])
    t = ch.fine_tune_timing(cg, model, n_samples=50, cg_block=10, matmul_gflops=1.0)
    assert t["evaluations_per_epoch"] == 40
    assert t["achieved_gflops"] == pytest.approx(80 * 10 * model.train_flops_per_sample() / 4.0 / 1e9)


def _chapter_docs(*, deep=5.0, pca=13.0, random=8.0, fact_err=1e-15, se=0.1):
    """Metrics documents of the eight rules, with the numbers the claims read set by the caller."""
    net = {"sizes": [16, 8, 4], "epochs_run": 3, "timing": {"finetune": {}}}
    timing = {k: 1.0 for k in ("seconds_per_epoch", "samples_per_s", "achieved_gflops", "fraction_of_matmul")}
    timing |= {"matmul_gflops": 2.0, "epoch_seconds": [1.0, 2.0]}
    ft = {
        **net,
        "test_error": deep,
        "test_error_se": se,
        "n_train": 200,
        "n_validation": 50,
        "n_test": 50,
        "optimizer": "Adam",
        "selection": "early stopping",
        "best_epoch": 2,
        "val_error": deep,
        "test_error_last_epoch": deep,
    }
    docs = {
        "pretrained": ft,
        "random_init": {**net, "test_error": random, "test_error_se": se},
        "shallow": {**net, "sizes": [16, 4], "code_units": "linear", "test_error": 9.0},
        "codes2d": {**net, "sizes": [16, 8, 2], "test_error": 11.0},
        "pca": {"test_error": pca, "test_error_se": se, "test_error_2_components": 15.0, "n_components": 4},
        "logistic_pca": {
            "test_error": 10.0,
            "test_error_linear_encoder": 12.0,
            "n_components": 4,
            "steps": 30,
            "timing": {},
        },
        "rbm_check": {"max_abs_error_p_h_given_v": fact_err, "max_abs_error_free_energy": 1e-14, "rows": [{}] * 3}
        | {"n_visible": 4, "n_hidden": 5},
        "pretrain": {
            "epochs": 2,
            "timing": {"seconds_per_epoch_all_layers": 1.0, "total_train_seconds": 2.0, "layers": []}
            | timing
            | {"precision": "bf16"},
        },
    }
    for key in ch.KINDS:
        docs[key]["timing"] = {"finetune": timing, "precision": "fp32"}
    return docs


def _status(docs, profile="quick"):
    return [row["status"] for row in ch.chapter_claims(docs, profile)]


def test_chapter_claims_pass_and_fail():
    not_comparable = _status(_chapter_docs())[2]
    assert not_comparable.startswith("not comparable:")  # logistic PCA: a row, never a pass or a failure
    assert _status(_chapter_docs()) == ["pass", "tested at full scale only", not_comparable, "pass", "pass"]
    assert _status(_chapter_docs(deep=14.0, random=20.0)) == [
        "FAIL",
        "tested at full scale only",
        not_comparable,
        "pass",
        "pass",
    ]
    assert _status(_chapter_docs(deep=6.0, random=5.0))[3] == "FAIL"
    assert _status(_chapter_docs(fact_err=1e-6))[4] == "FAIL"
    # the paper's 3.00 is tested by the full profile only
    assert _status(_chapter_docs(deep=2.9), "full")[1] == "pass"
    assert _status(_chapter_docs(deep=3.1), "full")[1] == "FAIL"
    rows = ch.chapter_claims(_chapter_docs(), "quick")
    assert [r["threshold"] for r in rows] == [0.0, 3.00, 8.01, 0.0, 1e-10]
    half = 1.96 * np.hypot(0.1, 0.1)
    assert rows[0]["measured"] == pytest.approx(13.0 - 5.0 - half) and rows[0]["uncertainty"] == pytest.approx(half)
    assert rows[2]["passed"] is None and rows[2]["measured"] == _chapter_docs()["logistic_pca"]["test_error"]
    assert "the paper: 60000 / 10000 images" in rows[0]["detail"]
    # a difference inside its uncertainty does not pass: 0.2 apart with standard errors of 0.1 each
    assert _status(_chapter_docs(deep=12.8, pca=13.0))[0] == "FAIL"
    assert _status(_chapter_docs(deep=7.8, random=8.0))[3] == "FAIL"


def test_chapter_metrics_gathers_the_table_summary_and_timing():
    out = ch.chapter_metrics(_chapter_docs(), profile="quick", threads_requested=2)
    assert [r["ours"] for r in out["errors"]] == [5.0, 8.0, 9.0, 10.0, 12.0, 13.0, 11.0, 15.0]
    assert [r["paper"] for r in out["errors"]] == [3.00, None, None, 8.01, None, 13.87, None, None]
    assert out["errors"][2]["model"] == "shallow AE 16-4 (linear code, logistic output)"
    assert "5.00 vs PCA-4's 13.00" in out["summary_rows"][0]["key_result"]
    assert [r["stage"] for r in out["timing"]["stages"]] == ["pretrain (all RBMs)", *ch.KINDS]
    assert out["timing"]["stages"][1]["train_seconds"] == 3.0 and out["timing"]["threads_requested"] == 2
    assert [r["precision"] for r in out["timing"]["stages"]] == ["bf16"] + ["fp32"] * len(ch.KINDS)


@pytest.mark.parametrize("kind", ch.KINDS)
def test_chapter_nets_in_miniature(kind):
    """Each net of the chapter, from its start through fine-tuning to its metrics, on a 16-pixel problem."""
    x, x_val, x_test, g = _tiny_problem()
    y_test = np.arange(x_test.shape[0]) % 10
    pre = dict(epochs=1, lr_binary=0.1, lr_top=0.001, momentum_initial=0.5, momentum_final=0.9, momentum_switch_epoch=5)
    pre["weight_decay"] = 0.0002
    rbms = pretrain_stack(x, [16, 8, 4], batch_size=20, generator=g, **pre)
    assert ch.first_layer_filters(rbms).shape == (8, 16)
    rbms = [model_from_record(model_record(r)) for r in rbms]  # the round trip through rbms.pt
    sizes = {"pretrained": [16, 8, 4], "random_init": [16, 8, 4], "shallow": [16, 4], "codes2d": [16, 8, 2]}[kind]
    model, info, pre_timing = ch.initial_autoencoder(
        kind,
        sizes,
        x=x,
        rbms=rbms if kind in {"pretrained", "codes2d"} else None,
        pretrain=pre,
        batch_size=20,
        shallow_code="linear",
        generator=g,
        device="cpu",
        matmul_gflops=1.0,
    )
    assert model.sizes == sizes and (pre_timing is not None) == (kind == "codes2d")
    if kind == "pretrained":  # unrolled: the decoder is the encoder transposed
        assert all(torch.equal(d.weight, e.weight.T) for e, d in zip(model.enc, reversed(model.dec), strict=True))
    before = evaluate(model, x)["error"]
    ft = dict(optimizer="adam", max_epochs=3, patience=3, lr=0.01, batch_size=20, cg_block=50, cg_line_searches=3)
    ft["monitor_every"] = 2
    result = ch.fine_tune_net(model, x, x_val, x_test, finetune=ft, generator=g, desc=kind)
    monitored = {h["epoch"] for h in result.history if {"train_error", "test_error"} <= set(h)}
    assert monitored == {0, 1, 2, 3}
    assert result.history[0]["train_error"] == before  # the monitor's probe: the first training images (all here)
    arrays = ch.reconstruction_arrays(model, x_test, y_test, with_codes=kind == "codes2d")
    assert arrays["recon"].shape == (10, 16) and ("codes" in arrays) == (kind == "codes2d")
    metrics = ch.training_metrics(
        kind, sizes, result, info=info, finetune=ft, n_train=200, n_test=50, n_validation=50, timing={}
    )
    best = result.history[result.best_epoch]
    assert metrics["test_error"] == best["test_error"] and metrics["val_error"] == best["val_error"]
    assert metrics["test_error"] == pytest.approx(ch.reconstruction_error(x_test, model(x_test).detach()), rel=1e-5)
    assert metrics["epochs_run"] == len(result.history) - 1 and ("code_units" in metrics) == (kind == "shallow")
    # the standard error over the test images, from evaluate and from the NumPy form of the same error
    x_hat = model(x_test).detach()
    assert metrics["test_error_se"] == best["test_error_se"] > 0
    assert evaluate(model, x_test)["error_se"] == pytest.approx(
        ch.reconstruction_error_se(x_test.numpy(), x_hat.numpy()), rel=1e-4
    )


def test_initial_autoencoder_refuses_a_stack_of_other_sizes():
    x, _, _, g = _tiny_problem()
    rbms = [RBM(16, 8), RBM(8, 4, hidden="gaussian")]
    kw = dict(x=x, pretrain={}, batch_size=20, shallow_code="linear", generator=g, device="cpu", matmul_gflops=1.0)
    with pytest.raises(ValueError, match="16-8-4"):
        ch.initial_autoencoder("pretrained", [16, 8, 3], rbms=rbms, **kw)
    with pytest.raises(ValueError, match="kind"):
        ch.initial_autoencoder("deeper", [16, 8, 4], rbms=rbms, **kw)
