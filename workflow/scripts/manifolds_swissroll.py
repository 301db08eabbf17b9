"""The Swiss roll (N = 1000, K = 7, Tenenbaum et al. 2000): geodesic vs Euclidean distance, PCA / MDS / Isomap /
nonlinear-AE embeddings, residual variance against dimension, and the chapter's main metrics (claims, summary)."""

from aevq.chapters.manifolds import summary_rows, swissroll_claims, swissroll_experiment
from aevq.data.synthetic import swiss_roll
from aevq.runtime import read_json, save_npz, snakemake_job, start_torch_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    # the seed is also the global NumPy state that scikit-learn's Isomap (ARPACK) starts from
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    x, t = swiss_roll(p.n, seed=p.seed, noise=p.noise)
    measures, arrays = swissroll_experiment(x, t, k=p.k, max_dim=p.max_dim, ae=p.ae, seed=p.seed, device=device)
    save_npz(snakemake.output.npz, x=x, t=t, **arrays)
    circle_fvu = read_json(snakemake.input.circle)["fvu"]
    write_json(
        {
            "n": p.n,
            "k": p.k,
            "noise": p.noise,
            "swiss_roll": "sklearn.datasets.make_swiss_roll(n, noise, random_state=seed)",
            **measures,
            "claims": swissroll_claims(measures, p.k),
            "summary_rows": summary_rows(measures, circle_fvu),
        },
        snakemake.output.metrics,
    )
