"""The small API price map the synthetic generator is calibrated with.

Prices live in ``planalyzer/data/synth_prices.toml`` (USD per million tokens, with source and
"as of" date). They exist only to turn synthetic tokens into API-equivalent dollars for
calibration; the full price catalog belongs to ``planalyzer.costs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from planalyzer.errors import ConfigError
from planalyzer.strict_toml import read_toml

PRICE_FILE = Path(__file__).parent / "data" / "synth_prices.toml"
_PRICE_KEYS = ("input", "cache_write", "cache_write_1h", "cache_read", "output")


@dataclass(frozen=True)
class ModelPrice:
    """List prices of one model, USD per million tokens of each token class."""

    model: str
    input: float
    cache_write: float
    cache_write_1h: float
    cache_read: float
    output: float


@dataclass(frozen=True)
class PriceMap:
    as_of: str
    source: str
    models: dict[str, ModelPrice]

    def rows(self) -> list[tuple[str, float, float, float, float, float]]:
        """(model, input, cache_write, cache_write_1h, cache_read, output) per model, USD/M."""
        return [
            (p.model, p.input, p.cache_write, p.cache_write_1h, p.cache_read, p.output)
            for p in self.models.values()
        ]


def _number(value: object, key: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{path}: {key} must be a non-negative number, got {value!r}")
    return float(value)


@cache
def load_prices(path: Path = PRICE_FILE) -> PriceMap:
    """Read the calibration price map strictly: unknown keys or wrong types are errors."""
    data = read_toml(path, what="synthetic price map")
    unknown = set(data) - {"as_of", "source", "models"}
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r}; expected as_of, source, "
                          "models")
    models: dict[str, ModelPrice] = {}
    for name, entry in dict(data.get("models", {})).items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: models.{name} must be a table")
        extra = set(entry) - set(_PRICE_KEYS)
        missing = set(_PRICE_KEYS) - set(entry)
        if extra or missing:
            bad = sorted(extra)[0] if extra else sorted(missing)[0]
            raise ConfigError(f"{path}: models.{name}: {'unknown' if extra else 'missing'} key "
                              f"{bad!r}")
        values = [_number(entry[k], f"models.{name}.{k}", path) for k in _PRICE_KEYS]
        models[name] = ModelPrice(name, *values)
    return PriceMap(str(data.get("as_of", "")), str(data.get("source", "")), models)


def request_cost_usd(
    price: ModelPrice,
    *,
    input_tokens: float,
    cache_write_tokens: float,
    cache_read_tokens: float,
    output_tokens: float,
) -> float:
    """API-equivalent cost of one request (5-minute cache writes), USD."""
    return (
        input_tokens * price.input
        + cache_write_tokens * price.cache_write
        + cache_read_tokens * price.cache_read
        + output_tokens * price.output
    ) / 1e6
