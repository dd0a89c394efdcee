"""The options a --db store read each file with, and the store's dedupe key.

A file in a store keeps the options it was read with: the manifest records them per file
(``load_manifest.read_options``, JSON), and every later read of the file (an unchanged file
read again for the dedupe, a transcript's appended lines, a changed file reloaded) uses them,
whatever the run that triggers it gives. For a changed file (all its rows are replaced) an
option given in this run replaces the recorded one. A row an older planalyzer wrote has no
options recorded: this run's are used, and a note says so.

An option is given when set, even at its default's value (``--timezone UTC``,
planalyzer.option_defaults). Notes name, with their values, the given options that differ
from those recorded for a changed file (they were used) or a kept one (they were not).

``--dedupe-on`` is a property of the whole store (``store_settings``): a load leaving it out
uses the recorded key; one giving another key is refused, since the rows kept so far were
chosen with the recorded one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import display_path
from planalyzer.errors import InputError
from planalyzer.schema import EVENT_COLUMN_NAMES
from planalyzer.sources.base import BatchItem, Source
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import MappingSpec

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

# the options read_options() names -> the fields of a record they set
_FIELDS = {"--timezone": ("timezone",), "--map/--mapping": ("map", "cache_read_in_input"),
           "--max-tokens": ("max_tokens",), "--input-format": ("input_format",),
           "--source": ("source",), "--user": ("user",), "--user-map": ("user",),
           "--bucket-prompt-tokens": ("bucket_prompt_tokens",)}


def file_user(src: SourceFile, module: Source, opts: LoadOptions) -> str | None:
    """The user a transcript file's rows get (batch sources); None for other files (their
    rows name their users)."""
    if not module.batch:
        return None
    from planalyzer.sources.claude_code import user_of

    return user_of(src, opts)


def record(opts: LoadOptions, user: str | None) -> dict[str, Any]:
    """The options a file is read with, as the manifest keeps them."""
    return {"timezone": str(opts.timezone), "map": dict(sorted(opts.mapping.explicit.items())),
            "cache_read_in_input": opts.mapping.input_includes_cache_read,
            "max_tokens": int(opts.max_tokens), "input_format": opts.input_format,
            "source": opts.source, "user": user,
            "bucket_prompt_tokens": int(opts.bucket_prompt_tokens)}


def encode(rec: dict[str, Any]) -> str:
    return json.dumps(rec, sort_keys=True)


class Records:
    """``record`` and its encodings, made once per options object and user in a load: a load
    of 5,900 transcripts reads them all with one ``LoadOptions``, and a ``json.dumps`` per
    file cost 40 ms of a 0.85 s load. Holds each options object, so its ``id`` is not reused
    while the load runs. The records it returns are shared: read them, never change them."""

    def __init__(self) -> None:
        self._made: dict[tuple[int, str | None],
                         tuple[LoadOptions, dict[str, Any], str, str]] = {}

    def get(self, opts: LoadOptions, user: str | None) -> tuple[dict[str, Any], str, str]:
        """The record of ``opts`` and ``user``, its JSON, and the JSON of all but the user."""
        made = self._made.get((id(opts), user))
        if made is None:
            rec = record(opts, user)
            made = (opts, rec, encode(rec),
                    encode({k: v for k, v in rec.items() if k != "user"}))
            self._made[(id(opts), user)] = made
        return made[1], made[2], made[3]


def decode(text: str | None) -> dict[str, Any] | None:
    """A manifest row's options; None when it has none (written by an older planalyzer)."""
    if not text:
        return None
    try:
        rec = json.loads(text)
    except ValueError:  # planalyzer writes JSON here: the table was edited or damaged
        raise InputError(f"the --db file's load_manifest holds read options that are not "
                         f"JSON ({text[:40]!r}): the file was edited or damaged; load the "
                         "files into a new --db file") from None
    return rec if isinstance(rec, dict) else None


