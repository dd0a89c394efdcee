"""API list prices: the value of a request at what the vendor would have billed for it.

The shipped catalog (``planalyzer/data/api_prices.toml``, facts.md section 3) matches logged
names by glob; ``--prices FILE`` adds a TOML in the same format (its entries win) or a LiteLLM
``model_prices_and_context_window.json`` (per-token USD; its entries win). A LiteLLM key
matches the logged name exactly, or, prefixed ("gemini/gemini-2.5-pro"), the bare logged name
when no other prefixed key of that name has another price, or a dated snapshot of it the file
has no key for, where the shipped catalog prices both as one model. Cache prices a LiteLLM
entry lacks come from the shipped entry of the same model, else documented defaults, with a
warning; a long-context tier comes only with the entry that states it (as LiteLLM bills).
Above a long-context threshold the WHOLE request is billed at the long prices.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from planalyzer.costs.catalog import name_candidates, name_matches, snapshot_free
from planalyzer.costs.roofline import Tokens
from planalyzer.errors import ConfigError
from planalyzer.strict_toml import (
    Field,
    check_entry_names,
    check_sections,
    check_table,
    read_toml,
)

PRICE_SPEC: dict[str, Field] = {
    "match": Field(list, item_type=str),
    "input": Field(float),
    "cache_write": Field(float, required=False),
    "cache_write_1h": Field(float, required=False),
    "cache_read": Field(float),
    "output": Field(float),
    "long_context_threshold": Field(int, required=False, default=0),
    "long_input": Field(float, required=False),
    "long_cache_write": Field(float, required=False),
    "long_cache_write_1h": Field(float, required=False),
    "long_cache_read": Field(float, required=False),
    "long_output": Field(float, required=False),
    "source": Field(str),
    "as_of": Field(str),
}
_PARTIAL = {k: Field(f.type, False, item_type=f.item_type) for k, f in PRICE_SPEC.items()}

LITELLM_KEYS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
}
# A long-context tier: any of the keys above with "_above_<N>k_tokens" (200k, 128k, 272k, ...).
_LITELLM_TIER = re.compile(r"^(?P<key>[a-z_0-9]+?)_above_(?P<k>\d+)k_tokens$")
# Fields a LiteLLM entry may leave out, filled from the shipped entry of the same model, else
# from these documented defaults (docs/costs.md).
_FILLABLE = ("cache_read", "cache_write", "cache_write_1h")
_DEFAULTS = {"cache_read": "the input price", "cache_write": "the input price",
             "cache_write_1h": "the cache write price"}


@dataclass(frozen=True)
class ClassPrices:
    """USD per million tokens of each class."""

    input: float
    cache_write: float
    cache_write_1h: float
    cache_read: float
    output: float

    def value(self, t: Tokens) -> float:
        return (t.input * self.input + t.cache_write * self.cache_write
                + t.cache_write_1h * self.cache_write_1h + t.cache_read * self.cache_read
                + t.output * self.output) / 1e6


@dataclass(frozen=True)
class ApiPrice:
    key: str
    match: tuple[str, ...]
    base: ClassPrices
    long_context_threshold: int  # 0: no long-context tier
    long: ClassPrices | None
    source: str
    as_of: str
    warnings: tuple[str, ...] = ()  # said when a logged model is priced by this entry
    # why this LiteLLM entry cannot price a request (a price that is not a number of 0 or
    # more, a half-given tier; its prices are then NaN): an error only when a model is priced
    # by it (PriceCatalog.price_for), so one odd entry of a full LiteLLM dump does not stop a run
    problem: str = ""

    def for_prompt(self, prompt_tokens: float) -> ClassPrices:
        """The prices that apply to a request with this many prompt tokens (all classes)."""
        if self.long is not None and prompt_tokens > self.long_context_threshold:
            return self.long
        return self.base


def api_value_usd(price: ApiPrice, t: Tokens) -> float:
    """List value of one request: the whole request repriced above the long-context threshold."""
    return price.for_prompt(t.prompt).value(t)


# the prices of an entry that cannot price a request (ApiPrice.problem): never used
_UNUSABLE = ClassPrices(*[math.nan] * 5)


@dataclass(frozen=True)
class PriceCatalog:
    entries: tuple[ApiPrice, ...]
    exact: Mapping[str, ApiPrice]
    files: tuple[str, ...]
    prefixed: Mapping[str, ApiPrice] = field(default_factory=dict)  # bare name -> the one
    # prefixed LiteLLM key ("gemini/gemini-2.5-pro") of it, where only one price has that name
    skipped: Mapping[str, str] = field(default_factory=dict)  # LiteLLM entries passed over
    # (lower-cased name, and bare name of a prefixed key) -> why

    def skipped_why(self, logged: str) -> str | None:
        """Why a LiteLLM entry of this logged name was passed over, if one was."""
        for cand in name_candidates(logged):
            if cand in self.skipped:
                return self.skipped[cand]
        return None

    def price_for(self, logged: str, what: str) -> ApiPrice | None:
        """``lookup``, where an entry that cannot price a request (``ApiPrice.problem``) is a
        ConfigError naming it, its key, and ``what`` it would price ("the logged model X")."""
        price = self.lookup(logged)
        if price is not None and price.problem:
            raise ConfigError(f"{price.problem} (it prices {what})")
        return price

    def lookup(self, logged: str) -> ApiPrice | None:
        """The LiteLLM entry of that exact name, else its only provider-prefixed LiteLLM
        entry, else the LiteLLM entry of the model a dated snapshot snapshots, else the first
        catalog entry whose patterns fit."""
        cands = name_candidates(logged)
        for cand in cands:
            if cand in self.exact:
                return self.exact[cand]
        for cand in cands:
            if cand in self.prefixed:
                return self.prefixed[cand]
        shipped = next((e for e in self.entries if any(name_matches(logged, p) for p in e.match)),
                       None)
        return self._alias(cands, shipped) or shipped

    def _alias(self, cands: tuple[str, ...], shipped: ApiPrice | None) -> ApiPrice | None:
        """A LiteLLM file keyed by the model (claude-sonnet-4-5) prices its dated snapshot
        (claude-sonnet-4-5-20250929) where the shipped catalog treats the two as one model (one
        entry prices both; gpt-4o-2024-05-13, billed above gpt-4o, is not), rather than the
        snapshot falling back to the shipped price: one model valued from two catalogs."""
        if shipped is None or not (self.exact or self.prefixed):
            return None
        for cand in cands:
            alias = snapshot_free(cand)
            price = self.exact.get(alias) or self.prefixed.get(alias)
            if alias == cand or price is None or not any(name_matches(alias, p)
                                                          for p in shipped.match):
                continue
            note = (f"priced by the {price.source} key {price.key} (the file has no key "
                    f"{cand}; a dated snapshot takes the entry of its model, as the shipped "
                    f"catalog's do)")
            return replace(price, source=f"{price.source} key {price.key}",
                           warnings=(*price.warnings, note))
        return None


def _build(key: str, v: dict[str, Any], path: str) -> ApiPrice:
    cw = v["cache_write"] if v["cache_write"] is not None else v["input"]
    cw1h = v["cache_write_1h"] if v["cache_write_1h"] is not None else cw
    base = ClassPrices(v["input"], cw, cw1h, v["cache_read"], v["output"])
    for f, val in v.items():
        if isinstance(val, int | float) and not isinstance(val, bool) and (
                not math.isfinite(val) or val < 0):
            what = "a token count" if f == "long_context_threshold" else "a price"
            raise ConfigError(f"{path}: price.{key}.{f}: {val} must be {what} of 0 or more")
    long = None
    threshold = v["long_context_threshold"]
    if threshold:
        for f in ("long_input", "long_output"):
            if v[f] is None:
                raise ConfigError(f"{path}: price.{key}.{f}: missing; a long_context_threshold "
                                  f"needs long_input and long_output")
        ratio = v["long_input"] / v["input"] if v["input"] else 1.0

        def pick(name: str, default: float) -> float:
            return float(v[name]) if v[name] is not None else default * ratio

        long = ClassPrices(v["long_input"], pick("long_cache_write", cw),
                           pick("long_cache_write_1h", cw1h), pick("long_cache_read",
                                                                   v["cache_read"]),
                           v["long_output"])
    return ApiPrice(key, tuple(v["match"]), base, threshold, long, v["source"], v["as_of"])


def _toml_entries(data: dict[str, Any], path: str,
                  base: dict[str, tuple[dict[str, Any], str]]) -> None:
    check_sections(data, {"price": dict}, path)
    check_entry_names(data.get("price", {}), "price", _PARTIAL, path)
    for key, raw in data.get("price", {}).items():
        check_table(raw, _PARTIAL, f"price.{key}", path)
        base[key] = ({**base[key][0], **raw}, path) if key in base else (dict(raw), path)


def _litellm_problem(val: Any) -> str:
    """Why a LiteLLM price cannot be used ('' if it can)."""
    if isinstance(val, bool) or not isinstance(val, int | float):
        return f"expected a number (USD per token), got {val!r}"
    if not math.isfinite(val) or val < 0:
        return f"{val!r} must be a finite price of 0 or more (USD per token)"
    return ""


def _litellm_entry(path: Path, name: str, entry: dict[str, Any]
                   ) -> tuple[dict[str, Any], list[str], str]:
    """Our fields from one LiteLLM entry, the long-context tiers it has beyond the one used
    (planalyzer models one tier per model: the lowest threshold), and why it cannot price a
    request ('' if it can): its first price that is not a number of 0 or more, or a long-context
    tier given by half."""
    v: dict[str, Any] = {}
    tiers: dict[int, dict[str, float]] = {}
    problem = ""
    for key, val in entry.items():
        m = None if key in LITELLM_KEYS else _LITELLM_TIER.match(key)
        if val is None or not (key in LITELLM_KEYS or (m and m["key"] in LITELLM_KEYS)):
            continue
        why = _litellm_problem(val)
        if why:
            problem = problem or f"{path}: {name}.{key}: {why}"
        elif m is None:
            v[LITELLM_KEYS[key]] = float(val) * 1e6
        else:
            tiers.setdefault(int(m["k"]) * 1000, {})[LITELLM_KEYS[m["key"]]] = float(val) * 1e6
    skipped: list[str] = []
    if tiers:
        low = min(tiers)
        for f, price in tiers[low].items():
            v["long_" + f] = price
        v["long_context_threshold"] = low
        skipped = [f"{t // 1000}k" for t in sorted(tiers) if t != low]
        if not problem and not ("long_input" in v and "long_output" in v):
            k = low // 1000
            problem = (f"{path}: {name}: a long-context tier above {k}k tokens needs both "
                       f"input_cost_per_token_above_{k}k_tokens and "
                       f"output_cost_per_token_above_{k}k_tokens; give both or neither")
    return v, skipped, problem


def _fill(v: dict[str, Any], shipped: tuple[str, dict[str, Any]] | None
          ) -> list[str]:
    """Fill the cache prices a LiteLLM entry lacks from the shipped entry of the same model (or
    the documented defaults); return what was filled, for a warning. A long-context tier is
    never filled: LiteLLM bills an entry without one at its base prices at every length, and
    mixing the shipped tier into the user's prices could value a longer request lower."""
    said: list[str] = []
    ship_key, ship = shipped if shipped is not None else ("", {})
    from_ship = [f for f in _FILLABLE if f not in v and ship.get(f) is not None]
    for f in from_ship:
        v[f] = ship[f]
    has_long = "long_input" in v and "long_output" in v  # a tier only where the entry says
    if from_ship:
        said.append(f"{', '.join(from_ship)}; taken from the shipped entry {ship_key}")
    defaulted = [f for f in _FILLABLE if f not in v]
    v.setdefault("cache_read", v["input"])
    v.setdefault("cache_write", None)
    v.setdefault("cache_write_1h", None)
    if defaulted:
        said.append(f"{', '.join(defaulted)}; set to the documented defaults ("
                    + ", ".join(f"{f} = {_DEFAULTS[f]}" for f in defaulted) + ")")
    if not has_long:
        v["long_context_threshold"] = 0
    return said


