"""Options and arguments the command line's commands share (typer annotations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planalyzer.checks import parse_number
from planalyzer.sources.registry import names as source_names

SourcesArg = Annotated[list[str], typer.Argument(
    help="Log files, folders or globs (parquet, CSV, JSON lines); hive folders are searched.")]
AnalysisSourcesArg = Annotated[list[str] | None, typer.Argument(
    help="Log files, folders or globs (parquet, CSV, JSON lines); hive folders are searched. "
    "With --db, none: the events the file holds.", show_default=False)]
DbOpt = Annotated[Path | None, typer.Option(
    "--db", help="Keep a DuckDB file; later runs load only new or changed files (report, "
    "costs and the what-if commands given no sources read the events it holds).")]
MeDbOpt = Annotated[Path | None, typer.Option(
    "--db", help="Keep what me loaded in a DuckDB file: the next run reads only new or "
    "changed files (the folders are still read; report --db FILE analyses the store).")]
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", help="Output format: table, json, csv or markdown.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or notes (rejected rows are still counted on stderr).")]
PlainQuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress, and no line under the tables.")]
MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", help="Column mapping canonical=theirs, e.g. --map user_id=account (repeatable); "
    "--map event_id= reads no event id.")]
MappingFileOpt = Annotated[Path | None, typer.Option(
    "--mapping", help="TOML mapping file: [columns] canonical = \"theirs\".")]
TzOpt = Annotated[str, typer.Option(
    "--timezone", "--tz", help="Zone of timestamps without an offset, and of day/month "
    "boundaries in reports (IANA name).")]
LoadTzOpt = Annotated[str, typer.Option(
    "--timezone", "--tz", help="Zone of timestamps without an offset in this load (IANA "
    "name); the store keeps UTC: reports take their own --timezone for day and month "
    "boundaries.")]
DedupeOpt = Annotated[str | None, typer.Option(
    "--dedupe-on", help="Drop rows repeating these canonical columns (comma-separated); "
    "without it only repeated event_id values are duplicates.")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Fail (exit 2) if any row is rejected; nothing is loaded.")]
PricingStrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Fail (exit 2) if any row is rejected, a logged model is not in the "
    "cost catalog or has no API list price, or (report and the what-if commands) a logged "
    "plan is not in the plan catalog.")]
MaxTokensOpt = Annotated[int, typer.Option(
    "--max-tokens", help="Reject a row whose token count in any class exceeds this per "
    "request (a row of n requests, a usage bucket, may hold n times it).")]
BucketPromptTokensOpt = Annotated[int, typer.Option(
    "--bucket-prompt-tokens", help="Assumed mean prompt tokens per request of a usage bucket "
    "that logs no request count (Anthropic usage reports): its count is estimated as its "
    "prompt tokens / this; GPU cost rests on it.")]
InputFormatOpt = Annotated[str | None, typer.Option(
    "--input-format", help="Read every source as parquet, csv or jsonl, whatever its extension.")]
SourceOpt = Annotated[str | None, typer.Option(
    "--source", help="Log format: " + ", ".join(source_names()) + " (default: detected "
    "from each folder's layout and each file's content).")]
UserOpt = Annotated[str | None, typer.Option(
    "--user", help="User id for a single user's transcript folder (default: me; every "
    "folder named is that user's: several people's folders without --user are named by their "
    "home folders).")]
UserMapOpt = Annotated[Path | None, typer.Option(
    "--user-map", help="TOML [users] table: folder name = \"user id\", for a folder of "
    "users' transcript folders (or several people's home folders named).")]

CostsOpt = Annotated[Path | None, typer.Option(
    "--costs", help="TOML overriding or extending the cost catalogs (hardware, models, serving).")]
PricesOpt = Annotated[Path | None, typer.Option(
    "--prices", help="API list prices: a TOML catalog or a LiteLLM "
    "model_prices_and_context_window.json.")]

PlansOpt = Annotated[Path | None, typer.Option(
    "--plans", help="Plan catalog TOML (default: the shipped catalog).")]
CostsFileOpt = Annotated[Path | None, typer.Option(
    "--costs", help="Cost catalog TOML (default: the shipped cost model).")]
AssignOpt = Annotated[list[str] | None, typer.Option(
    "--assign", help="USER_GLOB=PLAN, first match wins (repeatable); overrides the "
    "plan file and the logs' plan column.")]
PlanFileOpt = Annotated[Path | None, typer.Option(
    "--plan-file", help="CSV or parquet with columns user_id, plan.")]
MonthOpt = Annotated[list[str] | None, typer.Option(
    "--month", help="Billing month(s) to report, YYYY-MM (repeatable; default: every month "
    "in the logs).")]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="First day, YYYY-MM-DD (default: the logs' first day).")]
UntilOpt = Annotated[str | None, typer.Option(
    "--until", help="Last day (inclusive), YYYY-MM-DD (default: the logs' last day).")]
GridOpt = Annotated[list[str] | None, typer.Option(
    "--grid", help="PATH=V1,V2 or PATH=START:STOP:STEP over scenario keys (repeatable), e.g. "
    "plans.claude_max_20x.limits.weekly.cap=40M:80M:10M (ascending: STOP at least START; "
    "list values to go down). A cap is in its limit's meter units (claude_credits, tokens, "
    "requests ...: `planalyzer plans` shows each limit's meter and cap); numbers may be "
    "written 40e6, 40_000_000, 40M or 1.5k. One --grid per PATH; a route of --scenario by "
    "its index: cost.route[0].share=0.2,0.5.")]
BaseScenarioOpt = Annotated[Path | None, typer.Option(
    "--scenario", help="A scenario TOML the grid points start from (default: the baseline).")]


def usd_value(text: str | float) -> float:
    """A USD amount option (--fixed-cost): a number as --grid takes them (100000, 100_000,
    1e5, 100k, 1.5M), a leading $ allowed; thousands separators are refused with the forms to
    write (a comma may be a decimal comma)."""
    if not isinstance(text, str):  # the default
        return float(text)
    t = text.strip().removeprefix("$").strip()
    forms = "100000, 100_000, 1e5 or 100k"
    if "," in t:
        raise typer.BadParameter(f"{text!r}: write the amount without thousands separators "
                                 f"(a comma may be a decimal comma): {forms}")
    try:
        return parse_number(t)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: not an amount in USD; write {forms}") from None


def percent_value(text: str | float) -> float:
    """A monthly-percentage option (--usage-growth, --cost-decline): 10 or 10% are both 10%."""
    if not isinstance(text, str):  # the default
        return float(text)
    try:
        return float(text.strip().removesuffix("%"))
    except ValueError:
        raise typer.BadParameter(f"{text!r}: not a percentage; write 10 or 10% for 10% a "
                                 "month") from None
