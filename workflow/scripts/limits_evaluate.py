"""Judge every model of the chapter: random-latent decodes, the three properties, ELBO / IWAE, beta sweep, VQ stats."""

import numpy as np
import torch

from aevq.claims import claim
from aevq.data.mnist import load_mnist
from aevq.metrics.judge import Judge
from aevq.models.classifier import MnistCNN
from aevq.models.vae import GaussianAE, bernoulli_log_lik, binarized_mnist
from aevq.models.vqvae import load_model, perplexity
from aevq.paper import JUDGE_MIN_ACCURACY
from aevq.runtime import read_json, save_npz, seed_everything, snakemake_job, torch_device, torch_generator, write_json

ELBO_SAMPLES = 10  # samples of the reconstruction term of the closed-form-KL ELBO
INTERP_PAIRS = ((2, 7), (4, 9), (0, 6))  # digits of the test images interpolated (first of each class)
N_STEPS = 10
N_MAP = 2000  # test images drawn in the 2-D latent maps
N_GRID = 64  # decodes kept per model for the figure

# Kingma & Welling 2014 give the MNIST lower bound only as curves (Fig. 2, no table): no number is quoted from it;
# the IWAE paper (Burda et al. 2016, Table 1) gives numbers for a one-stochastic-layer VAE (50 latent units).
REFERENCES = [
    {
        "source": "Kingma & Welling 2014, Fig. 2 (MNIST, AEVB vs wake-sleep, several N_z)",
        "quantity": "variational lower bound on train and test sets, shown only as training curves; no table",
        "value": "no number quoted here (a value read off the plot could not be checked against the text)",
    },
    {
        "source": "Burda, Grosse & Salakhutdinov 2016, Table 1 (VAE, 1 stochastic layer, k = 1)",
        "quantity": "-log p(x) estimated with k = 5000 importance samples",
        "value": "86.76",
    },
]


def unit_directions(n, d, g):
    u = torch.randn((n, d), generator=g).numpy()
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def continuity(model, z, step, g):
    """Mean ||decode(z + step*u) - decode(z)||_2 / step over random unit directions u (pixels in [0, 1])."""
    u = unit_directions(len(z), z.shape[1], g)
    return float(np.linalg.norm(model.decode(z + step * u) - model.decode(z), axis=1).mean() / step)


