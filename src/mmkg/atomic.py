"""Writes that either complete or leave nothing behind."""

from __future__ import annotations

import glob
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _target(path: Path | str) -> Path:
    """The regular file a write replaces: a symlink is followed (the link is kept), anything
    that is not a regular file (a device, a FIFO, a directory) is refused."""
    from mmkg.errors import InputError

    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    if target.exists() and not target.is_file():
        raise InputError(f"{path}: not a regular file; give a file path to write to")
    if target.parent.exists() and not target.parent.is_dir():
        raise InputError(f"{path}: {target.parent} is not a folder")
    return target


def _sweep(target: Path) -> None:
    """Remove the temporary files of earlier writes to ``target`` whose process has ended."""
    for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        pid = part.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            try:
                part.unlink()
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def atomic_writer(path: Path | str, *, binary: bool = False) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and move it into place only on success.

    ``"-"`` writes to standard output instead. The temporary file's name carries the writer's
    process id, so a write that was killed leaves a file the next write to the same path removes.
    """
    if str(path) == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    target = _target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        handle: Any
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text(path: Path | str, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)


def write_bytes(path: Path | str, data: bytes) -> None:
    with atomic_writer(path, binary=True) as handle:
        handle.write(data)
