"""Which rows ``planalyzer me`` analyses, and against which usage each plan is set.

``me`` loads its folders under the user id ``me``. A ``--db`` store may also hold other users
(a team store, sample data): ``me`` copies only its own user's events and rate-limit readings
into a fresh in-memory store and analyses that copy, naming the users it left out.

When the logs hold both Claude Code and Codex usage, each tool's usage is also analysed on its
own (a *scope*): a plan whose catalog entry names a ``tool`` (the Claude plans: claude-code;
the ChatGPT plans: codex) is set against that tool's usage only, every other plan (Cursor,
Copilot, API tiers) against all of it. With one tool, every plan is set against all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from planalyzer import sqlfiles
from planalyzer.plans import Plan
from planalyzer.store import Store

ME = "me"
TOOL_LABELS = {"claude-code": "Claude Code", "codex": "Codex"}
ALL = "all"


@dataclass
class Scope:
    """One slice of your usage: ``key`` is a tool's source name or ALL; ``store`` holds only
    those rows (events and rate-limit readings of user ``me``)."""

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


def store_users(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, list[str]]]:
    return [(str(u), int(n), list(s or [])) for u, n, s in
            sqlfiles.run(con, "me_store_users").fetchall()]


def others_note(users: Sequence[tuple[str, int, list[str]]]) -> str | None:
    """What `me` left out of a shared store (None: the store holds only your rows)."""
    others = [(u, n) for u, n, _ in users if u != ME]
    if not others:
        return None
    shown = ", ".join(u for u, _ in others[:5]) + (" ..." if len(others) > 5 else "")
    return (f"the --db store also holds {len(others):,} other user(s)' events "
            f"({sum(n for _, n in others):,} events: {shown}): left out; me analyses only "
            f"the rows it loaded (user {ME})")


def build_scopes(con: duckdb.DuckDBPyConnection,
                 users: Sequence[tuple[str, int, list[str]]]) -> list[Scope]:
    """ALL first (every row of yours), then one scope per tool when both tools' usage is there."""
    mine = next((s for u, _, s in users if u == ME), [])
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
