"""The papers' two machines and Fig 10's surface: Dayan et al.'s eq. 18/19 and deterministic free energy, Hinton et
al.'s bars and online wake-sleep, the exact EM surface; each checked against hand values or brute force."""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from aevq.chapters.helmholtz_bars import exact_measures
from aevq.chapters.helmholtz_bars import summarise as summarise_bars
from aevq.chapters.helmholtz_em import em_path, em_surface, log_evidence, neg_free_energy, posterior
from aevq.chapters.helmholtz_shifter import layer2_census, layer3_tuning, single_pair_patterns
from aevq.chapters.helmholtz_shifter import summarise as summarise_shifter
from aevq.data.bars import bars_distribution, compose, sample_bars
from aevq.data.shifter import shifter_distribution, true_causes
from aevq.models.helmholtz_deterministic import (
    FIXED_BIAS_ODDS,
    DeterministicHelmholtz,
    eq18,
    eq19,
    expected_eq18,
)
from aevq.models.helmholtz_online import GROUPS, OnlineWakeSleep


# -- Dayan et al. 1995, Appendix A ------------------------------------------------------------------------------------
def test_eq18_and_eq19_against_hand_computed_values():
    theta = torch.tensor([[1.0, 3.0], [2.0, 0.5]], dtype=torch.float64)  # 2 units above, 2 below
    s = torch.tensor([1.0, 1.0], dtype=torch.float64)
    # eq. 18: 1 - 1 / (1 + 1 + 2) = 0.75 and 1 - 1 / (1 + 3 + 0.5) = 3.5 / 4.5
    assert eq18(s, theta).tolist() == pytest.approx([0.75, 3.5 / 4.5])
    assert eq18(torch.tensor([0.0, 0.0], dtype=torch.float64), theta, 0.05).tolist() == pytest.approx([0.05 / 1.05] * 2)
    q = torch.tensor([0.5, 0.25], dtype=torch.float64)
    # eq. 19, unit 1: (1 - 1 / (1 + 0.5 + 0.5)) * (1 - (1 - 0.5 * 1/2) (1 - 0.25 * 2/3)) = 0.5 * (1 - 0.75 * 5/6)
    # unit 2: (1 - 1 / (1 + 1.5 + 0.125)) * (1 - (1 - 0.5 * 3/4) (1 - 0.25 * 1/3))
    u1 = 0.5 * (1 - 0.75 * (5 / 6))
    u2 = (1 - 1 / 2.625) * (1 - (1 - 0.375) * (1 - 0.25 / 3))
    assert eq19(q, theta).tolist() == pytest.approx([u1, u2])
    # a bias is a parent that is always on
    with_bias = eq19(q, theta, 0.05)
    as_parent = eq19(torch.tensor([0.5, 0.25, 1.0], dtype=torch.float64), torch.cat([theta, torch.full((1, 2), 0.05)]))
    assert with_bias.tolist() == pytest.approx(as_parent.tolist())


def test_expected_eq18_is_the_average_over_the_configurations_above():
    theta = torch.tensor([[1.0, 3.0, 0.2], [2.0, 0.5, 4.0]], dtype=torch.float64)
    q = torch.tensor([[0.3, 0.8]], dtype=torch.float64)
    brute = sum(
        (0.3 if a else 0.7) * (0.8 if b else 0.2) * eq18(torch.tensor([a, b], dtype=torch.float64), theta, 0.05)
        for a, b in itertools.product((0.0, 1.0), repeat=2)
    )
    assert expected_eq18(q, theta, 0.05)[0].tolist() == pytest.approx(brute.tolist(), abs=1e-12)


def test_deterministic_free_energy_gradient_equals_finite_differences():
    dist = shifter_distribution(0.2)
    m = DeterministicHelmholtz((32, 6, 2), rec_init=0.5, seed=3)
    d = torch.as_tensor(dist.patterns[:40])
    w = torch.as_tensor(dist.prob[:40])
    params = list(m.parameters())
    f = w @ m.free_energy(d)
    grads = torch.autograd.grad(f, params)
    rng = np.random.default_rng(0)
    eps = 1e-6
    for p, g in zip(params, grads, strict=True):
        for _ in range(3):
            idx = tuple(int(rng.integers(0, n)) for n in p.shape)
            with torch.no_grad():
                p[idx] += eps
                up = float(w @ m.free_energy(d))
                p[idx] -= 2 * eps
                down = float(w @ m.free_energy(d))
                p[idx] += eps
            assert g[idx].item() == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


