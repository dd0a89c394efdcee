"""Resolve what the user named (files, folders, globs, hive-partitioned folders) into files."""

from __future__ import annotations

import glob
import os
import shlex
import stat as stat_mod
from collections.abc import Callable
from pathlib import Path

from planalyzer.errors import InputError

# Extension -> reader format. CSV and JSON lines compressed with gzip or zstd are read by
# DuckDB directly.
_TEXT_FORMATS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
                 ".json": "jsonl"}
_FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    **_TEXT_FORMATS,
    **{ext + z: fmt for ext, fmt in _TEXT_FORMATS.items() for z in (".gz", ".zst")},
}
_BY_LENGTH = sorted(_FORMATS, key=len, reverse=True)
# compressions DuckDB cannot read: a log file in one is an error saying so, never passed over
_UNREADABLE_COMPRESSION = {".bz2": "bzip2", ".xz": "xz", ".lzma": "lzma", ".zip": "zip",
                           ".7z": "7z", ".lz4": "lz4", ".br": "brotli", ".z": "compress",
                           ".rar": "rar"}


# formats a load reads once into a temp table before projecting them (Store._load_one,
# sql/stage_source.sql): text, parsed and decompressed once instead of once per statement
STAGED_FORMATS = frozenset({"csv", "jsonl"})


class SourceFile:
    """One log file to load: its absolute path, reader format, source module and user.

    A value (compared and hashed by its fields; never changed after it is made: plain slots,
    since a frozen class costs 4x the time to make, and a folder walk makes thousands). A walk
    may give the path as a string with the file's size and mtime already read (``stat``): the
    ``Path`` is then made only when the file is read, so an unchanged file of a --db reload
    costs neither a Path nor a second stat.
    """

    __slots__ = ("_path", "format", "key", "source", "stage", "stat", "user_id")

    key: str  # the file's identity in events.source and the manifest: its absolute path
    format: str  # parquet | csv | jsonl
    source: str | None  # source module (planalyzer.sources.registry); None: detect
    user_id: str | None  # user the file belongs to, when its folder says (batch sources)
    stat: tuple[int, int] | None  # (size in bytes, mtime in ns) when the walk read them
    stage: str | None  # temp table holding the file's rows while a load reads it (staged())
    _path: Path | None

    def __init__(self, path: Path | str, format: str, source: str | None = None,
                 user_id: str | None = None, stat: tuple[int, int] | None = None) -> None:
        """``path``: absolute and resolved (a ``str`` is taken as is, unparsed)."""
        if isinstance(path, Path):
            self.key, self._path = str(path), path
        else:
            self.key, self._path = path, None
        self.format = format
        self.source = source
        self.user_id = user_id
        self.stat = stat
        self.stage = None

    def staged(self, table: str) -> SourceFile:
        """This file, its rows already read into the temp table ``table`` (a text file is
        parsed once per load: planalyzer.sources.tabular reads the table instead)."""
        copy = SourceFile(self.key, self.format, self.source, self.user_id, self.stat)
        copy._path = self._path
        copy.stage = table
        return copy

    @property
    def path(self) -> Path:
        p = self._path
        if p is None:
            p = self._path = Path(self.key)
        return p

    def _ident(self) -> tuple[str, str, str | None, str | None]:
        return (self.key, self.format, self.source, self.user_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceFile) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())

    def __repr__(self) -> str:
        return (f"SourceFile(path={self.key!r}, format={self.format!r}, "
                f"source={self.source!r}, user_id={self.user_id!r})")


def format_of(path: Path) -> str | None:
    ext = log_suffix(path)
    return None if ext is None else _FORMATS[ext]


def log_suffix(path: Path) -> str | None:
    """The log-file extension ending the file's name, lower case (``.csv.gz``, ``.parquet``);
    None where it has none."""
    name = path.name.lower()
    return next((ext for ext in _BY_LENGTH if name.endswith(ext)), None)


def unreadable_compression(path: Path) -> str | None:
    """The name of the compression of a log file DuckDB cannot read (``usage.csv.bz2``:
    'bzip2'; a ``.zip`` of anything: 'zip'); None for any other file."""
    name = path.name.lower()
    stem, dot, ext = name.rpartition(".")
    kind = _UNREADABLE_COMPRESSION.get(dot + ext)
    if kind is None or not stem or format_of(Path(stem)) is None:
        return None
    return kind


