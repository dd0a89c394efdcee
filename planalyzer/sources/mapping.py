"""Which of a file's columns is which canonical column.

Explicit ``--map canonical=theirs`` options and a mapping file win; otherwise common spellings
are recognised (user, account_id, prompt_tokens, completion_tokens, cached_tokens,
created_at ...). The mapping used is always reported, so a user can check it. ``--map
event_id=`` (an empty column) reads no event id, where a file's ``id`` numbers its rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from planalyzer.errors import ConfigError
from planalyzer.schema import EVENT_COLUMN_NAMES
from planalyzer.strict_toml import read_toml

MAPPABLE: tuple[str, ...] = tuple(c for c in EVENT_COLUMN_NAMES if c != "source")
# the canonical columns an empty column name may be given for: none is read (``--map
# event_id=``: the file has no event id, its rows are never duplicates by id)
UNMAPPABLE: tuple[str, ...] = ("event_id",)
NO_EVENT_ID = "no event_id ({given}): no row is a duplicate by id"

# Spellings seen in real exports, in order of preference, normalised (lower case, '_' for any
# run of non-alphanumerics). The canonical name itself always matches first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "event_id": ("id", "request_id", "requestid", "generation_id", "message_id", "uuid",
                 "log_id", "call_id"),
    "ts": ("timestamp", "time", "created_at", "createdat", "created", "start_time",
           "starttime", "request_time", "datetime", "date_time", "event_time", "occurred_at"),
    "user_id": ("user", "userid", "account_id", "account", "customer_id", "customer",
                "end_user", "subscriber_id", "member_id", "email", "user_email"),
    "plan": ("plan_name", "tier", "subscription", "subscription_type", "plan_id"),
    "model": ("model_name", "model_id", "model_permaslug", "engine"),
    "input_tokens": ("prompt_tokens", "tokens_prompt", "input", "uncached_input_tokens",
                     "prompt_token_count", "n_input_tokens"),
    "cache_write_tokens": ("cache_creation_input_tokens", "cache_creation_tokens",
                           "cache_write_5m_tokens", "cache_creation_5m_tokens",
                           "cache_write_input_tokens", "ephemeral_5m_input_tokens",
                           "cache_creation_ephemeral_5m_input_tokens", "cache_write",
                           "cache_writes"),
    # 'cache_creation.ephemeral_1h_input_tokens' (a flattened Anthropic usage) normalises to
    # the last spelling
    "cache_write_1h_tokens": ("cache_creation_1h_tokens", "cache_creation_1h_input_tokens",
                              "ephemeral_1h_input_tokens",
                              "cache_creation_ephemeral_1h_input_tokens", "cache_write_1h"),
    "cache_read_tokens": ("cache_read_input_tokens", "cached_tokens", "tokens_cached",
                          "cached_input_tokens", "input_cached_tokens", "cache_hit_tokens",
                          "input_tokens_details_cached_tokens",
                          "prompt_tokens_details_cached_tokens", "cache_read", "cache_reads",
                          "cache_read_input"),
    "output_tokens": ("completion_tokens", "tokens_completion", "output",
                      "generated_tokens", "candidates_token_count", "n_output_tokens"),
    "requests": ("request_count", "num_requests", "n_requests", "num_model_requests", "count"),
    "logged_cost_usd": ("cost_usd", "cost", "spend", "cost_total", "total_cost", "price_usd",
                        "usage_usd"),
}

# Cache-read spellings from exports (OpenAI's) that count cached tokens inside prompt tokens.
_INCLUSIVE_CACHE_NAMES = frozenset({"cached_tokens", "cached_input_tokens",
                                    "input_cached_tokens", "input_tokens_details_cached_tokens",
                                    "prompt_tokens_details_cached_tokens"})

# Cache-write spellings that are Anthropic's TOTAL of cache writes (5-minute + 1-hour): with a
# 1-hour column mapped too, the 5-minute writes are the total less the 1-hour ones (as the
# Claude Code source reads message.usage), or the file's own 5-minute column where it has one.
_TOTAL_WRITE_NAMES = frozenset({"cache_creation_input_tokens", "cache_creation_tokens"})
_5M_WRITE_NAMES = ("ephemeral_5m_input_tokens", "cache_creation_ephemeral_5m_input_tokens",
                   "cache_write_5m_tokens", "cache_creation_5m_tokens")


def normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class MappingSpec:
    """What the user asked for: explicit pairs and options, before seeing any file. An empty
    column name (``event_id``: ``UNMAPPABLE``) reads no column for it."""

    explicit: dict[str, str] = field(default_factory=dict)
    input_includes_cache_read: bool | None = None  # None: decide from the column names
    # the mapping file (--mapping) the entries of ``from_file`` came from; the others came
    # from --map options (or the library's caller): errors and notes name where each was given
    mapping_file: str | None = None
    from_file: frozenset[str] = frozenset()

    def given(self, canon: str) -> str:
        """Where the entry for ``canon`` was given, as the user wrote it: ``--map
        user_id=acct``, or ``user_id = "acct" in mapping file m.toml``."""
        theirs = self.explicit.get(canon, "")
        if canon in self.from_file and self.mapping_file is not None:
            quoted = '"' + theirs.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return f"{canon} = {quoted} in mapping file {self.mapping_file}"
        return f"--map {canon}={theirs}"

    def __post_init__(self) -> None:
        """``explicit`` maps canonical column names (``MAPPABLE``) to the file's: a key that
        is not one, or a value that is not a column name, is a ConfigError naming it."""
        if not isinstance(self.explicit, dict):
            raise ConfigError("MappingSpec.explicit: give a dict of canonical column -> the "
                              "file's column, for example {'user_id': 'account'}")
        for canon, theirs in self.explicit.items():
            if canon not in MAPPABLE:
                raise ConfigError(f"MappingSpec: {canon!r} is not a canonical column; use one "
                                  "of " + ", ".join(MAPPABLE))
            if not isinstance(theirs, str) or not (theirs or canon in UNMAPPABLE):
                raise ConfigError(f"MappingSpec: {canon}={theirs!r}: give the file's column "
                                  "name as a string")
        if self.input_includes_cache_read not in (None, True, False):
            raise ConfigError("MappingSpec.input_includes_cache_read: True, False or None "
                              f"(decide from the column names), not "
                              f"{self.input_includes_cache_read!r}")


@dataclass(frozen=True)
class ColumnMapping:
    """The mapping used for one file: canonical -> the file's column, and how it was chosen."""

    columns: dict[str, str]
    how: dict[str, str]  # canonical -> "given" | "recognised"
    input_includes_cache_read: bool
    # cache_write_tokens = the mapped column less cache_write_1h_tokens (the column is
    # Anthropic's total of cache writes, 1-hour ones included)
    cache_write_includes_1h: bool = False
    # user_id read per row from the first non-empty of its column and these ("team:<team_id>"
    # as a column shown with the prefix its values get), then a constant
    user_fallbacks: tuple[str, ...] = ()
    user_prefix: str = ""  # the user column's own values get it ("team:<team_id>")
    notes: tuple[str, ...] = ()  # what else a reader should know (a cost column's unit)
    # token classes read as 0 while columns that look like counts go unused
    # (planalyzer.sources.unmapped): the classes, shown with the mapping, and the load's note
    unread_classes: tuple[str, ...] = ()
    unread: str | None = None

    def user_chain(self) -> str:
        """The columns user_id is read from, per row, in order (empty: one column)."""
        if not (self.user_fallbacks or self.user_prefix) or "user_id" not in self.columns:
            return ""
        main = self.columns["user_id"]
        return ", else ".join((f"{self.user_prefix}<{main}>" if self.user_prefix else main,
                               *self.user_fallbacks))

    def describe(self) -> str:
        parts = []
        for canon in MAPPABLE:
            if canon in self.columns:
                theirs = self.columns[canon]
                tag = "" if theirs == canon else f"={theirs}"
                parts.append(f"{canon}{tag}")
        text = ", ".join(parts)
        if self.user_fallbacks and self.user_chain():
            text += f" (user_id per row: the first non-empty of {self.user_chain()})"
        elif self.user_chain():
            text += f" (user_id = {self.user_chain()})"
        if self.input_includes_cache_read:
            text += " (input_tokens = input - cache_read: the source counts cached tokens inside)"
        for note in self.notes:
            text += f" ({note})"
        if self.unread_classes:
            text += f" ({', '.join(self.unread_classes)}: no column, read as 0)"
        return text