def test_deterministic_machine_generative_weights_are_positive_and_training_lowers_f():
    dist = shifter_distribution(0.2)
    m = DeterministicHelmholtz((32, 8, 2), seed=1)
    with torch.no_grad():
        start = float(torch.as_tensor(dist.prob) @ m.free_energy(torch.as_tensor(dist.patterns)))
    curve = []
    m.fit(dist.patterns, dist.prob, n_line_searches=10, chunk=5, callback=lambda n, f: curve.append(f))
    assert curve[-1] < start and all(np.isfinite(curve))
    x, s2, s3 = m.sample(50, np.random.default_rng(0))
    assert x.shape == (50, 32) and set(np.unique(x)) <= {0.0, 1.0}
    # eq. 18 with only the layer-3 biases: at least the fixed 0.05 odds
    assert (m.p_top() >= FIXED_BIAS_ODDS / (1 + FIXED_BIAS_ODDS)).all()


def test_fig4_structure_generates_only_shift_patterns_apart_from_the_leak():
    """The hand-built generative half: with layer 3 off, layer 2 is on only through the fixed 0.05 odds."""
    dist = shifter_distribution(0.2)
    m = DeterministicHelmholtz((32, 24, 2), seed=0)
    m.set_fig4_structure(true_causes())
    p2 = eq18(torch.tensor([1.0, 0.0], dtype=torch.float64), torch.exp(m.log_theta_32), FIXED_BIAS_ODDS)
    # (the off weights are odds e^-12, not 0: a relative 1e-4 above the bias alone)
    assert p2[:8].tolist() == pytest.approx([0.2] * 8, rel=1e-3)
    assert p2[8:16].tolist() == pytest.approx([0.05 / 1.05] * 8, rel=1e-3)
    assert m.p_top().tolist() == pytest.approx([0.5, 0.5])
    x, _, _ = m.sample(4000, np.random.default_rng(0))
    assert (dist.index(x) >= 0).mean() > 0.5


def test_layer3_tuning_and_layer2_census_on_built_cases():
    dist = shifter_distribution(0.2)
    right = (dist.p_right > 0.5).astype(float)
    tuned = layer3_tuning(np.stack([1 - right, right], 1), dist)
    assert tuned["shift_tuned"] and {u["codes"] for u in tuned["units"]} == {"left", "right"}
    same = layer3_tuning(np.stack([right, right], 1), dist)
    assert not same["shift_tuned"]
    blank = layer3_tuning(np.full((len(dist.prob), 2), 0.3), dist)
    assert not blank["shift_tuned"] and not blank["shift_tuned_on"]
    # graded: both units below one half, yet each separates the directions perfectly
    graded = layer3_tuning(np.stack([0.1 + 0.2 * (1 - right), 0.1 + 0.2 * right], 1), dist)
    assert graded["shift_tuned"] and not graded["shift_tuned_on"]
    assert [u["codes"] for u in graded["units"]] == ["left", "right"]
    assert all(u["accuracy"] == pytest.approx(1.0) for u in graded["units"])
    pairs = single_pair_patterns()
    assert pairs.shape == (16, 32)
    q_pairs = np.zeros((16, 4))
    q_pairs[0, 0] = q_pairs[[1, 2], 1] = 0.9  # unit 0: one pair, unit 1: two pairs
    q_pairs[:5, 2] = 0.9  # unit 2: five pairs; unit 3: silent
    q_all = np.vstack([q_pairs, np.zeros((3, 4))])
    census = layer2_census(q_pairs, q_all)
    assert (census["silent"], census["one_or_two_pairs"], census["other"]) == (1, 2, 1)


def _shifter_run(seed, tuned, free=6.0):
    units = [{"accuracy": 0.95 if tuned else 0.5, "codes": "left"}, {"accuracy": 0.95, "codes": "right"}]
    return {
        "seed": seed,
        "free_energy_bits": free,
        "layer3": {"units": units, "shift_tuned": tuned, "shift_tuned_on": False},
        "layer2": {"silent": 8, "one_or_two_pairs": 16, "other": 0},
        "dreams": {"valid": 0.8, "valid_se": 0.01},
        "curve": [],
    }


