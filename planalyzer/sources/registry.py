"""Which source module reads which file: ``--source NAME``, a folder's layout, or its content.

Resolution order for each path the user named:

1. ``--source NAME`` given: folders are expanded by that module (a batch source knows its
   layout, e.g. ``projects/**/*.jsonl``); files are read by it whatever their content.
2. A folder a batch source claims by layout (a Claude Code config folder holding ``projects/``,
   a Codex home holding ``sessions/``, or a folder of users' such folders) is expanded by it;
   a folder of users' folders is read whole (the files beside the users' folders by content),
   and a walk of any other folder hands such subfolders (hidden ones too) to their source.
3. Any other file is detected from its first bytes (``Source.sniff``, in ``MODULES`` order);
   what no module recognises is read by the generic tabular reader.

Detection reads a few kilobytes of a file only when the manifest says it is new or changed.
"""

from __future__ import annotations

import glob
import os
import stat
from functools import cache
from pathlib import Path

from planalyzer.errors import ConfigError, InputError
from planalyzer.sources import files as source_files
from planalyzer.sources.base import UTF8_BOM, Source, read_head
from planalyzer.sources.files import SourceFile
from planalyzer.sources.folder_memo import FolderMemo
from planalyzer.sources.homes import Homes
from planalyzer.sources.layouts import HIDDEN_TOOL_FOLDERS, LAYOUT_NAMES, TOOL_SUBFOLDERS

GENERIC = "tabular"


@cache
def modules() -> tuple[Source, ...]:
    """All source modules, in detection order (the generic tabular reader last)."""
    from planalyzer.sources.anthropic_usage import AnthropicUsage
    from planalyzer.sources.claude_code import ClaudeCode
    from planalyzer.sources.codex import Codex
    from planalyzer.sources.helicone import Helicone
    from planalyzer.sources.langfuse import Langfuse
    from planalyzer.sources.litellm import LiteLLM, LiteLLMDaily
    from planalyzer.sources.openai_usage import OpenAIUsage
    from planalyzer.sources.openrouter import OpenRouter
    from planalyzer.sources.tabular import Tabular

    return (ClaudeCode(), Codex(), OpenAIUsage(), AnthropicUsage(), OpenRouter(), LiteLLM(),
            LiteLLMDaily(), Helicone(), Langfuse(), Tabular())


def names() -> list[str]:
    return [m.name for m in modules()]


def get(name: str) -> Source:
    for m in modules():
        if m.name == name:
            return m
    raise ConfigError(f"--source {name!r}: unknown source; use one of {', '.join(names())}")


def _matches(spec: str, broken: list[str] | None) -> list[Path]:
    source_files.check_spec(spec)
    if source_files.is_glob(spec):
        found = [Path(m) for m in sorted(glob.glob(spec, recursive=True))]
        if not found:
            raise InputError(f"{spec}: the glob matches no files; check the pattern")
        dangling = [str(p.absolute()) for p in found if not p.exists()]
        if dangling and broken is None:
            raise InputError(f"{dangling[0]}: a symbolic link whose target does not exist; "
                             "remove the link or restore its target")
        if dangling and broken is not None:
            broken.extend(d for d in dangling if d not in broken)
        return [p for p in found if p.exists()]
    p = Path(spec).expanduser()
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(f"{spec}: no such file or folder; check the path") from None
    except PermissionError:
        raise InputError(f"{spec}: cannot be read (permission denied on it or a folder above "
                         "it): check the permissions") from None
    except OSError as exc:
        raise InputError(f"{spec}: cannot be read ({exc.strerror or exc}); check the "
                         "path") from None
    kind = source_files.not_regular(st.st_mode)
    if kind is not None:  # /dev/stdin, <(zcat ...): read once, never again
        raise InputError(f"{spec}: {kind}, not a file or folder; write it to a file first "
                         "(planalyzer reads files it can re-read and hash) and load that")
    if stat.S_ISDIR(st.st_mode):
        try:
            os.scandir(p).close()
        except PermissionError:
            raise InputError(f"{spec}: a folder that cannot be listed (permission denied): "
                             "check its permissions") from None
        except OSError:
            pass
    return [p]


