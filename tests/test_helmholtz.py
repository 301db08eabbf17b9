"""The shift patterns' exact p_data and the Helmholtz machine's exact enumeration, checked against brute force."""

import itertools

import numpy as np
import pytest
import torch

from aevq.chapters.helmholtz import (
    LearnerSettings,
    comparison_claims,
    data_stream,
    direction_accuracy,
    dream_validity,
    independent_pixel_valid_share,
    train_seed,
)
from aevq.data.shifter import sample_shifter, shifter_distribution, true_causes
from aevq.models.helmholtz import HelmholtzMachine


def test_shifter_distribution_is_exact():
    dist = shifter_distribution(0.2)
    assert len(dist.prob) == 508  # 512 (bottom, direction) pairs; 4 shift-invariant bottom rows merge
    assert dist.prob.sum() == pytest.approx(1.0, abs=1e-12)
    assert dist.ambiguous.sum() == 4
    x = dist.patterns.reshape(-1, 4, 8)
    assert (x[:, 0] == x[:, 1]).all() and (x[:, 2] == x[:, 3]).all()  # middle rows copy the outer rows
    left, right = np.roll(x[:, 3], -1, axis=1), np.roll(x[:, 3], 1, axis=1)
    assert ((x[:, 0] == left).all(1) | (x[:, 0] == right).all(1)).all()
    # the all-off pattern: both directions, probability 0.8^8
    blank = dist.index(np.zeros((1, 32)))[0]
    assert dist.prob[blank] == pytest.approx(0.8**8) and dist.p_right[blank] == 0.5


def test_sampler_matches_p_data():
    dist = shifter_distribution(0.2)
    n = 200_000
    x, direction = sample_shifter(n, np.random.default_rng(0), p_on=0.2)
    idx = dist.index(x)
    assert (idx >= 0).all()
    freq = np.bincount(idx, minlength=len(dist.prob)) / n
    se = np.sqrt(dist.prob * (1 - dist.prob) / n)
    assert (np.abs(freq - dist.prob) <= 5 * se + 1e-6).all()
    # the direction returned is consistent with the image (wherever the image determines it)
    known = ~dist.ambiguous[idx]
    assert (direction[known] == (dist.p_right[idx[known]] > 0.5)).all()
    assert direction.mean() == pytest.approx(0.5, abs=0.01)


def _random_machine(sizes, seed):
    hm = HelmholtzMachine(sizes, seed=seed, init_scale=1.0)
    rng = np.random.default_rng(seed + 1)
    hm.b = [rng.normal(size=b.shape) for b in hm.b]
    hm.c = [None] + [rng.normal(size=c.shape) for c in hm.c[1:]]
    return hm


def _brute_force(hm, x):
    """log p(x), F, <E>, H by looping over every latent configuration (itertools)."""
    sizes = hm.sizes[1:]
    configs = list(itertools.product([0.0, 1.0], repeat=sum(sizes)))
    zs_all = [np.array(c) for c in configs]
    split = np.cumsum(sizes)[:-1]
    log_pxz, log_q = [], []
    for z in zs_all:
        zs = [part[None, :] for part in np.split(z, split)]
        log_pxz.append(hm.log_joint(x[None, :], zs)[0])
        log_q.append(hm.log_q(x[None, :], zs)[0])
    log_pxz, log_q = np.array(log_pxz), np.array(log_q)
    q = np.exp(log_q)
    assert q.sum() == pytest.approx(1.0, abs=1e-12)
    log_px = np.log(np.exp(log_pxz).sum())
    energy = -(q * log_pxz).sum()
    entropy = -(q * log_q).sum()
    return log_px, energy - entropy, energy, entropy


