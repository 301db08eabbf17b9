"""Ch. 3.5, why an AutoEncoder is not a generative model: AE, VAE, beta-VAE and VQ-VAE judged by an MNIST classifier.

Every model shares one MLP shape, 784-hidden-d encoder ``W_e`` and mirrored decoder ``W_d`` with Bernoulli outputs
sigmoid(W_d(z)). The AE is trained on the cross-entropy at its point code z = W_e(x); the VAE on the ELBO

    log p(x) >= ELBO(x) = E_q[log p(x | z)] - beta * KL(q(z | x) || N(0, I)),   q(z | x) = N(mu(x), diag sigma^2(x)),

(beta = 1: the VAE; beta != 1: a beta-VAE, Higgins et al. 2017); the VQ-VAE (van den Oord et al. 2017) replaces z by
m codes from a codebook of K vectors. The lecture's test of "generative" is to decode a random latent: z ~ N(0, I)
for the Gaussian models, codes from a uniform or the training set's empirical (unigram) prior for the VQ-VAE.

A small CNN trained on all MNIST training images (the *judge*, a measuring instrument, not a model under study) turns
"meaningless noise" into numbers (``aevq.metrics.judge``): its mean max-softmax confidence, the share of confident
decodes, the entropy of its predicted classes and a Frechet distance between its features of decodes and of real
test digits. Beside them: the lecture's three properties of a usable latent space (continuity, completeness and where
the codes live), the ELBO against the importance-weighted bound on log p(x) (Burda et al. 2016), and the VQ-VAE's
codebook use (perplexity, dead codes).
"""

from __future__ import annotations

import numpy as np
import torch

from aevq.claims import claim
from aevq.models.vae import GaussianAE, bernoulli_log_lik, parse_model_name
from aevq.models.vqvae import VQVAE, perplexity
from aevq.paper import BURDA2016_VAE1_NLL, BURDA2016_VAE1_SOURCE

ELBO_SAMPLES = 10  # samples of the reconstruction term of the closed-form-KL ELBO
INTERP_PAIRS = ((2, 7), (4, 9), (0, 6))  # digits of the test images interpolated (first of each class)
N_STEPS = 10  # decodes along each interpolation, both ends included
N_MAP = 2000  # test images drawn in the 2-D latent maps
N_GRID = 64  # decodes kept per model for the figure
DATA_KEY = "data (real test images)"  # the judge's scores of real test digits: the floor any generator could reach
VQ_PRIORS = ("uniform", "unigram")
N_BOOTSTRAP = 100  # resamples of the decodes behind each Frechet distance's standard error
# a comparison of two models passes only when the 95% interval of their difference lies above 0: difference minus
# Z_95 standard errors of the difference (the two sets of decodes are independent, so their variances add)
Z_95 = 1.96
# the lecture's "almost always meaningless noise", read generously: at most half of an AE's random decodes may be
# digits the judge reads confidently
NOISE_SHARE_MAX = 0.5

# Kingma & Welling 2014 give the MNIST lower bound only as curves (Fig. 2, no table): no number is quoted from it;
# the IWAE paper (Burda et al. 2016, Table 1) gives numbers for a one-stochastic-layer VAE (50 latent units).
REFERENCES = [
    {
        "source": "Kingma & Welling 2014, Fig. 2 (MNIST, AEVB vs wake-sleep, several N_z)",
        "quantity": "variational lower bound on train and test sets, shown only as training curves; no table",
        "value": "no number quoted here (a value read off the plot could not be checked against the text)",
    },
    {
        "source": BURDA2016_VAE1_SOURCE,
        "quantity": "-log p(x) estimated with k = 5000 importance samples",
        "value": f"{BURDA2016_VAE1_NLL:.2f}",
    },
]