def resolve(specs: list[str], source: str | None = None,
            input_format: str | None = None, memo: FolderMemo | None = None,
            broken: list[str] | None = None,
            passed: list[str] | None = None,
            homes: Homes | None = None) -> list[SourceFile]:
    """Expand paths, folders and globs into distinct files, each tagged with its source module
    where the folder layout or ``--source`` says (otherwise ``identify`` decides later). A
    folder is read whole: transcript folders inside it by their layout, the other files by
    content; a transcript tool's own folder without transcripts is passed over and said in
    ``passed`` ('FOLDER: why').
    ``memo``: remembered folder listings (a --db store's), used and updated by batch sources'
    folder walks. A symbolic link found in a folder whose target does not exist is passed
    over and its path added to ``broken`` (given None: an error naming it). ``homes``: the
    single users' transcript folders expanded, with their files (planalyzer.sources.homes)."""
    if not specs:
        raise InputError("no sources given: name log files, folders or globs "
                         "(for example: planalyzer load 'exports/*.parquet')")
    forced = get(source) if source else None
    seen: dict[str, SourceFile] = {}
    for spec in specs:
        for m in _matches(spec, broken):
            for f in _expand(m, forced, input_format, memo, broken, passed, homes):
                # a walk read each file's size and mtime (None: it could not); a file found
                # otherwise is stat'ed by the load, which a dangling link would fail
                if f.stat is None and _passed_over(f.key, passed):
                    continue
                if f.stat is None and not os.path.exists(f.key):
                    if broken is None:
                        raise InputError(f"{f.key}: a symbolic link whose target does not "
                                         "exist; remove the link or restore its target")
                    if f.key not in broken:
                        broken.append(f.key)
                    continue
                seen.setdefault(f.key, f)  # the key is the resolved path as a string
    if passed:  # a linked subfolder whose target is named too is read: no note
        named = [Path(s).expanduser().resolve() for s in specs if source_files.is_folder(
            Path(s).expanduser())]
        passed[:] = [p for p in passed if not _read_anyway(p, named)]
    return [seen[k] for k in sorted(seen)]


def _read_anyway(note: str, named: list[Path]) -> bool:
    target = source_files.linked_folder(note)
    return target is not None and any(target.is_relative_to(n) for n in named)


def _passed_over(key: str, passed: list[str] | None) -> bool:
    """Whether a file a transcript walk found (but could not stat as a file) is not a regular
    file (a pipe named x.jsonl, which would block the load on opening it): passed over and
    added to ``passed``."""
    try:
        kind = source_files.not_regular(os.stat(key).st_mode)
    except OSError:
        return False
    if kind is None:
        return False
    if passed is not None:
        passed.append(f"{key}: {kind}, not a regular file; copy its content to a file to "
                      "load it")
    return True


def _expand(path: Path, forced: Source | None, input_format: str | None,
            memo: FolderMemo | None, broken: list[str] | None,
            passed: list[str] | None = None, homes: Homes | None = None) -> list[SourceFile]:
    if path.is_dir():
        claimers = ([forced] if forced is not None and forced.batch else
                    [] if forced is not None else
                    [m for m in modules() if m.batch and m.claims_folder(path)])
        if claimers:
            found = [f for m in claimers for f in m.expand(path.resolve(), path.resolve(), memo)]
            if not found:
                names_ = ", ".join(m.name for m in claimers)
                raise InputError(f"{path}: no {names_} log files found in this folder; "
                                 "point at the folder that holds projects/ or sessions/")
            if forced is not None or _tool_folder(path):
                # the tool's own folder: its other files are its settings; a folder that
                # holds the hidden .claude/ or .codex/ (a home folder) is not read whole
                # either, but log files beside it are named, not silently passed over
                if forced is None and passed is not None:
                    passed.extend(_beside_hidden_tool(path))
                if passed is not None:
                    passed.extend(n for m in claimers for n in m.not_named(path))
                if homes is not None:  # one user's folder: its files are its home's
                    homes.add(path, found)
                return found
            # a folder of users' folders: the files beside them are read as well (each
            # user's folder was read, by its layout, whole); where the files found are not
            # transcripts (JSON-lines exports in some projects/ folder), content decides
            if _transcripts(found):
                return found + _walk(path, input_format, memo, broken, passed, users_of=path,
                                     homes=homes)
    if forced is not None and forced.batch:
        return [SourceFile(path.resolve(), "jsonl", forced.name)]
    if forced is not None:
        files = source_files.resolve([str(path)], input_format, broken, passed=passed)
        return [SourceFile(f.path, f.format, forced.name) for f in files]
    return _walk(path, input_format, memo, broken, passed, homes=homes)


