"""Verification round 9 E: empty request counts of tabular files are estimated, null token
counts of usage-API JSON are said, and related notes (fix9i)."""

from __future__ import annotations

from pathlib import Path

from conftest import write_csv

from planalyzer.store import LoadOptions, Store

SONNET = "claude-sonnet-4-5-20250929"


def test_tabular_empty_request_cell_is_estimated(tmp_path: Path) -> None:
    """An empty requests cell was read as 1 request: a whole day priced as one request."""
    path = write_csv(tmp_path / "t.csv", ["user_id", "timestamp", "model", "input_tokens",
                                          "output_tokens", "requests"],
                     [["ann", "2026-10-01T00:00:00Z", SONNET, 5_000_000, 100_000, ""],
                      ["bob", "2026-10-01T00:00:00Z", SONNET, 5_000, 100, 3],
                      ["cy", "2026-10-01T00:00:00Z", SONNET, 5_000, 100, 0]])
    with Store() as store:
        report = store.load([str(path)], LoadOptions(bucket_prompt_tokens=50_000))
        got = dict(store.con.sql("SELECT user_id, requests FROM events").fetchall())
    assert got == {"ann": 100, "bob": 3}  # ceil(5M / 50,000); logged
    assert report.files[0].estimated_requests == 1
    assert report.files[0].rejected_by_reason == {"bad request count": 1}
    assert any("1 bucket row(s)" in n and "/ 50,000 rounded up" in n for n in report.notes)


def test_tabular_without_requests_column_is_one_request_a_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["user_id", "timestamp", "model", "input_tokens",
                                          "output_tokens"],
                     [["ann", "2026-10-01T00:00:00Z", SONNET, 5_000_000, 100_000]])
    with Store() as store:
        report = store.load([str(path)], LoadOptions(max_tokens=100_000_000))
        got = store.con.sql("SELECT requests FROM events").fetchall()
    assert got == [(1,)]
    assert report.files[0].estimated_requests == 0