# ------------------------------------------------------------------------------------------------ the models
def build_model(name: str, dim: int, *, hidden, vqvae: dict, device, seed: int) -> torch.nn.Module:
    """An untrained model of the chapter, ``name`` = ae | vae | beta<b> | vqvae at latent size ``dim`` (its checkpoint
    records its own constructor arguments). For the VQ-VAE, ``dim`` must be n_slots * code_dim (m * D)."""
    spec = parse_model_name(name)
    if spec["kind"] == "vqvae":
        if vqvae["n_slots"] * vqvae["code_dim"] != dim:
            raise ValueError(
                f"vqvae_d{dim}: n_slots*code_dim = {vqvae['n_slots'] * vqvae['code_dim']} in config, not {dim}"
            )
        return VQVAE(
            codebook_size=vqvae["codebook_size"],
            code_dim=vqvae["code_dim"],
            n_slots=vqvae["n_slots"],
            commitment=vqvae["commitment"],
            hidden=tuple(hidden),
            device=device,
            seed=seed,
        )
    return GaussianAE(dim, kind=spec["kind"], beta=spec["beta"], hidden=tuple(hidden), device=device, seed=seed)


# ------------------------------------------------------------------------------------------------ measurements
def unit_directions(n: int, d: int, g: torch.Generator) -> np.ndarray:
    """n directions u uniform on the unit sphere of R^d (normalised Gaussians drawn from ``g``)."""
    u = torch.randn((n, d), generator=g).numpy()
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def continuity(model, z: np.ndarray, step: float, g: torch.Generator) -> float:
    """Continuity of the decoder at the codes z: the mean of ||W_d(z + step u) - W_d(z)||_2 / step over one random
    unit direction u per code (pixels in [0, 1]); a finite-difference estimate of how fast decodes change."""
    u = unit_directions(len(z), z.shape[1], g)
    return float(np.linalg.norm(model.decode(z + step * u) - model.decode(z), axis=1).mean() / step)


def first_of_class(labels: np.ndarray, pairs=INTERP_PAIRS) -> list[tuple[int, int]]:
    """For each pair of digits (a, b), the indices of the first image labelled a and of the first labelled b."""
    return [(int(np.flatnonzero(labels == a)[0]), int(np.flatnonzero(labels == b)[0])) for a, b in pairs]


def interpolations(model, codes: np.ndarray, pairs: list[tuple[int, int]], n_steps: int = N_STEPS) -> np.ndarray:
    """Decodes of z_i + t (z_j - z_i) for t = 0 .. 1 in n_steps steps, per pair (i, j): shape (pairs, n_steps, 784)."""
    t = np.linspace(0, 1, n_steps)[:, None]
    return np.stack([model.decode(codes[i][None] + t * (codes[j] - codes[i])[None]) for i, j in pairs])


def midpoint_completeness(model, clf, codes_a: np.ndarray, codes_b: np.ndarray, confident: float) -> float:
    """Completeness between data: the share of decodes of midpoints (z_a + z_b) / 2 of two encoded test images that
    the judge labels with max-softmax >= ``confident``."""
    mid = clf.predict_proba(model.decode(0.5 * (codes_a + codes_b))).max(axis=1)
    return float((mid >= confident).mean())


def gaussian_properties(
    model, judge, scores: dict, z_prior: np.ndarray, codes: np.ndarray, partners: np.ndarray, *, n, step, confident, g
) -> dict:
    """The lecture's three properties for an AE / VAE: continuity at z ~ N(0, I) and at encoded data; completeness of
    random decodes (the judge's confident share) and of midpoints between encoded pairs; where the codes mu(x) live
    (mean norm, mean per-dimension spread); and the judge's distances of the random decodes."""
    n_pairs = len(partners)
    completeness_mid = midpoint_completeness(model, judge.clf, codes[:n_pairs], codes[partners], confident)
    return {
        "continuity_prior": continuity(model, z_prior, step, g),
        "continuity_data": continuity(model, codes[:n], step, g),
        "completeness_random": scores["confident_share"],
        "completeness_midpoints": completeness_mid,
        "n_midpoints": int(n_pairs),
        "code_mean_norm": float(np.linalg.norm(codes, axis=1).mean()),
        "code_std_per_dim": float(codes.std(axis=0).mean()),
        "nn_distance": scores["nn_distance"],
        "frechet": scores["frechet"],
    }


def discrete_properties(scores: dict) -> dict:
    """The properties row of a VQ-VAE prior: no continuous latent, so continuity, midpoints and code geometry do not
    apply (null); completeness and the distances come from the judge's scores of its samples."""
    return {
        "continuity_prior": None,
        "continuity_data": None,
        "completeness_random": scores["confident_share"],
        "completeness_midpoints": None,
        "n_midpoints": None,
        "code_mean_norm": None,
        "code_std_per_dim": None,
        "nn_distance": scores["nn_distance"],
        "frechet": scores["frechet"],
    }


