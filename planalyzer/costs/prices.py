"""API list prices: the value of a request at what the vendor would have billed for it.

The shipped catalog (``planalyzer/data/api_prices.toml``, facts.md section 3) matches logged
names by glob; ``--prices FILE`` adds a TOML in the same format (its entries win) or a LiteLLM
``model_prices_and_context_window.json`` (exact names, per-token USD; its entries win).
Above a long-context threshold the WHOLE request is billed at the long prices.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from planalyzer.costs.catalog import name_candidates, name_matches
from planalyzer.costs.roofline import Tokens
from planalyzer.errors import ConfigError
from planalyzer.strict_toml import Field, check_sections, check_table, read_toml

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
    "input_cost_per_token_above_200k_tokens": "long_input",
    "output_cost_per_token_above_200k_tokens": "long_output",
    "cache_read_input_token_cost_above_200k_tokens": "long_cache_read",
    "cache_creation_input_token_cost_above_200k_tokens": "long_cache_write",
    "cache_creation_input_token_cost_above_1hr_above_200k_tokens": "long_cache_write_1h",
}


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

    def for_prompt(self, prompt_tokens: float) -> ClassPrices:
        """The prices that apply to a request with this many prompt tokens (all classes)."""
        if self.long is not None and prompt_tokens > self.long_context_threshold:
            return self.long
        return self.base


def api_value_usd(price: ApiPrice, t: Tokens) -> float:
    """List value of one request: the whole request repriced above the long-context threshold."""
    return price.for_prompt(t.prompt).value(t)


@dataclass(frozen=True)
class PriceCatalog:
    entries: tuple[ApiPrice, ...]
    exact: Mapping[str, ApiPrice]
    files: tuple[str, ...]

    def lookup(self, logged: str) -> ApiPrice | None:
        for cand in name_candidates(logged):
            if cand in self.exact:
                return self.exact[cand]
        for e in self.entries:
            if any(name_matches(logged, p) for p in e.match):
                return e
        return None


def _build(key: str, v: dict[str, Any], path: str) -> ApiPrice:
    cw = v["cache_write"] if v["cache_write"] is not None else v["input"]
    cw1h = v["cache_write_1h"] if v["cache_write_1h"] is not None else cw
    base = ClassPrices(v["input"], cw, cw1h, v["cache_read"], v["output"])
    for f in ("input", "cache_read", "output"):
        if v[f] < 0:
            raise ConfigError(f"{path}: price.{key}.{f}: {v[f]} must not be negative")
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
    for key, raw in data.get("price", {}).items():
        check_table(raw, _PARTIAL, f"price.{key}", path)
        base[key] = ({**base[key][0], **raw}, path) if key in base else (dict(raw), path)


def _litellm(path: Path) -> dict[str, ApiPrice]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found; check the path") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); give a LiteLLM "
                          f"model_prices_and_context_window.json") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a JSON object keyed by model name")
    out: dict[str, ApiPrice] = {}
    for name, entry in doc.items():
        if name == "sample_spec" or not isinstance(entry, dict):
            continue
        v: dict[str, Any] = {}
        for lk, ours in LITELLM_KEYS.items():
            if lk in entry and entry[lk] is not None:
                val = entry[lk]
                if isinstance(val, bool) or not isinstance(val, int | float):
                    raise ConfigError(f"{path}: {name}.{lk}: expected a number (USD per token), "
                                      f"got {val!r}")
                v[ours] = float(val) * 1e6
        if "input" not in v or "output" not in v:
            continue  # not a per-token text model (images, audio, embeddings)
        has_long = "long_input" in v and "long_output" in v
        full = {f: v.get(f) for f in PRICE_SPEC if f not in ("match", "source", "as_of")}
        full["cache_read"] = v.get("cache_read", v["input"])
        full["long_context_threshold"] = 200_000 if has_long else 0
        full.update(match=[name], source=f"LiteLLM prices file {path}", as_of="as given")
        out[name.lower()] = _build(name, full, str(path))
    return out


def load_price_catalog(path: Path | None = None) -> PriceCatalog:
    """The shipped API price catalog, plus ``path`` (TOML or LiteLLM JSON) taking precedence."""
    shipped = Path(str(resources.files("planalyzer.data").joinpath("api_prices.toml")))
    raw: dict[str, tuple[dict[str, Any], str]] = {}
    _toml_entries(read_toml(shipped), str(shipped), raw)
    files = [str(shipped)]
    exact: dict[str, ApiPrice] = {}
    first: list[str] = []
    if path is not None:
        files.append(str(path))
        if path.suffix.lower() == ".json":
            exact = _litellm(path)
        else:
            data = read_toml(path)
            _toml_entries(data, str(path), raw)
            first = list(data.get("price", {}))
    entries = [_build(k, check_table(r, PRICE_SPEC, f"price.{k}", p), p)
               for k, (r, p) in raw.items()]
    order = {k: i for i, k in enumerate(first)}
    entries.sort(key=lambda e: order.get(e.key, len(order)))  # the user's entries match first
    return PriceCatalog(tuple(entries), exact, tuple(files))
