"""Build results/data/mnist.npz from the configured source and record which source and digest were used."""

from aevq.claims import claim
from aevq.data.mnist import MNIST_SHA256, MNIST_TEST_SHA256, build_mnist, save_mnist
from aevq.runtime import snakemake_job, write_json

with snakemake_job(snakemake):
    # Where the bytes come from is read from the config here, not passed as params: every source must give the
    # same SHA-256-checked bytes, so changing a mirror or the source is not a reason to rebuild anything.
    where = snakemake.config["data"]["mnist"]
    arrays = build_mnist(
        where["source"], cache_dir=snakemake.params.cache_dir, mirrors=where["mirrors"], timeout=where["timeout_s"]
    )
    save_mnist(arrays, snakemake.output.npz)
    digest = arrays.sha256()
    write_json(
        {
            "source": arrays.source,
            "sha256": digest,
            "expected_sha256": MNIST_SHA256,
            "test_sha256": arrays.test_sha256(),
            "n_train": int(arrays.x_train.shape[0]),
            "n_test": int(arrays.x_test.shape[0]),
            "claims": [
                claim(
                    "The offline package and the official download give the same MNIST bytes (SHA-256 of the"
                    " uint8 arrays equals the reference digest)",
                    digest == MNIST_SHA256,
                    "==",
                    True,
                    "exact equality; reference digest in aevq.data.mnist.MNIST_SHA256",
                    detail=f"source {arrays.source}; sha256 {digest[:16]}...",
                ),
                claim(
                    "The test split equals the official t10k IDX files byte for byte",
                    arrays.test_sha256() == MNIST_TEST_SHA256,
                    "==",
                    True,
                    "exact equality with the digest of the official t10k-*-ubyte.gz contents",
                ),
            ],
        },
        snakemake.output.metrics,
    )