def _tool_folder(path: Path) -> bool:
    """A transcript tool's own folder (a Claude Code config folder, a Codex home), or the
    projects/ or sessions/ folder inside one."""
    return (path.name in TOOL_SUBFOLDERS
            or any(m.batch and m.owns_folder(path) for m in modules()))


def _beside_hidden_tool(path: Path) -> list[str]:
    """'FILE: why' for the log files directly in ``path`` when it holds a hidden .claude/,
    .config/claude/ or .codex/ and is not itself a tool folder (a home folder with an export
    beside them)."""
    hidden = [h for h in HIDDEN_TOOL_FOLDERS if source_files.is_folder(path / h)]
    if not hidden or any(source_files.is_folder(path / d) for d in TOOL_SUBFOLDERS):
        return []  # a tool's own folder: the files beside projects/ are its settings
    return [f"{p}: a log file beside {' and '.join(hidden)}/ (a folder holding a tool's "
            "hidden folder is read for its transcripts only)"
            for p in sorted(path.iterdir())
            if p.is_file() and not p.name.startswith(".")
            and (source_files.format_of(p) is not None)]


def _transcripts(files: list[SourceFile], sample: int = 5) -> bool:
    """Whether the files a transcript source's layout found inside a larger folder are its
    transcripts: of each source's first few files, one whose first bytes it recognises (or
    all empty)."""
    by_source: dict[str, list[SourceFile]] = {}
    for f in files:
        if f.source is not None:
            by_source.setdefault(f.source, []).append(f)
    for name, found in by_source.items():
        heads = [sniff_head(f.path) for f in found[:sample]]
        if any(h.strip() for h in heads) and not any(
                get(name).sniff(f.path, h) for f, h in zip(found, heads, strict=False)
                if h.strip()):
            return False
    return True


