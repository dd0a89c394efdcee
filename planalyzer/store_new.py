"""A new --db file, made and unmade without touching another process's store.

An empty file given as --db (``touch``, ``mktemp``) is removed so that DuckDB creates the
store in its place, but only while this process holds the lock DuckDB takes on its files:
the empty file may be the one another process's DuckDB has just created. A store this
process created is removed again (or emptied, when it was given empty) when the command
fails before a load committed anything to it; not when another process has opened it since
(it holds the lock, or the file changed), nor while another connection of this process has
it open."""

from __future__ import annotations

import errno
import os
import sys
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

# the --db files this process's Stores hold open (resolved paths), with how many Stores
_OPEN: Counter[Path] = Counter()


@dataclass(frozen=True)
class NewFile:
    """A store file this process created: its inode, and whether it was given empty."""

    path: Path
    inode: tuple[int, int]  # (st_dev, st_ino) once DuckDB made it
    was_empty: bool


def held(path: Path) -> None:
    _OPEN[path.resolve()] += 1


def released(path: Path) -> None:
    key = path.resolve()
    _OPEN[key] -= 1
    if _OPEN[key] <= 0:
        del _OPEN[key]


def is_new(path: Path | None, read_only: bool) -> bool | None:
    """Before the connect: None when the store would not be new (in memory, read-only, a
    file with bytes); else whether the file is there (an empty file) or not (False)."""
    if path is None or read_only:
        return None
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    except OSError:
        return None
    return True if size == 0 else None


def created(path: Path, was_empty: bool) -> NewFile | None:
    """The file DuckDB has just created at ``path`` (this process holds its lock); a --db
    given as a symbolic link to a file not there yet names the file made at its target (a
    failed command removes that file, never the link)."""
    try:
        real = path.resolve()
        st = real.stat()
    except OSError:
        return None
    return NewFile(real, (st.st_dev, st.st_ino), was_empty)


class _Held(Exception):
    """Another process holds the file's lock."""


def _locked(path: Path) -> int:
    """A descriptor of ``path`` holding the lock DuckDB takes on its files (fcntl,
    exclusive); _Held when another process holds it; OSError when it cannot be opened for
    writing. Without fcntl (Windows, where a file in use cannot be removed anyway): a plain
    descriptor."""
    fd = os.open(path, os.O_RDWR)
    if sys.platform != "win32":
        import fcntl

        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                os.close(fd)
                raise _Held from None
            # no locks here (some network file systems): as without fcntl
    return fd


def locked_elsewhere(path: Path) -> bool:
    """Whether another process holds ``path``'s lock (a DuckDB that has it open, perhaps
    still writing its first bytes)."""
    try:
        os.close(_locked(path))
    except _Held:
        return True
    except OSError:
        return False
    return False


def clear_empty(path: Path) -> bool:
    """Remove the empty file ``path`` so that DuckDB creates a store in its place; False when
    another process holds it (in use: it may be its DuckDB file, not yet written). A file that
    is gone, or no longer empty, is left to DuckDB. OSError: it cannot be removed."""
    try:
        fd = _locked(path)
    except _Held:
        return False
    except FileNotFoundError:
        return True
    except OSError:  # not writable: removed if its folder allows (as a file nobody holds)
        path.unlink(missing_ok=True)
        return True
    try:
        st, now = os.fstat(fd), path.stat()
        if st.st_size == 0 and (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino):
            path.unlink()
    except FileNotFoundError:
        pass  # gone meanwhile: DuckDB creates it
    finally:
        os.close(fd)
    return True


def discard(new: NewFile) -> None:
    """After the Store that created it closed: remove ``new``'s file (empty it again if it was
    given empty), only if it is still that file, no other connection of this process has it
    open, no other process holds it, and nothing beside it (a .wal) says another process
    wrote to it."""
    path = new.path
    if path.resolve() in _OPEN or path.with_name(path.name + ".wal").exists():
        return
    try:
        st = path.stat()
    except OSError:
        return
    if (st.st_dev, st.st_ino) != new.inode:
        return
    try:
        fd = _locked(path)
    except (_Held, OSError):
        return
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) != (
                st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
            return  # written to since it closed: another process's store now
        with suppress(OSError):
            if new.was_empty:
                os.ftruncate(fd, 0)
            else:
                path.unlink()
    finally:
        os.close(fd)