with snakemake_job(snakemake):
    p = snakemake.params
    seed = p.seed
    seed_everything(seed)
    device = torch_device(p.device, threads=snakemake.threads)
    g = torch_generator(seed)
    judge_cfg = p.judge
    n = judge_cfg["n_samples"]

    x_train, _, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    xb_train, _, xb_test, _ = binarized_mnist(
        snakemake.input.mnist, p.binarize_seed, n_train=p.n_train, n_test=p.n_test
    )
    blob = torch.load(snakemake.input.classifier, map_location=device)
    clf = MnistCNN(
        arch=blob["arch"],
        channels=tuple(blob["channels"]),
        kernel=blob["kernel"],
        hidden=tuple(blob["hidden"]),
        device=device,
    )
    clf.load_state_dict(blob["state_dict"])
    clf.eval()
    clf_metrics = read_json(snakemake.input.classifier_metrics)
    judge = Judge(clf, x_train, x_test, confident=judge_cfg["confident"])
    models = {name: load_model(path, device) for name, path in zip(p.models, snakemake.input.models, strict=True)}

    arrays = {"data_grid": x_test[:N_GRID], "latent_dims": np.array(p.latent_dims)}
    judged = {"data (real test images)": judge.score(x_test[:n])}
    props = {}
    pair_idx = [(int(np.flatnonzero(y_test == a)[0]), int(np.flatnonzero(y_test == b)[0])) for a, b in INTERP_PAIRS]
    perm = torch.randperm(len(xb_test), generator=g).numpy()
    n_pairs = min(n, len(xb_test))
    for name, model in models.items():
        print(f"judging {name}", flush=True)
        if isinstance(model, GaussianAE):
            z, dec = model.sample(n, generator=g)
            judged[name] = judge.score(dec)
            arrays[f"decodes_{name}"] = dec[:N_GRID]
            codes = model.encode(xb_test)
            a, b = codes[:n_pairs], codes[perm[:n_pairs]]
            mid = judge.clf.predict_proba(model.decode(0.5 * (a + b))).max(axis=1)
            props[name] = {
                "continuity_prior": continuity(model, z, judge_cfg["step"], g),
                "continuity_data": continuity(model, codes[:n], judge_cfg["step"], g),
                "completeness_random": judged[name]["confident_share"],
                "completeness_midpoints": float((mid >= judge_cfg["confident"]).mean()),
                "code_mean_norm": float(np.linalg.norm(codes, axis=1).mean()),
                "code_std_per_dim": float(codes.std(axis=0).mean()),
                "nn_distance": judged[name]["nn_distance"],
                "frechet": judged[name]["frechet"],
            }
            arrays[f"interp_{name}"] = np.stack(
                [
                    model.decode(codes[i][None] + np.linspace(0, 1, N_STEPS)[:, None] * (codes[j] - codes[i])[None])
                    for i, j in pair_idx
                ]
            )
            if model.latent_dim == 2:
                mu, logvar = model.encode(xb_test[:N_MAP], return_logvar=True)
                arrays[f"map_mu_{name}"], arrays[f"map_logvar_{name}"] = mu, logvar
        else:
            for prior in ("uniform", "unigram"):
                key = f"{name} ({prior} prior)"
                _, dec = model.sample(n, prior=prior, generator=g)
                judged[key] = judge.score(dec)
                arrays[f"decodes_{name}_{prior}"] = dec[:N_GRID]
                props[key] = {  # no continuous latent: continuity and midpoints do not apply (null)
                    "continuity_prior": None,
                    "continuity_data": None,
                    "completeness_random": judged[key]["confident_share"],
                    "completeness_midpoints": None,
                    "code_mean_norm": None,
                    "code_std_per_dim": None,
                    "nn_distance": judged[key]["nn_distance"],
                    "frechet": judged[key]["frechet"],
                }
    arrays["map_labels"] = y_test[:N_MAP]
    arrays["interp_ends"] = np.array(pair_idx)

    # -- ELBO, its two terms, and the importance-weighted bound ----------------------------------------------------
    elbo, per_batch = {}, {}
    xe = xb_test[: p.eval_n_test]
    for name, model in models.items():
        if isinstance(model, GaussianAE) and model.kind == "vae":
            e = model.elbo(xe, k=ELBO_SAMPLES)
            elbo[name] = {
                "beta": model.beta,
                "latent_dim": model.latent_dim,
                "neg_elbo": float(-e["elbo"].mean()),
                "reconstruction": float(e["rec"].mean()),
                "kl": float(e["kl"].mean()),
            }
            if model.beta == 1.0:
                print(f"IWAE k={p.iwae_k} for {name}", flush=True)
                iw = model.iwae(xe, k=p.iwae_k, batch_size=p.eval_batch)
                nb = int(np.ceil(len(xe) / p.eval_batch))
                sl = [slice(i * p.eval_batch, (i + 1) * p.eval_batch) for i in range(nb)]
                b_elbo = np.array([e["elbo"][s].mean() for s in sl])
                b_mc = np.array([iw["elbo_mc"][s].mean() for s in sl])
                b_iw = np.array([iw["iwae"][s].mean() for s in sl])
                per_batch[name] = {"elbo": b_elbo, "elbo_mc": b_mc, "iwae": b_iw}
                arrays[f"batch_elbo_{name}"], arrays[f"batch_iwae_{name}"] = b_elbo, b_iw
                elbo[name].update(
                    neg_log_px_iwae=float(-iw["iwae"].mean()),
                    bound_gap=float((iw["iwae"] - e["elbo"]).mean()),
                    iwae_k=p.iwae_k,
                    n_batches=nb,
                    min_batch_gap=float((b_iw - b_elbo).min()),
                    min_batch_gap_same_samples=float((b_iw - b_mc).min()),
                )
        elif isinstance(model, GaussianAE):  # the AE: cross-entropy at its point code (no q, no prior: no bound)
            with torch.no_grad():
                xt = torch.as_tensor(xe, device=device)
                ce = -bernoulli_log_lik(model.logits(model.posterior(xt)[0]), xt)
            elbo[name] = {"beta": None, "latent_dim": model.latent_dim, "reconstruction": float(ce.mean())}

    vq = {}
    for name, model in models.items():
        if not isinstance(model, GaussianAE):
            counts = model.code_histogram(xb_train).sum(axis=0)
            test_counts = model.code_histogram(xb_test).sum(axis=0)
            recon = model.reconstruct(xe)
            vq[name] = {
                "codebook_size": model.K,
                "n_slots": model.m,
                "reconstruction": float(model.reconstruction_nats(xe).mean()),
                "mse": float(((recon - xe) ** 2).sum(axis=1).mean()),
                "perplexity": perplexity(counts),
                "perplexity_test": perplexity(test_counts),
                "dead_codes": int((counts == 0).sum()),
                "code_counts": counts.tolist(),
            }

    # -- claims ----------------------------------------------------------------------------------------------------
    acc = clf_metrics["test_accuracy"]
    trust = (
        f"Judge: {clf_metrics['arch'].upper()} trained on {clf_metrics['n_train']} training images (a measuring"
        f" instrument, not a model under study, so it sees all of them in every profile), test accuracy {acc:.4f} on"
        f" {clf_metrics['n_test']} test images"
        + (
            ""
            if acc >= JUDGE_MIN_ACCURACY
            else f" (< {JUDGE_MIN_ACCURACY:.0%}: the judge is not trustworthy; indicative only)"
        )
        + "."
    )
    scale = (
        f" Quick profile: the judged models get {p.train['epochs']} epochs on {len(x_train)} images with a half-width"
        " net, so absolute numbers are far from the paper's scale; read the contrast between models, not the"
        " absolute values."
        if p.profile == "quick"
        else ""
    )
    claims = []
    for d in p.latent_dims:
        ae, va = judged.get(f"ae_d{d}"), judged.get(f"vae_d{d}")
        if ae is None or va is None:
            continue
        claims.append(
            claim(
                f"d={d}: decodes of random z ~ N(0, I) are judged more confidently for the VAE than for the AE"
                " (mean max-softmax, VAE minus AE)",
                va["confidence"] - ae["confidence"],
                ">",
                0.0,
                "lecture 3.5: an AE fed random z gives 'almost always meaningless noise'; the VAE's prior makes the"
                " space samplable (Kingma & Welling 2014)",
                detail=f"VAE {va['confidence']:.3f} vs AE {ae['confidence']:.3f} over {n} decodes each"
                f" (confident share {va['confident_share']:.2f} vs {ae['confident_share']:.2f}; entropy of the"
                f" predicted-class histogram {va['class_entropy']:.2f} vs {ae['class_entropy']:.2f} nats, log 10 ="
                " 2.30 when all digits appear equally; a low AE entropy with high confidence means blobs the judge"
                f" files under one or two classes). {trust}{scale}",
            )
        )
        claims.append(
            claim(
                f"d={d}: random-z decodes of the VAE are closer to the data than the AE's (Frechet distance in"
                " judge features, AE minus VAE)",
                ae["frechet"] - va["frechet"],
                ">",
                0.0,
                "lecture 3.5 (samplability); Frechet distance as in Heusel et al. 2017 with an MNIST CNN",
                detail=f"Frechet VAE {va['frechet']:.2f} vs AE {ae['frechet']:.2f}; mean distance to the nearest"
                f" training image VAE {va['nn_distance']:.2f} vs AE {ae['nn_distance']:.2f} (real test images:"
                f" {judged['data (real test images)']['nn_distance']:.2f}). {trust}{scale}",
            )
        )
    for name, row in elbo.items():
        if "min_batch_gap" in row:
            claims.append(
                claim(
                    f"{name}: ELBO <= importance-weighted estimate of log p(x) (k = {row['iwae_k']}) for every"
                    " test batch (smallest batch-mean gap IWAE - ELBO)",
                    row["min_batch_gap"],
                    ">=",
                    0.0,
                    "Jensen's inequality; Burda et al. 2016 (the IWAE bound is at least the ELBO)",
                    detail=f"{row['n_batches']} batches of {p.eval_batch} binarised test images (first {len(xe)});"
                    " ELBO with the"
                    f" closed-form KL and {ELBO_SAMPLES} reconstruction samples; mean gap {row['bound_gap']:.2f}"
                    f" nats; with the IWAE's own samples the smallest gap is {row['min_batch_gap_same_samples']:.3f}.",
                )
            )

    pd_ = p.primary_dim
    ae_p, vae_p = judged.get(f"ae_d{pd_}", {}), judged.get(f"vae_d{pd_}", {})
    vq_name = next(iter(vq), None)
    summary_rows = [
        {
            "model": "Deterministic AE (this chapter)",
            "latent": f"point, d = {pd_}",
            "how_trained": "cross-entropy of a Bernoulli decoder, Adam",
            "key_result": f"random z ~ N(0, I) decodes: judge confidence {ae_p.get('confidence', float('nan')):.2f},"
            f" Frechet {ae_p.get('frechet', float('nan')):.1f} -- not a generative model",
        },
        {
            "model": "VAE (this chapter)",
            "latent": f"Gaussian sample, d = {pd_}",
            "how_trained": "single ELBO + reparameterisation",
            "key_result": f"-ELBO {elbo.get(f'vae_d{pd_}', {}).get('neg_elbo', float('nan')):.1f} nats, IWAE"
            f" -log p(x) {elbo.get(f'vae_d{pd_}', {}).get('neg_log_px_iwae', float('nan')):.1f} nats on binarised"
            f" test MNIST; random decodes: confidence {vae_p.get('confidence', float('nan')):.2f},"
            f" Frechet {vae_p.get('frechet', float('nan')):.1f}",
        },
    ]
    if vq_name:
        ug = judged[f"{vq_name} (unigram prior)"]
        summary_rows.append(
            {
                "model": "VQ-VAE (this chapter)",
                "latent": f"{vq[vq_name]['n_slots']} discrete codes from a codebook of {vq[vq_name]['codebook_size']}",
                "how_trained": "reconstruction + codebook + 0.25 commitment, straight-through gradient",
                "key_result": f"codebook perplexity {vq[vq_name]['perplexity']:.1f} of {vq[vq_name]['codebook_size']},"
                f" {vq[vq_name]['dead_codes']} dead codes; unigram-prior samples: confidence {ug['confidence']:.2f},"
                f" Frechet {ug['frechet']:.1f}",
            }
        )

    write_json(
        {
            "binarization": f"stochastic: x_bin ~ Bernoulli(pixel/255), one draw with seed {p.binarize_seed} (train)"
            f" / {p.binarize_seed + 1} (test), made on all 70000 images before taking the first n; the judge sees grey"
            " levels",
            "n_train": len(x_train),
            "n_test": len(x_test),
            "n_test_bounds": len(xe),
            "classifier_accuracy": acc,
            "judge": judged,
            "properties": props,
            "elbo": elbo,
            "vqvae": vq,
            "references": REFERENCES,
            "claims": claims,
            "summary_rows": summary_rows,
        },
        snakemake.output.metrics,
    )
    save_npz(snakemake.output.arrays, **arrays)
