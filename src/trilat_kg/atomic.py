"""Write a file so that readers see either the old contents or the new, never a mixture.

rdflib's ``serialize(destination=...)`` writes in place: a serialiser that fails half-way, a
full disk or a Ctrl-C leaves a truncated file that often still parses, and a symlinked
target gets its *target* overwritten (reference/bad-inputs.md rows 23-29). Every output of
trilat-kg therefore goes through :func:`write_atomic`:

1. the target is checked first (folder exists and is writable, target is not a directory,
   not a symlink unless asked), so a bad path fails before any work is done;
2. the bytes go to a uniquely named temporary file ``.NAME.XXXX.tmp`` in the target folder
   (same file system, so the rename is atomic), which is flushed and ``fsync``-ed;
3. ``os.replace`` puts it in place and the folder is ``fsync``-ed so the rename survives a
   crash;
4. on any failure, ``KeyboardInterrupt`` included (and SIGTERM or SIGHUP, which the
   command line turns into one, see :mod:`trilat_kg.signals`), the temporary file is
   removed and the target is left exactly as it was. Those signals are held back while the
   temporary file is created and named, so none can arrive between the two and orphan it.

Temporary files orphaned by a killed run (SIGKILL cannot be caught) are removed by the next
write to the same target once they are older than :data:`STALE_AFTER` seconds.

Existing character devices and FIFOs (``/dev/stdout``, ``/dev/null``, a named pipe) cannot
be replaced by a rename; they are written to directly, since that is what a user naming them
wants and there is no file contents to protect.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import LocalIOError

__all__ = ["STALE_AFTER", "check_target", "is_device", "write_atomic"]

#: Seconds after which a leftover ``.NAME.*.tmp`` beside the target counts as orphaned.
#: Generous, so that a concurrent run still writing its temporary file is never touched.
STALE_AFTER = 15 * 60

_NO_SPACE = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}

Writer = Callable[[BinaryIO], None]


def is_device(path: Path) -> bool:
    """True for an existing character device or FIFO, which a rename cannot replace."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def check_target(path: Path, *, follow_symlinks: bool = False) -> Path:
    """Check that ``path`` can be written and return the path that will actually be written.

    Raises :class:`LocalIOError` naming the path when the folder is missing or read-only,
    the target is a directory, or the target is a symlink and ``follow_symlinks`` is off.
    With ``follow_symlinks`` the link is resolved and its final target is written (the link
    itself is kept). Called by :func:`write_atomic`, and by exporters *before* they load
    and serialise anything, so that a bad path costs nothing.
    """
    path = Path(path)
    try:
        if path.is_symlink():
            if not follow_symlinks:
                raise LocalIOError(
                    f"{path}: is a symbolic link; refusing to overwrite its target "
                    "(pass --follow-symlinks to write through it)"
                )
            path = Path(os.path.realpath(path))
        path = path.absolute()
        if is_device(path):
            return path
        folder = path.parent
        if not folder.exists():
            raise LocalIOError(f"{path}: folder {folder} does not exist")
        if not folder.is_dir():
            raise LocalIOError(f"{path}: {folder} is not a folder")
        if path.is_dir():
            raise LocalIOError(f"{path}: is a directory")
        if path.exists() and not path.is_file():
            raise LocalIOError(f"{path}: not a regular file")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise LocalIOError(f"{path}: folder {folder} is not writable")
    except OSError as exc:  # ELOOP on a symlink loop, EACCES on a parent folder ...
        raise LocalIOError(f"{path}: {exc.strerror or exc}") from exc
    return path


def _umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _clean_stale(folder: Path, name: str) -> None:
    """Remove temporary files of earlier runs that were killed before they could clean up."""
    cutoff = time.time() - STALE_AFTER
    for leftover in folder.glob(f".{glob.escape(name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; some file systems cannot open or sync a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _io_error(path: Path, exc: OSError) -> LocalIOError:
    if exc.errno in _NO_SPACE:
        return LocalIOError(f"no space left on device: {path}")
    return LocalIOError(f"{path}: {exc.strerror or exc}")


def _emit(fh: BinaryIO, data: bytes | Writer) -> None:
    if callable(data):
        data(fh)
    else:
        fh.write(data)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back SIGINT, SIGTERM and SIGHUP for the block (delivered when it ends)."""
    import signal

    held = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - no sigmask here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_atomic(path: Path, data: bytes | Writer, *, follow_symlinks: bool = False) -> None:
    """Write ``data`` (bytes, or a callable that writes to a binary file) to ``path`` atomically.

    Either the whole of the new contents ends up at ``path``, or ``path`` is left exactly as
    it was (absent, or with its old bytes) and no temporary file remains. Concurrent writers
    to one path each use their own temporary file; the last rename wins and the result is
    always one complete file. A symlinked ``path`` is refused unless ``follow_symlinks``,
    in which case the resolved path is written and the link kept.

    Raises :class:`LocalIOError` (exit code 4) for a bad target, which is checked before
    ``data`` is called, and for a full disk ("no space left on device: PATH").
    """
    target = check_target(path, follow_symlinks=follow_symlinks)
    if is_device(target):
        try:
            with open(target, "wb") as fh:
                _emit(fh, data)
        except OSError as exc:
            raise _io_error(target, exc) from exc
        return

    folder = target.parent
    _clean_stale(folder, target.name)
    tmp: Path | None = None
    try:
        with _signals_held():
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                            dir=folder)
            tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as fh:
            _emit(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; give the file the mode a plain open() would have, or keep
        # the mode of the file being replaced.
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if isinstance(exc, OSError):
            raise _io_error(target, exc) from exc
        raise
    _fsync_dir(folder)