def _litellm(path: Path, shipped: PriceCatalog, raw: dict[str, tuple[dict[str, Any], str]],
             passed_over: dict[str, str]) -> tuple[dict[str, ApiPrice], dict[str, ApiPrice]]:
    """LiteLLM entries by exact (lower-cased) name, and by bare name for provider-prefixed
    keys whose bare name has only one price among them; ``passed_over`` gets the entries passed
    over for want of a per-token input or output price, and why."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))  # a BOM is fine, as in TOML
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found; check the path") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); give a LiteLLM "
                          f"model_prices_and_context_window.json") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a JSON object keyed by model name")
    out: dict[str, ApiPrice] = {}

    def pass_over(name: str, why: str) -> None:
        # said only if a logged model of this name is left without a price
        passed_over.setdefault(name.lower(), f"LiteLLM entry {name} in {path} was skipped: {why}")
        if "/" in name:
            passed_over.setdefault(name.lower().rsplit("/", 1)[-1], passed_over[name.lower()])

    for name, entry in doc.items():
        if name == "sample_spec" or not isinstance(entry, dict):
            continue
        v, skipped, problem = _litellm_entry(path, name, entry)
        if problem:
            # an error only where a logged model is priced by it (PriceCatalog.price_for), so
            # one odd entry of a full LiteLLM dump does not stop a run
            pass_over(name, problem.removeprefix(f"{path}: "))
            out[name.lower()] = ApiPrice(name, (name,), _UNUSABLE, 0, None,
                                         f"LiteLLM prices file {path}", "as given",
                                         problem=problem)
            continue
        if "input" not in v or "output" not in v:
            # not a per-token text model (images, audio, embeddings)
            lacks = " and ".join(k for k, f in (("input_cost_per_token", "input"),
                                                ("output_cost_per_token", "output"))
                                 if f not in v)
            pass_over(name, f"it has no {lacks}")
            continue
        ship = shipped.lookup(name)
        notes = [f"LiteLLM entry {name} lacks " + s
                 for s in _fill(v, (ship.key, raw[ship.key][0]) if ship else None)]
        if skipped:
            notes.append(f"LiteLLM entry {name} also has long-context tiers above "
                         f"{', '.join(skipped)} tokens; planalyzer bills one tier, the lowest "
                         f"({v['long_context_threshold'] // 1000}k), above which the whole "
                         f"request is repriced")
        full = {f: v.get(f) for f in PRICE_SPEC if f not in ("match", "source", "as_of")}
        full.update(match=[name], source=f"LiteLLM prices file {path}", as_of="as given")
        out[name.lower()] = replace(_build(name, full, str(path)), warnings=tuple(notes))
    by_bare: dict[str, list[ApiPrice]] = {}
    for key, price in out.items():
        if "/" in key:
            by_bare.setdefault(key.rsplit("/", 1)[-1], []).append(price)
    # several keys of one bare name: one price only if they agree (an unusable one agrees
    # with none: it is named among the skipped entries if the bare name goes unpriced)
    prefixed = {bare: ps[0] for bare, ps in by_bare.items()
                if bare not in out and (len(ps) == 1 or all(
                    not p.problem and (p.base, p.long, p.long_context_threshold)
                    == (ps[0].base, ps[0].long, ps[0].long_context_threshold) for p in ps))}
    return out, prefixed


def load_price_catalog(path: str | Path | None = None) -> PriceCatalog:
    """The shipped API price catalog, plus ``path`` (TOML or LiteLLM JSON) taking precedence."""
    path = Path(path) if path is not None else None
    shipped = Path(str(resources.files("planalyzer.data").joinpath("api_prices.toml")))
    raw: dict[str, tuple[dict[str, Any], str]] = {}
    _toml_entries(read_toml(shipped), str(shipped), raw)
    files = [str(shipped)]
    exact: dict[str, ApiPrice] = {}
    prefixed: dict[str, ApiPrice] = {}
    skipped: dict[str, str] = {}
    first: list[str] = []
    if path is not None:
        files.append(str(path))
        if path.suffix.lower() == ".json":
            shipped_only = _catalog(raw, [], (), {}, {})
            exact, prefixed = _litellm(path, shipped_only, raw, skipped)
        else:
            data = read_toml(path)
            _toml_entries(data, str(path), raw)
            first = list(data.get("price", {}))
    return replace(_catalog(raw, first, tuple(files), exact, prefixed), skipped=skipped)


def _check_long_keys(key: str, raw: dict[str, Any], path: str) -> None:
    """Long-context prices with no long_context_threshold would never be used: refused, naming
    the first. (An explicit threshold of 0 is the documented way to turn a tier off.)"""
    given = [f for f in PRICE_SPEC if f.startswith("long_") and f != "long_context_threshold"
             and raw.get(f) is not None]
    if given and "long_context_threshold" not in raw:
        raise ConfigError(f"{path}: price.{key}.{given[0]}: needs long_context_threshold (the "
                          f"prompt tokens above which the whole request is billed at the long_* "
                          f"prices); set it, or remove the long_* keys")


def _catalog(raw: dict[str, tuple[dict[str, Any], str]], first: list[str],
             files: tuple[str, ...], exact: dict[str, ApiPrice],
             prefixed: dict[str, ApiPrice]) -> PriceCatalog:
    for k, (r, p) in raw.items():
        _check_long_keys(k, r, p)
    entries = [_build(k, check_table(r, PRICE_SPEC, f"price.{k}", p), p)
               for k, (r, p) in raw.items()]
    order = {k: i for i, k in enumerate(first)}
    entries.sort(key=lambda e: order.get(e.key, len(order)))  # the user's entries match first
    return PriceCatalog(tuple(entries), exact, files, prefixed)
