"""The circle t ~ U[0, 2*pi), x = (cos t, sin t): covariance 1/2 I, yet one parameter describes it (Ch. 3.3)."""

import numpy as np

from aevq.claims import claim
from aevq.data.synthetic import circle
from aevq.runtime import save_npz, seed_everything, snakemake_job, torch_device, write_json

#: how many standard errors a covariance entry may deviate from 1/2 I (a 4-sigma band: chance exceedance ~ 1e-4)
N_SE = 4.0

with snakemake_job(snakemake):
    p = snakemake.params
    seed_everything(p.seed)
    device = torch_device(p.device, threads=snakemake.threads)
    from aevq.models.mlp_ae import MLPAutoencoder

    x, t = circle(p.n, seed=p.seed)
    n = x.shape[0]
    cov = np.cov(x, rowvar=False, bias=True)
    # each entry of the sample covariance is a mean of n i.i.d. terms: cos^2 t, sin^2 t or cos t sin t, each of
    # variance 1/8 (E cos^4 = 3/8, E cos^2 = 1/2; cos t sin t = sin(2t)/2), so its standard error is sqrt(1/(8n)).
    se = float(np.sqrt(1.0 / (8.0 * n)))
    max_dev = float(np.max(np.abs(cov - 0.5 * np.eye(2))))
    total_var = float(np.trace(cov))

    # PCA with d = 1: project on the leading eigenvector; the residual is the other eigenvalue (about 1/2)
    evals, evecs = np.linalg.eigh(cov)
    w = evecs[:, [-1]]
    xc = x - x.mean(axis=0)
    x_pca = xc @ w @ w.T + x.mean(axis=0)
    fvu_pca = float(((x - x_pca) ** 2).sum(axis=1).mean() / total_var)

    models, fvu, codes, recons = {}, {}, {}, {}
    for i, latent in enumerate(["angle", "euclidean"]):
        ae = MLPAutoencoder(2, 1, tuple(p.hidden), latent=latent, seed=p.seed + 10 + i, device=device)
        ae.fit(x, epochs=p.epochs, batch_size=p.batch_size, lr=p.lr)
        recons[latent] = ae.reconstruct(x)
        codes[latent] = ae.encode(x)[:, 0]
        fvu[latent] = float(((x - recons[latent]) ** 2).sum(axis=1).mean() / total_var)
        models[latent] = ae

    # the decoded curve: the angle code swept over one period, the Euclidean code over its observed range
    z_angle = np.linspace(-np.pi, np.pi, 400)
    z_euc = np.linspace(codes["euclidean"].min(), codes["euclidean"].max(), 400)
    curve_angle = models["angle"].decode(z_angle[:, None])
    curve_euc = models["euclidean"].decode(z_euc[:, None])
    save_npz(
        snakemake.output.npz,
        x=x,
        t=t,
        cov=cov,
        x_pca=x_pca,
        x_ae_angle=recons["angle"],
        x_ae_euclidean=recons["euclidean"],
        z_angle=codes["angle"],
        z_euclidean=codes["euclidean"],
        curve_angle=curve_angle,
        curve_euclidean=curve_euc,
        loss_angle=np.array(models["angle"].history_),
        loss_euclidean=np.array(models["euclidean"].history_),
    )

    ratio = fvu["angle"] / fvu_pca
    write_json(
        {
            "n": n,
            "covariance": cov,
            "covariance_se": se,
            "covariance_max_abs_deviation": max_dev,
            "eigenvalues": evals[::-1],
            "total_variance": total_var,
            "fvu": {"pca_d1": fvu_pca, "ae_angle_d1": fvu["angle"], "ae_euclidean_d1": fvu["euclidean"]},
            "claims": [
                claim(
                    "The circle x = (cos t, sin t), t ~ U[0, 2pi), has covariance 1/2 I: no preferred direction"
                    " (max |C - 1/2 I| below 4 standard errors)",
                    max_dev,
                    "<",
                    N_SE * se,
                    "mathematics: E[cos^2 t] = E[sin^2 t] = 1/2, E[cos t sin t] = 0; each entry's standard error is"
                    " sqrt(1/(8N))",
                    detail=f"N = {n}; SE = {se:.4f}; C = [[{cov[0, 0]:.4f}, {cov[0, 1]:.4f}], [., {cov[1, 1]:.4f}]]",
                ),
                claim(
                    "Yet one parameter describes it: a 1-D nonlinear AE (periodic decoder) leaves less variance than"
                    " the best linear 1-D code, PCA with d = 1, which must leave half (ratio of the two residuals)",
                    ratio,
                    "<",
                    1.0,
                    "mathematics: PCA with d = 1 is the optimal linear 1-D code; its residual is the second eigenvalue,"
                    " 1/2 of the total variance 1; lecture Ch. 3.3 (intrinsic dimension 1)",
                    detail=(
                        f"fraction of variance left: AE (angle code) {fvu['angle']:.2e}, PCA d=1 {fvu_pca:.3f};"
                        f" a plain 1-D Euclidean code (must tear the circle) {fvu['euclidean']:.3f}"
                    ),
                ),
            ],
        },
        snakemake.output.metrics,
    )
