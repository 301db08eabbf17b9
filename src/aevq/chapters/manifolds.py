"""Ch. 3.3, "uncorrelated is not independent": the circle, the Swiss roll and MNIST, where PCA sees only C.

PCA and the linear AutoEncoder (x_hat = W_d W_e x) see the data only through its covariance C. Three data sets whose
low intrinsic dimension C hides:

* the circle t ~ U[0, 2 pi), x = (cos t, sin t): C = 1/2 I, no preferred direction, so PCA with d = 1 must leave
  half of the variance tr C = 1; one parameter, the angle, describes it, and a nonlinear AE with a periodic code
  z = atan2(G_phi(x)) and decoder H_theta(cos z, sin z) leaves almost none;
* the Swiss roll (Tenenbaum, de Silva & Langford 2000, N = 1000, K = 7): a 2-D sheet rolled up in 3-D. Isomap (the
  K-NN graph, its shortest paths D_G, classical MDS on D_G; ``aevq.metrics.manifolds``) unfolds it, PCA does not;
* MNIST: residual variance 1 - R^2(D_M, D_Y) against the embedding's dimension d for PCA, MDS and Isomap (the
  paper's Fig. 2D, on Euclidean pixel distances).

Here: the chapter's flow (``circle_experiment``, ``swissroll_experiment``, ``mnist_residual_experiment``: arrays in,
measures and figure arrays out), the measures they are made of, and the claims (``circle_claims``,
``swissroll_claims``). The geometry (graphs, D_G, classical MDS, residual variance) lives in
``aevq.metrics.manifolds``. Torch is imported only inside the functions that train an AE, so the MNIST rule (the
``data`` env) can import this module.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from aevq.claims import claim
from aevq.metrics.manifolds import (
    classical_mds,
    euclidean_distances,
    geodesic_distances,
    graph_path,
    knn_graph,
    pca_scores,
    residual_variance,
    residual_variance_curves,
    spearman_abs,
    trustworthiness,
)
from aevq.metrics.pca import PCA, covariance
from aevq.paper import TENENBAUM2000, TENENBAUM2000_ISOMAP_RV_D2_MAX, TENENBAUM2000_PCA_RV_D2_MIN

#: how many standard errors a covariance entry may deviate from 1/2 I (a 4-sigma band: chance exceedance ~ 1e-4)
N_SE = 4.0
#: "recovers the coordinate t" read as |Spearman(coordinate, t)| above this (lecture Ch. 3.3, Fig 7)
RECOVERS_T = 0.95
#: the circle's two 1-D AEs: the periodic (angle) code and a plain real code, which must tear the circle somewhere
CIRCLE_LATENTS = ("angle", "euclidean")
#: points on each decoded curve drawn in the circle figure
CURVE_POINTS = 400

ISO_OWN = "Isomap (ours: MDS on D_G)"
ISO_SKLEARN = "Isomap (scikit-learn)"
AE_NAME = "nonlinear AE (MLP)"
MNIST_NOTE = (
    "Tenenbaum et al. used 1000 handwritten 2s, epsilon-Isomap and tangent distance for MDS; here K-NN"
    " Isomap on Euclidean pixel distances, the largest connected component of the K-NN graph"
)


# ----------------------------------------------------------------------------------------------- measures
def circle_covariance(x: np.ndarray) -> dict:
    """The sample covariance C = 1/N sum_n (x_n - mean)(x_n - mean)^T of points on the unit circle, and how far it
    is from 1/2 I.

    Each entry of C is a mean of N i.i.d. terms cos^2 t, sin^2 t or cos t sin t, each of variance 1/8
    (E cos^4 t = 3/8, (E cos^2 t)^2 = 1/4; cos t sin t = sin(2t)/2), so its standard error is sqrt(1/(8N)).
    Returns N, C, that standard error, max |C - 1/2 I|, the eigenvalues of C (decreasing) and tr C."""
    n = x.shape[0]
    pca = PCA(2).fit(x)  # the project's one PCA: C and its eigenvalues
    cov, evals = covariance(x)[1], pca.eigenvalues_
    return {
        "n": n,
        "covariance": cov,
        "covariance_se": float(np.sqrt(1.0 / (8.0 * n))),
        "covariance_max_abs_deviation": float(np.max(np.abs(cov - 0.5 * np.eye(2)))),
        "eigenvalues": evals,
        "total_variance": float(np.trace(cov)),
    }


def pca_reconstruction(x: np.ndarray, d: int) -> np.ndarray:
    """The best linear d-dim reconstruction: x_hat = W W^T (x - mean) + mean, W the d leading eigenvectors of C.

    Its squared error is the sum of the remaining eigenvalues of C (for the circle and d = 1: the second, 1/2)."""
    return PCA(d).fit(x).reconstruct(x)


def total_variance(x: np.ndarray) -> float:
    """tr C = the mean squared distance to the mean, 1/N sum_n ||x_n - mean||^2."""
    return float(((x - x.mean(axis=0)) ** 2).sum(axis=1).mean())


def fraction_of_variance_left(x: np.ndarray, x_hat: np.ndarray, total_var: float) -> float:
    """1/N sum_n ||x_n - x_hat_n||^2 / tr C: the share of the variance a reconstruction leaves (0 = perfect)."""
    return float(((x - x_hat) ** 2).sum(axis=1).mean() / total_var)


def pca_scores_fraction_left(x: np.ndarray, y_pca: np.ndarray, total_var: float) -> float:
    """The share of the variance left by the least-squares reconstruction of the centred x from its PCA scores y_pca
    (the projection Y Y^+ onto their span): equals the sum of the discarded eigenvalues of C over tr C."""
    xc = x - x.mean(axis=0)
    return float(((xc - y_pca @ np.linalg.pinv(y_pca) @ xc) ** 2).sum(1).mean()) / total_var


def train_autoencoder(
    x: np.ndarray, latent_dim: int, *, hidden, epochs, batch_size, lr, seed, device, latent="euclidean"
):
    """A small MLP AutoEncoder z = G_phi(x), x_hat = H_theta(z) fitted by Adam on the mean squared reconstruction
    error (``aevq.models.mlp_ae``; torch is imported here, not with this module)."""
    from aevq.models.mlp_ae import MLPAutoencoder

    ae = MLPAutoencoder(x.shape[1], latent_dim, tuple(hidden), latent=latent, seed=seed, device=device)
    return ae.fit(x, epochs=epochs, batch_size=batch_size, lr=lr)


def longest_detour(d_x: np.ndarray, d_g: np.ndarray) -> tuple[int, int]:
    """The pair (i, j) whose geodesic distance D_G exceeds its straight-line distance D_X the most (Fig 7 A/B)."""
    i, j = np.unravel_index(np.argmax(d_g - d_x), d_g.shape)
    return int(i), int(j)


def embedding_quality(
    x: np.ndarray, t: np.ndarray, embeddings: dict[str, tuple[np.ndarray, np.ndarray]], d_g: np.ndarray, k: int
) -> list[dict]:
    """One row per 2-D embedding ``name -> (Y, D_M)``: trustworthiness at K neighbours, |Spearman(Y_1, t)| and the
    best over Y's columns, the residual variance 1 - R^2(D_M, D_Y) against the method's own D_M and against D_G."""
    return [
        {
            "method": name,
            "trustworthiness": trustworthiness(x, y, k),
            "spearman_first": spearman_abs(y[:, 0], t),
            "spearman_best": max(spearman_abs(y[:, c], t) for c in range(y.shape[1])),
            "residual_variance_d2": residual_variance(d_m, y),
            "residual_variance_d2_vs_geodesic": residual_variance(d_g, y),
        }
        for name, (y, d_m) in embeddings.items()
    ]


def subset_indices(labels: np.ndarray, digit: int | None, n: int) -> np.ndarray:
    """The first n indices (in the given order) with label ``digit``, or of any label when digit is None."""
    idx = np.arange(len(labels)) if digit is None else np.flatnonzero(labels == digit)
    return idx[:n]


# ----------------------------------------------------------------------------------------------- the flow
def circle_experiment(x: np.ndarray, *, hidden, epochs, batch_size, lr, seed, device) -> tuple[dict, dict]:
    """The circle: C against 1/2 I, PCA with d = 1, and the two 1-D AEs (seeds seed + 10, seed + 11).

    Returns (metrics without the claims, arrays for the figure)."""
    measures = circle_covariance(x)
    total_var = measures["total_variance"]
    x_pca = pca_reconstruction(x, 1)
    models, recons, codes = {}, {}, {}
    fvu = {"pca_d1": fraction_of_variance_left(x, x_pca, total_var)}
    for i, latent in enumerate(CIRCLE_LATENTS):
        ae = train_autoencoder(
            x,
            1,
            hidden=hidden,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            seed=seed + 10 + i,
            device=device,
            latent=latent,
        )
        recons[latent], codes[latent] = ae.reconstruct(x), ae.encode(x)[:, 0]
        fvu[f"ae_{latent}_d1"] = fraction_of_variance_left(x, recons[latent], total_var)
        models[latent] = ae
    measures["fvu"] = fvu
    # the decoded curve: the angle code swept over one period, the Euclidean code over its observed range
    sweep = {
        "angle": np.linspace(-np.pi, np.pi, CURVE_POINTS),
        "euclidean": np.linspace(codes["euclidean"].min(), codes["euclidean"].max(), CURVE_POINTS),
    }
    arrays = {"cov": measures["covariance"], "x_pca": x_pca}
    arrays.update({f"x_ae_{lat}": recons[lat] for lat in CIRCLE_LATENTS})
    arrays.update({f"z_{lat}": codes[lat] for lat in CIRCLE_LATENTS})
    arrays.update({f"curve_{lat}": models[lat].decode(sweep[lat][:, None]) for lat in CIRCLE_LATENTS})
    arrays.update({f"loss_{lat}": np.array(models[lat].history_) for lat in CIRCLE_LATENTS})
    return measures, arrays


def second_order_view(x: np.ndarray) -> dict:
    """All that PCA (and a linear AE) sees of the points ``x`` (N, D): Sigma_x = (1/N) sum_i (x_i - mean)(x_i - mean)^T,
    the correlation matrix, the largest |off-diagonal correlation| and the eigenvalues of Sigma_x (largest first)
    with their shares of the total variance (equal shares: no preferred direction)."""
    xc = np.asarray(x, dtype=np.float64) - x.mean(axis=0)
    cov = xc.T @ xc / len(xc)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    evals = np.linalg.eigvalsh(cov)[::-1]
    return {
        "covariance": cov.tolist(),
        "correlation": corr.tolist(),
        "max_abs_correlation": float(np.abs(corr - np.diag(np.diag(corr))).max()),
        "eigenvalues": evals.tolist(),
        "variance_share": (evals / evals.sum()).tolist(),
    }


def swissroll_experiment(
    x: np.ndarray, t: np.ndarray, *, k: int, max_dim: int, ae: dict, seed, device
) -> tuple[dict, dict]:
    """The Swiss roll: D_X against D_G (and the pair that differs most), residual variance against d = 1..max_dim,
    the 2-D embeddings of PCA, classical MDS on D_X, Isomap (ours and scikit-learn's) and a 2-D MLP AE (seed
    seed + 10; ``ae``: hidden, epochs, batch_size, lr), and each embedding's quality.

    Returns (metrics without the claims, arrays for the figures)."""
    from sklearn.manifold import Isomap

    d_x = euclidean_distances(x)
    d_g, pred = geodesic_distances(x, k, return_predecessors=True)
    if not np.all(np.isfinite(d_g)):
        raise RuntimeError(f"the K={k} neighbourhood graph of the Swiss roll is disconnected; raise k or n")
    i, j = longest_detour(d_x, d_g)
    path = graph_path(pred, i, j)

    # residual variance against dimension (D_M = D_X for PCA and MDS, D_G for Isomap, as in the paper)
    curves = residual_variance_curves(x, k=k, dims=range(1, max_dim + 1))
    if curves["n_used"] != len(x):
        raise RuntimeError(f"residual variance used {curves['n_used']} of {len(x)} points; the graph is connected")

    y_pca = pca_scores(x, 2)
    y_mds, mds_evals = classical_mds(d_x, 2)
    y_iso_own, iso_evals = classical_mds(d_g, 2)
    # scikit-learn's Isomap (ARPACK) starts from the global NumPy state: the script seeds it, and nothing here draws
    # from it before this call
    y_iso = Isomap(n_neighbors=k, n_components=2).fit_transform(x)
    model = train_autoencoder(
        x,
        2,
        hidden=ae["hidden"],
        epochs=ae["epochs"],
        batch_size=ae["batch_size"],
        lr=ae["lr"],
        seed=seed + 10,
        device=device,
    )
    y_ae, x_ae = model.encode(x), model.reconstruct(x)
    total_var = total_variance(x)

    embeddings = {
        "PCA": (y_pca, d_x),
        "classical MDS (D_X)": (y_mds, d_x),
        ISO_OWN: (y_iso_own, d_g),
        ISO_SKLEARN: (y_iso, d_g),
        AE_NAME: (y_ae, d_g),
    }
    measures = {
        "second_order": second_order_view(x),
        "pair": {
            "i": i,
            "j": j,
            "euclidean": float(d_x[i, j]),
            "geodesic": float(d_g[i, j]),
            "path_nodes": int(len(path)),
        },
        "curves": curves,
        "quality": embedding_quality(x, t, embeddings, d_g, k),
        "mds_eigenvalues": mds_evals,
        "isomap_eigenvalues": iso_evals,
        "ae": {
            "fvu": fraction_of_variance_left(x, x_ae, total_var),
            "pca_d2_fvu": pca_scores_fraction_left(x, y_pca, total_var),
            "final_loss": model.history_[-1],
            "epochs": ae["epochs"],
        },
    }
    arrays = {
        "pair": np.array([i, j]),
        "path": path,
        "y_pca": y_pca,
        "y_mds": y_mds,
        "y_isomap": y_iso,
        "y_isomap_own": y_iso_own,
        "y_ae": y_ae,
        "x_ae": x_ae,
        "loss_ae": np.array(model.history_),
        "knn_edges": np.argwhere(sparse.triu(knn_graph(x, k), k=1).toarray() > 0),
    }
    return measures, arrays


def mnist_residual_experiment(
    x_train: np.ndarray, y_train: np.ndarray, *, digit: int | None, n: int, k: int, max_dim: int
) -> dict:
    """Residual variance against d = 1..max_dim for PCA, classical MDS and Isomap on the first n training images of
    ``digit`` (all digits when None), in float64 (the paper's Fig. 2D, with the differences in ``MNIST_NOTE``)."""
    idx = subset_indices(y_train, digit, n)
    curves = residual_variance_curves(x_train[idx].astype(np.float64), k=k, dims=range(1, max_dim + 1))
    return {"digit": digit, "n": int(len(idx)), "k": k, "curves": curves, "note": MNIST_NOTE}


# ----------------------------------------------------------------------------------------------- claims
def circle_claims(measures: dict) -> list[dict]:
    """The circle's two claims, from ``circle_experiment``'s measures: C = 1/2 I within N_SE standard errors, and
    the periodic 1-D AE leaves less variance than PCA with d = 1."""
    cov, se, n, fvu = measures["covariance"], measures["covariance_se"], measures["n"], measures["fvu"]
    return [
        claim(
            "The circle x = (cos t, sin t), t ~ U[0, 2π), has covariance ½ I: no preferred direction"
            " (max |C − ½ I| below 4 standard errors)",
            measures["covariance_max_abs_deviation"],
            "<",
            N_SE * se,
            "mathematics: E[cos² t] = E[sin² t] = ½, E[cos t sin t] = 0; each entry's standard error is √(1/(8N))",
            detail=f"N = {n}; SE = {se:.4f}; C = [[{cov[0, 0]:.4f}, {cov[0, 1]:.4f}], [., {cov[1, 1]:.4f}]]",
            kind="empirical",
            basis="mathematics",
            uncertainty=se,
        ),
        claim(
            "Yet one parameter describes it: a 1-D nonlinear AE (periodic decoder) leaves less variance than"
            " the best linear 1-D code, PCA with d = 1, which must leave half (ratio of the two residuals)",
            fvu["ae_angle_d1"] / fvu["pca_d1"],
            "<",
            1.0,
            "mathematics: PCA with d = 1 is the optimal linear 1-D code; its residual is the second eigenvalue,"
            " 1/2 of the total variance 1; lecture Ch. 3.3 (intrinsic dimension 1)",
            detail=(
                f"fraction of variance left: AE (angle code) {fvu['ae_angle_d1']:.2e}, PCA d=1 {fvu['pca_d1']:.3f};"
                f" a plain 1-D Euclidean code (must tear the circle) {fvu['ae_euclidean_d1']:.3f}"
            ),
            kind="empirical",
            basis="mathematics",
        ),
    ]


def swissroll_claims(measures: dict, k: int) -> list[dict]:
    """The Swiss roll's four claims, from ``swissroll_experiment``'s measures: Isomap's residual variance at d = 2
    is small and PCA's large (the paper's Fig. 2), Isomap's first coordinate recovers t and PCA's does not."""
    curves = measures["curves"]
    q = {row["method"]: row for row in measures["quality"]}
    return [
        claim(
            f"On the Swiss roll Isomap's residual variance at d = 2 is below {TENENBAUM2000_ISOMAP_RV_D2_MAX}",
            curves["isomap"][1],
            "<",
            TENENBAUM2000_ISOMAP_RV_D2_MAX,
            TENENBAUM2000,
            detail=f"1 − R²(D_G, D_Y), our Isomap (classical MDS on D_G); scikit-learn's Isomap:"
            f" {q[ISO_SKLEARN]['residual_variance_d2']:.4f}",
            kind="empirical",
            basis="paper",
        ),
        claim(
            f"On the Swiss roll PCA's residual variance at d = 2 is above {TENENBAUM2000_PCA_RV_D2_MIN}: the curled"
            " sheet hides from the covariance",
            curves["pca"][1],
            ">",
            TENENBAUM2000_PCA_RV_D2_MIN,
            TENENBAUM2000,
            detail=f"1 − R²(D_X, D_Y) as in the paper's Fig. 2 (classical MDS on D_X gives the same:"
            f" {curves['mds'][1]:.4f}); against the graph distances D_G PCA's is"
            f" {curves['pca_vs_geodesic'][1]:.3f}",
            kind="empirical",
            basis="paper",
        ),
        claim(
            f"Isomap recovers the roll's coordinate t: |Spearman(first Isomap coordinate, t)| > {RECOVERS_T}",
            q[ISO_SKLEARN]["spearman_first"],
            ">",
            RECOVERS_T,
            "lecture Ch. 3.3, Fig 7 (Isomap unfolds the roll); 'recovers' read as a rank correlation with t"
            f" above {RECOVERS_T}",
            detail=f"scikit-learn Isomap, K = {k}; ours: {q[ISO_OWN]['spearman_first']:.4f}",
            kind="empirical",
            basis="lecture",
        ),
        claim(
            f"PCA does not recover the roll's coordinate t: |Spearman(first PC, t)| ≤ {RECOVERS_T}",
            q["PCA"]["spearman_first"],
            "<=",
            RECOVERS_T,
            "lecture Ch. 3.3, Fig 6 (uncorrelated, yet intrinsic dimension 2)",
            detail=f"best of PCA's two coordinates: {q['PCA']['spearman_best']:.3f}",
            kind="empirical",
            basis="lecture",
        ),
    ]


def summary_rows(measures: dict, circle_fvu: dict) -> list[dict]:
    """The chapter's two rows of the report's summary table: Isomap vs PCA on the Swiss roll, and the nonlinear AE
    on the circle (``circle_fvu``: the circle metrics' "fvu") and the Swiss roll."""
    curves, ae = measures["curves"], measures["ae"]
    q = {row["method"]: row for row in measures["quality"]}
    iso2, pca2 = curves["isomap"][1], curves["pca"][1]
    rho_iso, rho_pca = q[ISO_SKLEARN]["spearman_first"], q["PCA"]["spearman_first"]
    return [
        {
            "model": "Isomap vs PCA (Swiss roll)",
            "latent": "2",
            "how_trained": "closed form: K = 7 neighbour graph, shortest paths, classical MDS / SVD",
            "key_result": (
                f"residual variance of the distances, 1 − R², at d = 2 (Tenenbaum et al.'s measure): Isomap"
                f" {iso2:.4f} vs PCA {pca2:.3f}; |Spearman(coord 1, t)| Isomap {rho_iso:.3f} vs PCA {rho_pca:.3f}"
            ),
        },
        {
            "model": "nonlinear MLP AE (circle, Swiss roll)",
            "latent": "1 (circle, periodic decoder) / 2 (Swiss roll)",
            "how_trained": "backprop (Adam) on the mean squared reconstruction error",
            "key_result": (
                f"circle: 1-D code leaves {circle_fvu['ae_angle_d1']:.1e} of the variance vs PCA d=1"
                f" {circle_fvu['pca_d1']:.3f}; Swiss roll: share of the variance its reconstruction leaves"
                f" {ae['fvu']:.3f} (PCA d=2's reconstruction: {ae['pca_d2_fvu']:.3f}; a different measure from the"
                f" residual variance of the distances), trustworthiness {q[AE_NAME]['trustworthiness']:.3f},"
                f" best |Spearman(coord, t)| {q[AE_NAME]['spearman_best']:.3f}"
            ),
        },
    ]