def test_shifter_claim_passes_with_one_solution_and_fails_with_none():
    dist = shifter_distribution(0.2)
    cfg = {"sizes": [32, 24, 2], "line_searches": 10, "n_dreams": 100}
    control = {"held": _shifter_run(0, True, 7.0), "released": _shifter_run(0, False, 6.0)}
    one = summarise_shifter(cfg, [_shifter_run(0, False), _shifter_run(1, True)], dist, control)
    none = summarise_shifter(cfg, [_shifter_run(0, False), _shifter_run(1, False)], dist, control)
    assert one["claims"][0]["passed"] and one["shown_seed"] == 1 and one["share_found"] == 0.5
    assert not none["claims"][0]["passed"] and "0 of 2 seeds (0%)" in none["claims"][0]["detail"]
    assert one["n_found_on"] == 0 and "on/off (probability > 1/2) instead: 0 of 2" in one["claims"][0]["detail"]
    assert all(r["kind"] == "empirical" and r["basis"] == "paper" for r in one["claims"])


# -- Hinton et al. 1995, Fig 2 ----------------------------------------------------------------------------------------
def test_bars_distribution_matches_its_definition():
    pv, pb = 2 / 3, 0.2
    for keep_blank in (False, True):
        dist = bars_distribution(pv, pb, keep_blank)
        # 2 x 14 subsets with 1 to 3 bars, and the blank once (from either orientation) when kept
        assert len(dist.prob) == 28 + keep_blank and dist.prob.sum() == pytest.approx(1.0)
        assert not (dist.patterns.sum(1) == 16).any()  # the all-white image (all four bars) is removed
        kept = 1 - pb**4 - (0 if keep_blank else (1 - pb) ** 4)
        col0 = compose(np.array([1.0, 0, 0, 0]), 1)  # one vertical bar (column 0): p = pv pb (1 - pb)^3 / kept
        assert col0.reshape(4, 4)[:, 0].all() and col0.sum() == 4
        assert dist.prob[dist.index(col0[None])[0]] == pytest.approx(pv * pb * (1 - pb) ** 3 / kept)
        assert dist.vertical.sum() == 14 and dist.determined.sum() == 28
        assert dist.prob[dist.vertical > 0.5].sum() == pytest.approx(pv * (1 - pb**4 - (1 - pb) ** 4) / kept)
        if keep_blank:
            blank = dist.index(np.zeros((1, 16)))[0]
            assert not dist.determined[blank] and dist.prob[blank] == pytest.approx((1 - pb) ** 4 / kept)
        # the sampler's frequencies against p_data
        idx = sample_bars(200_000, np.random.default_rng(0), dist)
        freq = np.bincount(idx, minlength=len(dist.prob)) / 200_000
        assert np.abs(freq - dist.prob).max() < 0.01
    with pytest.raises(ValueError, match="strictly"):
        bars_distribution(1.0, 0.2)


def test_bars_generator_of_the_config_fits_the_papers_fig2b_sample():
    """Fig 2b's 36 samples (counted in aevq.data.bars) against the generator the full profile uses: the number of
    bars per image and the orientations, by a chi-square test at the 1% level; the generator the chapter used before
    (vertical 2/3, each bar 0.2, the blank removed) fails it."""
    from scipy.stats import binomtest, chisquare

    from aevq.data.bars import FIG2B_BAR_COUNTS, FIG2B_HORIZONTAL_VERTICAL

    def fits(dist):
        n_bars = dist.patterns.sum(1) / 4
        p_k = np.array([dist.prob[n_bars == k].sum() for k in range(4)])
        counts = np.array(FIG2B_BAR_COUNTS)
        if p_k.min() == 0 and counts[p_k == 0].sum() > 0:
            return False
        bars_ok = chisquare(counts, p_k * counts.sum()).pvalue > 0.01
        p_vertical = dist.prob[dist.determined & (dist.vertical > 0.5)].sum() / dist.prob[dist.determined].sum()
        n_h, n_v = FIG2B_HORIZONTAL_VERTICAL
        return bars_ok and binomtest(n_v, n_h + n_v, p_vertical).pvalue > 0.01

    cfg = yaml.safe_load((Path(__file__).resolve().parents[1] / "config/config.yaml").read_text())["helmholtz_bars"]
    assert fits(bars_distribution(cfg["p_vertical"], cfg["p_bar"], cfg["keep_blank"]))
    assert not fits(bars_distribution(2 / 3, 0.2, keep_blank=False))
    assert sum(FIG2B_BAR_COUNTS) == 36 and sum(FIG2B_HORIZONTAL_VERTICAL) == 36 - FIG2B_BAR_COUNTS[0]