# A DuckDB database file (a --db store) starts with an 8-byte header checksum, then these
# magic bytes (DuckDB's MainHeader MAGIC_BYTE_OFFSET and MAGIC_BYTES, which DuckDB's own
# src/storage/magic_bytes.cpp checks; so do the stores DuckDB 2.0 writes)
_DUCKDB_MAGIC = b"DUCK"
_DUCKDB_MAGIC_AT = 8


def is_duckdb_file(path: Path) -> bool:
    """Whether ``path`` is a regular file holding a DuckDB database (its magic bytes, whatever
    its name); False where it cannot be read (and for a pipe, never opened)."""
    try:
        if not stat_mod.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as fh:
            head = fh.read(_DUCKDB_MAGIC_AT + len(_DUCKDB_MAGIC))
    except OSError:
        return False
    return head[_DUCKDB_MAGIC_AT:] == _DUCKDB_MAGIC


def store_error(path: Path | str) -> InputError | None:
    """The error for a DuckDB database (a planalyzer store) named as a log source: it is read
    with --db, not as a log file; None where ``path`` is no DuckDB file."""
    if not is_duckdb_file(Path(path)):
        return None
    shown = str(path)
    return InputError(f"{shown}: a planalyzer store (a DuckDB file), not a log file: read it "
                      f"with --db {shlex.quote(shown)}")


def _compression_error(path: Path, kind: str) -> InputError:
    return InputError(f"{path}: {kind}-compressed, which planalyzer cannot read (it reads CSV "
                      "and JSON lines plain, gzip'd .gz or zstd .zst): decompress it, or "
                      "re-compress it with gzip or zstd, and load that")


def _files_under(folder: Path, prune: Callable[[Path], int | None] | None = None,
                 taken: list[int] | None = None,
                 passed: list[str] | None = None) -> list[Path]:
    """The log files under ``folder``, not in hidden folders. ``prune``: asked of each
    subfolder (hidden ones too) before the walk enters it; a count (of the files it read
    there some other way, added to ``taken``) keeps the walk out of it; None lets it in.
    A subfolder that cannot be listed (no permission), and one that is a symbolic link to a
    folder outside ``folder`` (not entered: a link may loop, or repeat another folder), is
    passed over and added to ``passed`` ('FOLDER: why; what to do')."""
    found: list[Path] = []
    top = folder.resolve()

    def unlisted(exc: OSError) -> None:
        if passed is not None and exc.filename is not None:
            why = exc.strerror or type(exc).__name__
            passed.append(f"{exc.filename}: a folder that cannot be listed ({why.lower()}); "
                          "check its permissions")

    for root, dirs, files in os.walk(folder, onerror=unlisted):
        if prune is not None:
            kept = []
            for d in sorted(dirs):
                n = prune(Path(root) / d)
                if n is None:
                    kept.append(d)
                elif taken is not None:
                    taken.append(n)
            dirs[:] = kept
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if passed is not None:
            for d in dirs:
                _linked_folder(Path(root) / d, top, passed)
        for f in sorted(files):
            p = Path(root) / f
            if not f.startswith(".") and (format_of(p) is not None
                                          or unreadable_compression(p) is not None):
                found.append(p)
    return found


def _linked_folder(path: Path, top: Path, passed: list[str]) -> None:
    """Add a note to ``passed`` where ``path``, a subfolder the walk found, is a symbolic link
    to a folder outside the folder walked (``top``, resolved): os.walk does not enter it. A
    link into the walked folder (a loop, say) is passed over silently: its files are read
    where they are."""
    if not os.path.islink(path):
        return
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a loop of links, say: nothing to read
        return
    if target.is_relative_to(top) or top.is_relative_to(target):
        return
    passed.append(f"{path}{_LINKED}{target}{_NOT_ENTERED}")


_LINKED = ": a symbolic link to a folder ("
_NOT_ENTERED = ("), which a walk does not enter (a link may loop or repeat another folder); "
                "name that folder as a source too to read it")


def linked_folder(note: str) -> Path | None:
    """The folder a 'passed over' note of a linked subfolder (``_linked_folder``) names as
    the link's target; None for any other note."""
    _link, sep, rest = note.partition(_LINKED)
    if not sep or not rest.endswith(_NOT_ENTERED):
        return None
    return Path(rest[:-len(_NOT_ENTERED)])