@pytest.mark.parametrize("sizes", [[5, 3], [5, 3, 2], [4, 2, 2, 1]])
def test_exact_enumeration_matches_brute_force(sizes):
    hm = _random_machine(sizes, seed=len(sizes))
    X = np.array(list(itertools.product([0.0, 1.0], repeat=sizes[0])))
    ex = hm.exact(X, chunk=7)
    for i, x in enumerate(X):
        log_px, F, energy, entropy = _brute_force(hm, x)
        assert ex["log_px"][i] == pytest.approx(log_px, abs=1e-10)
        assert ex["F"][i] == pytest.approx(F, abs=1e-10)
        assert ex["energy"][i] == pytest.approx(energy, abs=1e-10)
        assert ex["entropy"][i] == pytest.approx(entropy, abs=1e-10)
    # p(x) is a distribution over all 2^n0 visible vectors
    assert np.exp(ex["log_px"]).sum() == pytest.approx(1.0, abs=1e-12)
    # the bound: F >= -log p(x), gap = KL(Q||P) >= 0
    assert (ex["kl_qp"] >= -1e-12).all()
    assert ex["q_top"].shape == (len(X), sizes[-1])


def test_monte_carlo_free_energy_agrees_with_exact():
    hm = _random_machine([6, 4, 2], seed=3)
    X = np.array(list(itertools.product([0.0, 1.0], repeat=6)))[::9]
    exact = hm.exact(X)["F"]
    mc = hm.free_energy_mc(X, 4000, rng=np.random.default_rng(0))
    assert np.abs(mc - exact).max() < 0.15


def test_wake_sleep_steps_are_finite_and_local():
    x, _ = sample_shifter(200, np.random.default_rng(1))
    hm = HelmholtzMachine([32, 6, 1], lr_gen=0.1, lr_rec=0.1, seed=0)
    before = {k: v.copy() for k, v in hm.get_params().items()}
    hm.fit(x, n_steps=20, batch_size=10)
    after = hm.get_params()
    assert all(np.isfinite(v).all() for v in after.values())
    assert any(not np.array_equal(before[k], after[k]) for k in before if k != "sizes")
    ex = hm.exact(x[:20])
    assert np.isfinite(ex["log_px"]).all() and (ex["kl_qp"] >= -1e-9).all()
    # dreams are binary 32-pixel images; a saved machine reloads to the same numbers
    dreams = hm.sample(5)
    assert dreams.shape == (5, 32) and set(np.unique(dreams)) <= {0.0, 1.0}
    clone = HelmholtzMachine.from_params(after)
    assert np.allclose(clone.exact(x[:5])["F"], ex["F"][:5])


def test_true_causes_generate_the_patterns():
    causes = true_causes()
    assert causes.shape == (32, 16) and (causes.sum(0) == 4).all()
    x, direction = sample_shifter(300, np.random.default_rng(2))
    bottom = x[:, 24:]
    active = np.concatenate([bottom * (direction == 0)[:, None], bottom * (direction == 1)[:, None]], axis=1)
    assert np.array_equal(np.minimum(active @ causes.T, 1.0), x)  # a pattern is the OR of its causes
    hm = HelmholtzMachine([32, 16, 1], seed=0).seed_first_layer(causes)
    # a seeded first layer reconstructs each single cause
    assert (hm.decode(np.eye(16)) > 0.95).sum() == 64
    with pytest.raises(ValueError):
        HelmholtzMachine([32, 8, 1]).seed_first_layer(causes)


def _central_difference(objective, param, eps=1e-6):
    """d objective / d param by central differences, one entry of ``param`` (changed in place, restored) at a time."""
    numeric = np.zeros_like(param)
    for idx in np.ndindex(param.shape):
        old = param[idx]
        param[idx] = old + eps
        up = objective()
        param[idx] = old - eps
        down = objective()
        param[idx] = old
        numeric[idx] = (up - down) / (2 * eps)
    return numeric


@pytest.mark.parametrize("sizes", [[4, 3], [4, 3, 2], [4, 2, 2, 1]])
def test_exact_ml_gradient_equals_finite_differences_of_exact_log_likelihood(sizes):
    hm = _random_machine(sizes, seed=10 + len(sizes))
    X = np.array(list(itertools.product([0.0, 1.0], repeat=sizes[0])))[[0, 3, 5, 6, 9, 15]]
    g = hm.exact_gradients(X)

    def mean_log_px():
        return hm.log_prob(X).mean()

    for name in ("W", "b"):
        for k, param in enumerate(getattr(hm, name)):
            assert np.allclose(g[name][k], _central_difference(mean_log_px, param), atol=1e-7), (name, k)
    assert np.allclose(g["log_px"], hm.log_prob(X), atol=1e-12)


