"""Codex CLI rollouts: ``sessions/YYYY/MM/DD/rollout-*.jsonl`` and ``archived_sessions/``.

Each line is ``{"timestamp", "type", "payload"}``. A row is a ``token_count`` event that carries
usage (``payload.info``): the turn's usage is ``info.last_token_usage`` where logged, otherwise
the difference of the cumulative ``info.total_token_usage`` from the previous event; an event
repeating the previous totals is a duplicate; one whose turn usage is 0 in every class (the
event Codex writes when a turn overflows the context window) is no model call, a line without
usage. OpenAI counts cached input inside input_tokens:
input_tokens = input - cached, cache_read_tokens = cached; output_tokens include reasoning. The
model is the latest ``turn_context`` model. The same session in ``sessions/`` and
``archived_sessions/`` is loaded once, from the active copy.

Every ``rate_limits`` snapshot (its primary and secondary window: used percent, window length,
reset time; the plan type, and the limit it reads: ``limit_id`` ``codex`` is the plan's own,
another a model's own bucket such as GPT-5.3-Codex-Spark's) is kept in ``rate_limit_snapshots``:
real evidence of a plan's limits. Files are small and need per-session state, so they are
parsed in Python; the rows are inserted in one statement per batch.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import duckdb

from planalyzer import duplicate_links, sqlfiles
from planalyzer.accounting import FileLoad, display_path
from planalyzer.sources import file_kind
from planalyzer.sources.base import (
    COMPRESSED,
    BatchItem,
    Source,
    access_error,
    first_line,
    open_bytes,
)
from planalyzer.sources.claude_code import TRANSCRIPT_SUFFIXES, _kind, user_of
from planalyzer.sources.files import SourceFile, is_folder, list_folder
from planalyzer.sources.folder_memo import find_files
from planalyzer.sources.json_counts import json_count
from planalyzer.sources.layouts import CODEX_HOME, CODEX_ROLLOUTS
from planalyzer.sources.tabular import NEGATIVE, NO_TOKEN_COUNTS, NON_INTEGER
from planalyzer.sources.ts_text import iso_text

if TYPE_CHECKING:
    import pyarrow as pa

    from planalyzer.sources.folder_memo import FolderMemo
    from planalyzer.store import LoadOptions

_MARKERS = (b'"token_count"', b'"turn_context"', b'"session_meta"')
_UUID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
# the staged columns of a usage row and a rate-limit reading (_stage)
_ROW_COLUMNS = ("file_idx", "line_no", "total_key", "ts", "model", "input_tokens",
                "cache_read_tokens", "output_tokens", "total_tokens", "reject_reason", "raw")
_COUNT_KEYS = ("input_tokens", "cache_read_tokens", "output_tokens", "total_tokens")
_RL_COLUMNS = ("file_idx", "line_no", "ts", "plan_type", "window", "window_minutes",
               "used_percent", "resets_at_epoch", "resets_in_seconds", "limit_id", "limit_name")


# the kind counted for each line of a rollout from a Codex CLI before about 0.3x (first line
# {"id", "timestamp", "instructions", "git"}, then {"record_type": "state"} and bare response
# items): those versions logged no token usage, so such a file loads nothing
LEGACY_KIND = "old-format rollout line (this Codex version logged no token usage)"
LEGACY_NOTE = ("Codex rollout from a CLI version that recorded no token usage (before about "
               "0.3x): nothing to load")


# a token_count event logged before any turn_context line (the line naming the model): Codex CLI
# builds of early September 2025 wrote usage with no model; such a turn cannot be priced
NO_MODEL = "missing model (no turn_context before it)"
NO_MODEL_NOTE = (
    "token_count event(s) logged before any turn_context line, which names the model (Codex "
    "CLI builds of early September 2025 wrote none): rejected, so their usage is left out of "
    "every figure (usage, windows, plan costs). To count it, add a line naming the model you "
    'ran, {"timestamp":"<the session_meta line\'s>","type":"turn_context","payload":'
    '{"model":"gpt-5"}} (your model in place of gpt-5), after the rollout\'s session_meta '
    "line, and run again")


# a token_count event Codex writes when a turn is refused for exceeding the model's context
# window (codex-rs TokenUsageInfo::fill_to_context_window): total_token_usage becomes every
# class 0 with total_tokens = the window, last_token_usage every class 0. No model call: a
# line without usage. The next turn's totals go on from it (window + that turn's tokens).
CONTEXT_FULL = "token_count: context window full (no model call)"
# any other token_count whose turn usage is 0 in every class: no model call either
ZERO_USAGE = "token_count with zero usage (no model call)"


def _is_fill(total: tuple[int, int, int, int] | None) -> bool:
    """Are these the totals a context-window-full event writes (every class 0, a total)?"""
    return total is not None and not any(total[:3]) and total[3] > 0


@dataclass
class _File:
    rows: list[dict[str, Any]] = field(default_factory=list)
    limits: list[dict[str, Any]] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    session: str = ""
    # a forked session (session_meta.forked_from_id): the session it was forked from, and the
    # (id -> forked_from_id) of every session_meta line in the file (a fork copies its
    # parent's lines, session_meta included, after its own)
    forked_from: str | None = None
    metas: dict[str, str | None] = field(default_factory=dict)
    legacy: bool = False
    lines: int = 0
    end_offset: int = 0


def _usage(u: Any) -> tuple[tuple[int, int, int, int] | None, str | None]:
    """((input incl. cached, cached, output, total), None) of a token usage object; (None,
    None) where it is none (absent, null); (None, the reason) where a count in it cannot be
    used. Each count is read as the tabular reader reads a count cell (json_count: 10.0 is
    10, 10.5 non-integer, 2^63 out of range); an absent, null or "" count is 0. The total
    (the event's key, not loaded) is input + output where it is none or no count."""
    if not isinstance(u, dict):
        return None, None
    vals: list[int] = []
    reasons: list[str] = []
    for k in ("input_tokens", "cached_input_tokens", "output_tokens"):
        n, why = json_count(u.get(k))
        vals.append(n or 0)
        if why:
            reasons.append(why)
    if reasons:
        return None, _first_reason(reasons)
    total, why = json_count(u.get("total_tokens"))
    if total is None or why:
        total = vals[0] + vals[2]
    return (vals[0], vals[1], vals[2], total), None


def _first_reason(reasons: list[str]) -> str:
    """The reason the tabular reader would give first for a row of these count reasons: out
    of range or thousands separators (its count_problem) before non-integer."""
    return next((r for r in reasons if r != NON_INTEGER), reasons[0])


def _difference(total: tuple[int, int, int, int],
                prev: tuple[int, int, int, int] | None) -> tuple[int, int, int, int]:
    """This turn's usage from cumulative totals; totals that went down restarted (a resumed
    or forked session counts afresh), so the new totals are the turn's usage."""
    if prev is None or any(t < p for t, p in zip(total, prev, strict=True)):
        return total
    return (total[0] - prev[0], total[1] - prev[1], total[2] - prev[2], total[3] - prev[3])


def _read_ts(ts: Any) -> tuple[str | None, str | None]:
    """(the line's timestamp as text DuckDB's cast reads, None), or (None, why not): missing,
    unparseable or an offset out of range (sources/ts_text.py, as every reader checks it)."""
    if not isinstance(ts, str):
        return None, "missing timestamp"
    return iso_text(ts)


def _reason(row: dict[str, Any], ts_problem: str | None, count_problem: str | None,
            max_tokens: int) -> str | None:
    if ts_problem is not None:
        return ts_problem
    if not row["model"]:
        return NO_MODEL
    if count_problem is not None:
        return count_problem
    toks = (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"])
    if any(t is None for t in toks):
        return NO_TOKEN_COUNTS  # an info object with neither usage object
    if min(toks) < 0:
        return NEGATIVE
    if max(toks) > max_tokens:
        return "token count over bound"
    return None


_PAYLOAD = re.compile(rb'"payload"\s*:')
_KIND = re.compile(rb'"type"\s*:\s*"(?:session_meta|turn_context|event_msg|response_item)"')


def is_legacy_head(line: bytes) -> bool:
    """Is this the first line of a rollout from a Codex CLI before about 0.3x (a bare
    ``{"id", "timestamp", "instructions", "git"}`` object, no ``type``/``payload``)?"""
    return (line.startswith(b'{"id":') and b'"instructions":' in line
            and b'"timestamp":' in line and b'"payload":' not in line)


def parse_file(path: Path, max_tokens: int) -> _File:
    out = _File(session=_session_from_name(path))
    try:
        with open_bytes(path) as fh:
            _parse_lines(fh, path, out, max_tokens)
    except file_kind.DECOMPRESS_ERRORS as exc:
        if not path.name.endswith(COMPRESSED):
            raise
        raise (access_error(str(path), exc)
               or file_kind.compressed_error(str(path), exc)) from None
    return out


def _parse_lines(fh: IO[bytes], path: Path, out: _File, max_tokens: int) -> None:
    """``parse_file``'s reading of the rollout's lines from ``fh`` (decompressed)."""
    model: str | None = None
    prev_total: tuple[int, int, int, int] | None = None
    seen_meta = False
    for raw in fh:
        if raw[-1:] != b"\n":
            if out.lines == 0 and (cr := file_kind.cr_line_ends_error(str(path), raw)):
                raise cr  # read as one unterminated line, it would load nothing
            out.kinds["unterminated last line"] += 1
            break
        out.lines += 1
        out.end_offset += len(raw)
        if out.lines == 1:
            raw = file_kind.transcript_opening(path, raw)
        if out.lines == 1 and is_legacy_head(raw):
            out.legacy = True
        if out.legacy:
            if raw.strip():
                out.kinds[LEGACY_KIND] += 1
            continue
        if not any(m in raw for m in _MARKERS):
            if raw.strip():
                out.kinds[_kind(raw)] += 1
            continue
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested beyond Python's depth
            doc = None
        if not isinstance(doc, dict) or not isinstance(doc.get("payload"), dict):
            if b'"token_count"' in raw:
                out.rows.append(_bad_row(out.lines, raw, "unparseable JSON (truncated line?)"))
            else:
                out.kinds["unparseable line"] += 1
            continue
        kind, payload, ts = doc.get("type"), doc["payload"], doc.get("timestamp")
        if kind == "session_meta":
            sid, parent = payload.get("id"), payload.get("forked_from_id")
            parent = str(parent) if parent else None
            if sid:
                out.metas.setdefault(str(sid), parent)
            if not seen_meta:  # the file's own session: its first session_meta (as Codex)
                seen_meta = True
                out.session = str(sid or out.session)
                out.forked_from = parent
            out.kinds["session_meta"] += 1
        elif kind == "turn_context":
            model = payload.get("model") or model
            out.kinds["turn_context"] += 1
        elif kind == "event_msg" and payload.get("type") == "token_count":
            _limits(out, payload.get("rate_limits"), ts, out.lines)
            info = payload.get("info")
            if not isinstance(info, dict):
                out.kinds["token_count without usage"] += 1
                continue
            total, total_why = _usage(info.get("total_token_usage"))
            last, last_why = _usage(info.get("last_token_usage"))
            # a count of either that cannot be used rejects the event (never the turn's usage
            # taken from the totals instead)
            whys = [w for w in (last_why, total_why) if w]
            count_problem = _first_reason(whys) if whys else None
            dup = total is not None and total == prev_total
            if last is None and total is not None and last_why is None:
                last = _difference(total, prev_total)
            if last is not None and not any(last[:3]):
                # no model call (every class 0): its totals still start the next difference
                out.kinds[CONTEXT_FULL if _is_fill(total) else ZERO_USAGE] += 1
                if total is not None:
                    prev_total = total
                continue
            ts_read, ts_problem = _read_ts(ts)
            row = {
                "line_no": out.lines, "ts": ts_read,
                "model": model,
                # the key's session is set per batch (_key_sessions): a fork's own or its root's
                "event_id": None, "total_key": total[3] if total else None,
                "input_tokens": None if last is None else last[0] - last[1],
                "cache_read_tokens": None if last is None else last[1],
                "output_tokens": None if last is None else last[2],
                "total_tokens": None if last is None else last[3],
                "duplicate": dup,
            }
            row["reject_reason"] = None if dup else _reason(row, ts_problem, count_problem,
                                                            max_tokens)
            if row["reject_reason"]:  # kept as its line; its counts (-2^63 - 1 may be one)
                row.update(dict.fromkeys(_COUNT_KEYS))  # are no BIGINT to store
                row["raw"] = raw.decode("utf-8", "replace")
            else:
                row["raw"] = None
            out.rows.append(row)
            if total is not None:
                prev_total = total
        else:
            out.kinds[str(kind) if kind else "no type"] += 1


def _bad_row(line_no: int, raw: bytes, reason: str) -> dict[str, Any]:
    return {"line_no": line_no, "ts": None, "model": None, "event_id": None, "total_key": None,
            "input_tokens": None, "cache_read_tokens": None, "output_tokens": None,
            "total_tokens": None, "duplicate": False, "reject_reason": reason,
            "raw": raw.decode("utf-8", "replace")}


def _finite(v: Any) -> float | None:
    """A JSON number as a float (None: not a number, NaN or infinite)."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def _int_or_none(v: Any) -> int | None:
    f = _finite(v)
    return None if f is None else int(f)


def _limits(out: _File, rl: Any, ts: Any, line_no: int) -> None:
    """The rate-limit readings of a token_count event: ``{"limit_id", "limit_name", "primary":
    {"used_percent", "window_minutes", "resets_at" | "resets_in_seconds"}, "secondary": {...},
    "plan_type"}`` (Codex 0.4x on; ``limit_id`` and ``limit_name`` in newer versions), or the
    older flat ``{"primary_used_percent", "primary_window_minutes",
    "primary_reset_after_seconds", "secondary_...", "primary_to_secondary_ratio_percent"}``."""
    ts, ts_problem = _read_ts(ts)
    if not isinstance(rl, dict) or ts_problem is not None:
        return  # (sql/insert_rate_limit_snapshots.sql keeps readings at a time only)
    for window in ("primary", "secondary"):
        w = rl.get(window)
        if isinstance(w, dict):
            used, minutes = w.get("used_percent"), w.get("window_minutes")
            at, after = w.get("resets_at"), w.get("resets_in_seconds")
        else:  # the flat format
            used, minutes = rl.get(f"{window}_used_percent"), rl.get(f"{window}_window_minutes")
            at, after = None, rl.get(f"{window}_reset_after_seconds")
        percent = _finite(used)
        if percent is None:
            continue
        out.limits.append({
            "ts": ts, "plan_type": rl.get("plan_type"), "window": window,
            "window_minutes": _int_or_none(minutes), "used_percent": percent,
            "resets_at_epoch": _int_or_none(at), "resets_in_seconds": _int_or_none(after),
            "line_no": line_no, "limit_id": _text(rl.get("limit_id")),
            "limit_name": _text(rl.get("limit_name")),
        })


def _text(v: Any) -> str | None:
    """A JSON string as logged (None: absent, null, empty or not a string)."""
    return v if isinstance(v, str) and v else None


def _session_from_name(path: Path) -> str:
    m = _UUID.search(path.name)
    return m.group(1) if m else path.stem


def codex_group_of_name(key: str) -> str:
    """The event-id group (``codex:<session>``) of a rollout's own session, from its name."""
    return f"codex:{_session_from_name(Path(key))}"


def _is_home(p: Path) -> bool:
    """A Codex home holds sessions/ or archived_sessions/."""
    return any(is_folder(p / d) for d in CODEX_ROLLOUTS)


def _homes(folder: Path) -> list[tuple[Path, str | None, tuple[str, ...]]]:
    """(codex home, user, the subfolders to read) triples: a home holds sessions/ or
    archived_sessions/ (both read); a sessions/ or archived_sessions/ folder named is read
    alone (its home's other subfolder is not what was asked for)."""
    is_home = _is_home
    if folder.name in CODEX_ROLLOUTS:
        return [(folder.parent, None, (folder.name,))]
    for p in (folder, folder / CODEX_HOME):
        if is_home(p):
            return [(p, None, CODEX_ROLLOUTS)]
    found: list[tuple[Path, str | None, tuple[str, ...]]] = []
    for child in list_folder(folder):
        if is_folder(child) and not child.name.startswith("."):
            for p in (child, child / CODEX_HOME):
                if is_home(p):
                    found.append((p, child.name, CODEX_ROLLOUTS))
                    break
    return found


def _is_rollout(name: str) -> bool:
    return name.startswith("rollout-") and name.endswith(TRANSCRIPT_SUFFIXES)


def _has_rollouts(home: Path, subfolders: tuple[str, ...] = CODEX_ROLLOUTS) -> bool:
    """Does ``home`` hold any rollout (in ``subfolders``)? Stops at the first one (no full
    walk)."""
    return any(_is_rollout(f) for sub in subfolders
               for _root, _dirs, files in os.walk(home / sub) for f in files)


class Codex(Source):
    name = "codex"
    layout = (
        ("event_id", "codex:<session id>:<cumulative total_tokens>"),
        ("ts", "timestamp of the event_msg token_count line"),
        ("user_id", "the folder's user (--user, default me; --user-map)"),
        ("model", "the latest turn_context.model before the event"),
        ("input_tokens", "input_tokens less cached_input_tokens of payload.info.last_token_usage "
                         "(or of the change in total_token_usage)"),
        ("cache_read_tokens", "cached_input_tokens, as input_tokens"),
        ("output_tokens", "output_tokens, as input_tokens (reasoning included)"),
        ("requests", "1 per token_count event with usage (not 0 in every class)"),
    )
    description = "Codex CLI rollouts (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl)"
    batch = True
    extra_tables = ("rate_limit_snapshots",)

    def sniff(self, path: Path, head: bytes) -> bool:
        line = first_line(head)
        if is_legacy_head(line):  # a rollout of a CLI before about 0.3x: no usage, said so
            return True
        # the CLI writes compact JSON; a rewritten copy (json.dumps) has spaces after the colons
        return line.startswith(b"{") and _PAYLOAD.search(line) is not None and (
            _KIND.search(line) is not None)

    def load_notes(self, loads: list[FileLoad]) -> list[str]:
        notes = []
        old = [fl for fl in loads if fl.skipped_by_kind.get(LEGACY_KIND)]
        if old:
            name = display_path(old[0].source)
            more = f" and {len(old) - 1} more file(s)" if len(old) > 1 else ""
            notes.append(f"{name}{more}: {LEGACY_NOTE}")
        unmodelled = [fl for fl in loads if fl.rejected_by_reason.get(NO_MODEL)]
        if unmodelled:
            name = display_path(unmodelled[0].source)
            more = (f" and {len(unmodelled) - 1} more file(s)" if len(unmodelled) > 1 else "")
            n = sum(fl.rejected_by_reason[NO_MODEL] for fl in unmodelled)
            notes.append(f"{name}{more}: {n:,} {NO_MODEL_NOTE}")
        return notes

    def claims_folder(self, folder: Path) -> bool:
        return any(_has_rollouts(h, subs) for h, _, subs in _homes(folder))

    def owns_folder(self, folder: Path) -> bool:
        return _is_home(folder) or _is_home(folder / CODEX_HOME)

    def not_named(self, folder: Path) -> list[str]:
        # sessions/ (or archived_sessions/) named is read alone: its sibling's rollouts are said
        if folder.name not in CODEX_ROLLOUTS:
            return []
        other = next(s for s in CODEX_ROLLOUTS if s != folder.name)
        if not _has_rollouts(folder.parent, (other,)):
            return []
        return [f"{folder.parent / other}: the Codex home's {other}/ beside the {folder.name}/ "
                f"folder named (a folder named is read alone); name the home "
                f"({display_path(str(folder.parent))}) to read both"]

    def expand(self, folder: Path, root: Path,
               memo: FolderMemo | None = None) -> list[SourceFile]:
        # as for Claude Code: the folder resolved once, each file's size and mtime from the
        # walk, and with a --db store only the folders that changed are listed
        return [SourceFile(path, "jsonl", self.name, user, stat)
                for home, user, subs in _homes(folder.resolve())
                for sub in subs
                for path, stat in find_files(str(home / sub), TRANSCRIPT_SUFFIXES, memo)
                if _is_rollout(os.path.basename(path))]

    def setup(self, con: duckdb.DuckDBPyConnection) -> None:
        sqlfiles.run(con, "create_rate_limit_snapshots").fetchall()
        for column in ("limit_id", "limit_name"):  # a store an older planalyzer made
            sqlfiles.run(con, "add_rate_limit_column",
                         slots={"column": sqlfiles.quote_ident(column)}).fetchall()

    def load_batch(
        self, con: duckdb.DuckDBPyConnection, items: list[BatchItem], opts: LoadOptions
    ) -> list[FileLoad]:
        # parsed BATCH_FILES files at a time, each chunk's rows and readings staged in DuckDB
        # (under its memory limit) and only each row's key kept here: which copies of an
        # event the batch keeps is decided over every file (_key_sessions, _choose_copies),
        # then the staged rows are inserted (2,000 rollouts held whole: 690 MB)
        import pyarrow as pa  # here, not at import: other sources' loads never need it

        archived = ["archived_sessions" in it.src.path.parts for it in items]
        kept: list[_Kept] = []  # each file without its rows' values and readings
        try:
            for start in range(0, len(items), BATCH_FILES):
                chunk = [parse_file(it.src.path, opts.max_tokens)
                         for it in items[start:start + BATCH_FILES]]
                _stage(con, chunk, start, start == 0)
                kept.extend(_keys_only(f) for f in chunk)
                del chunk
            roots, depth = _key_sessions(kept)
            kept_at = _choose_copies(kept, archived, depth, roots)
            active = _active_sessions(kept, archived)
            links: list[tuple[str, str]] = []  # (file, file of the copy kept) of copies dropped
            # the lines of events dropped as copies, with whether their readings go too
            dropped_rows: dict[str, list[Any]] = {"file_idx": [], "line_no": [],
                                                  "reading_dropped": []}
            loads: list[FileLoad] = []
            for i, (it, f) in enumerate(zip(items, kept, strict=True)):
                fl = FileLoad(source=it.src.key, format=self.name, status=it.status,
                              skipped_by_kind=dict(f.kinds), read_offset=None,
                              read_lines=f.lines)
                for r in f.rows:
                    fl.rows_read += 1
                    if r.reject_reason:
                        fl.rows_rejected += 1
                        fl.rejected_by_reason[r.reject_reason] = (
                            fl.rejected_by_reason.get(r.reject_reason, 0) + 1)
                    elif r.duplicate or kept_at.get((i, r.line_no), (i, r.line_no)) != (
                            i, r.line_no):
                        fl.duplicates_dropped += 1
                        if not r.duplicate:
                            links.append((it.src.key, items[kept_at[(i, r.line_no)][0]].src.key))
                        # a fork's copies of its parent's events carry copies of its readings
                        # too: kept only with an event kept (replay_of: the event the reading
                        # came with, checked against other files' events: a parent loaded
                        # after its fork, or a session's archived copy loaded after the active
                        # one, adds no copies); so do events written again with fresh
                        # timestamps (a resume replaying earlier token_count lines, in this
                        # file or another of the batch): the reading of a copy dropped for the
                        # batch's own line is that line's, read again
                        dropped_rows["file_idx"].append(i)
                        dropped_rows["line_no"].append(r.line_no)
                        dropped_rows["reading_dropped"].append(not r.duplicate or depth[i] > 0)
                    else:
                        fl.rows_loaded += 1
                loads.append(fl)
            duplicate_links.record(con, links)
            files = pa.table({
                "file_idx": pa.array(range(len(items)), pa.int32()),
                "source": pa.array([it.src.key for it in items], pa.string()),
                "user_id": pa.array([user_of(it.src, opts) for it in items], pa.string()),
                "root": pa.array(roots, pa.string()),
                # an archived copy of a session whose active copy is read too: its readings are
                # the active one's
                "readings_kept": pa.array([not (a and f.session in active)
                                           for f, a in zip(kept, archived, strict=True)],
                                          pa.bool_()),
            })
            con.register("codex_files", files)
            con.register("codex_dropped", pa.table(dropped_rows, schema=pa.schema([
                ("file_idx", pa.int32()), ("line_no", pa.int64()),
                ("reading_dropped", pa.bool_())])))
            for sql in ("create_codex_rows_view", "create_codex_limits_view",
                        "insert_codex_events", "insert_codex_rejected",
                        "insert_rate_limit_snapshots"):
                sqlfiles.run(con, sql).fetchall()
        finally:
            for view in ("codex_rows", "codex_limits"):
                with suppress(duckdb.TransactionException):
                    sqlfiles.run(con, "drop_temp_view",
                                 slots={"view": sqlfiles.quote_ident(view)}).fetchall()
            for table in (_STAGED_ROWS, _STAGED_LIMITS):
                with suppress(duckdb.TransactionException):
                    sqlfiles.run(con, "drop_temp_table",
                                 slots={"table": sqlfiles.quote_ident(table)}).fetchall()
            for name in ("codex_files", "codex_dropped"):
                con.unregister(name)
        return loads


# the files a Codex load parses before staging their rows (the rest keeps each row's key only)
BATCH_FILES = 200
_STAGED_ROWS, _STAGED_LIMITS = "codex_rows_staged", "codex_limits_staged"


@dataclass(frozen=True, slots=True)  # one per usage row of the batch: no __dict__
class _Key:
    """What the batch's choice of copies reads of a usage row (the rest is staged)."""

    line_no: int
    total_key: str | None
    reject_reason: str | None
    duplicate: bool
    total_tokens: int | None


@dataclass(frozen=True)
class _Kept:
    """What the batch reads of a parsed file once its rows' values and readings are staged."""

    rows: list[_Key]
    kinds: Counter[str]
    session: str
    forked_from: str | None
    metas: dict[str, str | None]
    lines: int


def _keys_only(f: _File) -> _Kept:
    return _Kept([_Key(r["line_no"], None if r["total_key"] is None else str(r["total_key"]),
                       r["reject_reason"], bool(r["duplicate"]), r["total_tokens"])
                  for r in f.rows], f.kinds, f.session, f.forked_from, f.metas, f.lines)


def _stage(con: duckdb.DuckDBPyConnection, parsed: list[_File], first_idx: int,
           create: bool) -> None:
    """Append the rows and readings of ``parsed`` (files ``first_idx`` on) to the staged
    tables (created where ``create``)."""
    import pyarrow as pa

    rows: dict[str, list[Any]] = {c: [] for c in _ROW_COLUMNS}
    limits: dict[str, list[Any]] = {c: [] for c in _RL_COLUMNS}
    for i, f in enumerate(parsed, first_idx):
        for r in f.rows:
            for c in _ROW_COLUMNS:
                rows[c].append(i if c == "file_idx" else
                               None if c == "total_key" and r[c] is None else
                               str(r[c]) if c == "total_key" else r[c])
        for lim in f.limits:
            for c in _RL_COLUMNS:
                limits[c].append(i if c == "file_idx" else lim[c])
    name = "create_codex_stage" if create else "append_codex_stage"
    for table, source, data, schema in (
            (_STAGED_ROWS, "codex_chunk_rows", rows, _row_schema()),
            (_STAGED_LIMITS, "codex_chunk_limits", limits, _rl_schema())):
        con.register(source, pa.table(data, schema=schema))
        try:
            sqlfiles.run(con, name, slots={"table": sqlfiles.quote_ident(table),
                                           "source": sqlfiles.quote_ident(source)}).fetchall()
        finally:
            con.unregister(source)


def _active_sessions(parsed: list[_Kept], archived: list[bool]) -> set[str]:
    return {f.session for f, a in zip(parsed, archived, strict=True) if not a}


def _key_sessions(parsed: list[_Kept]) -> tuple[list[str], list[int]]:
    """Each file's key session, for its usage rows' ``event_id``s: ``codex:<session>:<cumulative
    total_tokens>``, where the session of a forked rollout is the root of its forks (followed
    through its own session_meta lines, the parent's it copied, and the batch's other files).
    A fork copies its parent's lines, token_count events included, and its totals go on from
    the parent's, so its copies of the parent's events get the parent's keys and are dropped
    as duplicates (here, or against an earlier load) while its own turns get new totals.
    Returns each file's key session and fork depth (0: not a fork)."""
    parents: dict[str, str | None] = {}
    for f in parsed:  # a file's own session_meta first: it names its parent surely
        if f.session:
            parents.setdefault(f.session, f.forked_from)
    for f in parsed:
        for sid, parent in f.metas.items():
            if parents.get(sid) is None:
                parents[sid] = parent
    roots, depths = [], []
    for f in parsed:
        root, depth, seen = f.session, 0, {f.session}
        parent = f.forked_from
        while parent and parent not in seen:
            root, depth = parent, depth + 1
            seen.add(parent)
            parent = parents.get(parent)
        roots.append(root)
        depths.append(depth)
    return roots, depths


def _choose_copies(parsed: list[_Kept], archived: list[bool], depth: list[int],
                   roots: list[str]) -> dict[tuple[int, int], tuple[int, int]]:
    """Per event_id seen more than once in the batch (its key session and total): keep the
    copy in the session it was logged in (the least forked: a fork's copies have rewritten
    timestamps), then the active copy, then the larger. Returns, for each copy of such an
    event (file index, line), the copy kept (itself where it is the one)."""
    best: dict[tuple[str, str], tuple[tuple[int, int, int, int], tuple[int, int]]] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for i, f in enumerate(parsed):
        for r in f.rows:
            if r.total_key is None or r.reject_reason or r.duplicate:
                continue
            eid = (roots[i], r.total_key)
            seen[eid] += 1
            rank = (depth[i], int(archived[i]), -(r.total_tokens or 0), i)
            if eid not in best or rank < best[eid][0]:
                best[eid] = (rank, (i, r.line_no))
    kept_at: dict[tuple[int, int], tuple[int, int]] = {}
    for i, f in enumerate(parsed):
        for r in f.rows:
            if r.total_key is not None and seen[(roots[i], r.total_key)] > 1:
                kept_at[(i, r.line_no)] = best[(roots[i], r.total_key)][1]
    return kept_at


def _row_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([
        ("file_idx", pa.int32()), ("line_no", pa.int64()), ("total_key", pa.string()),
        ("ts", pa.string()), ("model", pa.string()), ("input_tokens", pa.int64()),
        ("cache_read_tokens", pa.int64()), ("output_tokens", pa.int64()),
        ("total_tokens", pa.int64()), ("reject_reason", pa.string()), ("raw", pa.string()),
    ])


def _rl_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([
        ("file_idx", pa.int32()), ("line_no", pa.int64()), ("ts", pa.string()),
        ("plan_type", pa.string()), ("window", pa.string()), ("window_minutes", pa.int64()),
        ("used_percent", pa.float64()), ("resets_at_epoch", pa.int64()),
        ("resets_in_seconds", pa.int64()), ("limit_id", pa.string()), ("limit_name", pa.string()),
    ])