def judge_models(models: dict, judge, x_test, y_test, xb_test, *, n: int, step: float, confident: float, g) -> tuple:
    """Decode n random latents of every model and score them with the judge; measure the three properties; keep the
    decodes, interpolations and 2-D latent maps for the figures.

    ``x_test`` grey levels (the judge's reference), ``xb_test`` the binarised test images the models encode. All
    randomness comes from ``g`` in a fixed order (one partner permutation, then per model its samples and the
    continuity directions), so a rerun draws the same numbers. Returns (judged, properties, arrays)."""
    arrays = {"data_grid": x_test[:N_GRID]}
    judged = {DATA_KEY: judge.score(x_test[:n])}
    props = {}
    pairs = first_of_class(y_test)
    partners = torch.randperm(len(xb_test), generator=g).numpy()[: min(n, len(xb_test))]
    for name, model in models.items():
        print(f"judging {name}", flush=True)
        if isinstance(model, GaussianAE):
            z, dec = model.sample(n, generator=g)
            judged[name] = judge.score(dec)
            arrays[f"decodes_{name}"] = dec[:N_GRID]
            codes = model.encode(xb_test)
            props[name] = gaussian_properties(
                model, judge, judged[name], z, codes, partners, n=n, step=step, confident=confident, g=g
            )
            arrays[f"interp_{name}"] = interpolations(model, codes, pairs)
            if model.latent_dim == 2:
                mu, logvar = model.encode(xb_test[:N_MAP], return_logvar=True)
                arrays[f"map_mu_{name}"], arrays[f"map_logvar_{name}"] = mu, logvar
        else:
            for prior in VQ_PRIORS:
                key = f"{name} ({prior} prior)"
                _, dec = model.sample(n, prior=prior, generator=g)
                judged[key] = judge.score(dec)
                arrays[f"decodes_{name}_{prior}"] = dec[:N_GRID]
                props[key] = discrete_properties(judged[key])
    arrays["map_labels"] = y_test[:N_MAP]
    arrays["interp_ends"] = np.array(pairs)
    return judged, props, arrays


def batch_means(values: np.ndarray, batch_size: int) -> np.ndarray:
    """Mean of ``values`` over consecutive batches of ``batch_size`` (the last one may be shorter)."""
    n_batches = int(np.ceil(len(values) / batch_size))
    return np.array([values[i * batch_size : (i + 1) * batch_size].mean() for i in range(n_batches)])


def vae_bounds(model: GaussianAE, x: np.ndarray, *, iwae_k: int, eval_batch: int) -> tuple[dict, dict]:
    """-ELBO and its two terms (reconstruction -E_q log p(x | z) and KL(q || N(0, I)), nats per image) on binarised x;
    for beta = 1 also the importance-weighted bound log (1/k) sum_k p(x, z_k) / q(z_k | x) with its gap to the ELBO,
    overall and per batch of ``eval_batch`` images. Returns (row, per-batch arrays; empty for beta != 1)."""
    e = model.elbo(x, k=ELBO_SAMPLES)
    row = {
        "beta": model.beta,
        "latent_dim": model.latent_dim,
        "neg_elbo": float(-e["elbo"].mean()),
        "reconstruction": float(e["rec"].mean()),
        "kl": float(e["kl"].mean()),
    }
    if model.beta != 1.0:
        return row, {}
    print(f"IWAE k={iwae_k} (latent {model.latent_dim})", flush=True)
    iw = model.iwae(x, k=iwae_k, batch_size=eval_batch)
    b_elbo, b_mc, b_iw = (batch_means(v, eval_batch) for v in (e["elbo"], iw["elbo_mc"], iw["iwae"]))
    row.update(
        neg_log_px_iwae=float(-iw["iwae"].mean()),
        bound_gap=float((iw["iwae"] - e["elbo"]).mean()),
        iwae_k=iwae_k,
        n_batches=len(b_elbo),
        min_batch_gap=float((b_iw - b_elbo).min()),
        # with the IWAE's own samples Jensen holds image by image; the gap above mixes two sample sets
        min_batch_gap_same_samples=float((b_iw - b_mc).min()),
    )
    return row, {"elbo": b_elbo, "iwae": b_iw}


