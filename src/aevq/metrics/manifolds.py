"""Geometry of curved manifolds: kNN graphs, geodesic distances, classical MDS, Isomap and their quality scores.

Isomap (Tenenbaum, de Silva & Langford, Science 2000) in three steps:

1. the neighbourhood graph G: each point joined to its K nearest neighbours, edges weighted by Euclidean length;
2. geodesic distances D_G: shortest paths in G (``scipy.sparse.csgraph.shortest_path``);
3. classical MDS on D_G: B = -1/2 J D_G^2 J with J = I - 11^T / N; the d-dim embedding is
   Y = V_d Lambda_d^{1/2} from the d largest eigenpairs of B.

On Euclidean distances D_X classical MDS gives the PCA scores (same B = J X X^T J, up to signs); on D_G it "unfolds"
a curved sheet that PCA, which sees only the covariance, cannot.

The residual variance of an embedding Y is 1 - R^2(D_M, D_Y), R the linear correlation over all pairs between the
algorithm's estimate D_M of the manifold's distances and the Euclidean distances D_Y in the embedding (Tenenbaum et
al., Fig. 2: D_M = D_G for Isomap, D_M = D_X for PCA and MDS).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path
from scipy.spatial.distance import pdist, squareform

from aevq.metrics.pca import PCA


def knn_graph(x: np.ndarray, k: int) -> csr_matrix:
    """Symmetric K-nearest-neighbour graph: i~j if j is among i's K nearest or i among j's; weight = ||x_i - x_j||."""
    from sklearn.neighbors import kneighbors_graph

    g = kneighbors_graph(np.asarray(x, dtype=np.float64), n_neighbors=k, mode="distance", include_self=False)
    return g.maximum(g.T).tocsr()


def largest_component(graph: csr_matrix) -> np.ndarray:
    """Indices of the points in the largest connected component of ``graph`` (Isomap embeds one component)."""
    _, labels = connected_components(graph, directed=False)
    biggest = np.argmax(np.bincount(labels))
    return np.flatnonzero(labels == biggest)


def geodesic_distances(
    x: np.ndarray, k: int, *, return_predecessors: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """D_G: shortest-path lengths in the K-nearest-neighbour graph (inf between disconnected components).

    With ``return_predecessors`` also the predecessor matrix, to draw a path with :func:`graph_path`.
    """
    graph = knn_graph(x, k)
    return shortest_path(graph, method="D", directed=False, return_predecessors=return_predecessors)


def graph_path(predecessors: np.ndarray, i: int, j: int) -> np.ndarray:
    """The node sequence of the shortest path from i to j (both included) from a predecessor matrix."""
    path = [j]
    while path[-1] != i:
        prev = predecessors[i, path[-1]]
        if prev < 0:
            raise ValueError(f"no path between {i} and {j}")
        path.append(prev)
    return np.array(path[::-1])


def euclidean_distances(x: np.ndarray) -> np.ndarray:
    """D_X: the full matrix of Euclidean distances between rows of x."""
    return squareform(pdist(np.asarray(x, dtype=np.float64)))


def classical_mds(d: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Classical (Torgerson) MDS of a distance matrix: returns (Y of shape (N, n_components), top eigenvalues of B).

    B = -1/2 J D^2 J, Y = V_d Lambda_d^{1/2} (negative eigenvalues, from non-Euclidean D, clipped to 0). Each column's
    sign is fixed so that its largest-magnitude entry is positive (deterministic output). The eigenvalues returned
    are the max(n_components, 10) largest, in decreasing order.
    """
    d = np.asarray(d, dtype=np.float64)
    if not np.all(np.isfinite(d)):
        raise ValueError("classical MDS needs finite distances (is the neighbourhood graph connected?)")
    n = d.shape[0]
    d2 = d**2
    b = -0.5 * (d2 - d2.mean(axis=0, keepdims=True) - d2.mean(axis=1, keepdims=True) + d2.mean())
    m = min(n, max(n_components, 10))  # only the top eigenpairs are needed: much faster than a full eigh
    evals, evecs = eigh(b, subset_by_index=[n - m, n - 1])
    order = np.argsort(evals)[::-1]
    evals, evecs = evals[order], evecs[:, order]
    y = evecs[:, :n_components] * np.sqrt(np.clip(evals[:n_components], 0.0, None))
    return _fix_signs(y), evals


def pca_scores(x: np.ndarray, n_components: int) -> np.ndarray:
    """The first ``n_components`` principal-component scores (X - mean) V_d, with the same sign convention."""
    return _fix_signs(PCA(n_components).fit(x).encode(x))


def _fix_signs(y: np.ndarray) -> np.ndarray:
    idx = np.argmax(np.abs(y), axis=0)
    signs = np.sign(y[idx, np.arange(y.shape[1])])
    signs[signs == 0] = 1.0
    return y * signs


def residual_variance(d_manifold: np.ndarray, y: np.ndarray) -> float:
    """1 - R^2 between the upper triangle of ``d_manifold`` and the pairwise Euclidean distances of embedding ``y``."""
    d_manifold = np.asarray(d_manifold, dtype=np.float64)
    iu = np.triu_indices(d_manifold.shape[0], k=1)
    dy = pdist(np.asarray(y, dtype=np.float64).reshape(d_manifold.shape[0], -1))
    r = np.corrcoef(d_manifold[iu], dy)[0, 1]
    return float(1.0 - r**2)


def residual_variance_curves(
    x: np.ndarray, k: int, dims: range | list[int] = range(1, 11)
) -> dict[str, list[float] | list[int] | int]:
    """Residual variance against dimension for PCA, classical MDS (on D_X) and Isomap (classical MDS on D_G).

    Only the largest connected component of the K-NN graph is used (its size is returned as ``n_used``). Also returns
    PCA's residual variance measured against D_G (``pca_vs_geodesic``), i.e. how far PCA is from the manifold's own
    distances.
    """
    x = np.asarray(x, dtype=np.float64)
    n_total = x.shape[0]
    keep = largest_component(knn_graph(x, k))
    x = x[keep]
    dims = list(dims)
    dmax = max(dims)
    d_x = euclidean_distances(x)
    d_g = shortest_path(knn_graph(x, k), method="D", directed=False)
    y_pca = pca_scores(x, dmax)
    y_mds, _ = classical_mds(d_x, dmax)
    y_iso, _ = classical_mds(d_g, dmax)
    return {
        "dims": dims,
        "n_used": int(len(keep)),
        "n_total": int(n_total),
        "pca": [residual_variance(d_x, y_pca[:, :d]) for d in dims],
        "mds": [residual_variance(d_x, y_mds[:, :d]) for d in dims],
        "isomap": [residual_variance(d_g, y_iso[:, :d]) for d in dims],
        "pca_vs_geodesic": [residual_variance(d_g, y_pca[:, :d]) for d in dims],
    }


def spearman_abs(code: np.ndarray, t: np.ndarray) -> float:
    """|Spearman rank correlation| between one embedding coordinate and the intrinsic parameter t."""
    from scipy.stats import spearmanr

    return float(abs(spearmanr(code, t).statistic))


def trustworthiness(x: np.ndarray, y: np.ndarray, n_neighbors: int) -> float:
    """scikit-learn's trustworthiness (Venna & Kaski): 1 = no false neighbours in the embedding."""
    from sklearn.manifold import trustworthiness as _tw

    return float(_tw(x, y, n_neighbors=n_neighbors))