def parse_map_options(options: Sequence[str]) -> dict[str, str]:
    """``["user_id=account", ...]`` -> dict; errors name the bad option. ``event_id=`` (no
    column) maps to ``""``: no event id is read."""
    out: dict[str, str] = {}
    for opt in options:
        canon, sep, theirs = opt.partition("=")
        canon, theirs = canon.strip(), theirs.strip()
        if not sep or not canon or not (theirs or canon in UNMAPPABLE):
            raise ConfigError(f"--map {opt!r}: write it as canonical=their_column, "
                              "for example --map user_id=account (an empty column is for "
                              "event_id only: --map event_id= reads no event id)")
        if canon not in MAPPABLE:
            raise ConfigError(f"--map {opt!r}: {canon!r} is not a canonical column; use one of "
                              + ", ".join(MAPPABLE))
        if out.get(canon, theirs) != theirs:
            raise ConfigError(f"--map: {canon} is mapped twice ({canon}={out[canon]} and "
                              f"{canon}={theirs}); give one --map {canon}=COLUMN")
        out[canon] = theirs
    return out


def read_mapping_file(path: str | Path) -> MappingSpec:
    """A TOML mapping file: ``[columns]`` canonical = "theirs" (``event_id = ""``: no event
    id), and optional ``input_includes_cache_read = true|false``. Unknown keys are errors."""
    path = Path(path)
    doc = read_toml(path, hint="check the --mapping path", what="mapping file")
    allowed = {"columns", "input_includes_cache_read"}
    for key in doc:
        if key not in allowed:
            raise ConfigError(f"{path}: unknown key {key!r}; allowed: {', '.join(sorted(allowed))}")
    cols = doc.get("columns", {})
    if not isinstance(cols, dict):
        raise ConfigError(f"{path}: 'columns' must be a table of canonical = \"their_column\"")
    explicit: dict[str, str] = {}
    for canon, theirs in cols.items():
        if canon not in MAPPABLE:
            raise ConfigError(f"{path}: columns.{canon} is not a canonical column; use one of "
                              + ", ".join(MAPPABLE))
        if not isinstance(theirs, str) or not (theirs or canon in UNMAPPABLE):
            raise ConfigError(f"{path}: columns.{canon} must be a string (a column name; "
                              "event_id = \"\" reads no event id)")
        explicit[canon] = theirs
    inclusive = doc.get("input_includes_cache_read")
    if inclusive is not None and not isinstance(inclusive, bool):
        raise ConfigError(f"{path}: input_includes_cache_read must be true or false")
    return MappingSpec(explicit=explicit, input_includes_cache_read=inclusive,
                       mapping_file=str(path), from_file=frozenset(explicit))


