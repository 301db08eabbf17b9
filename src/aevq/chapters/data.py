"""Ch. 1, the data: which MNIST bytes every chapter reads, and the two claims that they are the official ones."""

from __future__ import annotations

from aevq.claims import claim
from aevq.data.mnist import MNIST_SHA256, MNIST_TEST_SHA256, MnistArrays


def data_metrics(arrays: MnistArrays, *, expected: str = MNIST_SHA256, expected_test: str = MNIST_TEST_SHA256) -> dict:
    """Where the bytes came from, their digests and the claims: the whole set equals the reference digest (so the
    offline package and the official download are the same bytes), and the test split equals the official t10k
    files. ``expected`` / ``expected_test``: the reference digests (the library's own unless a test passes others)."""
    digest, test_digest = arrays.sha256(), arrays.test_sha256()
    return {
        "source": arrays.source,
        "sha256": digest,
        "expected_sha256": expected,
        "test_sha256": test_digest,
        "n_train": int(arrays.x_train.shape[0]),
        "n_test": int(arrays.x_test.shape[0]),
        "claims": [
            claim(
                "The offline package and the official download give the same MNIST bytes (SHA-256 of the"
                " uint8 arrays equals the reference digest)",
                digest == expected,
                "==",
                True,
                "exact equality; reference digest in aevq.data.mnist.MNIST_SHA256",
                detail=f"source {arrays.source}; sha256 {digest[:16]}...",
                kind="identity",
                basis="mathematics",
            ),
            claim(
                "The test split equals the official t10k IDX files byte for byte",
                test_digest == expected_test,
                "==",
                True,
                "exact equality with the digest of the official t10k-*-ubyte.gz contents",
                kind="identity",
                basis="mathematics",
            ),
        ],
    }
