"""The cost assumptions a tornado moves, their default ranges, and how a setting changes a
model's pricing (``Resolution``) exactly.

A setting is either relative to each serving profile's own value (``x0.85``, ``-50%``,
``+80%``) or absolute (``0.3``: every profile the assumption applies to gets that value).
The re-pricing goes through the cost model itself (planalyzer.costs.coefficients), never a
linear approximation: MFU, MBU, the target batch and the cache-read cost enter the roofline
non-linearly (the decode step is the slower of memory and compute; the batch is what fits).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from planalyzer.costs.catalog import Resolution
from planalyzer.costs.report import _scaled
from planalyzer.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One end of a range: ``factor`` times the profile's value, or an ``absolute`` value."""

    text: str
    factor: float | None = None
    absolute: float | None = None

    @property
    def relative(self) -> bool:
        return self.factor is not None


@dataclass(frozen=True)
class Knob:
    name: str
    label: str
    unit: str
    low: Setting
    high: Setting
    why: str  # where the default range comes from (facts.md sections)


_NUM = r"[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?"
_REL_X = re.compile(rf"^x({_NUM})$", re.I)
_REL_PCT = re.compile(rf"^([+-])({_NUM})%$")
_ABS = re.compile(rf"^{_NUM}$", re.I)


def parse_setting(text: str, where: str) -> Setting:
    t = text.strip()
    if m := _REL_X.match(t):
        f = float(m.group(1))
    elif m := _REL_PCT.match(t):
        f = 1.0 + (1 if m.group(1) == "+" else -1) * float(m.group(2)) / 100.0
    elif _ABS.match(t):
        v = float(t)
        if v <= 0:
            raise ConfigError(f"{where}: {t!r} must be above 0")
        return Setting(t, absolute=v)
    else:
        raise ConfigError(f"{where}: {t!r} is not a setting; write a value (0.3), a multiple "
                          f"of the catalog's value (x0.85) or a change (-50%, +80%)")
    if f <= 0 or not math.isfinite(f):
        raise ConfigError(f"{where}: {t!r} leaves nothing (a multiple must be above 0)")
    return Setting(t, factor=f)


def _rel(text: str) -> Setting:
    return parse_setting(text, "default range")


# Defaults: each range is cited in docs/economics.md; facts.md = /work/shared/reference/facts.md.
DEFAULT_KNOBS: tuple[Knob, ...] = (
    Knob("gpu_price", "GPU price", "$/GPU-hour (measured: $/replica-hour)",
         _rel("x0.85"), _rel("x1.8"),
         "low: MI300X owner TCO $1.12 vs H100 $1.30 (0.86x); high: renting H100 at the "
         "March 2026 index $2.35 vs the $1.30 TCO the catalog uses (1.81x) (facts.md sec. 1)"),
    Knob("utilization", "fleet utilization", "share of paid GPU time serving",
         _rel("0.3"), _rel("0.7"),
         "a planalyzer assumption around the shipped 0.6: 0.3 = a fleet sized for peak that "
         "idles nights and weekends; 0.7 = well-packed (no published figure in facts.md)"),
    Knob("mfu", "MFU (prefill efficiency)", "achieved / peak FLOP/s",
         _rel("0.21"), _rel("0.5"),
         "low: Epoch AI's Llama-3-70B point runs at MFU 21%; high: 0.5, the low end of the "
         "50-100% MFU band facts.md sec. 2 prices prefill at (shipped 0.36)"),
    Knob("mbu", "MBU (decode efficiency)", "achieved / peak bandwidth",
         _rel("0.4"), _rel("0.75"),
         "low: vLLM reaches ~40% of the simple roofline at batch 128 (facts.md sec. 2); "
         "high: 0.75, newer engines (an assumption; shipped 0.59)"),
    Knob("batch", "target batch", "sequences per decode step (max_batch)",
         _rel("x0.25"), _rel("x2"),
         "low: a quarter of each profile's target (128 -> 32, 64 -> 16), the step of the "
         "tensoreconomics quote (batch 16 instead of 64: $1.71 vs $0.95/M output, "
         "facts.md sec. 2); high: twice the shipped target"),
    Knob("cache_read", "cache-read speed",
         "GB/s per GPU of host-tier KV transfer; xF = F times each profile's cache-read speed",
         _rel("x0.2"), _rel("x5"),
         "the shipped 25 GB/s per GPU host-tier KV transfer is an assumption: x0.2 = 5 GB/s "
         "(a disk or network tier: dearer cache reads), x5 = 125 GB/s (a faster tier: "
         "cheaper); cache reads are ~95% of agent tokens (facts.md sec. 5)"),
)
KNOB_NAMES = tuple(k.name for k in DEFAULT_KNOBS)