def test_fig2a_model_built_into_the_machine_is_minus_log2_kept_mass_from_p_data():
    """The generator as a 16-8-1 machine (near-saturated weights): its exact KL(p_data || p_model) is the mass that the
    removed images take, -log2(kept_mass): 0.093 bits for Fig 2b's generator, 0.764 for vertical 2/3, bars 0.2 and the
    blank removed."""
    from aevq.data.bars import bar_masks

    for pv, pb, keep_blank in ((0.5, 0.5, True), (2 / 3, 0.2, False)):
        dist = bars_distribution(pv, pb, keep_blank)
        m = OnlineWakeSleep((16, 8, 1), 1, rates={g: 0.0 for g in GROUPS})
        vertical = np.r_[np.ones(4), np.zeros(4)]  # units 0-3 the columns, 4-7 the rows; t = 1 means vertical
        big = 40.0
        m.p["gen_b3"][:] = np.log(pv / (1 - pv))
        m.p["gen_w32"][:] = np.where(vertical, big, -big)
        m.p["gen_b2"][:] = np.log(pb / (1 - pb)) - big * vertical
        m.p["gen_w21"][:] = 2 * big * np.concatenate([bar_masks()[1], bar_masks()[0]])
        m.p["gen_b1"][:] = -big
        kl = exact_measures(m, dist)["kl_data_model_bits"][0]
        assert kl == pytest.approx(-np.log2(dist.kept_mass), abs=1e-6)
    assert -np.log2(bars_distribution(0.5, 0.5, True).kept_mass) == pytest.approx(np.log2(16 / 15))


def _tiny_machine():
    rates = {g: 0.05 for g in ("gen_b3", "gen_w32", "gen_b2", "gen_w21", "gen_b1", "rec_w12", "rec_c2")}
    rates.update(rec_w23=0.05, rec_c3=0.05)
    m = OnlineWakeSleep((3, 2, 1), 2, rates=rates, init={"gen_b2": -1.0})
    rng = np.random.default_rng(0)
    for v in m.p.values():
        v += 0.7 * rng.standard_normal(v.shape)
    np.maximum(m.p["gen_w21"], 0, out=m.p["gen_w21"])
    return m


def test_online_exact_kl_and_penalty_against_brute_force():
    m = _tiny_machine()
    P = m.params()
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    x_all = np.array(list(itertools.product((0.0, 1.0), repeat=3)))
    ex = m.exact(x_all)
    for s in range(2):
        for k, x in enumerate(x_all):
            joint, q = {}, {}
            for h in itertools.product((0.0, 1.0), repeat=2):
                for t in (0.0, 1.0):
                    h_, t_ = np.array(h), np.array([t])
                    pt = np.prod(np.where(t_, sig(P["gen_b3"][s]), 1 - sig(P["gen_b3"][s])))
                    ph = sig(t_ @ P["gen_w32"][s] + P["gen_b2"][s])
                    px = sig(h_ @ P["gen_w21"][s] + P["gen_b1"][s])
                    joint[h, t] = pt * np.prod(np.where(h_, ph, 1 - ph)) * np.prod(np.where(x, px, 1 - px))
                    qh = sig(x @ P["rec_w12"][s] + P["rec_c2"][s])
                    qt = sig(h_ @ P["rec_w23"][s] + P["rec_c3"][s])
                    q[h, t] = np.prod(np.where(h_, qh, 1 - qh)) * np.prod(np.where(t_, qt, 1 - qt))
            px = sum(joint.values())
            kl = sum(q[c] * np.log(q[c] / (joint[c] / px)) for c in joint)
            assert ex["log_px"][s, k] == pytest.approx(np.log(px), abs=1e-10)
            assert ex["kl_qp"][s, k] == pytest.approx(kl, abs=1e-10)
            assert ex["q_top"][s, k, 0] == pytest.approx(sum(v for (h, t), v in q.items() if t == 1.0), abs=1e-12)
    assert np.exp(ex["log_px"]).sum(1) == pytest.approx([1.0, 1.0])  # p_model sums to one over all images


