"""Train one learner (wake-sleep, reweighted wake-sleep or exact ML) with one top size over seeds, on the shift
patterns (aevq.chapters.helmholtz.run_learner); save its runs' metrics and the arrays the figures draw."""

from tqdm.auto import tqdm

from aevq.chapters.helmholtz import run_learner
from aevq.runtime import save_npz, snakemake_job, start_torch_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    start_torch_job(p.seed, "cpu", threads=snakemake.threads)  # the models draw from their own streams
    doc, arrays = run_learner(
        p.helmholtz,
        p.learner,
        int(snakemake.wildcards.top),
        p.settings,
        p.seed,
        progress=lambda it, desc: tqdm(it, desc=desc, mininterval=10.0),
    )
    save_npz(snakemake.output.arrays, **arrays)
    write_json(doc, snakemake.output.metrics)
