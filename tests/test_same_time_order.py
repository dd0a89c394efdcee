"""Requests at the same time are capped in an order set by what they used (model, then token
counts, requests, row within the file), never by where their files are (docs/report.md,
"Windows and caps"; qa16A #3: the order was the files' absolute paths, so renaming or moving
a file changed which request was served and which blocked)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json, write_csv

TS = "2026-10-05T10:00:00Z"
# the free plan's 5-hour window holds 50k credits: an Opus request of 20,000 output tokens
# (66,667 credits) crosses it on its own; a Haiku request of 100 output tokens does not
OPUS = ["free", "claude-opus-4-5", 0, 20000]
HAIKU = ["free", "claude-haiku-4-5", 0, 100]


def _files(tmp_path: Path, ids: tuple[str, str] | None) -> tuple[Path, Path]:
    header = ["user_id", "ts", "plan", "model", "input_tokens", "output_tokens"]
    if ids is None:
        return (write_csv(tmp_path / "logs" / "a.csv", header, [["u1", TS, *OPUS]]),
                write_csv(tmp_path / "logs" / "b.csv", header, [["u1", TS, *HAIKU]]))
    header = ["event_id", *header]
    return (write_csv(tmp_path / "logs" / "a.csv", header, [[ids[0], "u1", TS, *OPUS]]),
            write_csv(tmp_path / "logs" / "b.csv", header, [[ids[1], "u1", TS, *HAIKU]]))


def _user(doc: dict[str, Any]) -> dict[str, Any]:
    (row,) = doc["users"]["rows"]
    return {k: row[k] for k in ("requests", "blocked_requests", "gpu_cost_usd", "margin_usd",
                                "limits_bound")}


@pytest.mark.parametrize("ids", [("x1", "y1"), ("y1", "x1"), None])
def test_the_order_at_one_time_does_not_depend_on_file_names(tmp_path: Path,
                                                            ids: tuple[str, str] | None
                                                            ) -> None:
    opus, haiku = _files(tmp_path, ids)
    # the Opus file again under a name sorting after the Haiku file's, in another folder
    moved = tmp_path / "zz" / "zz_opus.csv"
    moved.parent.mkdir()
    shutil.copyfile(opus, moved)
    docs = [cli_json(["report", str(first), str(haiku), "--no-fit", "--by", "user"])
            for first in (opus, moved)]
    assert _user(docs[0]) == _user(docs[1])
    # by model, whatever the event ids: Haiku (claude-haiku sorts before claude-opus) first
    # leaves room for Opus, which crosses the cap; both served. By path (the old order),
    # logs/a.csv's Opus came first (served, Haiku blocked) and zz/zz_opus.csv's last
    got = _user(docs[0])
    assert (got["requests"], got["blocked_requests"], got["limits_bound"]) == (2, 0, "")
    scen = tmp_path / "noop.toml"
    scen.write_text('[scenario]\nname = "noop"\n', encoding="utf-8")
    blocked = []
    for first in (opus, moved):
        wi = cli_json(["whatif", str(first), str(haiku), "--scenario", str(scen)])
        people = {r["key"]: r["baseline"] for r in wi["whatif_people"]["rows"]}
        blocked.append(people["blocked_requests"])
    assert blocked == [got["blocked_requests"]] * 2
