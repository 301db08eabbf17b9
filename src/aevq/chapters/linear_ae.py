"""Ch. 2 and §3.1, the AutoEncoder's components and Linear AE = PCA: what the chapter measures and the claims it states.

Notation of the lecture: images x in R^D, centred by the training mean; code z = W_e x in R^d (d < D);
reconstruction x_hat = W_d z; global map P = W_d W_e; Sigma_x = (1/N) sum_i x_i x_i^T = U Lambda U^T with
lambda_1 >= ... >= lambda_D; the loss

    L(W_e, W_d) = (1/N) sum_i ||x_i - W_d W_e x_i||^2 = tr((I - P) Sigma_x (I - P)^T).

Baldi & Hornik (1989): every critical point has P = U_J U_J^T for an index set |J| = d with L = sum_{j not in J}
lambda_j; only J = {1..d} (the PCA subspace) is a minimum, every other J a saddle, and the minimum is determined only
up to the latent ambiguity (W_d R, R^T W_e), R orthogonal (up to any invertible C for the Hessian's zero directions).

Two jobs feed the chapter:

* the trained model (``linear_ae_train``): a linear AE fitted by gradient descent from a random start, measured by
  :func:`measure_trained_model` and stated by :func:`training_claims`;
* the closed forms (``linear_ae_closed_forms``): PCA-30 on all of MNIST (:func:`pca_test_error`), bottleneck
  reconstructions (:func:`bottleneck_reconstructions`), the Hessian census (:func:`hessian_census_examples`), the
  d = 1 landscape (:func:`sphere_landscape`) and "which is closer?" (:func:`which_closer`), stated by
  :func:`closed_form_claims`.

Torch enters only through the functions of ``aevq.metrics.linear_algebra`` that import it lazily.
"""

from __future__ import annotations

import math

import numpy as np

from aevq.claims import claim
from aevq.metrics.linear_algebra import (
    PCA,
    bernoulli_nll_constant,
    covariance_with_spectrum,
    gaussian_nll_constant,
    hessian_census,
    linear_ae_loss_data,
    nearest_other_class,
    pca_eig,
    projection_errors,
    projection_from_decoder,
    shift_images,
    sphere_coordinates,
    squared_error_per_image,
    unit_sphere_loss,
)
from aevq.paper import HS2006, HS2006_N_TEST, HS2006_N_TRAIN, HS2006_PCA30_TOLERANCE, HS2006_TEST_ERROR

BASELINE = "Baldi & Hornik (1989); lecture §3.1"
NLL_SOURCE = "lecture ch. 2, modelling tool (2)"
# the claims' bounds, from mathematics: at 1 degree the two subspaces' projectors differ by at most sin 1° = 0.017 in
# operator norm; the others allow float64 rounding only (or, for the loss, a converged but finite run)
ANGLE_DEG_MAX = 1.0
LOSS_GAP_REL_MAX = 1e-3
PROJECTION_ERROR_MAX = 1e-6
ROUNDING_REL_MAX = 1e-9


