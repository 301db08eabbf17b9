"""Reader for the IDX format of the official MNIST files (LeCun, Cortes & Burges).

An IDX file is a big-endian header -- two zero bytes, a type code (0x08 = unsigned byte) and the number of
dimensions -- followed by one uint32 size per dimension and the data in C order.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

UBYTE = 0x08


class IdxFormatError(ValueError):
    """The bytes are not a well-formed IDX file of unsigned bytes."""


def parse_idx(raw: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Decode the (uncompressed) bytes of an IDX file into a uint8 array of the declared shape."""
    if len(raw) < 4:
        raise IdxFormatError(f"{source}: {len(raw)} bytes is too short for an IDX header")
    if raw[0] != 0 or raw[1] != 0:
        raise IdxFormatError(f"{source}: bad magic number {raw[:4].hex()} (expected 0000 08 nn)")
    if raw[2] != UBYTE:
        raise IdxFormatError(f"{source}: data type 0x{raw[2]:02x} is not unsigned byte (0x08)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxFormatError(f"{source}: truncated header ({len(raw)} bytes, need {header})")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if len(raw) - header != expected:
        raise IdxFormatError(
            f"{source}: header declares shape {shape} ({expected} bytes) but {len(raw) - header} bytes follow"
            " -- the file is truncated or corrupt; delete it and download it again"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or not."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:  # gzip raises these on a truncated or corrupt stream
        raise IdxFormatError(f"{path}: cannot decompress ({exc}); delete it and download it again") from exc
    return parse_idx(raw, source=str(path))
