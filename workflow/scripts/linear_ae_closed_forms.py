"""Closed forms of §2 and §3.1: PCA-30 error on all of MNIST, the Hessian census at every critical point of a small
example, the d = 1 landscape, bottleneck reconstructions at several d, and "which is closer?" on the test set."""

import numpy as np

from aevq.chapters.linear_ae import (
    bottleneck_reconstructions,
    closed_form_claims,
    first_of_each_class,
    hessian_census_examples,
    pca_test_error,
    sphere_landscape,
    which_closer,
)
from aevq.data.mnist import load_mnist
from aevq.runtime import save_npz, seed_everything, snakemake_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    rng = seed_everything(p.seed)

    # PCA-30 on ALL of MNIST (60000 train / 10000 test) whatever the profile: a cheap closed form
    x_tr_all, _, x_te_all, _ = load_mnist(snakemake.input.mnist)
    pca30 = pca_test_error(x_tr_all, x_te_all, p.pca_components)
    del x_tr_all, x_te_all

    # the profile's subset for everything else
    x_train, _, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    picks = first_of_each_class(y_test)
    recon, errors = bottleneck_reconstructions(x_train, x_test, p.bottleneck_dims, picks)
    census, sigmas = hessian_census_examples(p.hessian_examples, rng)  # random eigenbases, distinct eigenvalues
    land = sphere_landscape(sigmas[p.landscape_example])
    closer, closer_arrays = which_closer(x_test, y_test, p.shift_pixels)
    save_npz(
        snakemake.output.npz,
        bottleneck_dims=np.array(p.bottleneck_dims),
        x_pick=x_test[picks],
        recon=recon,
        recon_error=np.array(errors),
        land_theta=land["theta"],
        land_phi=land["phi"],
        land_loss=land["loss"],
        land_crit=land["crit"],
        land_eigenvalues=land["eigenvalues"],
        closer_order=closer_arrays["order"],
        closer_other_index=closer_arrays["other_index"],
        d_shift=closer_arrays["d_shift"],
        d_other=closer_arrays["d_other"],
    )
    write_json(
        {
            "pca30": pca30,
            "bottleneck": {"dims": list(p.bottleneck_dims), "test_error_per_image": errors},
            "hessian_census": census,
            "which_closer": closer,
            "claims": closed_form_claims(census[p.claim_example], pca30),
        },
        snakemake.output.metrics,
    )
