"""Loading a fixture and describing the result in a stable, path-independent form."""

from __future__ import annotations

from typing import Any

from conftest import relative

from planalyzer.accounting import LoadReport
from planalyzer.store import Store
from planalyzer.usage import usage_summary

EVENT_QUERY = """
SELECT event_id, CAST(ts AS VARCHAR) AS ts, user_id, plan, model, input_tokens,
       cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, requests,
       logged_cost_usd, source, source_row
FROM events ORDER BY source, source_row
"""


def describe(store: Store, report: LoadReport) -> dict[str, Any]:
    """Accounting, summary and events of a load, with sources relative to tests/fixtures."""
    cur = store.con.execute(EVENT_QUERY)
    cols = [d[0] for d in cur.description]
    events = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    for e in events:
        e["source"] = relative(e["source"])
    summary = usage_summary(store.con).as_dicts()[0]
    return {
        "files": [
            {"source": relative(f.source), "format": f.format, "status": f.status,
             "rows_read": f.rows_read, "rows_loaded": f.rows_loaded,
             "rows_rejected": f.rows_rejected, "duplicates_dropped": f.duplicates_dropped,
             "rejected_by_reason": f.rejected_by_reason, "skipped_by_kind": f.skipped_by_kind}
            for f in report.files
        ],
        "notes": report.notes,
        "summary": summary,
        "events": events,
    }
