"""Deep AE chapter: RBM factorization vs enumeration, CD-1 learns, unrolling ties the decoder to the encoder."""

import pytest
import torch

from aevq.models.deep_ae import (
    DeepAutoencoder,
    DivergenceError,
    cross_entropy_loss,
    evaluate,
    fine_tune,
    pretrain_stack,
    squared_error,
)
from aevq.models.rbm import RBM, exact_free_energy, exact_p_h_given_v, factorization_table, rbm_from_state, rbm_state


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
    assert rbm.history[-1]["recon_error"] < rbm.history[0]["recon_error"]


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
    r2 = rbm_from_state(rbm_state(rbms[0]))
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
    assert model.history[-1] < model.history[0]
    x_hat = model.decode(model.encode(x[:50]))
    mean_err = ((x[:50] - x.mean(0)) ** 2).sum(1).mean()
    assert ((x[:50] - x_hat) ** 2).sum(1).mean() < 0.1 * mean_err


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
