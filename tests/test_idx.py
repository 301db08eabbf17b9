import gzip

import numpy as np
import pytest

from aevq.data.idx import IdxFormatError, parse_idx, read_idx


def test_official_test_images_parse(t10k_dir):
    images = read_idx(t10k_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(t10k_dir / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,)
    # the first test labels and the class histogram, as published with MNIST
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert images.max() == 255 and images.min() == 0


def test_roundtrip_small_array():
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 8, 3]) + np.array([2, 3, 4], dtype=">u4").tobytes() + arr.tobytes()
    np.testing.assert_array_equal(parse_idx(raw), arr)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x00\x00", "too short"),
        (b"\x01\x00\x08\x01" + b"\x00\x00\x00\x01" + b"\x05", "bad magic"),
        (b"\x00\x00\x0d\x01" + b"\x00\x00\x00\x01" + b"\x05", "not unsigned byte"),
        (b"\x00\x00\x08\x01" + b"\x00\x00\x00\x05" + b"\x05", "truncated or corrupt"),
    ],
)
def test_malformed_headers_are_rejected(raw, message):
    with pytest.raises(IdxFormatError, match=message):
        parse_idx(raw)


def test_truncated_gzip_says_download_again(t10k_dir, tmp_path):
    data = (t10k_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()
    cut = tmp_path / "t10k-labels-idx1-ubyte.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(IdxFormatError, match="download it again"):
        read_idx(cut)


def test_uncompressed_file(tmp_path, t10k_dir):
    raw = gzip.decompress((t10k_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (tmp_path / "labels.idx").write_bytes(raw)
    assert read_idx(tmp_path / "labels.idx")[:3].tolist() == [7, 2, 1]
