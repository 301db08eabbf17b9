"""Train the deterministic Helmholtz machine of Dayan et al. (1995) on the exact shifter distribution over seeds
(aevq.chapters.helmholtz_shifter.run_deterministic); save its metrics and claims and the arrays the figures draw."""

from tqdm.auto import tqdm

from aevq.chapters.helmholtz_shifter import run_deterministic
from aevq.runtime import save_npz, snakemake_job, start_torch_job, write_json

with snakemake_job(snakemake):
    start_torch_job(snakemake.params.seed, "cpu", threads=snakemake.threads)  # the models draw from their own streams
    doc, arrays = run_deterministic(
        snakemake.params.cfg, snakemake.params.seed, progress=lambda it: tqdm(it, desc="seeds", mininterval=10.0)
    )
    save_npz(snakemake.output.arrays, **arrays)
    write_json(doc, snakemake.output.metrics)