def ae_reconstruction(model: GaussianAE, x: np.ndarray) -> dict:
    """The AE's row of the bounds table: cross-entropy -log p(x | z = W_e(x)) at its point code, nats per image (no
    q and no prior, so no bound on log p(x))."""
    with torch.no_grad():
        xt = torch.as_tensor(x, device=model.device)
        ce = -bernoulli_log_lik(model.logits(model.posterior(xt)[0]), xt)
    return {"beta": None, "latent_dim": model.latent_dim, "reconstruction": float(ce.mean())}


def bounds_table(models: dict, x: np.ndarray, *, iwae_k: int, eval_batch: int) -> tuple[dict, dict]:
    """``vae_bounds`` / ``ae_reconstruction`` for every Gaussian model; the per-batch bounds of the beta = 1 VAEs go
    into arrays ``batch_elbo_<name>`` / ``batch_iwae_<name>``. Returns (table, arrays)."""
    table, arrays = {}, {}
    for name, model in models.items():
        if isinstance(model, GaussianAE) and model.kind == "vae":
            table[name], per_batch = vae_bounds(model, x, iwae_k=iwae_k, eval_batch=eval_batch)
            if per_batch:
                arrays[f"batch_elbo_{name}"], arrays[f"batch_iwae_{name}"] = per_batch["elbo"], per_batch["iwae"]
        elif isinstance(model, GaussianAE):
            table[name] = ae_reconstruction(model, x)
    return table, arrays


def codebook_use(model: VQVAE, xb_train: np.ndarray, xb_test: np.ndarray, x_eval: np.ndarray) -> dict:
    """How a VQ-VAE uses its K codes: perplexity exp(H) of the code histogram (K when uniform, 1 when one code takes
    all) on train and test images, the number of codes never used in training, and its reconstruction of ``x_eval``
    (cross-entropy in nats and squared error ||x - x_hat||^2 per image)."""
    counts = model.code_histogram(xb_train).sum(axis=0)
    test_counts = model.code_histogram(xb_test).sum(axis=0)
    recon = model.reconstruct(x_eval)
    return {
        "codebook_size": model.K,
        "n_slots": model.m,
        "reconstruction": float(model.reconstruction_nats(x_eval).mean()),
        "mse": float(((recon - x_eval) ** 2).sum(axis=1).mean()),
        "perplexity": perplexity(counts),
        "perplexity_test": perplexity(test_counts),
        "dead_codes": int((counts == 0).sum()),
        "code_counts": counts.tolist(),
    }


# ------------------------------------------------------------------------------------------------ claims and prose
def scale_note(profile: str, epochs: int, n_train: int) -> str:
    """In the quick profile, a reminder that the judged models are small and short-trained (empty otherwise)."""
    if profile != "quick":
        return ""
    return (
        f" At this run's scale the judged models get {epochs} epochs on {n_train} images with a half-width"
        " net, so absolute numbers are far from the paper's scale; read the contrast between models, not the"
        " absolute values."
    )


def binarization_note(seed: int) -> str:
    """How the models' binary images were made, with the two seeds actually used (``binarized_mnist``)."""
    return (
        f"stochastic: x_bin ~ Bernoulli(pixel/255), one draw with seed {seed} (train) / {seed + 1} (test), made on all"
        " 70000 images before taking the first n; the judge sees grey levels"
    )


def difference_interval(a: float, se_a: float, b: float, se_b: float) -> tuple[float, float]:
    """a - b and the half-width of its 95% interval, Z_95 sqrt(se_a^2 + se_b^2) (independent estimates)."""
    return a - b, Z_95 * float(np.hypot(se_a, se_b))


def binomial_se(share: float, n: int) -> float:
    """Standard error of a share measured on n independent images."""
    return float(np.sqrt(share * (1.0 - share) / n))