def options_for(given: LoadOptions, rec: dict[str, Any], src: SourceFile,
                changed: bool) -> LoadOptions:
    """The options to read a file again with: the recorded ones; for a ``changed`` file (its
    rows all replaced) an option given in this run replaces the recorded one."""
    taken = {f for opt in given.read_options() for f in _FIELDS.get(opt, ())} \
        if changed else set()
    out = given
    if "timezone" not in taken:
        out = replace(out, timezone=str(rec.get("timezone") or "UTC"))
    if "map" not in taken:
        out = replace(out, mapping=MappingSpec(dict(rec.get("map") or {}),
                                               rec.get("cache_read_in_input")))
    if "max_tokens" not in taken and rec.get("max_tokens") is not None:
        out = replace(out, max_tokens=int(rec["max_tokens"]))
    if "bucket_prompt_tokens" not in taken and rec.get("bucket_prompt_tokens") is not None:
        out = replace(out, bucket_prompt_tokens=int(rec["bucket_prompt_tokens"]))
    if "input_format" not in taken:
        out = replace(out, input_format=rec.get("input_format"))
    if "source" not in taken:
        out = replace(out, source=rec.get("source"))
    user = rec.get("user")
    if "user" not in taken and user is not None:
        # the user its earlier rows got, whatever folder the file is named through now
        out = replace(out, user_id=str(user),
                      user_map={src.user_id: str(user)} if src.user_id is not None else {})
    return out