def is_folder(path: Path) -> bool:
    """``path.is_dir()``, False where it cannot be told (no permission on the folder above:
    such a folder is passed over, as os.walk passes over one it cannot list)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def list_folder(folder: Path) -> list[Path]:
    """The folder's entries, sorted; none where it cannot be listed (as os.walk does)."""
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def not_regular(mode: int) -> str | None:
    """What a path that is neither a regular file nor a folder is ('a named pipe (FIFO)', a
    socket, a device), from its ``st_mode``; None for a regular file or a folder."""
    if stat_mod.S_ISREG(mode) or stat_mod.S_ISDIR(mode):
        return None
    if stat_mod.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat_mod.S_ISSOCK(mode):
        return "a socket"
    if stat_mod.S_ISCHR(mode) or stat_mod.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def is_glob(spec: str) -> bool:
    """Is ``spec`` a pattern? Not when a file or folder of that very name exists ('usage
    [2026-10].csv' names a file, not a character class)."""
    return glob.has_magic(spec) and not os.path.lexists(os.path.expanduser(spec))


def check_spec(spec: str) -> None:
    """An empty path would name the working folder (``Path("")`` is ``.``): refuse it."""
    if not spec.strip():
        raise InputError(f"{spec!r}: empty source path; name a log file, folder or glob "
                         "(is a shell variable in the command unset?)")


def resolve(specs: list[str], fmt: str | None = None,
            broken: list[str] | None = None,
            prune: Callable[[Path], int | None] | None = None,
            empty_ok: bool = False, passed: list[str] | None = None) -> list[SourceFile]:
    """Expand paths, folders and globs into a sorted list of distinct log files.

    ``fmt`` forces a format (parquet, csv, jsonl) for files whose extension does not say.
    Raises InputError naming the spec when it matches nothing usable. A symbolic link whose
    target does not exist (found in a folder or by a glob) is passed over and its path added to
    ``broken``; given None, it is an error naming the link. ``prune``: see ``_files_under``
    (files it read count as found); ``empty_ok``: finding nothing is no error. What is not a
    regular file (a pipe, a socket, a device: opening one may block), and a folder that cannot
    be listed, are passed over and added to ``passed`` ('PATH: why; what to do').
    """
    if not specs:
        raise InputError("no sources given: name log files, folders or globs "
                         "(for example: planalyzer load 'exports/*.parquet')")
    seen: dict[Path, SourceFile] = {}
    for spec in specs:
        check_spec(spec)
        if is_glob(spec):
            matches = [Path(m) for m in sorted(glob.glob(spec, recursive=True))]
            if not matches:
                raise InputError(f"{spec}: the glob matches no files; check the pattern")
        else:
            p = Path(spec)
            if not p.exists():
                raise InputError(f"{spec}: no such file or folder; check the path")
            matches = [p]
        paths: list[Path] = []
        taken: list[int] = []
        named: set[Path] = set()  # files named or globbed, not found in a folder
        for m in matches:
            if m.is_dir():
                paths.extend(_files_under(m, prune, taken, passed))
            else:
                paths.append(m)
                named.add(m)
        usable = sum(taken)
        for p in paths:
            kind = unreadable_compression(p)
            if kind is not None and fmt is None:
                raise _compression_error(p, kind)
            f = fmt or format_of(p)
            if f is None:
                continue
            if fmt is not None and p in named and (store := store_error(p)) is not None:
                raise store  # --input-format would read a --db store as a log file
            usable += 1
            try:
                mode: int | None = os.stat(p).st_mode
            except FileNotFoundError:
                mode = None
            except OSError:
                mode = stat_mod.S_IFREG  # no permission, say: the load says why it fails
            if mode is not None and not_regular(mode) is not None:
                # a pipe named x.jsonl would block the load forever on opening it
                if passed is not None:
                    passed.append(f"{p.absolute()}: {not_regular(mode)}, not a regular file; "
                                  "copy its content to a file to load it")
                continue
            if mode is None:  # a dangling symbolic link (a named path was checked above)
                link = str(p.absolute())
                if broken is None:
                    raise InputError(f"{link}: a symbolic link whose target does not exist; "
                                     "remove the link or restore its target")
                if link not in broken:
                    broken.append(link)
                continue
            rp = p.resolve()
            seen.setdefault(rp, SourceFile(rp, f))
        if usable == 0 and not empty_ok:
            archive = _UNREADABLE_COMPRESSION.get(Path(spec).suffix.lower())
            if archive is not None and len(paths) == 1:
                raise _compression_error(paths[0], archive)
            for p in paths:  # a --db store named as a source (usage.duckdb): said so
                if p in named and (store := store_error(p)) is not None:
                    raise store
            kinds = ", ".join(sorted(_FORMATS))
            raise InputError(f"{spec}: no log files found (looked for {kinds}); "
                             "point at the export folder or name --input-format")
    return sorted(seen.values(), key=lambda s: s.key)
