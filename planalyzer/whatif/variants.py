"""Cost variants: scenarios that change what each request costs, not just the plan rules.

Routing a share of traffic to another model, serving more prompt tokens from the cache, or
pricing with another cost catalog (hardware, serving) changes every affected request's GPU
cost, API value and meter units, so such a scenario needs the events priced again: one more
pass over events per distinct variant (sql/whatif_events_variant.sql shadows the events table
with the changed requests while the pass runs). Its user-months are the baseline's (the same
users, times and months), so results line up row for row with the baseline.
No typer or rich here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.analysis import Period, period_days
from planalyzer.checks import did_you_mean, nearest
from planalyzer.costs.catalog import DATE, CostCatalog, name_matches
from planalyzer.costs.prices import PriceCatalog
from planalyzer.errors import ConfigError


@dataclass(frozen=True)
class Route:
    """Send ``share`` of the matching requests to model ``to``."""

    to: str
    share: float
    models: str = "*"
    min_prompt_tokens: float = 0.0
    max_prompt_tokens: float | None = None
    # only the heaviest users (by all tokens in the report period)
    heaviest_users_share: float | None = None


@dataclass(frozen=True)
class Variant:
    routes: tuple[Route, ...] = ()
    cache_hit_gain: float = 0.0
    cost_catalog: str | None = None
    source: str = field(default="", compare=False)  # the scenario file (for messages)

    @property
    def repriced(self) -> bool:
        return bool(self.routes or self.cache_hit_gain or self.cost_catalog)

    def describe(self) -> list[str]:
        out = []
        for r in self.routes:
            who = [f"model {r.models}"]
            if r.min_prompt_tokens:
                who.append(f"prompt >= {r.min_prompt_tokens:,.0f} tokens")
            if r.max_prompt_tokens is not None:
                who.append(f"prompt <= {r.max_prompt_tokens:,.0f} tokens")
            if r.heaviest_users_share is not None:
                who.append(f"heaviest {r.heaviest_users_share:.0%} of users by tokens in the "
                           "period")
            out.append(f"cost: {r.share:.0%} of requests ({', '.join(who)}) routed to {r.to}, "
                       "re-priced with its cost and list price")
        if self.cache_hit_gain:
            out.append(f"cost: {self.cache_hit_gain:.0%} of uncached prompt tokens served from "
                       "the prompt cache instead")
        if self.cost_catalog:
            out.append(f"cost: priced with cost catalog {self.cost_catalog}")
        return out


_ROUTE = {"to", "share", "models", "min_prompt_tokens", "max_prompt_tokens",
          "heaviest_users_share"}


def _num(v: Any, where: str, path: str, lo: float = 0.0, hi: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ConfigError(f"{path}: {where}: expected number, got {type(v).__name__} ({v!r})")
    if v < lo or (hi is not None and v > hi):
        rng = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
        raise ConfigError(f"{path}: {where}: must be {rng}, got {v}")
    return float(v)


def parse_variant(cost: Mapping[str, Any], path: str, catalog_dir: str | Path | None = None
                  ) -> Variant:
    """The cost side of a scenario's ``[cost]`` table; ``catalog`` is a path relative to
    ``catalog_dir`` (default: the folder of ``path``, the scenario file)."""
    routes = []
    raw = cost.get("route", [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ConfigError(f"{path}: cost.route: expected an array of tables ([[cost.route]])")
    for i, r in enumerate(raw):
        where = f"cost.route[{i}]"
        for k in r:
            if k not in _ROUTE:
                raise ConfigError(f"{path}: {where}.{k}: unknown key; allowed keys are "
                                  f"{', '.join(sorted(_ROUTE))}")
        if not isinstance(r.get("to"), str) or "share" not in r:
            raise ConfigError(f"{path}: {where}: needs to (a model name) and share (0..1)")
        models = r.get("models", "*")
        if not isinstance(models, str):
            raise ConfigError(f"{path}: {where}.models: expected a model glob (string)")
        hi = r.get("max_prompt_tokens")
        heavy = r.get("heaviest_users_share")
        lo = r.get("min_prompt_tokens", 0)
        if hi is not None and isinstance(hi, int | float) and isinstance(lo, int | float) \
                and not isinstance(hi, bool) and hi < lo:
            raise ConfigError(f"{path}: {where}.max_prompt_tokens: {hi:g} is below "
                              f"min_prompt_tokens ({lo:g}), so the route matches no request; "
                              "swap them or widen the range")
        routes.append(Route(
            r["to"], _num(r["share"], f"{where}.share", path, 0.0, 1.0), models,
            _num(r.get("min_prompt_tokens", 0), f"{where}.min_prompt_tokens", path),
            None if hi is None else _num(hi, f"{where}.max_prompt_tokens", path),
            None if heavy is None else _num(heavy, f"{where}.heaviest_users_share", path,
                                            0.0, 1.0)))
    gain = 0.0
    if "cache" in cost:
        c = cost["cache"]
        if not isinstance(c, dict) or set(c) - {"hit_gain"}:
            raise ConfigError(f"{path}: cost.cache: a table with one key, hit_gain (0..1)")
        gain = _num(c.get("hit_gain", 0.0), "cost.cache.hit_gain", path, 0.0, 1.0)
    catalog = cost.get("catalog")
    if catalog is not None:
        if not isinstance(catalog, str):
            raise ConfigError(f"{path}: cost.catalog: expected a path (string)")
        p = Path(catalog)
        folder = Path(catalog_dir) if catalog_dir is not None else Path(path).parent
        if not p.is_absolute() and folder != Path("."):
            p = folder / p
        if not p.is_file():
            raise ConfigError(f"{path}: cost.catalog: {p} not found; give a cost catalog TOML "
                              "(docs/costs.md)")
        catalog = str(p)
    return Variant(tuple(routes), gain, catalog, path)


_EPS = 1e-9  # 0.1 x 30 is 3.0000000000000004 in floating point: still 3 users


def heaviest_count(share: float, n: int) -> int:
    """How many users a route's ``heaviest_users_share`` takes out of ``n``: the heaviest
    ceil(share x n) (1.0: all of them; 0.5 of 3: 2; 0: none), ``n`` the users with requests
    in the report period. The SQL applies the same rule (sql/whatif_heavy_users.sql ranks
    them by all tokens in the period, heaviest first)."""
    return max(0, math.ceil(share * n - _EPS))


def route_matches(model: str, pattern: str) -> bool:
    """Does a route's ``models`` glob take requests logged as ``model``? As prices match names
    (name_matches), and a name without a ``*`` also takes its dated snapshots:
    ``claude-opus-4-5`` routes ``claude-opus-4-5-20251101`` (what Claude Code and the API log)."""
    return name_matches(model, pattern) or (
        DATE not in pattern and not pattern.endswith("*")
        and name_matches(model, f"{pattern}-{DATE}"))


def unknown_targets(variant: Variant, costs: CostCatalog, prices: PriceCatalog,
                    logged: Sequence[str], among: Collection[str] | None = None
                    ) -> list[tuple[str, str]]:
    """(``cost.route[i].to = 'NAME'``, a did-you-mean) per route sending requests to a model
    the cost catalog prices only by its fallback profile, or with no API list price: so a
    pricing warning or --strict error can say the name comes from the scenario, not the logs
    (qa12D #13). The near name is one the catalogs or the logs know. ``among``: only routes
    to these models (those a pricing warning names)."""
    known = sorted({*logged, *costs.models,
                    *(m for e in prices.entries for m in e.match if "{" not in m and "*" not in m)})
    out = []
    for i, r in enumerate(variant.routes):
        if among is not None and r.to not in among:
            continue
        if costs.resolve(r.to).how == "fallback" or prices.lookup(r.to) is None:
            near = nearest(r.to, [n for n in known if n != r.to])
            out.append((f"cost.route[{i}].to = {r.to!r}", did_you_mean(near)))
    return out


def route_target_note(variant: Variant, targets: Sequence[tuple[str, str]]) -> str:
    """The scenario keys behind the models a pricing warning names (``unknown_targets``)."""
    keys = "; ".join(f"{key}{hint}" for key, hint in targets)
    return (f"{variant.source or 'the scenario'}: {keys}: a model the scenario routes to, not "
            "a logged one; a misspelt name is priced by the fallback profile (or has no API "
            "list price): check the name against `planalyzer costs`")


def unmatched_routes(routes: tuple[Route, ...], models: Sequence[str]) -> list[str]:
    """A note per route that routes nothing: its glob matches no logged model, or its share
    or heaviest_users_share is 0 (the scenario would read as the baseline without saying
    why)."""
    shown = ", ".join(models[:6]) + (f" and {len(models) - 6} more" if len(models) > 6 else "")
    out = []
    for r in routes:
        if not any(route_matches(m, r.models) for m in models):
            out.append(f"cost: the route of model {r.models} to {r.to} matches no logged model "
                       f"({shown}): it routes nothing")
        elif r.share == 0 or r.heaviest_users_share == 0:  # qa12D #14: said, as a glob's
            key = "share" if r.share == 0 else "heaviest_users_share"
            out.append(f"cost: the route of model {r.models} to {r.to} has {key} = 0: it "
                       "routes nothing")
    return out


def overlapping_shares(variant: Variant, models: Sequence[str]) -> ConfigError | None:
    """The error for routes whose shares of one request sum above 1, else None.

    Routes take their shares of a request one after another: route i takes the slice of the
    draw after the shares of the routes before it that match the same request (its model,
    prompt size and user), so two routes on the same models at 0.5 each route half the
    requests each. Shares of routes that can match one request summing above 1 cannot be
    honoured: the routes that can (a logged model matched by each, their prompt ranges
    meeting, heaviest users ranked in each) are named, with the model (``models``: the logged
    names)."""
    live = [(i, r) for i, r in enumerate(variant.routes)
            if r.share > 0 and r.heaviest_users_share != 0]
    for model in models:
        on = [(i, r) for i, r in live if route_matches(model, r.models)]
        for lo in sorted({r.min_prompt_tokens for _, r in on}):  # where a prompt range starts
            both = [(i, r) for i, r in on if r.min_prompt_tokens <= lo
                    and (r.max_prompt_tokens is None or lo <= r.max_prompt_tokens)]
            total = math.fsum(r.share for _, r in both)
            if total <= 1 + _EPS:
                continue
            names = [f"cost.route[{i}] (models {r.models!r}, share {r.share:g})"
                     for i, r in both]
            listed = ", ".join(names[:-1]) + " and " + names[-1]
            who = f"requests of {model}"
            his = [r.max_prompt_tokens for _, r in both if r.max_prompt_tokens is not None]
            if lo > 0 or his:
                size = (f"{lo:,.0f} to {min(his):,.0f}" if lo > 0 and his else
                        f"{lo:,.0f} or more" if lo > 0 else f"at most {min(his):,.0f}")
                who += f" with a prompt of {size} tokens"
            heavy = [r.heaviest_users_share for _, r in both
                     if r.heaviest_users_share is not None]
            if heavy:
                who += f" of the heaviest {min(heavy):.0%} of users"
            return ConfigError(
                f"{variant.source or 'the scenario'}: {listed} "
                f"{'both' if len(both) == 2 else 'all'} take {who}, and their "
                f"shares sum to {total:g}, above 1: routes take their shares of a request "
                "one after another (the first its share, the next the following one), so "
                "the shares of the routes that can take one request must sum to at most 1; "
                "lower them (docs/whatif.md, \"Several routes\")")
    return None


def _model_expr(routes: tuple[Route, ...], models: Sequence[str]
                ) -> tuple[str, str, dict[str, object]]:
    """The CASE routing each request, the parameter columns it reads, their values.

    A route's ``models`` glob is matched against the logged names (``models``) as prices and
    cost profiles match them (planalyzer.costs.catalog.name_matches: provider prefixes,
    Bedrock and Vertex ids, dotted versions), so ``claude-opus*`` routes
    ``anthropic/claude-opus-4.5`` too; the SQL tests membership in the names it matched.
    Route i takes the request where its draw falls in [taken, taken + share), ``taken`` the
    shares of the routes before it that match the same request (0 where none does: a route
    on other models than those before it reads ``p.draw < share``), so routes on the same
    requests take disjoint slices of one draw, each its own share (``overlapping_shares``
    refuses shares summing above 1)."""
    if not routes:
        return "p.model", "", {}
    parts = []
    cols = []
    params: dict[str, object] = {}
    earlier: list[tuple[set[str], str, str]] = []  # (models matched, conditions, share)

    def param(name: str, value: object, sql_type: str) -> str:
        params[name] = value
        cols.append(f", CAST(${name} AS {sql_type}) AS {name}")
        return f"v.{name}"

    for i, r in enumerate(routes):
        matched = [m for m in models if route_matches(m, r.models)]
        conds = [f"list_contains({param(f'route_{i}_models', matched, 'VARCHAR[]')}, p.model)",
                 f"p.prompt_tokens >= {param(f'route_{i}_lo', r.min_prompt_tokens, 'DOUBLE')}"]
        if r.max_prompt_tokens is not None:
            conds.append(f"p.prompt_tokens <= "
                         f"{param(f'route_{i}_hi', r.max_prompt_tokens, 'DOUBLE')}")
        if r.heaviest_users_share is not None:  # as heaviest_count, in SQL
            heavy = param(f'route_{i}_heavy', r.heaviest_users_share, 'DOUBLE')
            conds.append(f"p.heavy_rank <= ceil({heavy} * p.heavy_n - {_EPS})")
        match = " AND ".join(conds)
        share = param(f"route_{i}_share", r.share, "DOUBLE")
        taken = " + ".join(f"CASE WHEN {cond} THEN {s} ELSE 0 END"
                           for names, cond, s in earlier if names & set(matched))
        draw = (f"p.draw >= ({taken}) AND p.draw < ({taken}) + {share}" if taken
                else f"p.draw < {share}")
        earlier.append((set(matched), match, share))
        to = param(f"route_{i}_to", r.to, "VARCHAR")
        parts.append(f"WHEN {match} AND {draw} THEN {to}")
    return "CASE " + " ".join(parts) + " ELSE p.model END", "".join(cols), params


def _real_events(con: duckdb.DuckDBPyConnection) -> str:
    """The events table as logged (a variant's temp view shadows the plain name)."""
    db = con.execute("SELECT current_database()").fetchall()[0][0]
    return f"{sqlfiles.quote_ident(db)}.main.events"


def period_params(timezone: str, period: Period | None) -> dict[str, object]:
    """The SQL parameters that place a request in the report period as
    ``planalyzer.analysis.in_period`` does: $tz, $since_day, $until_day and $month_keys (the
    billing months as year * 12 + month - 1; empty: every month)."""
    period = period or Period()
    return {"tz": timezone, **period_days(period),
            "month_keys": [int(m[:4]) * 12 + int(m[5:]) - 1 for m in period.months]}


def mark_routed(con: duckdb.DuckDBPyConnection, timezone: str = "UTC",
                period: Period | None = None, left_out: Sequence[str] = ()) -> None:
    """Inside ``variant_events``, once the variant is priced: keep the routed requests of
    ``period`` and their GPU cost as routed (``routed_cost_notes`` compares them with the
    cost as logged), leaving out the users in no figure (``left_out``: those with no plan):
    the note's requests are those of the figures it sits under (qa17B #1)."""
    sqlfiles.run(con, "whatif_routed_requests",
                 {**period_params(timezone, period), "left_out": list(left_out)},
                 {"source": _real_events(con)}).fetchall()


def routed_cost_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """After ``mark_routed`` and with the real events priced again: a note per route whose
    requests cost more to serve on the model routed to than on the one they came from. The
    closed models' costs are proxies (open models of similar size on stated hardware), so
    routing to a model with a lower API list price can raise the GPU cost (docs/costs.md)."""
    try:
        rows = sqlfiles.run(con, "whatif_routed_cost").fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS temp.main.whatif_routed").fetchall()
    out = []
    for frm, to, n, before, after in rows:
        if before is None or after is None or after <= before * 1.001:
            continue
        up = f" (+{after / before - 1:.0%})" if before > 0 else ""
        out.append(f"routing {n:,} request(s) from {frm} to {to} raises their marginal GPU "
                   f"cost from ${before:,.2f} to ${after:,.2f}{up}: under the cost catalog, "
                   f"{to}'s serving profile costs more per token than {frm}'s, whatever their "
                   "API list prices; closed models are priced by open proxy models "
                   "(docs/costs.md, \"Closed models: proxies, labelled\"; `planalyzer costs` "
                   "shows each model's cost per token)")
    return out


@contextmanager
def variant_events(con: duckdb.DuckDBPyConnection, variant: Variant, timezone: str = "UTC",
                   period: Period | None = None) -> Iterator[list[str]]:
    """While inside, ``events`` is the variant's view of the events table; yields the notes
    on routes that match no logged model. A route's ``heaviest_users_share`` ranks users by
    their tokens in ``period`` (local days and billing months in ``timezone``; default: the
    whole log), the period whose figures the variant is read for."""
    source = _real_events(con)
    models = ([str(r[0]) for r in sqlfiles.run(con, "distinct_models").fetchall()]
              if variant.routes else [])
    if (overlap := overlapping_shares(variant, models)) is not None:
        raise overlap
    expr, cols, params = _model_expr(variant.routes, models)
    sqlfiles.run(con, "whatif_variant_params", {"gain": variant.cache_hit_gain, **params},
                 {"route_columns": cols}).fetchall()
    sqlfiles.run(con, "whatif_heavy_users", period_params(timezone, period),
                 {"source": source}).fetchall()
    sqlfiles.run(con, "whatif_events_variant", {},
                 {"source": source, "model_expr": expr}).fetchall()
    try:
        yield unmatched_routes(variant.routes, models)
    finally:
        con.execute("DROP VIEW IF EXISTS temp.main.events").fetchall()
        con.execute("DROP TABLE IF EXISTS temp.main.whatif_heavy_users").fetchall()