def test_online_wake_sleep_is_deterministic_keeps_positivity_and_seeds_are_independent():
    dist = bars_distribution()

    def run(n_seeds, seed=0):
        rates = {g: 0.001 for g in ("gen_b3", "gen_w32", "gen_b2", "rec_c2", "rec_w23", "rec_c3")}
        rates.update(gen_w21=0.2, gen_b1=0.2, rec_w12=0.2)
        m = OnlineWakeSleep((16, 8, 1), n_seeds, rates=rates, init={"gen_b2": -3.0})
        m.fit(dist.patterns, 3000, np.random.default_rng(seed), lambda k, r: sample_bars(k, r, dist), block=500)
        return m

    a, b = run(3), run(3)
    assert all(np.array_equal(a.p[g], b.p[g]) for g in a.p)
    assert (a.p["gen_w21"] >= 0).all()
    assert not np.array_equal(a.p["gen_w21"][0], a.p["gen_w21"][1])  # each seed its own examples and samples
    m = exact_measures(a, dist)
    assert m["kl_data_model_bits"].shape == (3,) and np.isfinite(m["kl_data_model_bits"]).all()
    assert (m["top_accuracy_graded"] >= m["top_accuracy"] - 1e-12).all()  # the best cut includes 1/2
    assert (m["kl_qp_bits"] >= -1e-9).all() and ((m["dreams_valid"] > 0) & (m["dreams_valid"] <= 1)).all()
    with pytest.raises(ValueError, match="no learning rate"):
        OnlineWakeSleep((16, 8, 1), 1, rates={"gen_w21": 0.1})


def test_bars_claims_pass_near_the_paper_and_fail_far_from_it():
    dist = bars_distribution()
    cfg = {"sizes": [16, 8, 1], "examples": 100, "p_vertical": 0.5, "p_bar": 0.5}

    def final(kl, pen, acc):
        return {
            "kl_data_model_bits": np.array(kl, dtype=float),
            "kl_qp_bits": np.array(pen, dtype=float),
            "top_accuracy": np.array(acc, dtype=float),
            "top_accuracy_graded": np.array(acc, dtype=float),
            "dreams_valid": np.full(len(kl), 0.9),
        }

    good = summarise_bars(cfg, dist, [], final([0.08, 0.1, 0.12], [0.05, 0.08, 0.3], [0.95, 1.0, 0.6]), 1.0)
    bad = summarise_bars(cfg, dist, [], final([0.8, 1.4, 0.12], [0.2, 0.3, 0.05], [0.6, 0.95, 0.6]), 1.0)
    assert [r["passed"] for r in good["claims"]] == [True, True, True]
    assert [r["passed"] for r in bad["claims"]] == [False, False, False]
    assert all(r["kind"] == "empirical" and r["basis"] == "paper" for r in good["claims"])


# -- the lecture's Fig 10 ---------------------------------------------------------------------------------------------
def test_em_surface_identities_and_the_local_maximum():
    k, D, pi = 14, 20, 0.3
    theta = np.linspace(0.05, 0.95, 19)
    # max over Q of -F is log p(d | theta): never above it on a fine Q grid, and equal at the posterior
    q = np.linspace(0, 1, 2001)[:, None]
    evidence = log_evidence(theta, k, D, pi)
    assert (neg_free_energy(theta[None, :], q, k, D, pi) <= evidence + 1e-12).all()
    assert neg_free_energy(theta, posterior(theta, k, D, pi), k, D, pi) == pytest.approx(evidence, abs=1e-12)
    path = em_path(0.55, k, D, pi, 10)
    assert all(abs(p["neg_F"] - p["log_p"]) < 1e-12 for p in path if p["step"] == "E")
    doc, arrays = em_surface({"k": k, "D": D, "pi": pi, "theta0": 0.55, "steps": 10, "grid": 41})
    assert doc["em_stuck_local"] and doc["em_end_log_p"] < doc["global_log_p"]
    assert all(r["passed"] and r["kind"] == "identity" for r in doc["claims"])
    assert arrays["neg_F"].shape == (41, 41)
    with pytest.raises(ValueError, match="ones must lie"):
        em_surface({"k": 30, "D": 20, "pi": pi, "theta0": 0.5, "steps": 1, "grid": 5})


