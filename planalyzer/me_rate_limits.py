"""``planalyzer me``'s rate-limit readings: the table of what your Codex client logged
(``me_rate_limits``: per month, logged plan type, limit and window) and the notes on plans
whose catalog cap the readings put far off (``rate_limit_check``'s implied cap), naming the
months in which the readings of the plan's own limit reached 100%."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.source_checks import WINDOW_TOLERANCE
from planalyzer.tables import Col, Table

CAP_AGREES = (0.5, 2.0)  # implied / catalog cap outside this: say it on the plan rows
UNLABELLED = (
    "{n:,} reading(s) stored in --db by an older planalyzer, which kept no limit id: taken as "
    "the plan's own limit; a model's own limit among them (GPT-5.3-Codex-Spark's) would be read "
    "as the plan's: give a new --db file (or none) to read those rollouts again")


def rate_limit_table(con: duckdb.DuckDBPyConnection, tz: str) -> Table | None:
    """me_rate_limits: per month, logged plan type, limit and window, the highest share used
    (None: no readings)."""
    rows = sqlfiles.relation(con, "me_rate_limits",
                             {"tz": tz, "tolerance": WINDOW_TOLERANCE}).fetchall()
    if not rows:
        return None
    notes = ["the provider's own reading of how much of each window's limit was used (window: "
             "from the logged length, 300 minutes = 5 h, 10,080 = week)"]
    others = sorted({str(r[2]) for r in rows if not r[3]})
    if others:
        notes.append(f"limit codex: your plan's own limits (what rate_limit_check and the plan "
                     f"notes use); {', '.join(others)}: a model's own limit, apart from the "
                     "plan's (its usage does not count against the plan's limits), not checked "
                     "against the plan catalog")
    renamed = sorted({str(r[2]) for r in rows if r[10]})
    if renamed:
        notes.append(f"{', '.join(renamed)}: limits with the same name but different limit "
                     "ids, each labelled with its limit id in parentheses")
    unlabelled = sum(int(r[8]) for r in rows)
    if unlabelled:
        notes.append(UNLABELLED.format(n=unlabelled))
    no_length = sum(int(r[9]) for r in rows)
    if no_length:
        notes.append(f"{no_length:,} reading(s) logged no window length: named by their "
                     "position (primary: 5 h, secondary: week; a plan with a weekly limit only "
                     "logs it as primary, so the name may be wrong), minutes empty where none of "
                     "a row's readings logged one, and not checked against the plan catalog "
                     "(rate_limit_check)")
    return Table(
        "me_rate_limits", "Rate limits your client logged (Codex)",
        [Col("month"), Col("plan_type", "str", "plan"), Col("limit"), Col("window"),
         Col("window_minutes", "int", "minutes"),
         Col("max_used_share", "share", "max used"), Col("readings", "int")],
        [(r[0], r[1], r[2], r[4], r[5], float(r[6]) / 100.0, r[7]) for r in rows],
        notes, keys=("month", "plan_type", "limit", "window"))


def cap_check_notes(check_tables: Sequence[Table], limits: Sequence[Mapping[str, Any]]
                    ) -> dict[tuple[str, str], str]:
    """(plan, limit) -> a note where the client's own readings (rate_limit_check's implied
    cap) put the cap far from the catalog's: the plan rows resting on that cap may mislead.
    ``limits``: me_rate_limits' rows; a month in which the readings of the plan's own limit
    reached 100% is named, for the logged plan type of that check row only."""
    check = next((t for t in check_tables if t.name == "rate_limit_check"), None)
    if check is None:
        return {}
    full = {(r["plan_type"], str(r["window"]), str(r["month"])) for r in limits
            if r["limit"] == "codex" and float(r["max_used_share"]) >= 1.0}
    out: dict[tuple[str, str], str] = {}
    for r in check.as_dicts():
        ratio = r["implied_to_catalog_share"]
        if ratio is None or CAP_AGREES[0] <= ratio <= CAP_AGREES[1]:
            continue
        at_full = sorted(m for t, w, m in full if w == r["window"] and t == r["plan_type"])
        logged = (f"your client logged 100% of its {r['window']} limit in "
                  f"{', '.join(at_full)}; " if at_full else "")
        out[(str(r["plan"]), str(r["limit"]).rstrip(" *"))] = (
            f"{r['plan']} {r['limit']}: {logged}the cap your client's readings imply is "
            f"{ratio:.2g}x the catalog's estimate (rate_limit_check), so this plan's peaks, "
            "windows at cap and blocked requests, which rest on the catalog's cap, may be off "
            f"by that much")
    return out