def test_exact_recognition_gradient_equals_finite_differences_of_expected_log_q():
    """The exact-ML learner's q-update ascends E_{P(z|x)}[log q(z | x)], by brute force over every z."""
    sizes = [4, 2, 2, 1]
    hm = _random_machine(sizes, seed=4)
    X = np.array(list(itertools.product([0.0, 1.0], repeat=4)))[[1, 2, 7, 12]]
    configs = np.array(list(itertools.product([0.0, 1.0], repeat=5)))
    split = np.cumsum(sizes[1:])[:-1]

    def objective():
        total = 0.0
        for x in X:
            xr = np.repeat(x[None], len(configs), axis=0)
            zs = np.split(configs, split, axis=1)
            log_pxz = hm.log_joint(xr, zs)
            post = np.exp(log_pxz - np.logaddexp.reduce(log_pxz))
            total += post @ hm.log_q(xr, zs)
        return total / len(X)

    g = hm.exact_gradients(X)
    for name in ("R", "c"):
        for k in range(1, len(sizes)):
            param = getattr(hm, name)[k]
            assert np.allclose(g[name][k], _central_difference(objective, param), atol=1e-7), (name, k)


def test_reweighted_wake_sleep_with_one_sample_is_wake_sleep():
    x, _ = sample_shifter(10, np.random.default_rng(3))
    ws, rws = (_random_machine([32, 5, 2], seed=6) for _ in range(2))
    ws.wake_sleep_step(x, rng=np.random.default_rng(9))
    # K = 1, generative update and the sleep q-update: every weight is 1, so the same draws give the same machine
    rws.rws_step(x, n_samples=1, q_update=("sleep",), rng=np.random.default_rng(9))
    for key, value in ws.get_params().items():
        assert np.allclose(rws.get_params()[key], value, atol=1e-12), key
    # with the wake q-update too, the generative half is still wake-sleep's wake update
    rws2 = _random_machine([32, 5, 2], seed=6)
    rws2.rws_step(x, n_samples=1, q_update=("wake", "sleep"), rng=np.random.default_rng(9))
    for k in range(2):
        assert np.allclose(rws2.W[k], ws.W[k], atol=1e-12)
    # K > 1 weights the samples: a different update, still finite
    rws3 = _random_machine([32, 5, 2], seed=6)
    rws3.rws_step(x, n_samples=5, rng=np.random.default_rng(9))
    assert all(np.isfinite(w).all() for w in rws3.W) and not np.allclose(rws3.W[0], ws.W[0])
    with pytest.raises(ValueError, match="q_update"):
        rws3.rws_step(x, n_samples=2, q_update=("dream",))


def test_exact_ml_raises_the_exact_likelihood_and_float32_agrees():
    dist = shifter_distribution(0.2)
    x, _ = sample_shifter(2000, np.random.default_rng(5))
    hm = HelmholtzMachine([32, 6, 1], lr_gen=0.5, lr_rec=0.5, init_scale=0.1, seed=2)
    before = dist.prob @ hm.log_prob(dist.patterns)
    hm.fit(x, n_steps=40, batch_size=50, learner="exact_ml")
    after = dist.prob @ hm.log_prob(dist.patterns)
    assert after > before + 1.0  # nats: a large step in the exact objective
    ex64 = hm.exact(dist.patterns)
    ex32 = hm.exact(dist.patterns, dtype=torch.float32)
    for key in ("log_px", "F", "q_top", "p_top"):
        assert np.allclose(ex32[key], ex64[key], atol=1e-3), key
    with pytest.raises(ValueError, match="unknown learner"):
        hm.fit(x, n_steps=1, batch_size=5, learner="backprop")