def differing(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The options (as named on the command line) whose values differ between two records."""
    return [opt for opt, fields in _FIELDS.items()
            if opt != "--user-map" and any(a.get(f) != b.get(f) for f in fields)]


def _shown(opt: str, rec: dict[str, Any]) -> str:
    """An option's value in a record, as a note shows it."""
    if opt == "--map/--mapping":
        pairs = [f"{k}={v}" for k, v in sorted((rec.get("map") or {}).items())]
        if rec.get("cache_read_in_input") is not None:
            pairs.append(f"input includes cache reads: {rec['cache_read_in_input']}")
        return ", ".join(pairs) or "none"
    unset = "detected" if opt in ("--source", "--input-format") else "none"
    return ", ".join(unset if v is None else str(v) for v in (rec.get(f) for f in _FIELDS[opt]))


def given_differences(opts: LoadOptions, rec: dict[str, Any],
                      now: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(option, value recorded, value now) of each option given in ``opts`` whose value
    (``now``: a record of the file's options under them) differs from the file's record."""
    out = []
    for opt in opts.read_options():
        fields = _FIELDS.get(opt)
        if not fields or (opt == "--user-map" and "--user" in opts.read_options()):
            continue
        if fields == ("user",) and rec.get("user") is None:
            continue  # rows that name their users: --user does not apply to the file
        if any(rec.get(f) != now.get(f) for f in fields):
            out.append((opt, _shown(opt, rec), _shown(opt, now)))
    return out


def changed_notes(diffs: dict[tuple[str, str, str], list[str]]) -> list[str]:
    """Changed files read with a given option other than the one recorded for them."""
    notes = []
    for (opt, old, new), keys in diffs.items():
        more = f" and {len(keys) - 1:,} more changed file(s)" if len(keys) > 1 else \
            " (changed)"
        its = "their" if len(keys) > 1 else "its"
        notes.append(f"{display_path(keys[0])}{more}: {opt.split('/')[0]}: {old} when "
                     f"loaded, {new} now: {its} rows were read with {new} (the option given "
                     "applies to a changed file)")
    return notes


def kept_notes(path: Path | None, opts: LoadOptions,
               kept: list[tuple[SourceFile, str | None]]) -> list[str]:
    """Files kept as they were loaded (unchanged) whose recorded options differ from options
    given in this run (``kept``: each file, its manifest read_options), named with the
    values: the options given do not apply to them."""
    files: list[str] = []
    values: dict[str, set[tuple[str, str]]] = {}
    for src, text in kept:
        rec = decode(text)
        if rec is None:  # loaded by an older planalyzer: its options were not recorded
            diffs = [(o, "not recorded", "given") for o in opts.read_options()
                     if o in _FIELDS]
        else:
            now = record(opts, _user_now(src, opts))
            diffs = given_differences(opts, rec, now)
        if diffs:
            files.append(display_path(src.key))
            for opt, old, new in diffs:
                values.setdefault(opt, set()).add((old, new))
    if not files:
        return []
    more = f" and {len(files) - 1:,} more" if len(files) > 1 else ""
    said = "; ".join(
        f"{opt.split('/')[0]}: " + " or ".join(sorted(old for old, _ in pairs)[:3])
        + f" when loaded, {sorted(pairs)[0][1]} now" for opt, pairs in values.items())
    where = f"--db {path}" if path is not None else "the store"
    return [f"{len(files):,} file(s) already in {where} ({files[0]}{more}) were kept as they "
            f"were loaded then ({said}): options given apply to new or changed files only "
            "(use a new --db file to read them all with these options)"]


def _user_now(src: SourceFile, opts: LoadOptions) -> str | None:
    """The user a transcript file's rows would get under ``opts``; None for other files."""
    from planalyzer.sources import registry

    if src.source is None or not registry.get(src.source).batch:
        return None
    from planalyzer.sources.claude_code import user_of

    return user_of(src, opts)


def source_for(src: SourceFile, fmt: str, rec: dict[str, Any], unchanged: bool,
               given: LoadOptions) -> SourceFile:
    """The file to read again: as its manifest entry ``fmt`` says it was read (source module
    and reader format, for example 'openai-usage jsonl') when its bytes read are ``unchanged``
    (the dedupe, appended lines), or when it was read with --source or --input-format and
    this run gives neither; else as this run resolved it."""
    from planalyzer.sources import registry

    if not unchanged and not ((rec.get("source") or rec.get("input_format"))
                              and given.source is None and given.input_format is None):
        return src
    parts = fmt.split(" ")
    if len(parts) < 2 or parts[0] not in registry.names():
        return src
    return SourceFile(src.key, parts[-1], parts[0], src.user_id, src.stat)


def check_dedupe_key(con: duckdb.DuckDBPyConnection, path: Path,
                     dedupe_on: tuple[str, ...],
                     has_files: Callable[[], bool],
                     given: bool = False) -> tuple[tuple[str, ...], list[str]]:
    """The dedupe key of a load into a --db store, and notes: the key the store recorded when
    this load gives no --dedupe-on (a cron line that leaves the flag out keeps working); a
    load giving another key (``given``: --dedupe-on event_id too, whose ``dedupe_on`` is ())
    is refused. A store's first load records the key (in the load's
    transaction). Notes for a store an older planalyzer made (its key was not recorded)."""
    want = ",".join(dedupe_on)
    rows = sqlfiles.run(con, "store_setting", {"name": "dedupe_on"}).fetchall()
    if rows:
        have = str(rows[0][0])
        columns = tuple(filter(None, have.split(",")))
        odd = [c for c in columns if c not in EVENT_COLUMN_NAMES]
        if odd:  # planalyzer records canonical columns only: the table was edited
            raise InputError(f"--db {path}: its recorded dedupe key {have!r} names "
                             f"{odd[0]!r}, not a canonical column: the file was edited or "
                             "damaged; load the files into a new --db file")
        if (dedupe_on or given) and set(columns) != set(dedupe_on):
            asked = _key_text(want) if want else "event_id (--dedupe-on event_id)"
            raise InputError(
                f"--db {path}: its rows were deduplicated on {_key_text(have)}; this load "
                f"asks for {asked}: a store keeps one dedupe key (the rows kept so "
                f"far were chosen by it); load with {_flag(have)} (or leave --dedupe-on out), "
                f"or give a new --db file to dedupe on {asked.split(' (')[0]}")
        return columns, []
    sqlfiles.run(con, "insert_store_setting", {"name": "dedupe_on", "value": want}).fetchall()
    if not has_files():
        return dedupe_on, []
    return dedupe_on, [
        f"--db {path}: made by an older planalyzer, it did not record the dedupe key of "
        f"its earlier loads; this load's ({_key_text(want)}) is recorded and later loads "
        "use it (if earlier loads used another --dedupe-on, load every file into a new --db "
        "file)"]


def _key_text(value: str) -> str:
    return f"{value} (--dedupe-on {value})" if value else "event_id (no --dedupe-on)"


def _flag(value: str) -> str:
    return f"--dedupe-on {value}" if value else "no --dedupe-on"


def reread_notes(path: Path | None, reread_with: Counter[str], unknown: list[str],
                 opts: LoadOptions) -> list[str]:
    """What a load that read files of the store again used for them: the options recorded
    when they were loaded (``reread_with``: option -> files, "" -> files in all), or this
    run's where none were recorded (``unknown``)."""
    where = f"--db {path}" if path is not None else "the store"
    notes = []
    if reread_with[""]:
        names = ", ".join(k for k in reread_with if k)
        notes.append(
            f"{reread_with['']:,} file(s) already in {where} were read again (changed, grown, "
            f"or for the dedupe) with the options they were loaded with ({names}), not this "
            "run's: a file keeps its load options (an option given in this run applies to new "
            "and changed files); to read them all with this run's, use a new --db file")
    if unknown:
        more = f" and {len(unknown) - 1:,} more" if len(unknown) > 1 else ""
        given = ", ".join(opts.read_options()) or "none given: the defaults"
        notes.append(
            f"{len(unknown):,} file(s) read again ({display_path(unknown[0])}{more}) were "
            "loaded by an older planalyzer, which did not record their load options: they were "
            f"read with this run's ({given}), recorded from now on; if they were loaded with "
            "others, load every file into a new --db file")
    return notes


class BatchGroups:
    """The files of batch sources (transcripts) to read, grouped into as few batches as their
    options allow: one batch per source and options but the user; the users of its files
    (each file's recorded user) go in the batch's --user / --user-map, so a folder of many
    users' folders stays one batch. Files whose users cannot share one batch go in another."""

    def __init__(self) -> None:
        # (source, options but the user, n) -> items, users by folder, user of folderless
        self._groups: dict[tuple[str, str, int],
                           tuple[list[BatchItem], dict[str, str], list[str]]] = {}
        self._opts: dict[tuple[str, str, int], LoadOptions] = {}

    def add(self, name: str, item: BatchItem, opts: LoadOptions, rec: dict[str, Any],
            key_opts: str) -> None:
        """``key_opts``: the JSON of ``rec`` but the user (``Records.get``)."""
        user = str(rec.get("user"))
        folder = item.src.user_id
        n = 0
        while True:
            key = (name, key_opts, n)
            items, by_folder, folderless = self._groups.setdefault(key, ([], {}, []))
            if folder is not None and by_folder.get(folder, user) == user:
                by_folder[folder] = user
                break
            if folder is None and (folderless or [user]) == [user]:
                folderless[:] = [user]
                break
            n += 1
        items.append(item)
        self._opts.setdefault(key, opts)

    def read_whole(self, key: str) -> bool:
        """A file to be read on from its new lines (appended) is read whole instead (its
        stored rows are deleted: planalyzer.store re-reads a transcript linked to a reloaded
        file). False when no such item holds it."""
        for items, _by_folder, _folderless in self._groups.values():
            for n, item in enumerate(items):
                if item.src.key == key and item.status == "appended":
                    items[n] = BatchItem(item.src, "reloaded")
                    return True
        return False

    def batches(self) -> list[tuple[str, list[BatchItem], LoadOptions]]:
        return [(key[0], items, replace(self._opts[key], user_id=folderless[0] if folderless
                                        else None, user_map=dict(by_folder)))
                for key, (items, by_folder, folderless) in self._groups.items()]
