"""Which rows ``planalyzer me`` analyses, and against which usage each plan is set.

``me`` loads its folders under the user id ``me``. A ``--db`` store may also hold other files
(a team store, sample data, a colleague's folder): ``me`` copies only the rows of the files it
read itself (whatever user id an earlier ``load --user`` stored them under) into a fresh
in-memory store, as user ``me``, analyses that copy, and names what it left out.

When the logs hold both Claude Code and Codex usage, each tool's usage is also analysed on its
own (a *scope*): a plan whose catalog entry names a ``tool`` (the Claude plans: claude-code;
the ChatGPT plans: codex) is set against that tool's usage only, every other plan (Cursor,
Copilot, API tiers) against all of it. With one tool, every plan is set against all of it,
and a plan of the other tool is a labelled hypothetical, no best fit (``other_tool_plans``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from planalyzer import sqlfiles
from planalyzer.plans import Plan
from planalyzer.source_checks import loaded_with
from planalyzer.sources import registry
from planalyzer.store import Store

ME = "me"
TOOL_LABELS = {"claude-code": "Claude Code", "codex": "Codex"}
ALL = "all"


@dataclass
class Scope:
    """One slice of your usage: ``key`` is a tool's source name or ALL; ``store`` holds only
    those rows (events and rate-limit readings of the files ``me`` read, as user ``me``)."""

    key: str
    label: str
    store: Store

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.store.con


def _copy(con: duckdb.DuckDBPyConnection, sources: Sequence[str] | None) -> Store:
    out = Store()
    for table in ("events", "rate_limit_snapshots"):
        rows = sqlfiles.relation(con, "me_scope_rows",
                                 {"user": ME, "formats": list(sources or []),
                                  "all_formats": sources is None},
                                 {"table": table}).to_arrow_table()
        out.con.register("scope_in", rows)
        try:
            sqlfiles.run(out.con, "insert_scope_rows", slots={"table": table})
        finally:
            out.con.unregister("scope_in")
    return out


@contextmanager
def my_files(con: duckdb.DuckDBPyConnection, files: Sequence[str] | None) -> Iterator[None]:
    """Register ``me_files``: the events.source paths of the files ``me`` read (None: the
    files whose rows the store holds under user ``me``, for library callers that loaded with
    ``load_my_usage`` and name no files)."""
    if files is None:
        files = [str(r[0]) for r in sqlfiles.run(con, "me_user_sources", {"user": ME}).fetchall()]
    con.register("me_files", pa.table({"source": pa.array(list(files), pa.string())}))
    try:
        yield
    finally:
        con.unregister("me_files")


@dataclass(frozen=True)
class StoreRows:
    """What a store holds, per user id: rows of the files ``me`` read (``mine``), else others:
    of files gone from disk since an earlier run read them (``gone``), or not."""

    user: str
    mine: bool
    gone: bool
    events: int
    formats: list[str]


def store_users(con: duckdb.DuckDBPyConnection) -> list[StoreRows]:
    """Per user id and side (``me_files`` registered: planalyzer.me_scope.my_files)."""
    return [StoreRows(str(u), bool(m), bool(g), int(n), list(s or [])) for u, m, g, n, s in
            sqlfiles.run(con, "me_store_users").fetchall()]


def others_note(users: Sequence[StoreRows]) -> str | None:
    """What `me` left out of a shared store (None: the store holds only your files' rows):
    rows of files gone from disk since an earlier run read them (Claude Code deletes
    transcripts after 30 days), and rows of other files."""
    parts = []
    for gone in (True, False):
        rows = [r for r in users if not r.mine and r.gone == gone]
        if not rows:
            continue
        names = sorted({r.user for r in rows})
        shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
        events = sum(r.events for r in rows)
        if gone:
            parts.append(f"{events:,} events of files an earlier run read that are gone from "
                         f"disk now ({len(names):,} user id(s): {shown}; logs a tool deleted "
                         "or moved, such as Claude Code's transcripts after 30 days)")
        else:
            parts.append(f"{events:,} events of files me did not read ({len(names):,} user "
                         f"id(s): {shown})")
    if not parts:
        return None
    return (f"the --db store also holds {' and '.join(parts)}: left out; me analyses only the "
            "rows of the files it read (`planalyzer report --db FILE` covers every row the "
            "file holds)")


def stored_as_note(users: Sequence[StoreRows]) -> str | None:
    """Your files' rows under another user id (counted as yours): transcripts an earlier
    load stored under it, or a usage report's rows under the user ids the report names."""
    batch = {m.name for m in registry.modules() if m.batch}
    named = [r for r in users if r.mine and r.user != ME]
    if not named:
        return None
    earlier = [r for r in named if any(f.split(" ")[0] in batch for f in r.formats)]
    reports = [r for r in named if r not in earlier]
    parts = []
    if earlier:
        shown = ", ".join(f"{r.user} ({r.events:,} events)" for r in earlier[:3])
        parts.append("some of the files me read were stored under other user id(s) by an "
                     f"earlier planalyzer load ({shown})")
    if reports:
        shown = ", ".join(f"{r.user} ({r.events:,} events)" for r in reports[:3])
        parts.append("some of the files me read are usage reports that name their own user "
                     f"id(s) ({shown})")
    return "; ".join(parts) + ": counted here as yours"


def estimated_note(con: duckdb.DuckDBPyConnection) -> str | None:
    """Your events from usage reports that log no request count: their counts are estimates
    (``me_files`` registered)."""
    uncounted = [m.name for m in registry.modules() if not m.logs_request_counts]
    events, requests = sqlfiles.run(con, "me_estimated_events",
                                    {"uncounted": uncounted}).fetchall()[0]
    if not events:
        return None
    return (f"{int(events):,} of your events are buckets of usage reports that log no request "
            f"count ({int(requests):,} requests): their request counts are estimates, prompt "
            f"tokens / N rounded up, N the mean prompt per request assumed at load "
            f"({loaded_with(con, uncounted)}); GPU cost, request-metered limits and the "
            "windows' timing rest on them")


def build_scopes(con: duckdb.DuckDBPyConnection, users: Sequence[StoreRows]) -> list[Scope]:
    """ALL first (every row of yours), then one scope per tool when both tools' usage is there
    (``me_files`` registered)."""
    mine = sorted({f for r in users if r.mine for f in r.formats})
    tools = [t for t in TOOL_LABELS if t in mine]
    split = len(tools) == 2
    label = "both tools" if split else (TOOL_LABELS[tools[0]] if len(tools) == 1 and
                                        len(mine) == 1 else "all")
    scopes = [Scope(ALL, label, _copy(con, None))]
    if split:
        scopes += [Scope(t, TOOL_LABELS[t], _copy(con, [t])) for t in tools]
    return scopes


def scope_of(plan: Plan, scopes: Sequence[Scope]) -> Scope:
    """The usage ``plan`` is set against: its tool's when that is a scope of its own, else all."""
    return next((s for s in scopes if plan.tool is not None and s.key == plan.tool), scopes[0])


def other_tool_plans(plans: Mapping[str, Plan], tools: Sequence[str]) -> list[str]:
    """Plans tied to a tool (``tool``) whose usage the logs lack: with one tool's logs, such a
    plan set against that tool's usage is hypothetical ("if you used it for this usage"), and
    no best fit. None when the logs' tools are unknown (``tools`` empty)."""
    if not tools:
        return []
    return [k for k, p in plans.items() if p.tool is not None and p.tool not in tools]


def hypothetical_label(label: str) -> str:
    return f"{label} (hypothetical)"


def one_tool_months(months: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """month -> the label of the only tool with usage that month (split logs): its 'both
    tools' usage is that tool's, so every plan is set against that tool's usage that month."""
    return {m: TOOL_LABELS[ts[0]] for m, ts in months.items() if len(ts) == 1}