class _EntryNames:
    """Each folder's entry names, listed once per walk: whether a folder may be laid out as a
    transcript tool's (its name, its entries or its subfolders' entries among LAYOUT_NAMES)
    is then one listing per folder, where the sources' own checks stat several paths for each
    subfolder (a hive tree of 6,300 folders: 1.36 s to resolve, against 0.41 s before the
    walk asked at all)."""

    def __init__(self) -> None:
        self._seen: dict[str, frozenset[str]] = {}
        self._dirs: dict[str, tuple[str, ...]] = {}

    def _list(self, folder: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            entries = []
        self._seen[folder] = frozenset(e.name for e in entries)
        # subfolders as the sources' checks see them (a link to a folder counts)
        self._dirs[folder] = tuple(e.path for e in entries if _is_dir(e))

    def may_be_tool_layout(self, folder: Path) -> bool:
        key = str(folder)
        if folder.name in LAYOUT_NAMES:
            return True
        if key not in self._seen:
            self._list(key)
        if self._seen[key] & LAYOUT_NAMES:
            return True
        for child in self._dirs[key]:
            if child not in self._seen:
                self._list(child)
            if self._seen[child] & LAYOUT_NAMES:
                return True
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _walk(path: Path, input_format: str | None, memo: FolderMemo | None,
          broken: list[str] | None, passed: list[str] | None,
          users_of: Path | None = None, homes: Homes | None = None) -> list[SourceFile]:
    """The log files under ``path`` (a file: itself). A subfolder laid out as a transcript
    source's (a Claude Code config folder, a Codex home, a folder of users' such folders;
    hidden or not) is read by that source, as if named; one of a tool's own folders without
    transcripts is passed over and added to ``passed``. ``users_of``: a folder of users'
    folders already read; its users' folders are passed over silently."""
    claimed: list[SourceFile] = []
    names = _EntryNames()

    def prune(folder: Path) -> int | None:
        if not names.may_be_tool_layout(folder):
            return None  # no folder of a transcript tool here: the walk goes in (cheaply)
        if users_of is not None and folder.parent == users_of and _tool_folder(folder):
            return 0
        if any(m.batch and m.claims_folder(folder) for m in modules()):
            said = len(homes.found) if homes is not None else 0
            files = _expand(folder, None, input_format, memo, broken, passed, homes)
            if not _transcripts(files):  # a projects/ folder of JSON-lines exports, say:
                if homes is not None:  # not a user's transcripts after all
                    del homes.found[said:]
                if folder.name.startswith("."):  # a walk never enters a hidden folder
                    if passed is not None:
                        passed.append(f"{folder}: a hidden folder whose files are not "
                                      "transcripts")
                    return 0
                return None  # the walk goes in and content decides
            claimed.extend(files)
            return len(files)
        owners = [m.name for m in modules() if m.batch and m.owns_folder(folder)]
        if owners:
            if passed is not None:
                passed.append(f"{folder}: a {' or '.join(owners)} folder (it holds "
                              "projects/ or sessions/) without transcripts")
            return 0
        return None

    files = source_files.resolve([str(path)], input_format, broken, prune,
                                 empty_ok=users_of is not None, passed=passed)
    return files + claimed


def sniff_head(path: Path) -> bytes:
    """The file's first bytes as the sources' ``sniff`` sees them: decompressed, without a
    UTF-8 byte-order mark (a file saved by a Windows tool is the same export)."""
    return read_head(path).removeprefix(UTF8_BOM)


def _parquet_header(path: Path) -> bytes:
    """A parquet file's column names as a CSV header line, so sniffers treat both alike."""
    import pyarrow.parquet as pq

    try:
        names_ = pq.read_schema(path).names
    except (OSError, ValueError):
        return b""
    return ",".join(names_).encode() + b"\n"


def identify(src: SourceFile) -> tuple[SourceFile, Source]:
    """The module that reads ``src``: the one it is tagged with, or the first whose sniff
    recognises its content, or the generic tabular reader."""
    if src.source is not None:
        return src, get(src.source)
    head = _parquet_header(src.path) if src.format == "parquet" else sniff_head(src.path)
    for m in modules():
        if m.name != GENERIC and m.sniff(src.path, head):
            return SourceFile(src.path, src.format, m.name, src.user_id, src.stat), m
    return SourceFile(src.path, src.format, GENERIC, src.user_id, src.stat), get(GENERIC)


def detect(path: Path) -> Source:
    """The module content detection picks for the file at ``path`` (as without --source)."""
    fmt = source_files.format_of(path) or "jsonl"
    return identify(SourceFile(path, fmt))[1]


def read_user_map(path: str | Path) -> dict[str, str]:
    """A TOML ``[users]`` table: folder name = "user id", for a folder of users' folders."""
    path = Path(path)
    from planalyzer.strict_toml import read_toml

    doc = read_toml(path, hint="check the --user-map path", what="user map file")
    users = doc.get("users")
    if set(doc) != {"users"} or not isinstance(users, dict):
        raise ConfigError(f"{path}: expected only a [users] table of folder = \"user id\"")
    for folder, uid in users.items():
        if not isinstance(uid, str) or not uid.strip():
            raise ConfigError(f"{path}: users.{folder} must be a non-empty string (a user id)")
    return {str(k): str(v) for k, v in users.items()}
