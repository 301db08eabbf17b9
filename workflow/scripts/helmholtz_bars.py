"""Online wake-sleep on the 4x4 bars of Hinton et al. (1995), all seeds side by side
(aevq.chapters.helmholtz_bars.run_bars); save its metrics and claims and the arrays the figures draw."""

from tqdm.auto import tqdm

from aevq.chapters.helmholtz_bars import run_bars
from aevq.runtime import save_npz, snakemake_job, write_json

with snakemake_job(snakemake):
    doc, arrays = run_bars(
        snakemake.params.cfg,
        snakemake.params.seed,
        progress=lambda it: tqdm(it, desc="examples", mininterval=10.0, miniters=10000),
    )
    save_npz(snakemake.output.arrays, **arrays)
    write_json(doc, snakemake.output.metrics)
