"""Train the linear AE (d from config) by gradient descent from a random init on MNIST; save the trajectory, the
weights, reconstructions, codes and the claims about convergence to PCA, the projection, rotation and the NLLs."""

import math

import numpy as np

from aevq.claims import claim
from aevq.data.mnist import load_mnist
from aevq.metrics.linear_algebra import (
    bernoulli_nll_constant,
    gaussian_nll_constant,
    linear_ae_loss_data,
    projection_errors,
    projection_from_decoder,
    random_orthogonal,
    squared_error_per_image,
)
from aevq.models.linear_ae import LinearAE
from aevq.runtime import save_npz, seed_everything, snakemake_job, torch_device, write_json

BASELINE = "Baldi & Hornik (1989); lecture §3.1"


with snakemake_job(snakemake):
    p = snakemake.params
    seed = p.seed
    rng = seed_everything(seed)
    device = torch_device(p.device, threads=snakemake.threads)
    x_train, y_train, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=p.n_train, n_test=p.n_test)
    D, d = x_train.shape[1], p.d

    model = LinearAE(D, d, init_scale=p.train["init_scale"], seed=seed, device=device)
    model.fit(x_train, steps=p.train["steps"], lr=p.train["lr"], momentum=p.train["momentum"])
    hist = model.history_
    w_e, w_d = model.weights()
    mean = model.mean.cpu().numpy()
    floor = hist["loss_floor"]
    angle, loss = float(hist["angle_deg"][-1]), float(hist["loss"][-1])
    gap = abs(loss - floor) / floor
    xc = x_train.astype(np.float64) - mean
    loss_data = linear_ae_loss_data(w_e, w_d, xc)

    # P*: the lecture substitutes the optimal encoder W_e* = (W_d^T W_d)^{-1} W_d^T; also the raw GD product W_d W_e
    p_star = projection_from_decoder(w_d)
    err_star = projection_errors(p_star)
    err_raw = projection_errors(w_d @ w_e)

    # latent ambiguity: (W_d R, R^T W_e) with a Haar-random orthogonal R
    r = random_orthogonal(d, rng)
    loss_rot = linear_ae_loss_data(r.T @ w_e, w_d @ r, xc)
    rot_rel = abs(loss_rot - loss_data) / loss_data
    z = xc @ w_e.T
    z_rot = z @ r  # codes of the rotated encoder R^T W_e: z' = R^T z, written for rows as z R
    code_change = float(np.linalg.norm(z_rot - z) / np.linalg.norm(z))
    recon_diff = float(np.abs(z @ w_d.T - z_rot @ (w_d @ r).T).max())

    # reconstructions of the test set by the trained model; NLL constants
    x_hat = model.reconstruct(x_test)
    test_error = squared_error_per_image(x_test, x_hat)
    nll_rows = []
    for s2 in p.nll_sigma2:
        c = gaussian_nll_constant(x_test, x_hat, s2)
        theory = D / 2 * math.log(2 * math.pi * s2)
        nll_rows.append(
            {
                "likelihood": "Gaussian",
                "sigma2": s2,
                "constant_min": float(c.min()),
                "constant_max": float(c.max()),
                "theory": theory,
                "spread_rel": float((c.max() - c.min()) / max(abs(theory), 1.0)),
                "max_abs_minus_theory_rel": float(np.abs(c - theory).max() / max(abs(theory), 1.0)),
            }
        )
    x_bin = (x_test > 0.5).astype(np.float64)
    pi_hat = np.clip(x_hat, p.bernoulli_clip, 1 - p.bernoulli_clip)
    diff, bce = bernoulli_nll_constant(x_bin, pi_hat)
    nll_rows.append(
        {
            "likelihood": "Bernoulli",
            "sigma2": None,
            "constant_min": float(diff.min()),
            "constant_max": float(diff.max()),
            "theory": 0.0,
            "spread_rel": float((diff.max() - diff.min()) / bce.mean()),
            "max_abs_minus_theory_rel": float(np.abs(diff).max() / bce.mean()),
        }
    )
    gauss_spread = max(r_["spread_rel"] for r_ in nll_rows if r_["likelihood"] == "Gaussian")
    bern_spread = nll_rows[-1]["max_abs_minus_theory_rel"]

    # examples: the first test digit of each class
    picks = np.array([int(np.flatnonzero(y_test == k)[0]) for k in range(10)])
    save_npz(
        snakemake.output.npz,
        step=hist["step"],
        loss=hist["loss"],
        angle_deg=hist["angle_deg"],
        loss_floor=np.array(floor),
        eigenvalues=model.eigenvalues_,
        W_e=w_e,
        W_d=w_d,
        mean=mean,
        R=r,
        # the first two code coordinates of every training image (the rotation scatter draws the first n_scatter)
        codes=z[:, :2],
        codes_rotated=z_rot[:, :2],
        code_labels=y_train,
        pick_index=picks,
        x_pick=x_test[picks],
        x_hat_pick=x_hat[picks],
    )
    where = f"{x_train.shape[0]} training images, {p.train['steps']} full-batch steps (profile {p.profile})"
    write_json(
        {
            "d": d,
            "D": D,
            "n_train": int(x_train.shape[0]),
            "n_test": int(x_test.shape[0]),
            "train": dict(p.train),
            "final_loss": loss,
            "final_loss_data": loss_data,
            "loss_floor": floor,
            "loss_gap_rel": gap,
            "final_angle_deg": angle,
            "eigengap_d": float(model.eigenvalues_[d - 1] - model.eigenvalues_[d]),
            "steps_to_1deg": int(np.argmax(hist["angle_deg"] < 1.0)) if (hist["angle_deg"] < 1.0).any() else None,
            "test_error_per_image": test_error,
            "projection_p_star": err_star,
            "projection_raw_WdWe": err_raw,
            "rotation_loss_rel_diff": rot_rel,
            "rotation_code_change_rel": code_change,
            "rotation_recon_max_abs_diff": recon_diff,
            "nll_constants": nll_rows,
            "summary_rows": [
                {
                    "model": "Linear AE",
                    "latent": f"d = {d} (point z = W_e x)",
                    "how_trained": f"gradient descent from random init ({p.train['steps']} full-batch steps)",
                    "key_result": (
                        f"largest angle to the PCA subspace {angle:.3g}°, loss {gap:.2g} (relative) above the"
                        f" PCA floor sum_(j>d) lambda_j = {floor:.4g}"
                    ),
                }
            ],
            "claims": [
                claim(
                    f"A linear AE (d = {d}) trained by gradient descent from random init converges to the PCA"
                    " subspace: largest principal angle between col(W_d) and the top-d eigenvectors of Sigma_x",
                    angle,
                    "<",
                    1.0,
                    BASELINE
                    + " (at 1 degree the two subspaces' projectors differ by at most sin 1° = 0.017 in operator norm)",
                    detail=f"degrees; {where}; eigengap lambda_d - lambda_(d+1) = "
                    f"{model.eigenvalues_[d - 1] - model.eigenvalues_[d]:.3g}",
                ),
                claim(
                    "The trained loss reaches the closed-form minimum sum_{j>d} lambda_j: |L - floor| / floor",
                    gap,
                    "<",
                    1e-3,
                    BASELINE,
                    detail=f"L = {loss:.8g}, floor = {floor:.8g}; {where}",
                ),
                claim(
                    "P* = W_d (W_d^T W_d)^{-1} W_d^T at the trained optimum is symmetric: ||P* - P*^T||_F / ||P*||_F",
                    err_star["symmetry"],
                    "<",
                    1e-6,
                    "lecture §3.1 (symmetric idempotent = orthogonal projection)",
                    detail=f"trace {err_star['trace']:.6g} (= d); the raw GD product W_d W_e has"
                    f" {err_raw['symmetry']:.3g}: GD never moves W_e in the null space of Sigma_x (blank pixels)",
                ),
                claim(
                    "P* at the trained optimum is idempotent: ||P*^2 - P*||_F / ||P*||_F",
                    err_star["idempotence"],
                    "<",
                    1e-6,
                    "lecture §3.1",
                    detail=f"raw GD product W_d W_e: {err_raw['idempotence']:.3g}",
                ),
                claim(
                    "Latent ambiguity: (W_d R, R^T W_e) with a random orthogonal R leaves the loss unchanged"
                    " (relative difference)",
                    rot_rel,
                    "<",
                    1e-9,
                    "lecture §3.1 (latent ambiguity)",
                    detail=f"the codes change by {code_change:.3g} (relative Frobenius norm); reconstructions differ by"
                    f" at most {recon_diff:.2g} (rounding)",
                ),
                claim(
                    "MSE is the Gaussian NLL: -log N(x; x_hat, sigma^2 I) - ||x - x_hat||^2 / (2 sigma^2) is the same"
                    " constant for every reconstruction (max - min, relative to (D/2) log(2 pi sigma^2))",
                    gauss_spread,
                    "<",
                    1e-9,
                    "lecture ch. 2, modelling tool (2)",
                    detail=f"worst over sigma^2 in {list(p.nll_sigma2)}, {x_test.shape[0]} test reconstructions",
                ),
                claim(
                    "BCE is the Bernoulli NLL: -log p(x | pi_hat) - BCE = 0 for binary x (max |difference| / mean BCE)",
                    bern_spread,
                    "<",
                    1e-9,
                    "lecture ch. 2, modelling tool (2)",
                    detail=f"x binarized at 0.5, pi_hat = clip(x_hat, {p.bernoulli_clip}, 1 - {p.bernoulli_clip})",
                ),
            ],
        },
        snakemake.output.metrics,
    )
