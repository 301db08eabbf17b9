"""Judge every model of the chapter: random-latent decodes, the three properties, ELBO / IWAE, beta sweep, VQ stats."""

import numpy as np

from aevq.chapters import limits as ch
from aevq.chapters.limits_judge import judge_note
from aevq.data.mnist import load_mnist
from aevq.metrics.judge import Judge
from aevq.models.checkpoint import load_extra, load_model
from aevq.models.vae import GaussianAE, binarized_mnist
from aevq.runtime import read_json, save_npz, snakemake_job, start_torch_job, torch_generator, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    g = torch_generator(p.seed)  # every draw of the evaluation, in a fixed order
    x_train, _, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    xb_train, _, xb_test, _ = binarized_mnist(
        snakemake.input.mnist, p.binarize_seed, n_train=p.n_train, n_test=p.n_test
    )
    clf = load_model(snakemake.input.classifier, device)
    clf_metrics = read_json(snakemake.input.classifier_metrics)
    judge = Judge(
        clf, x_train, x_test, confident=p.judge["confident"], n_bootstrap=ch.N_BOOTSTRAP, bootstrap_seed=p.seed
    )
    models = {name: load_model(path, device) for name, path in zip(p.models, snakemake.input.models, strict=True)}

    n = p.judge["n_samples"]
    judged, props, arrays = ch.judge_models(
        models, judge, x_test, y_test, xb_test, n=n, step=p.judge["step"], confident=p.judge["confident"], g=g
    )
    xe = xb_test[: p.eval_n_test]
    bounds, batch_arrays = ch.bounds_table(models, xe, iwae_k=p.iwae_k, eval_batch=p.eval_batch)
    vq_models = {name: m for name, m in models.items() if not isinstance(m, GaussianAE)}
    codebooks = {name: ch.codebook_use(m, xb_train, xb_test, xe) for name, m in vq_models.items()}
    commitment = next(iter(vq_models.values())).commitment if vq_models else float("nan")

    note = judge_note(clf_metrics) + ch.scale_note(p.profile, p.train["epochs"], len(x_train))
    write_json(
        {
            "binarization": ch.binarization_note(p.binarize_seed),
            "n_train": len(x_train),
            "n_test": len(x_test),
            "n_test_bounds": len(xe),
            "classifier_accuracy": clf_metrics["test_accuracy"],
            # each model's training: the precision it ran in, its wall time and its rate against the matmul's (under
            # "timing": it differs between two runs of the same config, and comparisons skip it)
            "timing": {
                "training": {
                    name: load_extra(path).get("timing", {})
                    for name, path in zip(p.models, snakemake.input.models, strict=True)
                }
            },
            "judge": judged,
            "properties": props,
            "elbo": bounds,
            "vqvae": codebooks,
            "references": ch.REFERENCES,
            "claims": ch.samplability_claims(judged, p.latent_dims, n, note, props)
            + ch.bound_claims(bounds, p.eval_batch, len(xe)),
            "summary_rows": ch.summary_rows(judged, bounds, codebooks, p.primary_dim, commitment),
        },
        snakemake.output.metrics,
    )
    save_npz(snakemake.output.arrays, **arrays, latent_dims=np.array(p.latent_dims), **batch_arrays)
