"""OpenAI dashboard CSV exports as OpenAI writes them (QA 18C #5, #6): the usage export's row
for an idle day (start and end times, every other cell empty) and the cost export."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, cli_error, cli_json, write_csv

from planalyzer.sources.openai_usage import COST_ROW, EMPTY_BUCKET
from planalyzer.store import LoadOptions, Store

OAI = FIXTURES / "openai_usage"
IDLE = OAI / "dashboard_idle_day.csv"  # 6 usage rows and the idle 2025-10-08
COST = OAI / "cost_export.csv"


def test_an_idle_days_row_is_an_empty_bucket_not_a_rejection(tmp_path: Path) -> None:
    tsv = tmp_path / "usage.tsv"
    tsv.write_text(IDLE.read_text().replace(",", "\t"))
    for path in (IDLE, tsv):
        with Store() as store:
            report = store.load([str(path)], LoadOptions(strict=True))  # --strict passes
            (fl,) = report.files
            assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (6, 6, 0)
            assert fl.skipped_by_kind == {EMPTY_BUCKET: 1}
            # the export's totals, exact
            assert store.con.execute(
                "SELECT sum(input_tokens), sum(cache_read_tokens), sum(output_tokens), "
                "sum(requests) FROM events").fetchall() == [(325_759, 13_952, 549_459, 53)]
    doc = cli_json(["load", str(IDLE), "--strict"])
    assert [r["kind"] for r in doc["skipped_lines"]["rows"]] == [EMPTY_BUCKET]


def test_a_row_with_counts_but_no_model_is_still_rejected(tmp_path: Path) -> None:
    header = ["start_time", "end_time", "project_id", "num_model_requests", "user_id", "model",
              "input_tokens", "output_tokens", "input_cached_tokens"]
    f = write_csv(tmp_path / "usage.csv", header, [
        [1759622400, 1759708800, "proj_A", 3, "user-abc", "gpt-4o", 900, 100, 0],
        [1759708800, 1759795200, None, 2, None, None, 500, 50, None],  # counts, no model
        [1759795200, 1759881600, None, "0", None, None, "0.0", None, None],  # nothing used
    ])
    with Store() as store:
        (fl,) = store.load([str(f)]).files
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (2, 1, 1)
    assert fl.rejected_by_reason == {"missing model": 1}
    assert fl.skipped_by_kind == {EMPTY_BUCKET: 1}


COST_SAID = ("cost_export.csv: read as openai-usage csv, but it is a cost report (2 OpenAI "
             "cost export row(s) of amount_value and amount_currency: amounts, not token "
             "counts), not a usage report: export the usage CSV (num_model_requests and the "
             "token columns) or usage/completions (GET /v1/organization/usage/completions) "
             "and load that")


def test_a_cost_export_is_said_to_be_one() -> None:
    assert cli_error(["load", str(COST)]).endswith(COST_SAID)


def test_a_cost_export_beside_usage_is_a_note() -> None:
    with Store() as store:
        report = store.load([str(COST), str(IDLE)])
        cost = next(f for f in report.files if f.source.endswith("cost_export.csv"))
        # its rows kept in rejected_rows with what they are
        assert (cost.rows_read, cost.rows_rejected) == (2, 2)
        assert cost.rejected_by_reason == {COST_ROW: 2}
        assert store.con.execute("SELECT count(*) FROM rejected_rows WHERE raw_json LIKE "
                                 "'%amount_value%'").fetchall() == [(2,)]
    (said,) = [n for n in report.notes if "cost report" in n]
    assert said.endswith(COST_SAID)
    assert report.rows_loaded == 6