def test_online_step_equals_a_plain_loop_over_units_on_the_same_random_numbers():
    """Eq. 4 (wake: generative weights, delta rule with the recognition's samples) and eq. 7 (sleep: recognition
    weights, delta rule on a dream), unit by unit for each seed, against the vectorised steps; a distinct rate per group
    so that a rate given to the wrong group shows."""
    n1, n2, n3, S, steps = 4, 3, 2, 2, 3
    rates = {g: 0.01 * (i + 1) for i, g in enumerate(GROUPS)}
    m = OnlineWakeSleep((n1, n2, n3), S, rates=rates, positive_gen_w21=True)
    init_rng = np.random.default_rng(5)
    for v in m.p.values():
        v += init_rng.standard_normal(v.shape)
    np.maximum(m.p["gen_w21"], 0, out=m.p["gen_w21"])
    P = {g: v.copy() for g, v in m.params().items()}  # biases (S, n), weights (S, n_in, n_out)
    data = np.array([[1.0, 0, 1, 0], [0, 1, 1, 1], [1, 1, 0, 0]])
    draw = lambda k, r: r.integers(0, len(data), size=k)  # noqa: E731
    m.fit(data, steps, np.random.default_rng(9), draw, block=steps)
    # the same random numbers, in the order fit draws them: all examples of the block, then all uniforms
    rng = np.random.default_rng(9)
    idx = draw(steps * S, rng).reshape(steps, S)
    u = rng.random((steps, S, 1, 2 * (n2 + n3) + n1))[:, :, 0, :]
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    for k in range(steps):
        for s in range(S):
            x, uu, it = data[idx[k, s]], list(u[k, s]), None
            it = iter(uu)
            g = {name: P[name][s] for name in GROUPS}  # views: updated in place
            h = np.array([float(next(it) < sig(g["rec_c2"][j] + sum(x[i] * g["rec_w12"][i, j] for i in range(n1))))
                          for j in range(n2)])  # fmt: skip
            t = np.array([float(next(it) < sig(g["rec_c3"][k3] + sum(h[j] * g["rec_w23"][j, k3] for j in range(n2))))
                          for k3 in range(n3)])  # fmt: skip
            # wake: generative delta rules with the states the recognition net chose (all p's before any update)
            p_t = [sig(g["gen_b3"][k3]) for k3 in range(n3)]
            p_h = [sig(g["gen_b2"][j] + sum(t[k3] * g["gen_w32"][k3, j] for k3 in range(n3))) for j in range(n2)]
            p_x = [sig(g["gen_b1"][i] + sum(h[j] * g["gen_w21"][j, i] for j in range(n2))) for i in range(n1)]
            for k3 in range(n3):
                g["gen_b3"][k3] += rates["gen_b3"] * (t[k3] - p_t[k3])
                for j in range(n2):
                    g["gen_w32"][k3, j] += rates["gen_w32"] * t[k3] * (h[j] - p_h[j])
            for j in range(n2):
                g["gen_b2"][j] += rates["gen_b2"] * (h[j] - p_h[j])
                for i in range(n1):
                    g["gen_w21"][j, i] = max(0.0, g["gen_w21"][j, i] + rates["gen_w21"] * h[j] * (x[i] - p_x[i]))
            for i in range(n1):
                g["gen_b1"][i] += rates["gen_b1"] * (x[i] - p_x[i])
            # sleep: a dream top-down from the updated generative net, then the recognition delta rules
            t = np.array([float(next(it) < sig(g["gen_b3"][k3])) for k3 in range(n3)])
            h = np.array([float(next(it) < sig(g["gen_b2"][j] + sum(t[k3] * g["gen_w32"][k3, j] for k3 in range(n3))))
                          for j in range(n2)])  # fmt: skip
            x = np.array([float(next(it) < sig(g["gen_b1"][i] + sum(h[j] * g["gen_w21"][j, i] for j in range(n2))))
                          for i in range(n1)])  # fmt: skip
            q_h = [sig(g["rec_c2"][j] + sum(x[i] * g["rec_w12"][i, j] for i in range(n1))) for j in range(n2)]
            q_t = [sig(g["rec_c3"][k3] + sum(h[j] * g["rec_w23"][j, k3] for j in range(n2))) for k3 in range(n3)]
            for j in range(n2):
                g["rec_c2"][j] += rates["rec_c2"] * (h[j] - q_h[j])
                for i in range(n1):
                    g["rec_w12"][i, j] += rates["rec_w12"] * x[i] * (h[j] - q_h[j])
            for k3 in range(n3):
                g["rec_c3"][k3] += rates["rec_c3"] * (t[k3] - q_t[k3])
                for j in range(n2):
                    g["rec_w23"][j, k3] += rates["rec_w23"] * h[j] * (t[k3] - q_t[k3])
    got = m.params()
    for name in GROUPS:
        np.testing.assert_allclose(got[name], P[name], rtol=0, atol=1e-12, err_msg=name)
