"""The cost catalog: hardware, model shapes, serving profiles, and name routes.

Shipped as TOML in ``planalyzer/data`` (hardware.toml, models.toml, serving.toml) and read
strictly; a ``--costs FILE`` overrides fields of shipped entries or adds new ones (new entries
need every required key, ``source`` and ``as_of`` included).
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from planalyzer.checks import nearest
from planalyzer.errors import ConfigError
from planalyzer.strict_toml import (
    Field,
    check_entry_names,
    check_sections,
    check_table,
    read_toml,
)

_PROVENANCE = {"source": Field(str), "as_of": Field(str)}

HARDWARE_SPEC: dict[str, Field] = {
    "name": Field(str),
    "bf16_tflops": Field(float),
    "fp8_tflops": Field(float, required=False, default=0.0),
    "hbm_gb": Field(float),
    "bandwidth_tbps": Field(float),
    "usd_per_gpu_hour": Field(float),
    "price_source": Field(str),
    **_PROVENANCE,
}

MODEL_SPEC: dict[str, Field] = {
    "params_total_b": Field(float),
    "params_active_b": Field(float),
    "params_routed_b": Field(float, required=False, default=0.0),
    "experts": Field(int, required=False, default=0),
    "experts_active": Field(int, required=False, default=0),
    "layers": Field(int),
    "heads": Field(int),
    "kv_heads": Field(int),
    "head_dim": Field(int),
    "kv_values_per_layer": Field(int, required=False, default=0),
    "weight_bytes": Field(float),
    "kv_bytes": Field(float),
    "serving": Field(str),
    "match": Field(list, required=False, default=[], item_type=str),
    "training_cost_usd": Field(float, required=False, default=0.0),
    "lifetime_tokens": Field(float, required=False, default=0.0),
    **_PROVENANCE,
}

ROUTE_SPEC: dict[str, Field] = {
    "pattern": Field(str),
    "model": Field(str),
    "serving": Field(str, required=False, default=""),
    "assumed": Field(bool, required=False, default=True),
    "note": Field(str),
    "training_cost_usd": Field(float, required=False, default=None),
    "lifetime_tokens": Field(float, required=False, default=None),
}

DEFAULTS_SPEC: dict[str, Field] = {"fallback_model": Field(str)}

MODES = ("roofline", "measured", "rate_card")
_COMMON_SERVING = {
    "mode": Field(str, choices=MODES),
    "overhead_share": Field(float, required=False, default=0.0),
    **_PROVENANCE,
}
BUCKET_SPEC: dict[str, Field] = {
    "max_context": Field(float),
    "prefill_tokens_per_s": Field(float),
    "decode_tokens_per_s": Field(float),
}
SERVING_SPECS: dict[str, dict[str, Field]] = {
    "roofline": {
        **_COMMON_SERVING,
        "hardware": Field(str),
        "gpus": Field(int),
        "precision": Field(str, choices=("bf16", "fp8")),
        "mfu": Field(float),
        "mbu": Field(float),
        "max_batch": Field(int),
        "utilization": Field(float),
        "memory_fraction": Field(float, required=False, default=0.9),
        "cache_read_model": Field(str, choices=("free", "kv_transfer", "prefill_fraction")),
        "cache_read_gb_per_s": Field(float, required=False, default=0.0),
        "cache_read_prefill_fraction": Field(float, required=False, default=0.0),
        "usd_per_gpu_hour": Field(float, required=False, default=0.0),
    },
    "measured": {
        **_COMMON_SERVING,
        "usd_per_hour": Field(float),
        # required without buckets; with buckets not used (each bucket prices its contexts)
        "prefill_tokens_per_s": Field(float, required=False, default=0.0),
        "decode_tokens_per_s": Field(float, required=False, default=0.0),
        "cache_read_tokens_per_s": Field(float, required=False, default=0.0),
        "utilization": Field(float),
        "buckets": Field(list, required=False, default=[], item_type=dict),
    },
    "rate_card": {
        **_COMMON_SERVING,
        "usd_per_mtok_input": Field(float),
        "usd_per_mtok_cache_write": Field(float),
        "usd_per_mtok_cache_write_1h": Field(float),
        "usd_per_mtok_cache_read": Field(float),
        "usd_per_mtok_output": Field(float),
        "discount": Field(float, required=False, default=0.0),
        # a long-context tier, as the API lists bill it: above long_context_threshold prompt
        # tokens (input + cache writes + cache reads) the WHOLE request at the long prices
        "long_context_threshold": Field(int, required=False, default=0),
        **{f"usd_per_mtok_long_{c}": Field(float, required=False, default=None)
           for c in ("input", "cache_write", "cache_write_1h", "cache_read", "output")},
    },
}
_ALL_SERVING_KEYS: dict[str, Field] = {
    k: Field(f.type, required=False, item_type=f.item_type, choices=f.choices)
    for spec in SERVING_SPECS.values() for k, f in spec.items()
}
MAX_BUCKETS = 8


@dataclass(frozen=True)
class Hardware:
    key: str
    name: str
    bf16_tflops: float
    fp8_tflops: float
    hbm_gb: float
    bandwidth_tbps: float
    usd_per_gpu_hour: float
    price_source: str
    source: str
    as_of: str

    def peak_flops(self, precision: str) -> float:
        return (self.fp8_tflops if precision == "fp8" else self.bf16_tflops) * 1e12


@dataclass(frozen=True)
class ModelProfile:
    key: str
    params_total_b: float
    params_active_b: float
    params_routed_b: float
    experts: int
    experts_active: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    kv_values_per_layer: int
    weight_bytes: float
    kv_bytes: float
    serving: str
    match: tuple[str, ...]
    training_cost_usd: float
    lifetime_tokens: float
    source: str
    as_of: str

    @property
    def kv_bytes_per_token(self) -> float:
        """2 x layers x KV heads x head dim x bytes (facts.md section 2); MLA caches fewer."""
        per_layer = self.kv_values_per_layer or 2 * self.kv_heads * self.head_dim
        return float(self.layers * per_layer) * self.kv_bytes

    @property
    def weight_bytes_total(self) -> float:
        return self.params_total_b * 1e9 * self.weight_bytes

    @property
    def routed_weight_bytes(self) -> float:
        return self.params_routed_b * 1e9 * self.weight_bytes if self.experts else 0.0

    @property
    def dense_weight_bytes(self) -> float:
        return self.weight_bytes_total - self.routed_weight_bytes

    @property
    def attention_dim(self) -> float:
        """layers x heads x head dim: attention costs 4 x this FLOPs per context token."""
        return float(self.layers * self.heads * self.head_dim)

    @property
    def is_moe(self) -> bool:
        return self.experts > 0


@dataclass(frozen=True)
class Bucket:
    max_context: float
    prefill_tokens_per_s: float
    decode_tokens_per_s: float


@dataclass(frozen=True)
class ServingProfile:
    key: str
    mode: str
    source: str
    as_of: str
    overhead_share: float = 0.0
    # roofline
    hardware: str = ""
    gpus: int = 0
    precision: str = "bf16"
    mfu: float = 0.0
    mbu: float = 0.0
    max_batch: int = 1
    utilization: float = 1.0
    memory_fraction: float = 0.9
    cache_read_model: str = "free"
    cache_read_gb_per_s: float = 0.0
    cache_read_prefill_fraction: float = 0.0
    usd_per_gpu_hour: float = 0.0
    # measured
    usd_per_hour: float = 0.0
    prefill_tokens_per_s: float = 0.0
    decode_tokens_per_s: float = 0.0
    cache_read_tokens_per_s: float = 0.0
    buckets: tuple[Bucket, ...] = ()
    # rate card
    usd_per_mtok_input: float = 0.0
    usd_per_mtok_cache_write: float = 0.0
    usd_per_mtok_cache_write_1h: float = 0.0
    usd_per_mtok_cache_read: float = 0.0
    usd_per_mtok_output: float = 0.0
    discount: float = 0.0
    long_context_threshold: int = 0  # 0: no long-context tier
    usd_per_mtok_long_input: float = 0.0
    usd_per_mtok_long_cache_write: float = 0.0
    usd_per_mtok_long_cache_write_1h: float = 0.0
    usd_per_mtok_long_cache_read: float = 0.0
    usd_per_mtok_long_output: float = 0.0


@dataclass(frozen=True)
class Route:
    pattern: str
    model: str
    serving: str
    assumed: bool
    note: str
    training_cost_usd: float | None
    lifetime_tokens: float | None


@dataclass(frozen=True)
class Resolution:
    """How one logged model name is priced."""

    logged: str
    model: ModelProfile
    serving: ServingProfile
    hardware: Hardware | None
    assumed: bool
    how: str  # "profile", "route" or "fallback"
    note: str
    training_cost_usd: float
    lifetime_tokens: float

    @property
    def training_usd_per_token(self) -> float:
        if self.lifetime_tokens <= 0:
            return 0.0
        return self.training_cost_usd / self.lifetime_tokens

    @property
    def usd_per_gpu_hour(self) -> float:
        if self.serving.usd_per_gpu_hour > 0:
            return self.serving.usd_per_gpu_hour
        return self.hardware.usd_per_gpu_hour if self.hardware else 0.0


_CLAUDE_VERSION_FIRST = re.compile(r"^claude-(\d+(?:[.-]\d)?)-(opus|sonnet|haiku)(.*)$")
_CLAUDE_DOTTED = re.compile(r"^(claude-(?:opus|sonnet|haiku)-\d+)\.(\d)")
# Bedrock model ids: an optional cross-region prefix, the vendor, the name, a version suffix
# ("us.anthropic.claude-sonnet-4-5-20250929-v1:0").
_BEDROCK = re.compile(r"^(?:(?:us|eu|apac|au|ca|jp|us-gov|global)\.)?"
                      r"(?:anthropic|openai|meta|mistral|deepseek|qwen|moonshotai|google)\."
                      r"(.+?)(?:-v\d+(?::\d+)?)?$")
# A dated snapshot at the end of a name: -20250929, -2025-08-07, or Vertex's @20250929.
_SNAPSHOT = re.compile(r"(?:-\d{8}|-\d{4}-\d{2}-\d{2}|@\d{8})$")
DATE = "{date}"  # in a match pattern: any dated snapshot suffix (see name_matches)


def snapshot_free(name: str) -> str:
    """A logged name lower-cased, without a dated snapshot suffix at its end
    ('claude-sonnet-4-5-20250929' -> 'claude-sonnet-4-5')."""
    return _SNAPSHOT.sub("", name.strip().lower())


def name_candidates(name: str) -> tuple[str, ...]:
    """A logged name, lower-cased, with and without a provider prefix ("anthropic/..."), a
    Bedrock id without its region, vendor and version parts, Claude names written version
    first (OpenRouter's "claude-4.5-sonnet") or dotted ("claude-opus-4.5") in the vendor's
    spelling ("claude-sonnet-4-5"), and Vertex's "@20250929" snapshot as "-20250929"."""
    low = name.strip().lower()
    base = low.rsplit("/", 1)[-1]
    out = [low, base]
    bedrock = _BEDROCK.match(base)
    if bedrock:
        base = bedrock[1]
        out.append(base)
    m = _CLAUDE_VERSION_FIRST.match(base)
    if m:
        base = f"claude-{m[2]}-{m[1].replace('.', '-')}{m[3]}"
        out.append(base)
    dotted = _CLAUDE_DOTTED.sub(r"\1-\2", base)
    if "@" in dotted:
        dotted = re.sub(r"@(\d{8})$", r"-\1", dotted)
    out.append(dotted)
    return tuple(dict.fromkeys(out))


def name_matches(name: str, pattern: str) -> bool:
    """Whether a logged name fits a case-insensitive glob. In a pattern, ``{date}`` stands for
    a dated snapshot suffix (``-{date}`` fits -20250929 and -2025-08-07), so a catalog can
    name a model and its snapshots without a ``*`` that would also catch its -mini variant."""
    pat = pattern.lower()
    cands = name_candidates(name)
    if DATE in pat:
        cands = tuple(_SNAPSHOT.sub("-" + DATE, c) for c in cands if _SNAPSHOT.search(c))
    return any(fnmatch.fnmatchcase(c, pat) for c in cands)


@dataclass(frozen=True)
class CostCatalog:
    hardware: Mapping[str, Hardware]
    models: Mapping[str, ModelProfile]
    serving: Mapping[str, ServingProfile]
    routes: tuple[Route, ...]
    fallback_model: str
    files: tuple[str, ...]
    # "hardware.H100" -> the fields a --costs file set on that shipped entry
    overridden: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    override_file: str = ""

    def overrides(self, section: str, key: str) -> tuple[str, ...]:
        """The fields of a shipped entry that the --costs file changed."""
        return self.overridden.get(f"{section}.{key}", ())

    def _resolution(self, logged: str, model: ModelProfile, how: str, assumed: bool,
                    note: str, serving_key: str = "", route: Route | None = None
                    ) -> Resolution:
        serving = self.serving[serving_key or model.serving]
        training, lifetime = _training_of(model, serving, route)
        hw = self.hardware.get(serving.hardware) if serving.mode == "roofline" else None
        return Resolution(logged, model, serving, hw, assumed, how, note, training, lifetime)

    def resolve(self, logged: str) -> Resolution:
        """Routes first (first match wins), then a profile's own name or globs, else fallback."""
        route = self.route(logged)
        if route is not None:
            model = self.models[route.model]
            return self._resolution(logged, model, "route", route.assumed, route.note,
                                    route.serving, route)
        for model in self.models.values():
            if name_matches(logged, model.key) or any(name_matches(logged, p)
                                                      for p in model.match):
                return self._resolution(logged, model, "profile", False,
                                        f"published shape of {model.key}")
        model = self.models[self.fallback_model]
        return self._resolution(logged, model, "fallback", True,
                                f"unknown model priced by fallback profile {model.key}")

    def route(self, logged: str) -> Route | None:
        """The route that prices ``logged`` (first match), or None."""
        return next((r for r in self.routes if name_matches(logged, r.pattern)), None)

    def route_of(self, logged: str) -> str | None:
        """The pattern of the route that prices ``logged`` (first match), or None."""
        route = self.route(logged)
        return route.pattern if route is not None else None

    def is_known(self, logged: str) -> bool:
        return self.resolve(logged).how != "fallback"


# ---------------------------------------------------------------- loading


def _data_file(name: str) -> tuple[dict[str, Any], str]:
    ref = resources.files("planalyzer.data").joinpath(name)
    path = Path(str(ref))
    return read_toml(path), str(path)


def _merge_entries(base: dict[str, tuple[dict[str, Any], str]], section: str,
                   override: Mapping[str, Any], spec_partial: Mapping[str, Field],
                   path: str, changed: dict[str, tuple[str, ...]] | None = None) -> None:
    check_entry_names(override, section, spec_partial, path)
    for key, raw in override.items():
        check_table(raw, spec_partial, f"{section}.{key}", path)  # unknown keys, types
        if changed is not None and key not in base:
            _check_new_entry(section, key, raw, base, path)
        old_mode = base[key][0].get("mode") if key in base else None
        if section == "serving" and old_mode and raw.get("mode", old_mode) != old_mode:
            raise ConfigError(f"{path}: serving.{key}.mode: {key} is a {old_mode} profile and "
                              f"keeps its {old_mode} keys; to use mode {raw['mode']!r}, add a "
                              f"new [serving.NEW-NAME] with every {raw['mode']} key and point a "
                              f"[[route]] (serving = \"NEW-NAME\") or model at it")
        if key in base:
            if changed is not None:
                changed[f"{section}.{key}"] = tuple(raw)
            merged = {**base[key][0], **raw}
            base[key] = (merged, path)
        else:
            base[key] = (dict(raw), path)


_NOUNS = {"hardware": "hardware entry", "model": "model profile", "serving": "serving profile"}


def _check_new_entry(section: str, key: str, raw: Mapping[str, Any],
                     shipped: Mapping[str, Any], path: str) -> None:
    """A --costs entry that is not a shipped one and lacks keys a new entry needs: most likely
    a misspelt or wrong-case name of a shipped entry the user meant to change ([hardware.h100]
    for H100). Name that entry, and what a new one would need, rather than the first missing
    key ("hardware.h100.name: missing")."""
    mode = raw.get("mode")
    if section == "serving" and mode not in SERVING_SPECS:
        needs = (f"mode ({', '.join(MODES)}) and every key that mode requires, source and "
                 f"as_of included")
    else:
        spec = SERVING_SPECS[str(mode)] if section == "serving" else (
            HARDWARE_SPEC if section == "hardware" else MODEL_SPEC)
        needs = ", ".join(k for k, f in spec.items() if f.required and k not in raw)
        if not needs:
            return  # a whole new entry
    by_low = {k.lower(): k for k in shipped}
    near = by_low.get(key.lower()) or nearest(key.lower(), by_low)
    if near is None:
        return  # check_table names the first missing key
    near = by_low.get(near, near)
    name = f'"{near}"' if "." in near else near
    noun = _NOUNS[section]
    raise ConfigError(f"{path}: {section}.{key}: not a shipped {noun} (did you mean {near!r}? "
                      f"to change it, name it exactly: [{section}.{name}]); a new {noun} "
                      f"would also need {needs}")


def _near_hardware(name: str, hardware: Mapping[str, Any]) -> str:
    """'; did you mean 'H100'?' for a serving profile's hardware name that differs from a
    catalog entry's only in case or is near one ('h100', 'h100-sxm'); '' where none is."""
    by_low = {k.lower(): k for k in hardware}
    if name.lower() in by_low:
        return f"; did you mean {by_low[name.lower()]!r}? (hardware names are case-sensitive)"
    near = nearest(name.lower(), by_low)
    return "" if near is None else f"; did you mean {by_low[near]!r}?"


def _positive(value: float, where: str, path: str, *, upto_one: bool = False) -> None:
    ok = 0 < value <= 1 if upto_one else 0 < value < math.inf  # NaN fails both
    if not ok:
        rng = "in (0, 1]" if upto_one else "a finite number above 0"
        raise ConfigError(f"{path}: {where}: {value} must be {rng}")


_MODEL_POSITIVE = ("params_total_b", "params_active_b", "weight_bytes", "kv_bytes", "layers",
                   "heads", "kv_heads", "head_dim")
# serving keys that must be above 0 (True: and at most 1), by mode
_POSITIVE: dict[str, tuple[tuple[str, bool], ...]] = {
    "roofline": (("mfu", True), ("mbu", True), ("utilization", True),
                 ("memory_fraction", True), ("gpus", False), ("max_batch", False)),
    "measured": (("utilization", True), ("usd_per_hour", False)),
}
# the key a roofline's cache-read model prices with, which must be above 0 (True: and at most
# 1), and what it is
_CACHE_READ_KEY: dict[str, tuple[str, bool, str]] = {
    "kv_transfer": ("cache_read_gb_per_s", False,
                    "the GB/s per GPU at which cached KV bytes move into GPU memory, e.g. 25"),
    "prefill_fraction": ("cache_read_prefill_fraction", True,
                         "a cache read's cost as a share of a prefill of the token, in (0, 1], "
                         "e.g. 0.1"),
}
# a measured profile's rates without context buckets (with buckets, each bucket's own)
_FLAT_RATES = ("prefill_tokens_per_s", "decode_tokens_per_s")


def _check_numbers(values: Mapping[str, Any], where: str, path: str) -> None:
    """Every number of the cost catalogs is a finite count, price, share or cost >= 0."""
    for k, v in values.items():
        if isinstance(v, int | float) and not isinstance(v, bool) and not 0 <= v < math.inf:
            raise ConfigError(f"{path}: {where}.{k}: {v} must be a finite number of 0 or more")


def _share(value: float, where: str, path: str) -> None:
    if not 0 <= value <= 1:
        raise ConfigError(f"{path}: {where}: {value} must be a share in [0, 1]")


def _training_of(model: ModelProfile, serving: ServingProfile,
                 route: Route | None) -> tuple[float, float]:
    """(training cost, lifetime tokens) behind a resolution's amortized training: the model
    profile's, none on a rate card (a reseller's API bill already pays for the training),
    each replaced by the route's where it sets it."""
    training, lifetime = model.training_cost_usd, model.lifetime_tokens
    if serving.mode == "rate_card":
        training, lifetime = 0.0, 0.0
    if route is not None:
        if route.training_cost_usd is not None:
            training = route.training_cost_usd
        if route.lifetime_tokens is not None:
            lifetime = route.lifetime_tokens
    return training, lifetime


def _check_training(training: float, lifetime: float, where: str, path: str) -> None:
    if training > 0 and not lifetime > 0:
        raise ConfigError(f"{path}: {where}.lifetime_tokens: {lifetime:g} must be above 0 with "
                          f"training_cost_usd {training:g}; set the tokens the model serves "
                          f"over its life (above 0) to amortize the training over")


def _build_serving(key: str, raw: dict[str, Any], path: str) -> ServingProfile:
    where = f"serving.{key}"
    mode = raw.get("mode")
    if mode not in SERVING_SPECS:
        check_table({"mode": mode} if mode is not None else {}, {"mode": _COMMON_SERVING["mode"]},
                    where, path)
        raise ConfigError(f"{path}: {where}.mode: set one of {', '.join(MODES)}")
    spec = SERVING_SPECS[str(mode)]
    for k in raw:
        if k not in spec:
            raise ConfigError(f"{path}: {where}.{k}: unknown key for mode {mode!r}; allowed "
                              f"keys are {', '.join(sorted(spec))}")
    v = check_table(raw, spec, where, path)
    # the keys that must be above 0 first, so a negative one is told the range that holds
    # ("in (0, 1]"), not the "0 or more" of the general check below
    positive = list(_POSITIVE.get(str(mode), ()))
    if mode == "roofline" and v["cache_read_model"] in _CACHE_READ_KEY:
        rate, upto_one, what = _CACHE_READ_KEY[v["cache_read_model"]]
        if rate not in raw:  # its default 0 would make every cache read free
            raise ConfigError(f"{path}: {where}.{rate}: missing; cache_read_model = "
                              f"\"{v['cache_read_model']}\" needs it ({what}); add it, or set "
                              f"cache_read_model = \"free\" if cache reads cost nothing")
        positive.append((rate, upto_one))
    if mode == "measured" and not v["buckets"]:
        for f in _FLAT_RATES:
            if f not in raw:
                raise ConfigError(f"{path}: {where}.{f}: missing; a measured profile needs "
                                  "prefill_tokens_per_s and decode_tokens_per_s (tokens/s per "
                                  "replica), or buckets of them by context length")
        positive += [(f, False) for f in _FLAT_RATES]
    for f, upto_one in positive:
        _positive(v[f], f"{where}.{f}", path, upto_one=upto_one)
    _check_numbers(v, where, path)
    _share(v["overhead_share"], f"{where}.overhead_share", path)
    buckets: tuple[Bucket, ...] = ()
    if mode == "roofline":
        _share(v["cache_read_prefill_fraction"], f"{where}.cache_read_prefill_fraction", path)
    elif mode == "measured":
        items = [check_table(b, BUCKET_SPEC, f"{where}.buckets[{i}]", path)
                 for i, b in enumerate(v.pop("buckets"))]
        if len(items) > MAX_BUCKETS:
            raise ConfigError(f"{path}: {where}.buckets: at most {MAX_BUCKETS} buckets")
        for i, b in enumerate(items):
            _check_numbers(b, f"{where}.buckets[{i}]", path)
            for f in BUCKET_SPEC:
                _positive(b[f], f"{where}.buckets[{i}].{f}", path)
        first: dict[float, int] = {}
        for i, b in enumerate(items):  # a repeated edge would make one the catch-all above it
            j = first.setdefault(b["max_context"], i)
            if j != i:
                raise ConfigError(f"{path}: {where}.buckets[{i}].max_context: "
                                  f"{b['max_context']:g} repeats buckets[{j}]'s; each bucket "
                                  "needs its own upper bound")
        items.sort(key=lambda b: b["max_context"])
        buckets = tuple(Bucket(**b) for b in items)
    else:
        if not 0 <= v["discount"] < 1:
            raise ConfigError(f"{path}: {where}.discount: {v['discount']} must be in [0, 1)")
        _long_rate_card(v, where, path)
    v.pop("buckets", None)
    return ServingProfile(key=key, buckets=buckets, **v)


_LONG_CLASSES = ("cache_write", "cache_write_1h", "cache_read")


def _long_rate_card(v: dict[str, Any], where: str, path: str) -> None:
    """Fill a rate card's long-context tier in ``v``, as the API price catalog reads one:
    a threshold needs long input and output prices; a long cache price left out is the
    standard one times long input / input; long prices without a threshold are refused."""
    given = [f"usd_per_mtok_long_{c}" for c in ("input", *_LONG_CLASSES, "output")
             if v[f"usd_per_mtok_long_{c}"] is not None]
    if not v["long_context_threshold"]:
        if given:
            raise ConfigError(f"{path}: {where}.{given[0]}: a long-context price needs "
                              f"long_context_threshold (the prompt tokens above which the "
                              f"whole request is billed at the long prices); set it or "
                              f"remove the usd_per_mtok_long_* keys")
        for c in ("input", *_LONG_CLASSES, "output"):
            v[f"usd_per_mtok_long_{c}"] = 0.0
        return
    for c in ("input", "output"):
        if v[f"usd_per_mtok_long_{c}"] is None:
            raise ConfigError(f"{path}: {where}.usd_per_mtok_long_{c}: missing; a "
                              f"long_context_threshold needs usd_per_mtok_long_input and "
                              f"usd_per_mtok_long_output")
    base = v["usd_per_mtok_input"]
    ratio = v["usd_per_mtok_long_input"] / base if base else 1.0
    for c in _LONG_CLASSES:
        if v[f"usd_per_mtok_long_{c}"] is None:
            v[f"usd_per_mtok_long_{c}"] = v[f"usd_per_mtok_{c}"] * ratio


def load_cost_catalog(path: str | Path | None = None) -> CostCatalog:
    """The shipped catalogs, with ``path`` (a ``--costs`` TOML) overriding or adding entries."""
    path = Path(path) if path is not None else None
    raw_hw: dict[str, tuple[dict[str, Any], str]] = {}
    raw_models: dict[str, tuple[dict[str, Any], str]] = {}
    raw_serving: dict[str, tuple[dict[str, Any], str]] = {}
    routes: list[tuple[dict[str, Any], str]] = []
    defaults: dict[str, Any] = {}
    files: list[str] = []
    overridden: dict[str, tuple[str, ...]] = {}

    sections = {"hardware": dict, "model": dict, "serving": dict, "route": list, "defaults": dict}
    docs = [_data_file("hardware.toml"), _data_file("models.toml"), _data_file("serving.toml")]
    for data, p in docs:
        check_sections(data, sections, p)
    if path is not None:
        docs.append((read_toml(path), str(path)))
        check_sections(docs[-1][0], sections, str(path))
    for data, p in docs:
        files.append(p)
        is_override = path is not None and p == str(path)
        partial_hw = {k: Field(f.type, False, item_type=f.item_type, choices=f.choices)
                      for k, f in HARDWARE_SPEC.items()}
        partial_model = {k: Field(f.type, False, item_type=f.item_type, choices=f.choices)
                         for k, f in MODEL_SPEC.items()}
        changed = overridden if is_override else None
        _merge_entries(raw_hw, "hardware", data.get("hardware", {}), partial_hw, p, changed)
        _merge_entries(raw_models, "model", data.get("model", {}), partial_model, p, changed)
        _merge_entries(raw_serving, "serving", data.get("serving", {}), _ALL_SERVING_KEYS, p,
                       changed)
        new_routes = [(r, p) for r in data.get("route", [])]
        routes = new_routes + routes if is_override else routes + new_routes
        if "defaults" in data:
            defaults.update(check_table(data["defaults"],
                                        {"fallback_model": Field(str, required=False)},
                                        "defaults", p))

    hardware = {k: Hardware(key=k, **check_table(r, HARDWARE_SPEC, f"hardware.{k}", p))
                for k, (r, p) in raw_hw.items()}
    for k, h in hardware.items():
        where = raw_hw[k][1]
        for f in ("bf16_tflops", "hbm_gb", "bandwidth_tbps", "usd_per_gpu_hour"):
            _positive(getattr(h, f), f"hardware.{k}.{f}", where)
        _check_numbers(vars(h), f"hardware.{k}", where)
    serving = {k: _build_serving(k, r, p) for k, (r, p) in raw_serving.items()}
    models: dict[str, ModelProfile] = {}
    for k, (r, p) in raw_models.items():
        v = check_table(r, MODEL_SPEC, f"model.{k}", p)
        for f in _MODEL_POSITIVE:
            _positive(float(v[f]), f"model.{k}.{f}", p)
        _check_numbers(v, f"model.{k}", p)
        _check_training(v["training_cost_usd"], v["lifetime_tokens"], f"model.{k}", p)
        v["match"] = tuple(v["match"])
        models[k] = ModelProfile(key=k, **v)
        _check_model(models[k], p)
    for k, s in serving.items():
        if s.mode == "roofline" and s.hardware not in hardware:
            raise ConfigError(f"{raw_serving[k][1]}: serving.{k}.hardware: {s.hardware!r} is "
                              f"not in the hardware catalog ({', '.join(sorted(hardware))})"
                              + _near_hardware(s.hardware, hardware))
        if s.mode == "roofline" and s.precision == "fp8" and hardware[s.hardware].fp8_tflops <= 0:
            if "fp8_tflops" in overridden.get(f"hardware.{s.hardware}", ()) \
                    and raw_serving[k][1] != str(path):  # --costs took the FP8 of a shipped one
                raise ConfigError(f"{path}: hardware.{s.hardware}.fp8_tflops: "
                                  f"{hardware[s.hardware].fp8_tflops:g} leaves {s.hardware} no "
                                  f"FP8 throughput, which the shipped serving.{k} runs in "
                                  f"(precision fp8); give its FP8 peak, or set [serving.{k}] "
                                  "precision = \"bf16\" in this file")
            raise ConfigError(f"{raw_serving[k][1]}: serving.{k}.precision: {s.hardware} has no "
                              f"FP8 throughput; use bf16 or other hardware")
    for k, m in models.items():
        if m.serving not in serving:
            raise ConfigError(f"{raw_models[k][1]}: model.{k}.serving: {m.serving!r} is not a "
                              f"serving profile ({', '.join(sorted(serving))})")
    built_routes = []
    for i, (r, p) in enumerate(routes):
        v = check_table(r, ROUTE_SPEC, f"route[{i}]", p)
        _check_numbers(v, f"route[{i}]", p)
        if v["model"] not in models:
            raise ConfigError(f"{p}: route[{i}].model: {v['model']!r} is not a model profile "
                              f"({', '.join(sorted(models))})")
        if v["serving"] and v["serving"] not in serving:
            raise ConfigError(f"{p}: route[{i}].serving: {v['serving']!r} is not a serving "
                              f"profile ({', '.join(sorted(serving))})")
        route = Route(**v)
        # the pair the route resolves to (its serving may be a rate card, which drops the
        # profile's training; either figure may come from the profile)
        model = models[route.model]
        _check_training(*_training_of(model, serving[route.serving or model.serving], route),
                        f"route[{i}]", p)
        built_routes.append(route)
    pairs = [(m, m.serving) for m in models.values()]
    pairs += [(models[r.model], r.serving or models[r.model].serving) for r in built_routes]
    for m, skey in pairs:
        s = serving[skey]
        if s.mode == "roofline":
            hw = hardware[s.hardware]
            if s.gpus * hw.hbm_gb * 1e9 * s.memory_fraction <= m.weight_bytes_total:
                where = str(path) if path is not None else raw_serving[skey][1]
                raise ConfigError(
                    f"{where}: serving.{skey}: {m.key}'s weights "
                    f"({m.weight_bytes_total / 1e9:,.0f} GB) do not fit in {s.gpus} x "
                    f"{hw.key} at memory_fraction {s.memory_fraction}; add GPUs")
    fallback = defaults.get("fallback_model")
    if not fallback or fallback not in models:
        raise ConfigError(f"{files[-1]}: defaults.fallback_model: {fallback!r} is not a model "
                          f"profile ({', '.join(sorted(models))})")
    return CostCatalog(hardware, models, serving, tuple(built_routes), fallback, tuple(files),
                       overridden, str(path) if path is not None else "")


def _check_model(m: ModelProfile, path: str) -> None:
    where = f"model.{m.key}"
    for f in _MODEL_POSITIVE:
        _positive(float(getattr(m, f)), f"{where}.{f}", path)
    if m.params_active_b > m.params_total_b:
        raise ConfigError(f"{path}: {where}.params_active_b: above params_total_b")
    if m.experts:
        if not 0 < m.experts_active <= m.experts:
            raise ConfigError(f"{path}: {where}.experts_active: must be in 1..experts")
        if not 0 < m.params_routed_b < m.params_total_b:
            raise ConfigError(f"{path}: {where}.params_routed_b: a mixture of experts needs "
                              f"its routed expert parameters, below params_total_b")