# ------------------------------------------------------------------ the chapter's measurements and claims
def test_direction_accuracy_reads_either_coding_and_the_best_unit():
    dist = shifter_distribution(0.2)
    perfect = dist.p_right[:, None]
    acc, unit, coding = direction_accuracy(perfect, dist)
    assert acc == pytest.approx(1.0) and (unit, coding) == (0, "on = right")
    acc, _, coding = direction_accuracy(1.0 - perfect, dist)
    assert acc == pytest.approx(1.0) and coding == "on = left"
    noise = np.random.default_rng(0).random((len(dist.prob), 1))
    acc, unit, _ = direction_accuracy(np.hstack([noise, perfect]), dist)
    assert acc == pytest.approx(1.0) and unit == 1
    assert 0.5 <= direction_accuracy(noise, dist)[0] < 0.75


def test_dream_validity_is_the_exact_mass_on_shift_patterns():
    dist = shifter_distribution(0.2)
    hm = HelmholtzMachine([32, 16, 1], init_scale=0.5, seed=3).seed_first_layer(true_causes())
    exact = dream_validity(dist, hm.log_prob(dist.patterns))
    dreams = hm.sample(20000, rng=np.random.default_rng(4))
    idx = dist.index(dreams)
    valid = idx >= 0
    se = np.sqrt(exact["valid"] * (1 - exact["valid"]) / len(dreams))
    assert abs(valid.mean() - exact["valid"]) < 5 * se
    right = dist.p_right[idx[valid]].mean()
    assert abs(right - exact["right_share"]) < 5 * np.sqrt(0.25 / valid.sum())
    # the floor of the claim: the best independent-pixel model, by sampling its pixels
    marg = dist.prob @ dist.patterns
    indep = (np.random.default_rng(5).random((200000, 32)) < marg).astype(float)
    share = (dist.index(indep) >= 0).mean()
    assert abs(share - independent_pixel_valid_share(dist)) < 5 * np.sqrt(share / 200000) + 1e-5


def test_learners_share_the_start_and_the_stream_and_repeat_exactly():
    dist = shifter_distribution(0.2)
    X, _ = sample_shifter(500, np.random.default_rng(1))
    order = data_stream(len(X), 400, seed=(1, 2))
    assert np.array_equal(order, data_stream(len(X), 400, seed=(1, 2)))
    runs = {}
    for learner, batch in (("wake_sleep", 10), ("rws", 10), ("exact_ml", 50), ("wake_sleep", 10)):
        settings = LearnerSettings(batch_size=batch, lr_gen=0.2, lr_rec=0.2, n_samples=3)
        run = train_seed(learner, [32, 6, 1], settings, X, order, dist, seed=(7, 0), init_scale=0.1, n_evals=2)
        runs.setdefault(learner, []).append(run)
    starts = {lrn: r[0]["history"][0]["kl_data_model_bits"] for lrn, r in runs.items()}
    assert len({round(v, 9) for v in starts.values()}) == 1  # the same initial weights
    assert [r["patterns_seen"] for r in runs["exact_ml"][0]["history"]] == [0, 200, 400]
    assert [r["patterns_seen"] for r in runs["wake_sleep"][0]["history"]] == [0, 200, 400]
    first, again = runs["wake_sleep"]
    assert first["history"] == again["history"]  # CPU: the same config gives the same numbers
    with pytest.raises(ValueError, match="n_evals"):
        train_seed("rws", [32, 6, 1], LearnerSettings(10, 0.2, 0.2), X, order, dist, seed=0, init_scale=0.1, n_evals=3)


def _summary(share, kl):
    return {
        "n_seeds": 10,
        "n_codes_direction": int(10 * share),
        "share_codes_direction": share,
        "share_codes_direction_p": share,
        "top_accuracy_q_median": 0.5 + share / 2,
        "top_accuracy_q_max": 0.5 + share / 2,
        "kl_bits_median": kl,
        "kl_bits_min": kl,
        "kl_bits_max": kl,
        "kl_fall_ratio_median": kl / 25.0,
        "mean_gap_bits_median": 0.3,
        "dreams_valid_median": 1 - kl / 25.0,
        "dreams_right_share_median": 0.5,
        "train_s_per_seed": 1.0,
    }


