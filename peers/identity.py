"""A peer's persistent Ed25519 identity, kept in its data directory.

The key file ``identity.key`` holds the 32-byte private seed in hex, created with mode
0600 and refused if anyone but its owner may read it. The peer id derives from the public
key (:func:`hypertoken.log.identity.peer_id_of`), which is what the relay's ``hello`` and
every signed entry check, so a restarted daemon is the same peer with the same seats.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hypertoken.log.identity import Identity

__all__ = ["KEY_FILE", "IdentityError", "load_identity"]

KEY_FILE = "identity.key"


class IdentityError(RuntimeError):
    """The key file is unreadable, malformed or readable by others."""


def load_identity(data_dir: Path) -> Identity:
    """This peer's identity from ``data_dir`` (created on first use, mode 0600)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        identity = Identity.generate()
        with os.fdopen(fd, "w") as f:
            f.write(identity.private_bytes().hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        return identity
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise IdentityError(
            f"{path} may be read by others (mode {stat.filemode(mode)}): "
            f"run chmod 600 {path}, since whoever reads it can play as this peer"
        )
    try:
        seed = bytes.fromhex(path.read_text().strip())
        return Identity.from_seed(seed)
    except (OSError, ValueError) as exc:
        raise IdentityError(f"{path} is not a HyperToken key file: {exc}") from None
