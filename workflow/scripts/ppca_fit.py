"""PPCA on MNIST: closed form and EM, the posterior check, samples; arrays to npz, numbers and claims to JSON."""

import logging

import numpy as np
from threadpoolctl import threadpool_limits

from aevq.chapters.ppca import (
    em_step_cost,
    fit_claims,
    fit_closed_form_and_em,
    fit_summary_rows,
    likelihood_agreement,
    matmul_gflops_float64,
    ml_formula_check,
    posterior_check,
    sklearn_agreement,
)
from aevq.data.mnist import load_mnist
from aevq.runtime import save_npz, snakemake_job, write_json

log = logging.getLogger("ppca_fit")

with snakemake_job(snakemake), threadpool_limits(snakemake.threads):
    p = snakemake.params
    q = int(p.q)
    rng = np.random.default_rng(int(p.seed))  # EM's initial W, then the Monte-Carlo draws, then the samples
    x_train, _, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    X = x_train.astype(np.float64)
    n, D = X.shape
    log.info("PPCA on %d x %d MNIST images, q=%d", n, D, q)

    fits = fit_closed_form_and_em(X, q, max_iter=p.em["max_iter"], tol=p.em["tol"], rng=rng)
    cf, em = fits.closed_form, fits.em
    agreement = likelihood_agreement(X, cf, em)
    a_cf, a_em = agreement["closed_form"], agreement["em"]
    log.info("closed form %s in %.2fs; EM %s in %.2fs", a_cf, fits.closed_form_s, a_em, fits.em_s)
    Xq = x_test[: p.posterior["n_points"]].astype(np.float64)
    posterior = posterior_check(cf, Xq, n_mc=p.posterior["n_mc"], chunk=p.posterior["chunk"], rng=rng)
    ml_formula, R = ml_formula_check(X, cf, em)
    x_noisy, z_s = cf.sample(int(p.n_samples), rng, return_z=True)  # x ~ p(x), and E[x|z] = W z + mu without noise
    hist = em.history_.as_arrays()
    save_npz(
        snakemake.output.npz,
        mean=cf.mean_,
        W_cf=cf.W_,
        sigma2_cf=cf.sigma2_,
        U_q=cf.components_,
        eigenvalues=cf.eigenvalues_,
        W_em=em.W_,
        sigma2_em=em.sigma2_,
        em_log_likelihood=hist["log_likelihood"],
        em_sigma2=hist["sigma2"],
        em_angle_deg=hist["angle_deg"],
        ll_closed_form=a_cf["mean_log_likelihood"],
        R=R,
        samples=x_noisy,
        samples_clean=cf.decode(z_s),
        **posterior["arrays"],
        test_images=Xq,
        test_labels=y_test[: len(Xq)],
    )

    metrics = {
        "n_train": n,
        "D": D,
        "q": q,
        "closed_form": a_cf,
        "em": {**a_em, "tol": p.em["tol"], "max_iter": p.em["max_iter"]},
        "sklearn": sklearn_agreement(X, q, a_cf["mean_log_likelihood"]),
        "posterior_check": posterior["rows"],
        "ml_formula": ml_formula,
        "timing": {
            "closed_form_s": fits.closed_form_s,
            "em_s": fits.em_s,
            "threads": snakemake.threads,
            **em_step_cost(n, D, q, fits.em_s, em.n_iter_, matmul_gflops_float64()),
        },
    }
    metrics["claims"] = fit_claims(metrics, posterior, cf.eigenvalues_, profile=p.profile)
    metrics["summary_rows"] = fit_summary_rows(metrics, posterior)
    write_json(metrics, snakemake.output.metrics)