def parse_ranges(texts: list[str] | tuple[str, ...]) -> tuple[Knob, ...]:
    """The default knobs with ``NAME=LOW:HIGH`` overrides (``--range``), in default order."""
    by_name = {k.name: k for k in DEFAULT_KNOBS}
    given: dict[str, str] = {}
    for text in texts:
        where = f"--range {text!r}"
        name, eq, rng = text.partition("=")
        name = name.strip()
        if not eq or name not in by_name:
            raise ConfigError(f"{where}: write NAME=LOW:HIGH with NAME one of "
                              f"{', '.join(KNOB_NAMES)}, e.g. gpu_price=x0.5:x1.5")
        if name in given:  # the last silently won (qa16C #9); --grid refuses the same
            raise ConfigError(f"--range {name}: given twice ({given[name]!r} and {text!r}); "
                              "give one range for it")
        given[name] = text
        lo, colon, hi = rng.partition(":")
        if not colon:
            raise ConfigError(f"{where}: give two ends, LOW:HIGH (e.g. {name}=x0.5:x1.5)")
        low, high = parse_setting(lo, where), parse_setting(hi, where)
        by_name[name] = replace(by_name[name], low=low, high=high, why="set by --range")
    return tuple(by_name.values())


def _check_share(value: float, what: str, res: Resolution, setting: Setting) -> None:
    if not 0 < value <= 1:
        raise ConfigError(f"--range {what}={setting.text}: gives {what} {value:g} for serving "
                          f"profile {res.serving.key}; it must be in (0, 1]")


def apply_setting(res: Resolution, knob: str, setting: Setting) -> Resolution:
    """``res`` with one assumption moved to ``setting``; unchanged where it does not apply
    (a rate card has no GPU price, utilization, MFU, MBU or batch)."""
    s = res.serving
    if knob == "cache_read":
        return _cache_read(res, setting)
    if setting.relative:
        assert setting.factor is not None
        name = "max_batch" if knob == "batch" else knob
        out = _scaled(res, name, setting.factor)
        if out is None:
            return res
    else:
        v = setting.absolute
        assert v is not None
        if knob == "gpu_price":
            # $/GPU-hour: roofline profiles only (a measured profile prices a replica-hour)
            out = replace(res, serving=replace(s, usd_per_gpu_hour=v)) \
                if s.mode == "roofline" else res
        elif knob == "utilization" and s.mode != "rate_card":
            out = replace(res, serving=replace(s, utilization=v))
        elif knob == "mfu" and s.mode == "roofline":
            out = replace(res, serving=replace(s, mfu=v))
        elif knob == "mbu" and s.mode == "roofline":
            out = replace(res, serving=replace(s, mbu=v))
        elif knob == "batch" and s.mode == "roofline":
            out = replace(res, serving=replace(s, max_batch=max(1, round(v))))
        else:
            return res
    for what in ("utilization", "mfu", "mbu"):
        if knob == what and out.serving.mode != "rate_card":
            _check_share(getattr(out.serving, what), what, res, setting)
    return out


def _cache_read(res: Resolution, setting: Setting) -> Resolution:
    """Move how fast cached tokens are served. Relative: F times the profile's cache-read
    speed (GB/s of a ``kv_transfer`` profile, cache-read tokens/s of a measured one); where
    a profile states a cost instead (a share of prefill, a rate card's price), that cost / F,
    so ``x0.2`` makes cache reads dearer on every profile, as 5 GB/s against 25 does.
    Absolute: the host-tier transfer rate, GB/s per GPU (kv_transfer profiles only)."""
    s = res.serving
    f = setting.factor
    if f is None:
        v = setting.absolute
        if v is not None and s.mode == "roofline" and s.cache_read_model == "kv_transfer":
            return replace(res, serving=replace(s, cache_read_gb_per_s=v))
        return res
    if s.mode == "roofline":
        if s.cache_read_model == "kv_transfer":
            return replace(res, serving=replace(s, cache_read_gb_per_s=s.cache_read_gb_per_s * f))
        if s.cache_read_model == "prefill_fraction":
            return replace(res, serving=replace(
                s, cache_read_prefill_fraction=s.cache_read_prefill_fraction / f))
        return res
    if s.mode == "measured":
        if s.cache_read_tokens_per_s > 0:
            return replace(res, serving=replace(
                s, cache_read_tokens_per_s=s.cache_read_tokens_per_s * f))
        return res
    return replace(res, serving=replace(
        s, usd_per_mtok_cache_read=s.usd_per_mtok_cache_read / f,
        usd_per_mtok_long_cache_read=s.usd_per_mtok_long_cache_read / f))


def base_value(res: Resolution, knob: str) -> str | None:
    """The profile's own value of an assumption, as text (None where it does not apply)."""
    s = res.serving
    if knob == "gpu_price":
        if s.mode == "roofline":
            return f"${res.usd_per_gpu_hour:,.2f} {s.hardware}"
        return f"${s.usd_per_hour:,.2f}/replica" if s.mode == "measured" else None
    if knob == "utilization":
        return f"{s.utilization:g}" if s.mode != "rate_card" else None
    if knob in ("mfu", "mbu"):
        return f"{getattr(s, knob):g}" if s.mode == "roofline" else None
    if knob == "batch":
        return f"{s.max_batch}" if s.mode == "roofline" else None
    if s.mode == "roofline":
        if s.cache_read_model == "kv_transfer":
            return f"{s.cache_read_gb_per_s:g} GB/s"
        return s.cache_read_model
    if s.mode == "measured":
        return (f"{s.cache_read_tokens_per_s:g} tok/s" if s.cache_read_tokens_per_s > 0
                else "free")
    return f"${s.usd_per_mtok_cache_read * (1 - s.discount):g}/M"
