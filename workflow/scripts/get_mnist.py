"""Build results/data/mnist.npz from the configured source and record which source and digest were used."""

from aevq.chapters.data import data_metrics
from aevq.data.mnist import build_mnist, save_mnist
from aevq.runtime import snakemake_job, write_json

with snakemake_job(snakemake):
    # Where the bytes come from is read from the config here, not passed as params: every source must give the
    # same SHA-256-checked bytes, so changing a mirror or the source is not a reason to rebuild anything.
    where = snakemake.config["data"]["mnist"]
    arrays = build_mnist(
        where["source"], cache_dir=snakemake.params.cache_dir, mirrors=where["mirrors"], timeout=where["timeout_s"]
    )
    save_mnist(arrays, snakemake.output.npz)
    write_json(data_metrics(arrays), snakemake.output.metrics)