def first_of_each_class(labels: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Index of the first image of each class 0..n_classes-1: the examples the figures draw."""
    return np.array([int(np.flatnonzero(labels == k)[0]) for k in range(n_classes)])


# ----------------------------------------------------------------------------------------------- the trained model
def convergence_measures(history: dict, eigenvalues: np.ndarray, d: int) -> dict:
    """Where gradient descent ended, against the closed form.

    ``history``: ``LinearAE.history_`` (per step the loss L and the largest principal angle between col(W_d) and
    col(U_{1:d}); the floor sum_{j>d} lambda_j). Returns the final L and angle, the relative gap
    |L - floor| / floor, the eigengap lambda_d - lambda_{d+1} (what makes the PCA subspace unique) and the first
    recorded step below 1 degree (None if never)."""
    floor = history["loss_floor"]
    angle, loss = float(history["angle_deg"][-1]), float(history["loss"][-1])
    below = history["angle_deg"] < ANGLE_DEG_MAX
    return {
        "final_loss": loss,
        "loss_floor": floor,
        "loss_gap_rel": abs(loss - floor) / floor,
        "final_angle_deg": angle,
        "eigengap_d": float(eigenvalues[d - 1] - eigenvalues[d]),
        "steps_to_1deg": int(np.argmax(below)) if below.any() else None,
    }


def projection_measures(w_e: np.ndarray, w_d: np.ndarray) -> dict[str, dict[str, float]]:
    """Is the global map an orthogonal projection? Symmetry, idempotence and trace of two maps:

    * ``p_star``: P* = W_d (W_d^T W_d)^{-1} W_d^T, the lecture's substitution of the optimal encoder
      W_e* = (W_d^T W_d)^{-1} W_d^T (symmetric idempotent, trace d, for any full-rank W_d);
    * ``raw``: the gradient-descent product W_d W_e itself, which keeps its random start in the null space of
      Sigma_x (blank pixels get no gradient), so it need not be symmetric."""
    return {"p_star": projection_errors(projection_from_decoder(w_d)), "raw": projection_errors(w_d @ w_e)}


def data_subspace_measures(w_e: np.ndarray, w_d: np.ndarray, xc: np.ndarray) -> dict[str, float]:
    """The trained product itself on the data: does x -> W_d W_e x act on the centred training images ``xc`` (N, D)
    as the PCA projector U_{1:d} U_{1:d}^T of their own Sigma_x does?

    On the span of the data (the pixels that vary) the optimum W_d W_e equals U_{1:d} U_{1:d}^T; off it (blank
    pixels) gradient descent never moves W_e, so only the action on the data is identified. Returns
    ||(W_d W_e - U U^T) X||_F / ||X||_F (at most the operator-norm distance of the two maps on the data span:
    sin of the largest principal angle when W_e is the optimal encoder for W_d) and the same relative to
    ||U U^T X||_F."""
    x = np.asarray(xc, dtype=np.float64)
    d = w_e.shape[0]
    _, u = pca_eig(x.T @ x / x.shape[0])
    u_d = u[:, :d]
    pca_proj = (x @ u_d) @ u_d.T
    diff = np.linalg.norm((x @ w_e.T) @ w_d.T - pca_proj)
    return {
        "rel_to_data": float(diff / np.linalg.norm(x)),
        "rel_to_projection": float(diff / np.linalg.norm(pca_proj)),
    }


def rotation_measures(
    w_e: np.ndarray, w_d: np.ndarray, xc: np.ndarray, rotation: np.ndarray
) -> tuple[dict[str, float], tuple[np.ndarray, np.ndarray]]:
    """The latent ambiguity: (W_d R, R^T W_e) with R orthogonal has the same P = W_d R R^T W_e, so the same loss,
    while the codes z' = R^T z change.

    ``xc``: centred training images (N, D). Returns the loss L(W_e, W_d) on them, the relative change of L under R,
    the relative Frobenius change of the codes and the largest change of a reconstruction (rounding), and the codes
    (z, z') as rows (N, d)."""
    loss = linear_ae_loss_data(w_e, w_d, xc)
    loss_rotated = linear_ae_loss_data(rotation.T @ w_e, w_d @ rotation, xc)
    z = xc @ w_e.T
    z_rot = z @ rotation  # codes of the rotated encoder R^T W_e: z' = R^T z, written for rows as z R
    return {
        "loss_data": loss,
        "loss_rel_diff": abs(loss_rotated - loss) / loss,
        "code_change_rel": float(np.linalg.norm(z_rot - z) / np.linalg.norm(z)),
        "recon_max_abs_diff": float(np.abs(z @ w_d.T - z_rot @ (w_d @ rotation).T).max()),
    }, (z, z_rot)


def nll_constant_rows(x: np.ndarray, x_hat: np.ndarray, sigma2s, bernoulli_clip: float) -> list[dict]:
    """The reconstruction losses as negative log-likelihoods, one row per likelihood.

    Gaussian, for each sigma^2: c(x) = -log N(x; x_hat, sigma^2 I) - ||x - x_hat||^2 / (2 sigma^2) should be the
    constant (D/2) log(2 pi sigma^2) for every image (so minimizing MSE is maximizing the likelihood); read relative to
    that constant (at least 1). Bernoulli: -log p(x | pi_hat) - BCE(x, pi_hat) should be 0 for binary x (x binarized at
    0.5, pi_hat = clip(x_hat, c, 1 - c)); read relative to the mean BCE."""
    n_features = x.shape[1]
    rows = []
    for s2 in sigma2s:
        c = gaussian_nll_constant(x, x_hat, s2)
        theory = n_features / 2 * math.log(2 * math.pi * s2)
        rows.append(
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
    x_bin = (x > 0.5).astype(np.float64)
    pi_hat = np.clip(x_hat, bernoulli_clip, 1 - bernoulli_clip)
    diff, bce = bernoulli_nll_constant(x_bin, pi_hat)
    rows.append(
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
    return rows


def measure_trained_model(
    history: dict,
    eigenvalues: np.ndarray,
    w_e: np.ndarray,
    w_d: np.ndarray,
    xc: np.ndarray,
    rotation: np.ndarray,
    x_test: np.ndarray,
    x_hat: np.ndarray,
    *,
    nll_sigma2,
    bernoulli_clip: float,
) -> tuple[dict, tuple[np.ndarray, np.ndarray]]:
    """Everything the chapter reports about the trained linear AE, keyed as in its metrics JSON; and the codes
    (z, z') of the training images ``xc`` (centred) before and after the rotation R.

    ``x_hat``: the model's reconstructions of the test images ``x_test`` (for the test error and the NLLs)."""
    conv = convergence_measures(history, eigenvalues, w_e.shape[0])
    proj = projection_measures(w_e, w_d)
    rot, codes = rotation_measures(w_e, w_d, xc, rotation)
    on_data = data_subspace_measures(w_e, w_d, xc)
    return {
        "final_loss": conv["final_loss"],
        "final_loss_data": rot["loss_data"],
        "loss_floor": conv["loss_floor"],
        "loss_gap_rel": conv["loss_gap_rel"],
        "final_angle_deg": conv["final_angle_deg"],
        "eigengap_d": conv["eigengap_d"],
        "steps_to_1deg": conv["steps_to_1deg"],
        "test_error_per_image": squared_error_per_image(x_test, x_hat),
        "projection_p_star": proj["p_star"],
        "projection_raw_WdWe": proj["raw"],
        "trained_product_vs_pca_on_data": on_data,
        "rotation_loss_rel_diff": rot["loss_rel_diff"],
        "rotation_code_change_rel": rot["code_change_rel"],
        "rotation_recon_max_abs_diff": rot["recon_max_abs_diff"],
        "nll_constants": nll_constant_rows(x_test, x_hat, nll_sigma2, bernoulli_clip),
    }, codes


def training_summary_row(m: dict) -> dict:
    """The trained linear AE's row of the report's model summary; ``m`` as in :func:`training_claims`."""
    return {
        "model": "Linear AE",
        "latent": f"d = {m['d']} (point z = W_e x)",
        "how_trained": f"gradient descent from random init ({m['train']['steps']} full-batch steps)",
        "key_result": (
            f"largest angle to the PCA subspace {m['final_angle_deg']:.3g}°, loss {m['loss_gap_rel']:.2g} (relative)"
            f" above the PCA floor (the sum of the eigenvalues λⱼ beyond d) = {m['loss_floor']:.4g}"
        ),
    }


def training_claims(m: dict, *, profile: str, nll_sigma2, bernoulli_clip: float) -> list[dict]:
    """The trained model's claims: convergence to the PCA subspace and to the floor sum_{j>d} lambda_j, P* an
    orthogonal projection, the latent ambiguity, MSE and BCE as NLLs.

    ``m``: :func:`measure_trained_model`'s dict plus ``d``, ``n_train``, ``n_test`` and ``train`` (its ``steps``)."""
    d, star, raw = m["d"], m["projection_p_star"], m["projection_raw_WdWe"]
    on_data = m["trained_product_vs_pca_on_data"]
    where = f"{m['n_train']} training images, {m['train']['steps']} full-batch steps"
    gauss_spread = max(r["spread_rel"] for r in m["nll_constants"] if r["likelihood"] == "Gaussian")
    (bernoulli,) = (r for r in m["nll_constants"] if r["likelihood"] == "Bernoulli")
    return [
        claim(
            f"A linear AE (d = {d}) trained by gradient descent from random init converges to the PCA"
            " subspace: largest principal angle between the column space of W_d and the top-d eigenvectors of Σₓ",
            m["final_angle_deg"],
            "<",
            ANGLE_DEG_MAX,
            BASELINE + " (at 1 degree the two subspaces' projectors differ by at most sin 1° = 0.017 in operator norm)",
            detail=f"degrees; {where}; eigengap λ_d − λ_(d+1) = {m['eigengap_d']:.3g}",
            kind="empirical",
            basis="mathematics",
        ),
        claim(
            "The trained loss reaches the closed-form minimum, the sum of the eigenvalues λⱼ beyond d:"
            " |L − floor| / floor",
            m["loss_gap_rel"],
            "<",
            LOSS_GAP_REL_MAX,
            BASELINE,
            detail=f"L = {m['final_loss']:.8g}, floor = {m['loss_floor']:.8g}; {where}",
            kind="empirical",
            basis="mathematics",
        ),
        claim(
            "The trained product W_d W_e itself (not only the formula P*) projects the training images onto the"
            " PCA subspace: ‖(W_d W_e − U_d U_dᵀ) X‖_F / ‖X‖_F on the centred training images X (U_d: the top-d"
            " eigenvectors)",
            on_data["rel_to_data"],
            "<",
            math.sin(math.radians(ANGLE_DEG_MAX)),
            BASELINE + "; bound sin 1° = 0.017, the largest operator-norm distance of two orthogonal projections"
            " whose subspaces are 1° apart",
            detail=f"relative to ‖U Uᵀ X‖_F: {on_data['rel_to_projection']:.3g}; {where}. On blank pixels"
            " (outside the data's span) W_d W_e keeps its random start, which the images never see",
            kind="empirical",
            basis="mathematics",
        ),
        claim(
            "P* = W_d (W_dᵀ W_d)⁻¹ W_dᵀ at the trained optimum is symmetric: ‖P* − P*ᵀ‖_F / ‖P*‖_F",
            star["symmetry"],
            "<",
            PROJECTION_ERROR_MAX,
            "lecture §3.1 (symmetric idempotent = orthogonal projection)",
            detail=f"trace {star['trace']:.6g} (= d); the raw GD product W_d W_e has"
            f" {raw['symmetry']:.3g}: GD never moves W_e in the null space of Σₓ (blank pixels)",
            kind="identity",
            basis="mathematics",
        ),
        claim(
            "P* at the trained optimum is idempotent: ‖P*² − P*‖_F / ‖P*‖_F",
            star["idempotence"],
            "<",
            PROJECTION_ERROR_MAX,
            "lecture §3.1",
            detail=f"raw GD product W_d W_e: {raw['idempotence']:.3g}",
            kind="identity",
            basis="mathematics",
        ),
        claim(
            "Latent ambiguity: (W_d R, Rᵀ W_e) with a random orthogonal R leaves the loss unchanged"
            " (relative difference)",
            m["rotation_loss_rel_diff"],
            "<",
            ROUNDING_REL_MAX,
            "lecture §3.1 (latent ambiguity)",
            detail=f"the codes change by {m['rotation_code_change_rel']:.3g} (relative Frobenius norm); reconstructions"
            f" differ by at most {m['rotation_recon_max_abs_diff']:.2g} (rounding)",
            kind="identity",
            basis="mathematics",
        ),
        claim(
            "MSE is the Gaussian NLL: −log N(x; x̂, σ² I) − ‖x − x̂‖² / (2σ²) is the same"
            " constant for every reconstruction (max − min, relative to (D/2) log(2πσ²))",
            gauss_spread,
            "<",
            ROUNDING_REL_MAX,
            NLL_SOURCE,
            detail=f"worst over σ² in {list(nll_sigma2)}, {m['n_test']} test reconstructions",
            kind="identity",
            basis="mathematics",
        ),
        claim(
            "BCE is the Bernoulli NLL: −log p(x | π̂) − BCE = 0 for binary x (max |difference| / mean BCE)",
            bernoulli["max_abs_minus_theory_rel"],
            "<",
            ROUNDING_REL_MAX,
            NLL_SOURCE,
            detail=f"x binarized at 0.5, π̂ = clip(x̂, {bernoulli_clip}, 1 − {bernoulli_clip})",
            kind="identity",
            basis="mathematics",
        ),
    ]


# ----------------------------------------------------------------------------------------------- the closed forms
def pca_test_error(x_train: np.ndarray, x_test: np.ndarray, n_components: int) -> dict:
    """PCA with d = ``n_components`` fitted on ``x_train``: the mean over test images of ||x - P* x||^2 (summed over
    pixels; P* = U_{1:d} U_{1:d}^T around the training mean), Hinton & Salakhutdinov (2006)'s measure, beside the
    paper's PCA error (``reference``)."""
    pca = PCA(n_components).fit(x_train)
    return {
        "components": n_components,
        "n_train": int(x_train.shape[0]),
        "n_test": int(x_test.shape[0]),
        "error_per_image": squared_error_per_image(x_test, pca.reconstruct(x_test)),
        "reference": HS2006_TEST_ERROR["pca"],
    }


def bottleneck_reconstructions(
    x_train: np.ndarray, x_test: np.ndarray, dims, picks: np.ndarray
) -> tuple[np.ndarray, list[float]]:
    """The optimal linear bottleneck at each d in ``dims``: x_hat = U_{1:d} U_{1:d}^T (x - mean) + mean, from one
    PCA of ``x_train``. Returns the reconstructions of the test images ``picks`` (len(dims), len(picks), D) and the
    test error per image at each d."""
    pca = PCA(max(dims)).fit(x_train)
    recon, errors = [], []
    for d in dims:
        comp = pca.eigenvectors_[:, :d]
        xc = x_test.astype(np.float64) - pca.mean_
        x_hat = (xc @ comp) @ comp.T + pca.mean_
        recon.append(x_hat[picks])
        errors.append(squared_error_per_image(x_test, x_hat))
    return np.stack(recon), errors


def hessian_census_examples(examples: dict, rng: np.random.Generator) -> tuple[dict, dict[str, np.ndarray]]:
    """The Hessian census at every critical point P = U_J U_J^T of each small example.

    ``examples``: name -> {"eigenvalues": the spectrum of Sigma_x (distinct), "d"}; Sigma_x = U Lambda U^T with U
    drawn from ``rng`` (one draw per example, in order). Returns name -> {D, d, eigenvalues, rows} (rows: one per J,
    from ``hessian_census``) and name -> Sigma_x."""
    census, sigmas = {}, {}
    for name, spec in examples.items():
        sigma, _ = covariance_with_spectrum(spec["eigenvalues"], rng)
        census[name] = dict(D=len(spec["eigenvalues"]), d=spec["d"], eigenvalues=spec["eigenvalues"])
        census[name]["rows"] = hessian_census(sigma, spec["d"])
        sigmas[name] = sigma
    return census, sigmas


def census_is_baldi_hornik(rows: list[dict]) -> bool:
    """The census says what Baldi & Hornik prove: exactly one minimum, at J = {1..d} (first in combinations order),
    every critical point with exactly the d^2 zero Hessian eigenvalues of the GL(d) orbit and a vanishing gradient."""
    kinds = [r["kind"] for r in rows]
    return (
        kinds.count("minimum") == 1
        and rows[0]["kind"] == "minimum"
        and all(r["n_zero"] == r["expected_zero"] for r in rows)
        and all(r["grad_norm"] < 1e-10 for r in rows)
    )


def sphere_landscape(sigma: np.ndarray) -> dict[str, np.ndarray]:
    """d = 1, D = 3: L(w) = tr Sigma_x - w^T Sigma_x w over unit decoder directions w (theta, phi grid), its six
    critical directions +-u_j as (theta, phi) and Sigma_x's eigenvalues, largest first."""
    land = unit_sphere_loss(sigma)
    _, u = pca_eig(sigma)
    crit = np.array([sphere_coordinates(s * u[:, j]) for j in range(3) for s in (1, -1)])
    return {
        "theta": land["theta"],
        "phi": land["phi"],
        "loss": land["loss"],
        "crit": crit,
        "eigenvalues": np.linalg.eigvalsh(sigma)[::-1],
    }


def which_closer(x: np.ndarray, labels: np.ndarray, shift_pixels: int) -> tuple[dict, dict[str, np.ndarray]]:
    """The lecture's "which is closer?": each image x against its own horizontal shift by ``shift_pixels`` (zero
    fill) and against the nearest image of another class, in pixel (Frobenius) distance.

    Returns the share of images for which the other class is closer with the median distances, and the arrays:
    both distances, the index of the nearest other-class image, and all images ranked by the margin
    d_shift - d_other (largest first)."""
    d_shift = np.linalg.norm(x.astype(np.float64) - shift_images(x, dx=shift_pixels), axis=1)
    queries = np.arange(x.shape[0])
    d_other, idx_other = nearest_other_class(x, labels, queries)
    measures = {
        "shift_pixels": shift_pixels,
        "n_queries": int(len(queries)),
        "n_candidates": int(x.shape[0]),
        "fraction_other_class_closer": float((d_other < d_shift).mean()),
        "median_d_shift": float(np.median(d_shift)),
        "median_d_other": float(np.median(d_other)),
    }
    arrays = {
        "order": np.argsort(-(d_shift - d_other), kind="stable"),
        "other_index": idx_other,
        "d_shift": d_shift,
        "d_other": d_other,
    }
    return measures, arrays


def closed_form_claims(census_example: dict, pca30: dict) -> list[dict]:
    """The closed forms' claims: the Baldi-Hornik census of one example, and PCA-30's test error against the paper.

    ``census_example``: one entry of :func:`hessian_census_examples`; ``pca30``: :func:`pca_test_error`."""
    rows = census_example["rows"]
    n_min = sum(r["kind"] == "minimum" for r in rows)
    reference, err = HS2006_TEST_ERROR["pca"], pca30["error_per_image"]
    return [
        claim(
            f"Baldi-Hornik Hessian census (D = {census_example['D']}, d = {census_example['d']}, Σₓ eigenvalues"
            f" {census_example['eigenvalues']}): the top-d J is the only minimum, every other critical point"
            " P = U_J U_Jᵀ is a saddle",
            bool(census_is_baldi_hornik(rows)),
            "==",
            True,
            "Baldi & Hornik (1989); lecture §3.1, Fig 5",
            detail=f"{n_min} minimum, {len(rows) - n_min} saddles of {len(rows)} critical"
            " points; negative Hessian eigenvalues per J: "
            + ", ".join(f"{r['J']}: {r['n_negative']}" for r in rows)
            + f"; each has exactly d² = {census_example['d'] ** 2} zero eigenvalues (GL(d) invariance)",
            kind="identity",
            basis="mathematics",
        ),
        claim(
            f"PCA with {pca30['components']} components: average squared reconstruction error per MNIST test"
            f" image = {reference} ± {HS2006_PCA30_TOLERANCE} (|measured − {reference}|)",
            abs(err - reference),
            "<=",
            HS2006_PCA30_TOLERANCE,
            HS2006,
            detail=f"measured {err:.4f}; PCA fitted on all {HS2006_N_TRAIN} training images and evaluated on all"
            f" {HS2006_N_TEST} test images in every profile (a closed form, so the number of training images a"
            " run uses does not change this number); pixels /255, squared error summed over 784 pixels, averaged"
            " over test images",
            kind="empirical",
            basis="paper",
        ),
    ]
