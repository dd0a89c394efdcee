"""``LoadOptions`` values checked when the options are made, named as the fields a library
user sets (the CLI checks its --flags first, with the same checks: planalyzer.checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planalyzer.checks import check_choice, check_min
from planalyzer.errors import ConfigError
from planalyzer.sources.mapping import MappingSpec
from planalyzer.sources.tabular import READERS
from planalyzer.timezones import check_timezone

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

INPUT_FORMATS: tuple[str, ...] = tuple(READERS)  # parquet, csv, jsonl


def check_load_options(opts: LoadOptions) -> None:
    """A UsageError/ConfigError naming the ``LoadOptions`` field that is out of range or of
    the wrong kind; a ``dedupe_on`` given as one "a,b" string is split into its columns."""
    for name, why in (("max_tokens", "tokens per class per request"),
                      ("bucket_prompt_tokens", "the assumed mean prompt tokens per request")):
        value = getattr(opts, name)
        if isinstance(value, bool) or not isinstance(value, int):  # 1.5, "10": not a count
            raise ConfigError(f"LoadOptions.{name} {value!r}: give a whole number ({why})")
        check_min(f"LoadOptions.{name}", value, 1, why)
    # "", None: refused when made
    check_timezone(opts.timezone, "LoadOptions.timezone", polars=False)
    if opts.input_format is not None:
        check_choice("LoadOptions.input_format", opts.input_format, INPUT_FORMATS)
    if not isinstance(opts.mapping, MappingSpec):
        raise ConfigError(f"LoadOptions.mapping: {type(opts.mapping).__name__} given; give a "
                          "MappingSpec({'user_id': 'their_column', ...}) "
                          "(planalyzer.sources.mapping)")
    if isinstance(opts.dedupe_on, str):  # "a,b": the columns, as --dedupe-on takes them
        object.__setattr__(opts, "dedupe_on", tuple(
            c.strip() for c in opts.dedupe_on.split(",") if c.strip()))
    if not isinstance(opts.user_map, dict):
        raise ConfigError("LoadOptions.user_map: give a dict of folder name -> user id")
