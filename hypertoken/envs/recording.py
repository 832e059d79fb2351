"""Writing environment episodes to Chronicle files that ``hypertoken replay`` plays back.

An adapter built with ``record=True`` (or ``record="some/dir"``, or ``recorder=``) plays on
a recording :class:`~hypertoken.engine.LocalEngine`: every move is also written, unsigned,
to a local Chronicle. When an episode ends (or is cut short by ``reset`` or ``close``) its
recorder saves it as one file, ``<env id>-<episode number>-<seed>.chronicle``, in its
directory; ``hypertoken replay FILE`` then reaches the state hash the episode ended with.

>>> import tempfile, pathlib
>>> rec = Recorder(tempfile.mkdtemp())
>>> rec.paths
[]
"""

from __future__ import annotations

import os
from pathlib import Path

from hypertoken.engine import LocalEngine

__all__ = ["DEFAULT_DIRECTORY", "Recorder", "recorder_for"]

#: Where ``record=True`` writes (relative to the working directory).
DEFAULT_DIRECTORY = "recordings"


class Recorder:
    """Saves each episode of a recording engine to ``directory`` (created on first use).

    :attr:`paths` lists the files written, oldest first.
    """

    def __init__(self, directory: str | os.PathLike[str] = DEFAULT_DIRECTORY) -> None:
        self.directory = Path(directory)
        #: Every file this recorder wrote.
        self.paths: list[Path] = []
        self._count = 0

    def save(self, engine: LocalEngine, seed: int) -> Path:
        """Write ``engine``'s episode (seeded with ``seed``) and return the file's path."""
        chronicle = engine.chronicle
        if chronicle is None:
            raise ValueError("the engine does not record: build it with record=True")
        engine.flush()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._count += 1
        name = f"{engine.game.info.env_id}-{self._count:06d}-{seed}.chronicle"
        path = self.directory / name
        chronicle.save_file(path)
        self.paths.append(path)
        return path

    def __repr__(self) -> str:
        return f"Recorder({str(self.directory)!r}, {len(self.paths)} files)"


def recorder_for(
    record: bool | str | os.PathLike[str], recorder: Recorder | None
) -> Recorder | None:
    """The recorder an adapter's ``record=`` and ``recorder=`` arguments ask for."""
    if recorder is not None:
        if not isinstance(recorder, Recorder):
            raise TypeError(f"recorder= takes a hypertoken.envs.Recorder, not {recorder!r}")
        return recorder
    if record is False or record is None:
        return None
    if record is True:
        return Recorder()
    if isinstance(record, (str, os.PathLike)):
        return Recorder(record)
    raise TypeError(f"record= takes True, False or a directory, not {record!r}")
