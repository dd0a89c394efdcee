"""LiteLLM proxy tables, dumped as CSV or parquet.

``LiteLLM_SpendLogs`` (one row per request): request_id, startTime, end_user / user / team_id /
api_key, model, prompt_tokens, completion_tokens, spend, cache_hit, status, metadata (JSON with
usage details). The user is read per row: ``end_user`` (set only where the client passed
``user``), else ``user`` (the key's owner), else ``team:<team_id>``, else ``api_key:<hash>``.
LiteLLM reports OpenAI-style usage, so prompt_tokens include cached tokens. The cache counts
are no columns of their own: they sit in the ``metadata`` JSON (``usage_object``, the
request's usage as LiteLLM normalised it; older versions: ``additional_usage_values``, the
same usage less the prompt/completion/total counts): ``cache_read_input_tokens`` or
``prompt_tokens_details.cached_tokens`` (reads), ``cache_creation_input_tokens`` or
``prompt_tokens_details.cache_creation_tokens`` (writes), of which
``prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens`` have a 1-hour
lifetime. They are read per row and taken out of prompt_tokens the way LiteLLM put them in
(its Anthropic transformation adds both reads and writes into prompt_tokens; OpenAI's
prompt_tokens include the cached tokens): input = prompt - reads - writes; where prompt is
smaller than that, the writes were not in it (input = prompt - reads), and where prompt is
smaller than the reads, it holds no cache tokens at all (input = prompt). A row without
metadata, or whose metadata holds no cache counts, keeps input = prompt_tokens.

Rows that are not provider calls are counted by kind, not loaded: a cache hit (``cache_hit``
true: LiteLLM served a stored response, spend 0, no GPU work) and a failed request with no
tokens (``status`` failure).

``LiteLLM_DailyUserSpend`` (one row per user, day, key and model: aggregated): user_id, date,
api_key, model, prompt_tokens, completion_tokens, cache_read_input_tokens,
cache_creation_input_tokens, spend, api_requests. The other daily tables
(``LiteLLM_DailyEndUserSpend``, ``DailyTeamSpend``, ``DailyOrganizationSpend``,
``DailyAgentSpend``, ``DailyTagSpend``: schema.prisma) have the same columns with another id
column (end_user_id, team_id, organization_id, agent_id, tag): they are told by the shared
columns (date, prompt_tokens, completion_tokens, spend and api_requests, LiteLLM's own name:
a per-request export with api_key and spend is no daily table), and the
user is read from the id column there is (an end user as it is; ``team:``, ``org:``,
``agent:`` or ``tag:`` before the others), else ``api_key:<api_key>`` where it is empty (the
id is nullable: a service key with no owning user writes a user row without one). Tables of
different kinds covering the same dates hold the same requests: loaded together they are
refused (:func:`check_overlapping_daily_tables`). The tag
table counts a request once per tag it carries (``db_spend_update_writer.py`` adds the
request's whole usage under each of its tags), so its totals may exceed the requests': the
load says so. Its prompt_tokens are the SpendLogs'
(``db_spend_update_writer.py``: ``prompt_tokens=payload["prompt_tokens"]``), OpenAI-style, so
they include ``cache_read_input_tokens`` (every provider transformation adds cache reads into
prompt_tokens): input = prompt_tokens - cache_read_input_tokens. Cache writes are taken as
apart (older LiteLLM versions add only reads; recent ones also add Anthropic cache writes into
prompt_tokens too, which then count as input as well: docs/sources.md).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import FileLoad, display_path
from planalyzer.errors import InputError
from planalyzer.sources.json_counts import JsonCounts
from planalyzer.sources.mapping import normalise
from planalyzer.sources.preset import PresetSource, header_names
from planalyzer.sources.tabular import CACHE_READS_ABOVE_INPUT, Preset, present_text
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

CACHE_HIT = "cache hit (served by LiteLLM, no provider call)"
METADATA_NOTE = ("cache reads and writes read per row from metadata (usage_object, else "
                 "additional_usage_values) and taken out of prompt_tokens: input = "
                 "prompt_tokens - cache read - cache write")

# where LiteLLM's metadata holds the cache counts (the docstring)
_USAGE = ("$.usage_object", "$.additional_usage_values")
_READ = ("cache_read_input_tokens", "prompt_tokens_details.cached_tokens")
_WRITE = ("cache_creation_input_tokens", "prompt_tokens_details.cache_creation_tokens")
_WRITE_1H = ("prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens",)
_CACHE_COLUMNS = ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                  "cache_write_1h_tokens")
# where prompt_tokens or completion_tokens is empty: the request's own counts in usage_object
_FALLBACK = {"input_tokens": "$.usage_object.prompt_tokens",
             "output_tokens": "$.usage_object.completion_tokens"}
# every path read from the metadata, in one list: each row's metadata is parsed once (a
# subquery over the file) into the count at each path
_CACHE_PATHS = tuple(f"{usage}.{p}" for usage in _USAGE for p in (*_READ, *_WRITE, *_WRITE_1H))
_COUNTS = JsonCounts(_CACHE_PATHS + tuple(_FALLBACK.values()), "usage")
FAILED = "failed request (no tokens)"



class LiteLLM(PresetSource):
    name = "litellm"
    description = "LiteLLM SpendLogs (request_id, startTime, spend, prompt_tokens ...)"
    signature = ("request_id", "startTime", "spend", "prompt_tokens")
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("request_id",),
        "ts": ("startTime",),
        "user_id": ("end_user", "user", "team_id", "api_key"),
        "model": ("model", "model_group"),
        "input_tokens": ("prompt_tokens",),
        "output_tokens": ("completion_tokens",),
        "logged_cost_usd": ("spend",),
    }
    user_prefixes: ClassVar[dict[str, str]] = {"team_id": "team:", "api_key": "api_key:"}

    def resembles(self, names: set[str]) -> bool:
        # request_id and startTime are LiteLLM's spellings together; spend or api_key with them
        return {"request_id", "starttime"} <= names and bool(
            names & {"spend", "api_key", "end_user", "model_group"})

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        base = super().preset(present, opts)
        meta = present.get("metadata")
        cache = meta is not None and not any(c in opts.mapping.explicit for c in _CACHE_COLUMNS)
        if meta is not None:
            # the metadata is parsed once per row into the counts at every path (_COUNTS),
            # and a count read there that cannot be used rejects the row (never read as 0)
            fallback = {c: path for c, path in _FALLBACK.items()
                        if c not in opts.mapping.explicit}
            cells = {c: present[n] for c, n in (("input_tokens", "prompt_tokens"),
                                                ("output_tokens", "completion_tokens"))
                     if n in present and c not in opts.mapping.explicit}

            def row_columns(types: dict[str, str]) -> dict[str, str]:
                read = [(p, "true") for p in _CACHE_PATHS if cache]
                # a fallback count is read only where the file's own cell is empty
                read += [(path, f"{present_text('src.' + quote_ident(cells[c]), types[cells[c]])}"
                          " IS NULL" if c in cells else "true")
                         for c, path in fallback.items()]
                return _COUNTS.row_columns("src." + quote_ident(meta), types[meta], read)

            base = replace(base, row_columns=row_columns,
                           fallback=lambda types: {c: _COUNTS.at(path)
                                                   for c, path in fallback.items()},
                           problem=lambda types: _COUNTS.problem(),
                           uses=(*base.uses, meta))
        if cache:
            base = replace(base, tokens=lambda types, values: _cache_from_metadata(values),
                           notes=(*base.notes, METADATA_NOTE))
        hit, status = present.get("cache_hit"), present.get("status")
        tokens = [present[n] for n in ("prompt_tokens", "completion_tokens") if n in present]
        if hit is None and status is None:
            return base

        def skip(types: dict[str, str]) -> str | None:
            whens = []
            if hit is not None:
                v = present_text("src." + quote_ident(hit), types[hit])
                whens.append(f"WHEN lower({v}) IN ('true', '1', 't', 'yes') THEN '{CACHE_HIT}'")
            if status is not None:
                v = present_text("src." + quote_ident(status), types[status])
                none = " AND ".join(
                    f"coalesce(TRY_CAST({present_text('src.' + quote_ident(c), types[c])} "
                    "AS DOUBLE), 0) = 0" for c in tokens) or "true"
                whens.append(f"WHEN lower({v}) IN ('failure', 'failed', 'error') AND {none} "
                             f"THEN '{FAILED}'")
            return f"CASE {' '.join(whens)} END"

        return replace(base, skip=skip, uses=(*base.uses, *(c for c in (hit, status) if c)))


def _count_at(paths: tuple[str, ...]) -> str:
    """The largest count found at any of ``paths`` under either usage object (0 where none
    is)."""
    return _COUNTS.largest(tuple(f"{usage}.{p}" for usage in _USAGE for p in paths))


def _cache_from_metadata(values: dict[str, str]) -> dict[str, str]:
    """input, cache read and cache write expressions from the metadata JSON (the docstring)."""
    read, write = _count_at(_READ), _count_at(_WRITE)
    write_1h = f"least({_count_at(_WRITE_1H)}, {write})"
    # the prompt is evaluated once (a lambda over a one-element list): its expression parses
    # the text cell, and the CASE would repeat it
    return {
        "input_tokens": (f"list_transform([{values['input_tokens']}], lambda p: "
                         f"CASE WHEN p >= {read} + {write} THEN p - {read} - {write} "
                         f"WHEN p >= {read} THEN p - {read} ELSE p END)[1]"),
        "cache_read_tokens": read,
        "cache_write_tokens": f"({write} - {write_1h})",
        "cache_write_1h_tokens": write_1h,
    }


# the columns every LiteLLM daily spend table has (with api_requests), and each
# table's id column, with the prefix its values get (the docstring)
_DAILY_COLUMNS = ("date", "prompt_tokens", "completion_tokens", "spend")
_DAILY_IDS = {"user_id": "", "end_user_id": "", "team_id": "team:",
              "organization_id": "org:", "agent_id": "agent:", "tag": "tag:"}
# each id column's table, for the messages
_DAILY_KINDS = {"user_id": "user", "end_user_id": "end-user", "team_id": "team",
                "organization_id": "organization", "agent_id": "agent", "tag": "tag"}
TAG_NOTE = ("a request is counted once per tag it carries (LiteLLM_DailyTagSpend): totals "
            "may exceed the requests'")


def looks_daily(names: set[str]) -> bool:
    """Whether normalised column names are a LiteLLM daily spend table's, detected or not (an
    export of some of its columns: the error for a file read as generic names
    ``--source litellm-daily``)."""
    # a column LiteLLM names so (user_id, tag or api_key alone are any export's)
    return {"date", "prompt_tokens"} <= names and bool(names & {
        "api_requests", "successful_requests", "failed_requests", "end_user_id", "team_id",
        "organization_id", "agent_id"})


class LiteLLMDaily(PresetSource):
    name = "litellm-daily"
    description = ("LiteLLM daily spend tables: user, end user, team, organization, agent or "
                   "tag (date, api_requests, spend ...)")
    aggregated = True
    input_includes_cache_read = True  # prompt_tokens are OpenAI-style (see the docstring)
    signature = _DAILY_COLUMNS
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("id",),
        "ts": ("date",),
        "user_id": (*_DAILY_IDS, "api_key"),
        "model": ("model", "model_group"),
        "input_tokens": ("prompt_tokens",),
        "cache_read_tokens": ("cache_read_input_tokens",),
        "cache_write_tokens": ("cache_creation_input_tokens",),
        "output_tokens": ("completion_tokens",),
        "requests": ("api_requests",),
        "logged_cost_usd": ("spend",),
    }
    user_prefixes: ClassVar[dict[str, str]] = {
        **{c: p for c, p in _DAILY_IDS.items() if p}, "api_key": "api_key:"}

    def sniff(self, path: Path, head: bytes) -> bool:
        names = header_names(head)
        # api_requests is LiteLLM's own name (every daily table has it: schema.prisma); date,
        # prompt_tokens, spend and api_key are any per-request export's too
        return all(c in names for c in (*_DAILY_COLUMNS, "api_requests"))

    def resembles(self, names: set[str]) -> bool:
        return looks_daily(names)

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        base = super().preset(present, opts)
        if (base.user_prefix is not None
                and normalise(base.user_prefix[0]) == "tag"):  # the tag table
            return replace(base, notes=(*base.notes, TAG_NOTE))
        return base

    def load_notes(self, loads: list[FileLoad]) -> list[str]:
        """A row whose prompt_tokens are fewer than its cache reads is rejected (cache reads
        above the input that includes them): said, with how to load a file whose
        prompt_tokens exclude the cache. The tag table's totals may exceed the requests'."""
        notes = []
        for fl in loads:
            if TAG_NOTE in fl.mapping:
                notes.append(
                    f"{display_path(fl.source)}: users are tags (LiteLLM_DailyTagSpend), and "
                    "LiteLLM adds a request's whole usage under each tag it carries: a "
                    "request with two tags is counted twice, so this file's requests, tokens "
                    "and spend may exceed the real ones; load the user or end-user daily "
                    "table (or the SpendLogs) for totals")
            n = fl.rejected_by_reason.get(CACHE_READS_ABOVE_INPUT, 0)
            if n:
                notes.append(
                    f"{display_path(fl.source)}: {n:,} row(s) rejected as "
                    f"{CACHE_READS_ABOVE_INPUT}: where "
                    "prompt_tokens are fewer than cache_read_input_tokens, this file's "
                    "prompt_tokens seem to exclude the cache tokens (LiteLLM versions and call "
                    "types differ: docs/sources.md); load it with --mapping FILE.toml, FILE "
                    "holding the line input_includes_cache_read = false")
        return notes




def check_overlapping_daily_tables(con: duckdb.DuckDBPyConnection) -> None:
    """LiteLLM daily tables of different kinds (user, end user, team, organization, agent,
    tag) covering the same dates each hold the same requests: loaded together they would
    count them twice (sql/overlapping_daily_tables.sql). Refused, naming the files, also
    against the tables a --db file already holds."""
    rows = sqlfiles.run(con, "overlapping_daily_tables").fetchall()
    if not rows:
        return
    tables: dict[str, set[str]] = {}
    for kind_a, kind_b, _days, _first, sources_a, sources_b in rows:
        tables.setdefault(kind_a, set()).update(sources_a)
        tables.setdefault(kind_b, set()).update(sources_b)
    days = max(int(r[2]) for r in rows)
    first = min(str(r[3]) for r in rows)
    names = "; ".join(f"{_DAILY_KINDS.get(normalise(k), k)} table: "
                      f"{', '.join(display_path(s) for s in sorted(sources))}"
                      for k, sources in sorted(tables.items()))
    raise InputError(f"LiteLLM daily tables of {len(tables)} kinds cover the same dates "
                     f"({days:,} date(s) from {first}; {names}): each daily table holds every "
                     "request (the tag table once per tag), so loaded together they count the "
                     "same requests twice; load one kind of daily table (leave the others out, "
                     "or load them into another --db file)")