def merge_specs(file_spec: MappingSpec | None, options: dict[str, str]) -> MappingSpec:
    """A mapping file's entries, and the --map options over them (an option wins)."""
    base = dict(file_spec.explicit) if file_spec else {}
    base.update(options)
    if file_spec is None:
        return MappingSpec(explicit=base)
    return MappingSpec(explicit=base, input_includes_cache_read=file_spec.input_includes_cache_read,
                       mapping_file=file_spec.mapping_file,
                       from_file=file_spec.from_file - set(options))


def detect(columns: Iterable[str], spec: MappingSpec, where: str) -> ColumnMapping:
    """Map a file's columns; explicit pairs must exist in the file (error names both). A
    canonical column given no column (``event_id=``) is neither read nor recognised."""
    cols = list(columns)
    by_norm: dict[str, str] = {}
    for c in cols:
        by_norm.setdefault(normalise(c), c)
    chosen: dict[str, str] = {}
    how: dict[str, str] = {}
    notes: list[str] = []
    for canon, theirs in spec.explicit.items():
        if not theirs:
            how[canon] = "given"
            notes.append(NO_EVENT_ID.format(given=spec.given(canon)))
            continue
        if theirs not in cols:
            match = by_norm.get(normalise(theirs))
            if match is None:
                raise ConfigError(f"{where}: {spec.given(canon)}: the data file has no column "
                                  f"{theirs!r}; its columns are: {', '.join(cols)}"
                                  f"{_field_hint(theirs, cols)}")
            theirs = match
        chosen[canon] = theirs
        how[canon] = "given"
    taken = set(chosen.values())
    for canon in MAPPABLE:
        if canon in chosen or canon in spec.explicit:
            continue
        for cand in (canon, *SYNONYMS.get(canon, ())):
            col = by_norm.get(normalise(cand))
            if col is not None and col not in taken:
                chosen[canon] = col
                how[canon] = "recognised"
                taken.add(col)
                break
    inclusive = spec.input_includes_cache_read
    if inclusive is None:
        cr = chosen.get("cache_read_tokens")
        inclusive = (cr is not None and "input_tokens" in chosen
                     and normalise(cr) in _INCLUSIVE_CACHE_NAMES)
    write_total = _write_total(chosen, how, by_norm, taken, notes)
    if write_total:
        notes.append(f"cache_write_tokens = {chosen['cache_write_tokens']} - "
                     f"{chosen['cache_write_1h_tokens']}: the 5-minute writes (the first is "
                     "the total of cache writes, 1-hour ones included)")
    return ColumnMapping(columns=chosen, how=how, input_includes_cache_read=inclusive,
                         cache_write_includes_1h=write_total, notes=tuple(notes))


