"""Token classes a file gives no column for, while columns that look like token counts go
unused: the load says so (such a class is read as 0, which understates value and cost).

A column "looks like a token count" when it holds numbers (a numeric column, or text whose
cells are numbers: a CSV's) and its name has ``token``,
``tok``, ``input``, ``output``, ``prompt``, ``completion``, ``cache`` / ``cached`` or
``reasoning`` in it, and nothing that says money or time (``cost``, ``price``, ``usd``,
``latency``, ``ms`` ...), a request parameter or key (``max_tokens``, ``prompt_id``,
``prompt_version``) or a count of other things (``input_images``). Parts and sums of other
counts (``reasoning``, ``audio``, ``prediction``, ``uncached`` and ``total`` columns) are named
only where input or output itself has no column: beside mapped input and output counts they
are details, not a missing class. A --map is suggested for a column plainly of a missing class,
or, for one of no class plainly, only where input or output is the missing class: never a
cache class, which the file's input count may already hold (a double count).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from planalyzer.schema import TOKEN_COLUMNS
from planalyzer.sources.mapping import ColumnMapping, normalise

_LOOKS_LIKE_TOKENS = re.compile(
    r"token|(^|_)toks?($|_)|input|output|prompt|completion|cach|reasoning")
_NOT_TOKENS = re.compile(
    r"cost|price|usd|eur|dollar|cent|spend|latency|duration|time|second|(^|_)(ms|sec|secs|"
    r"chars?|characters|bytes|len|length|rate|per|pct|percent|ratio|share)($|_)")
# request parameters and keys, not counts: an output limit (max_tokens), a prompt's id or
# version (prompt management), a count of something else than tokens (input_images)
_NOT_A_COUNT = re.compile(
    r"(^|_)(max|min|limit|limits|cap|budget|id|ids|uuid|key|hash|version|ver|name|type|"
    r"template|temperature|temp|top_p|top_k)($|_)")
_OTHER_THING = re.compile(
    r"(^|_)(images?|imgs?|files?|audios?|videos?|pages?|documents?|docs?|attachments?|"
    r"messages?|msgs?|turns?|calls?|tools?|chunks?|words?)($|_)")
_PART_OR_SUM = re.compile(r"total|(^|_)sums?($|_)|reasoning|audio|prediction|uncached")
# of output or input, never a cache class (uncached: the input's part that is no cache read
# or write, OpenAI's input_uncached_tokens)
_PART = re.compile(r"reasoning|audio|prediction|uncached")
_CACHE = re.compile(r"(?<!un)cach")  # cache, cached, caching; not uncached
_WRITE = re.compile(r"writ|creat|(^|_)cw($|_)")
_CW = re.compile(r"(^|_)cw($|_)")  # a cache write on its own (tok_cw)

# the numeric column types a count may come in (DuckDB's names, bases without arguments)
_NUMBER_TYPES = frozenset({
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
    "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "INT1", "INT2", "INT4",
    "INT8", "REAL", "NUMERIC"})


def is_number(type_name: str) -> bool:
    """A numeric column type (else text, JSON ...: its cells may still hold numbers)."""
    return re.sub(r"\(.*\)$", "", type_name.strip().upper()) in _NUMBER_TYPES


def _is_text(type_name: str) -> bool:
    return type_name.strip().upper() in ("VARCHAR", "JSON", "TEXT", "STRING")


def _fits(canon: str, name: str) -> bool:
    """Whether a column named ``name`` (normalised) is plainly of token class ``canon``."""
    cache = bool(_CACHE.search(name))
    # a total or sum is input's (cached included) or a cache class's own (cached_tokens_total)
    if canon != "input_tokens" and (_PART.search(name)
                                    or (_PART_OR_SUM.search(name) and not cache)):
        return False
    if canon == "input_tokens":
        return bool(re.search(r"input|prompt|(^|_)in($|_)", name)) and not cache \
            and not re.search(r"output|completion", name)
    if canon == "output_tokens":
        return bool(re.search(r"output|completion|generated|(^|_)out($|_)", name)) \
            and not cache
    write = bool(_WRITE.search(name))
    cache = cache or bool(_CW.search(name))
    one_hour = bool(re.search(r"1h|1_h|hour", name))
    if canon == "cache_read_tokens":
        return cache and not write
    if canon == "cache_write_tokens":
        return cache and write and not one_hour
    return write and one_hour  # cache_write_1h_tokens


def candidates(types: Mapping[str, str], mapping: ColumnMapping, provided: Iterable[str] = (),
               used: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """The token classes with no column (and not ``provided`` by a source of its own), and,
    where there are some, the columns not used (``used``: read besides the mapping's) whose
    name and type (``types``: column -> DuckDB type) look like token counts; a text column
    among them counts only where its cells hold numbers (the caller checks)."""
    missing = [c for c in TOKEN_COLUMNS if c not in mapping.columns and c not in set(provided)]
    if not missing:
        return [], []
    taken = set(mapping.columns.values()) | set(used)
    details = "input_tokens" in mapping.columns and "output_tokens" in mapping.columns
    alike = [c for c, t in types.items()
             if c not in taken and (is_number(t) or _is_text(t))
             and _looks_like_tokens(normalise(c))
             and not (details and _PART_OR_SUM.search(normalise(c))
                      and not any(_fits(m, normalise(c)) for m in missing))]
    return missing, alike


def _looks_like_tokens(name: str) -> bool:
    """A (normalised) column name that may be a token count: not money or time, not a
    request parameter or key (max_tokens, prompt_id, prompt_version), not a count of images,
    files or messages (input_images; image_tokens still counts)."""
    return (bool(_LOOKS_LIKE_TOKENS.search(name)) and not _NOT_TOKENS.search(name)
            and not _NOT_A_COUNT.search(name)
            and not (_OTHER_THING.search(name) and "tok" not in name))


def note(missing: list[str], alike: list[str]) -> str | None:
    """The note for token classes ``missing`` read as 0 while columns ``alike`` that look
    like token counts go unused, with the --map to give; None where there is nothing to say."""
    if not missing or not alike:
        return None
    maps: list[str] = []
    free = list(alike)
    for canon in missing:
        fits = [c for c in free if _fits(canon, normalise(c))]
        if canon == "input_tokens":  # the uncached part first, else a total
            fits.sort(key=lambda c: (0 if "uncached" in normalise(c) else
                                     1 if "total" in normalise(c) else 2))
        if fits:
            maps.append(f"--map {canon}={fits[0]}")
            free.remove(fits[0])
    core = [c for c in missing if c in ("input_tokens", "output_tokens")]
    if not maps and not core:
        # none plainly of a missing class, and input and output have their columns: such
        # columns are details of those (or not counts at all), not a missing class
        return None
    parts = [" ".join(maps)] if maps else []
    unplaced = [c for c in free if c in alike]
    if unplaced and core:  # every column listed is in a --map, or the note says it fits none
        parts.append(f"{', '.join(unplaced)}: of no class plainly, --map "
                     f"{core[0]}={unplaced[0]} if "
                     f"{'it counts that' if len(unplaced) == 1 else 'one counts that'}")
    elif unplaced:  # never a cache class for a column not plainly one: the input may hold it
        parts.append(f"{', '.join(unplaced)}: of no class plainly (no --map suggested: a "
                     "part of the input mapped as a cache class would count twice)")
    hint = ("if they are, name them: " if maps else "if one is, name it: ") + "; ".join(parts)
    return (f"{', '.join(missing)}: no column, read as 0; columns not used that look like "
            f"token counts: {', '.join(alike)}; {hint}")