def samplability_claims(judged: dict, latent_dims, n: int, note: str, properties: dict | None = None) -> list[dict]:
    """At every d with both an AE and a VAE, the lecture's §3.5 as measured numbers, each comparison passing only
    when the 95% interval of the difference lies above 0 (the row's measured value is that interval's lower end):

    * random z ~ N(0, I) decode to something the judge finds more digit-like for the VAE (mean max-softmax; standard
      error over the decodes);
    * they are closer to real digits (Frechet distance; bootstrap standard error over the decodes);
    * the AE's random decodes are "almost always meaningless noise": at most ``NOISE_SHARE_MAX`` confidently read
      (this holds at some sizes and not at others: at d = 2 the AE's codes crowd the origin);
    * completeness between data: midpoints of two encoded test images decode to confident digits more often for the
      VAE (``properties``: the chapter's properties table; skipped where absent)."""
    claims = []
    source = (
        "lecture §3.5: an AE fed random z gives 'almost always meaningless noise'; the VAE's prior makes the"
        " space samplable (Kingma & Welling 2014)"
    )
    for d in latent_dims:
        ae, va = judged.get(f"ae_d{d}"), judged.get(f"vae_d{d}")
        if ae is None or va is None:
            continue
        diff, half = difference_interval(va["confidence"], va["confidence_se"], ae["confidence"], ae["confidence_se"])
        claims.append(
            claim(
                f"d = {d}: decodes of random z ~ N(0, I) are judged more confidently for the VAE than for the AE"
                " (mean max-softmax, VAE minus AE, lower end of its 95% interval)",
                diff - half,
                ">",
                0.0,
                source,
                detail=f"VAE {va['confidence']:.3f} vs AE {ae['confidence']:.3f} over {n} decodes each: difference"
                f" {diff:.3f} ± {half:.3f} (95%, standard errors over the decodes); confident share"
                f" {va['confident_share']:.2f} vs {ae['confident_share']:.2f}; entropy of the predicted-class"
                f" histogram {va['class_entropy']:.2f} vs {ae['class_entropy']:.2f} nats (log 10 = 2.30 when all"
                " digits appear equally; a low AE entropy with high confidence means blobs the judge files under"
                f" one or two classes). {note}",
                kind="empirical",
                basis="lecture",
                uncertainty=half,
            )
        )
        diff, half = difference_interval(ae["frechet"], ae["frechet_se"], va["frechet"], va["frechet_se"])
        claims.append(
            claim(
                f"d = {d}: random-z decodes of the VAE are closer to the data than the AE's (Frechet distance in"
                " judge features, AE minus VAE, lower end of its 95% interval)",
                diff - half,
                ">",
                0.0,
                "lecture §3.5 (samplability); Frechet distance as in Heusel et al. 2017 with an MNIST CNN",
                detail=f"Frechet VAE {va['frechet']:.2f} vs AE {ae['frechet']:.2f}: difference {diff:.2f} ± {half:.2f}"
                f" (95%, bootstrap standard errors over the {n} decodes, {N_BOOTSTRAP} resamples); mean distance to"
                f" the nearest training image VAE {va['nn_distance']:.2f} vs AE {ae['nn_distance']:.2f} (real test"
                f" images: {judged[DATA_KEY]['nn_distance']:.2f}). {note}",
                kind="empirical",
                basis="lecture",
                uncertainty=half,
            )
        )
        share, share_half = ae["confident_share"], Z_95 * binomial_se(ae["confident_share"], n)
        claims.append(
            claim(
                f"d = {d}: the AE's random-z decodes are 'almost always meaningless noise': at most"
                f" {NOISE_SHARE_MAX:.0%} are digits the judge reads confidently (share, upper end of its 95% interval)",
                share + share_half,
                "<=",
                NOISE_SHARE_MAX,
                "lecture §3.5 ('almost always meaningless noise', read generously as at most half)",
                detail=f"AE confident share {share:.3f} ± {share_half:.3f} (95%, binomial, {n} decodes); the VAE's"
                f" {va['confident_share']:.3f}. Whether an AE's random decodes are digits depends on the size of its"
                " latent space: where the codes crowd a small region near the origin, N(0, I) samples land among"
                f" them and the AE does decode digits. {note}",
                kind="empirical",
                basis="lecture",
                uncertainty=share_half,
            )
        )
        pa, pv = (properties or {}).get(f"ae_d{d}"), (properties or {}).get(f"vae_d{d}")
        if pa is None or pv is None or pa.get("completeness_midpoints") is None:
            continue
        m = pa["n_midpoints"]
        diff, half = difference_interval(
            pv["completeness_midpoints"],
            binomial_se(pv["completeness_midpoints"], m),
            pa["completeness_midpoints"],
            binomial_se(pa["completeness_midpoints"], m),
        )
        claims.append(
            claim(
                f"d = {d}: midpoints between two encoded test images decode to confident digits more often for the"
                " VAE than for the AE (share, VAE minus AE, lower end of its 95% interval)",
                diff - half,
                ">",
                0.0,
                "lecture §3.5 (completeness: interpolations decode to something meaningful; the AE satisfies none of"
                " the three properties)",
                detail=f"VAE {pv['completeness_midpoints']:.3f} vs AE {pa['completeness_midpoints']:.3f} over {m}"
                f" midpoints each: difference {diff:.3f} ± {half:.3f} (95%, binomial standard errors). {note}",
                kind="empirical",
                basis="lecture",
                uncertainty=half,
            )
        )
    return claims