def _field_hint(theirs: str, cols: list[str]) -> str:
    """Where a --map names a field inside a column (``usageDetails.input``: the part before a
    dot is a column), that --map names top-level columns only, and what to do instead."""
    head = theirs.split(".", 1)[0]
    if "." not in theirs or head not in cols:
        return ""
    return (f" (--map names a top-level column, not a field inside {head}: write the field "
            f"as a column of its own first, as pandas.json_normalize does, naming it {theirs})")


def _write_total(chosen: dict[str, str], how: dict[str, str], by_norm: dict[str, str],
                 taken: set[str], notes: list[str]) -> bool:
    """Where cache_write_tokens is Anthropic's total of cache writes and a 1-hour column is
    mapped too: take the file's 5-minute column instead where it has one (and cache_write was
    recognised, not given), else return True: cache_write = total - 1-hour (``chosen`` and
    ``notes`` are updated in place)."""
    cw = chosen.get("cache_write_tokens")
    if cw is None or "cache_write_1h_tokens" not in chosen \
            or normalise(cw) not in _TOTAL_WRITE_NAMES:
        return False
    if how.get("cache_write_tokens") == "recognised":
        for name in _5M_WRITE_NAMES:
            col = by_norm.get(name)
            if col is not None and col not in taken:
                chosen["cache_write_tokens"] = col
                taken.discard(cw)
                taken.add(col)
                notes.append(f"cache_write_tokens: {col}, the 5-minute writes; {cw} is the "
                             "total of cache writes, 1-hour ones included, and is not used")
                return False
    return True
