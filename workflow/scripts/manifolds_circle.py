"""The circle t ~ U[0, 2*pi), x = (cos t, sin t): covariance 1/2 I, yet one parameter describes it (Ch. 3.3)."""

from aevq.chapters.manifolds import circle_claims, circle_experiment
from aevq.data.synthetic import circle
from aevq.runtime import save_npz, snakemake_job, start_torch_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    x, t = circle(p.n, seed=p.seed)
    measures, arrays = circle_experiment(
        x, hidden=p.hidden, epochs=p.epochs, batch_size=p.batch_size, lr=p.lr, seed=p.seed, device=device
    )
    save_npz(snakemake.output.npz, x=x, t=t, **arrays)
    write_json({**measures, "claims": circle_claims(measures)}, snakemake.output.metrics)
