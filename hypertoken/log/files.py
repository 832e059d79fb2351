"""Chronicle files: the saved form of a chronicle, read as hostile input, and written
crash-safely.

A file is one msgpack map ``{format, config, epochs, sum}``: the file format tag, the
room's :meth:`~hypertoken.log.config.RoomConfig.encode` bytes, ``[[epoch number, Automerge
document bytes], ...]`` in epoch order, and a BLAKE2b checksum of the documents (against
corruption, not against an attacker: every document is then inspected against its
genesis by :meth:`hypertoken.log.chronicle.Chronicle.load`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence

import msgpack

from hypertoken.log.config import RoomConfig
from hypertoken.log.errors import ChronicleError

FILE_FORMAT = "hypertoken.chronicle-file/2"

__all__ = ["FILE_FORMAT", "checksum", "pack_file", "unpack_file", "write_atomic"]


def pack_file(config: RoomConfig, numbers: Sequence[int], docs: Sequence[bytes]) -> bytes:
    """The file bytes of these epoch documents."""
    out: bytes = msgpack.packb(
        {
            "format": FILE_FORMAT,
            "config": config.encode(),
            "epochs": [[e, d] for e, d in zip(numbers, docs, strict=True)],
            "sum": checksum(list(docs)),
        }
    )
    return out


def unpack_file(
    data: object, expect: RoomConfig | None = None
) -> tuple[RoomConfig, list[tuple[int, bytes]]]:
    """The config and the (epoch, document bytes) pairs of a file; anything malformed, or
    a room other than ``expect``, raises :class:`ChronicleError` saying what.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise ChronicleError(f"chronicle data is bytes, not {type(data).__name__}")
    try:
        top = msgpack.unpackb(bytes(data), raw=False)
    except Exception:  # msgpack raises several types for truncated or bad data
        raise ChronicleError("not a chronicle file (bad or truncated msgpack)") from None
    if not isinstance(top, dict) or top.get("format") != FILE_FORMAT:
        raise ChronicleError(f"not a {FILE_FORMAT} file")
    pairs = top.get("epochs")
    if (
        not isinstance(pairs, list)
        or not pairs
        or not all(
            isinstance(p, list)
            and len(p) == 2
            and type(p[0]) is int
            and p[0] >= 0
            and isinstance(p[1], bytes)
            for p in pairs
        )
    ):
        raise ChronicleError("chronicle file holds no epochs")
    numbers = [p[0] for p in pairs]
    if numbers != sorted(set(numbers)):
        raise ChronicleError("chronicle file lists its epochs out of order or twice")
    docs = [p[1] for p in pairs]
    if top.get("sum") != checksum(docs):
        raise ChronicleError("chronicle file is corrupt (checksum mismatch)")
    config = RoomConfig.decode(top.get("config"))
    if expect is not None and expect != config:
        raise ChronicleError("the file belongs to another room or config than expected")
    return config, list(zip(numbers, docs, strict=True))


def checksum(docs: list[bytes]) -> bytes:
    """The file checksum of a list of documents."""
    h = hashlib.blake2b(digest_size=16)
    for d in docs:
        h.update(len(d).to_bytes(8, "big"))
        h.update(d)
    return h.digest()


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file:
    write a temp file beside it, fsync it, rename it over, then fsync the directory.
    """
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        # A failure before the rename leaves the old file untouched; remove our temp file.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable; not possible on every platform
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