def test_comparison_claims_test_appendix_a_and_put_the_lectures_learner_first():
    dist = shifter_distribution(0.2)
    main = {
        "kl_qp_bits": np.full(len(dist.prob), 0.2),
        "prob": dist.prob,
        "min_gap_all_bits": 0.01,
        "n_settings": 6,
        "independent_valid": 0.001,
    }
    # Appendix A holds (no setting finds the direction), exact ML below wake-sleep
    stuck = {
        lrn: {t: _summary(0.0, kl) for t in (1, 2)} for lrn, kl in (("wake_sleep", 2), ("rws", 1.5), ("exact_ml", 1))
    }
    # every setting finds the direction, and exact ML is worse
    found = {
        lrn: {t: _summary(1.0, kl) for t in (1, 2)} for lrn, kl in (("wake_sleep", 2), ("rws", 3), ("exact_ml", 20))
    }
    rows_stuck = comparison_claims(stuck, [32, 16, 1], 1000, [1, 2], main)
    rows_found = comparison_claims(found, [32, 16, 1], 1000, [1, 2], main)
    assert all(r["passed"] for r in rows_stuck)
    assert all(r["kind"] in ("identity", "empirical") and r["basis"] for r in rows_stuck)
    direction = [r for r in rows_found if "shift direction" in r["claim"]]
    assert len(direction) == 6 and not any(r["passed"] for r in direction)
    first = direction[0]
    assert "wake-sleep, 32-16-1" in first["claim"] and "Appendix A" in first["source"]
    assert "10 of 10 seeds" in first["detail"]
    # no row attributes 'the top unit codes the direction' to either paper as an outcome of wake-sleep
    assert not any("Headline" in r["claim"] or "Hinton et al. 1995 describe" in r["source"] for r in rows_stuck)
    ml = [r for r in rows_found if r["claim"].startswith("Exact maximum likelihood")]
    assert len(ml) == 2 and not any(r["passed"] for r in ml)  # 20 bits against 2: the report says it does not
    main_bad = dict(main, min_gap_all_bits=-1e-3)
    assert not comparison_claims(stuck, [32, 16, 1], 1000, [1, 2], main_bad)[0]["passed"]


def test_the_chapters_two_jobs_end_to_end_on_a_tiny_budget():
    """run_learner for every learner, then summary_document: the document's shape, its claims and the timing kept
    apart, on 200 patterns per seed (the jobs' logic without Snakemake)."""
    import copy

    import yaml

    from aevq.chapters.helmholtz import LEARNERS, run_learner, summary_document
    from tests.conftest import REPO

    hh = copy.deepcopy(yaml.safe_load((REPO / "config/config.yaml").read_text())["helmholtz"])
    hh.update(tops=[1], seeds=1, budget=200, n_train=200, n_evals=1, n_wake=20, n_mc=2, n_dreams=20, n_show=3)
    hh["control_patterns"] = 200
    docs, arrays = [], {}
    for learner in LEARNERS:
        doc, arrays[learner] = run_learner(hh, learner, 1, hh["learners"][learner], 7)
        assert doc["sizes"] == [32, 16, 1] and len(doc["runs"]) == 1 and doc["summary"]["n_seeds"] == 1
        docs.append(doc)
    again, _ = run_learner(hh, "rws", 1, hh["learners"]["rws"], 7)
    assert again["runs"][0]["final"] == docs[1]["runs"][0]["final"]  # the same seed, the same numbers
    main = arrays["wake_sleep"]
    assert {"shown", "patterns", "prob", "first_kl_qp", "kl_bits", "dreams_0"} <= set(main)
    assert docs[0]["control_seeded_causes"] is not None and docs[1]["control_seeded_causes"] is None
    out = summary_document(hh, docs, main["first_kl_qp"], "quick")
    assert [row["learner"] for row in out["comparison"]] == list(LEARNERS)
    assert all("train_s_per_seed" not in row for row in out["comparison"])
    assert set(out["timing"]["train_s_per_seed"]) == {f"{lrn}_top1" for lrn in LEARNERS}
    assert len(out["summary_rows"]) == 3 and out["claims"]
    assert all(row["status"] in ("pass", "FAIL") for row in out["claims"])