def bound_claims(bounds: dict, eval_batch: int, n_images: int) -> list[dict]:
    """For every VAE with an IWAE estimate: ELBO <= IWAE bound on every test batch (Jensen: log E w >= E log w)."""
    return [
        claim(
            f"VAE, d = {name.partition('_d')[2]}: ELBO ≤ importance-weighted estimate of log p(x)"
            f" (k = {row['iwae_k']}) for every test batch (smallest batch-mean gap IWAE − ELBO)",
            row["min_batch_gap"],
            ">=",
            0.0,
            "mathematics: Jensen's inequality (Burda et al. 2016, Theorem 1: the IWAE bound is at least the ELBO)",
            detail=f"{row['n_batches']} batches of {eval_batch} binarised test images (first {n_images}); ELBO with"
            f" the closed-form KL and {ELBO_SAMPLES} reconstruction samples; mean gap {row['bound_gap']:.2f}"
            f" nats; with the IWAE's own samples the smallest gap is {row['min_batch_gap_same_samples']:.3f}.",
            kind="identity",
            basis="mathematics",
        )
        for name, row in bounds.items()
        if "min_batch_gap" in row
    ]


def summary_rows(judged: dict, bounds: dict, codebooks: dict, primary_dim: int, commitment: float) -> list[dict]:
    """This chapter's rows of the lecture's closing table (``aevq.summary``): AE and VAE at d = ``primary_dim`` and
    the VQ-VAE, each with what this run measured (NaN where a model is missing)."""
    nan = float("nan")
    ae, vae = judged.get(f"ae_d{primary_dim}", {}), judged.get(f"vae_d{primary_dim}", {})
    vae_bound = bounds.get(f"vae_d{primary_dim}", {})
    rows = [
        {
            "model": "Deterministic AE (this chapter)",
            "latent": f"point, d = {primary_dim}",
            "how_trained": "cross-entropy of a Bernoulli decoder, Adam",
            "key_result": f"random z ~ N(0, I) decodes: judge confidence {ae.get('confidence', nan):.2f},"
            f" Frechet {ae.get('frechet', nan):.1f} -- not a generative model",
        },
        {
            "model": "VAE (this chapter)",
            "latent": f"Gaussian sample, d = {primary_dim}",
            "how_trained": "single ELBO + reparameterisation",
            "key_result": f"-ELBO {vae_bound.get('neg_elbo', nan):.1f} nats, IWAE"
            f" -log p(x) {vae_bound.get('neg_log_px_iwae', nan):.1f} nats on binarised"
            f" test MNIST; random decodes: confidence {vae.get('confidence', nan):.2f},"
            f" Frechet {vae.get('frechet', nan):.1f}",
        },
    ]
    vq_name = next(iter(codebooks), None)
    if vq_name:
        vq, unigram = codebooks[vq_name], judged[f"{vq_name} (unigram prior)"]
        rows.append(
            {
                "model": "VQ-VAE (this chapter)",
                "latent": f"{vq['n_slots']} discrete codes from a codebook of {vq['codebook_size']}",
                "how_trained": f"reconstruction + codebook + {commitment:g} commitment, straight-through gradient",
                "key_result": f"codebook perplexity {vq['perplexity']:.1f} of {vq['codebook_size']},"
                f" {vq['dead_codes']} dead codes; unigram-prior samples: confidence {unigram['confidence']:.2f},"
                f" Frechet {unigram['frechet']:.1f}",
            }
        )
    return rows
