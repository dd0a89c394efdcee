"""Break-even: how many subscribers, at today's margin per subscriber, pay back a fixed cost.

The fixed cost (training, R&D: ``--fixed-cost``) is a total to recover over
``--payback-months``; each month must bring ``fixed / payback_months`` of margin. Classic
cost-volume-profit arithmetic on today's numbers: break-even subscribers =
ceil(fixed per month / margin per subscriber-month), on two bases:

* contribution: revenue - marginal GPU cost (what one more subscriber like today's adds);
* fully loaded: revenue - (GPU cost + overhead + the catalog's amortized training per token).
  The stated fixed cost comes on top of that amortization: state only costs the catalog does
  not already spread per token, or read the contribution basis.

Growth cannot fix a loss: where the margin per subscriber is zero or negative, no number of
subscribers pays anything back, and each one added deepens the loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planalyzer.economics.base import PlanBase
from planalyzer.errors import ConfigError


@dataclass(frozen=True)
class BreakEven:
    base: PlanBase
    fixed_cost_usd: float
    payback_months: float

    @property
    def fixed_per_month_usd(self) -> float:
        return self.fixed_cost_usd / self.payback_months

    @property
    def margin_per_subscriber_usd(self) -> float | None:
        return self.base.per_subscriber(self.base.margin_usd)

    @property
    def loaded_margin_per_subscriber_usd(self) -> float | None:
        return self.base.per_subscriber(self.base.loaded_margin_usd)

    def _subscribers(self, per_sub: float | None) -> int | None:
        if per_sub is None or per_sub <= 0:
            return None
        n = math.ceil(self.fixed_per_month_usd / per_sub)
        # ceil of a float quotient can land one short: make n x per_sub >= fixed hold
        while n * per_sub < self.fixed_per_month_usd:
            n += 1
        return n

    @property
    def break_even_subscribers(self) -> int | None:
        return self._subscribers(self.margin_per_subscriber_usd)

    @property
    def loaded_break_even_subscribers(self) -> int | None:
        return self._subscribers(self.loaded_margin_per_subscriber_usd)

    @property
    def growth_needed(self) -> float | None:
        """Break-even subscribers as a multiple of today's."""
        n = self.break_even_subscribers
        return n / self.base.subscribers if n is not None and self.base.subscribers else None

    @property
    def break_even_tokens(self) -> int | None:
        """Tokens a month at break-even, at today's tokens per subscriber (rounded)."""
        n = self.break_even_subscribers
        per = self.base.per_subscriber(self.base.tokens)
        return round(n * per) if n is not None and per is not None else None

    @property
    def verdict(self) -> str:
        m = self.margin_per_subscriber_usd
        if m is None:
            return "no subscribers"
        if m <= 0:
            return "cannot: negative margin, growth deepens the loss"
        n = self.break_even_subscribers
        assert n is not None
        text = ("pays back now" if n <= self.base.subscribers
                else f"growth pays back at {n:,} subscribers")
        lm = self.loaded_margin_per_subscriber_usd
        if lm is not None and lm <= 0:
            text += "; not fully loaded (loaded margin < 0)"
        return text


def check_fixed(fixed_cost_usd: float, payback_months: float) -> None:
    if not fixed_cost_usd > 0 or not math.isfinite(fixed_cost_usd):
        raise ConfigError(f"--fixed-cost {fixed_cost_usd:g}: give the fixed cost to pay back "
                          "in USD, above 0 (e.g. --fixed-cost 5e6)")
    if not payback_months > 0 or not math.isfinite(payback_months):
        raise ConfigError(f"--payback-months {payback_months:g}: give the months over which "
                          "to pay it back, above 0 (1 = a monthly fixed cost)")


def break_even(bases: list[PlanBase], fixed_cost_usd: float, payback_months: float
               ) -> list[BreakEven]:
    check_fixed(fixed_cost_usd, payback_months)
    return [BreakEven(b, fixed_cost_usd, payback_months) for b in bases]
