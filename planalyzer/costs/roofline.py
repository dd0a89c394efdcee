"""The roofline cost model: pure arithmetic, one request at a time (facts.md section 2).

- Prefill is compute-bound: FLOPs = 2 x active params per new prompt token, plus attention
  4 x layers x heads x head dim per (new token x context token); time = FLOPs / (GPUs x peak x MFU).
- Cache reads cost the transfer of their KV bytes into HBM (or a fraction of prefill, or nothing).
- Decode is bandwidth-bound until the ridge point: a step reads the weights once for the batch
  plus every sequence's KV cache; this request's share of a step is weights / batch + its own
  KV bytes at its context. The batch is what fits in the HBM left after the weights at that
  context, capped by the serving profile's target batch; so a long context pays twice.
- Replica-seconds x GPUs x $/GPU-hour / 3600, divided by fleet utilization, is the dollar cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planalyzer.costs.catalog import Resolution
from planalyzer.errors import ConfigError


@dataclass(frozen=True)
class Tokens:
    """One request's tokens by class (token classes never overlap)."""

    input: float = 0.0
    cache_write: float = 0.0
    cache_write_1h: float = 0.0
    cache_read: float = 0.0
    output: float = 0.0

    @property
    def new_prompt(self) -> float:
        """Prompt tokens that must be prefilled (not read from the cache)."""
        return self.input + self.cache_write + self.cache_write_1h

    @property
    def prompt(self) -> float:
        return self.new_prompt + self.cache_read

    @property
    def decode_context(self) -> float:
        """Mean context length while this request decodes: prompt plus half its output."""
        return self.prompt + self.output / 2.0

    @property
    def total(self) -> float:
        return self.prompt + self.output


@dataclass(frozen=True)
class Breakdown:
    """Where one request's GPU time goes, and what it costs."""

    prefill_s: float
    cache_read_s: float
    decode_s: float
    batch: float
    decode_bound: str  # "memory" or "compute"
    replica_seconds: float
    gpu_seconds: float
    cost_usd: float


@dataclass(frozen=True)
class Roofline:
    """A model on a serving profile, reduced to the constants the arithmetic needs."""

    gpus: int
    peak_flops: float        # per GPU, at the profile's precision
    bandwidth: float         # per GPU, bytes/s
    mfu: float
    mbu: float
    utilization: float
    usd_per_gpu_hour: float
    active_params: float
    dense_weight_bytes: float
    routed_weight_bytes: float
    experts: int
    experts_active: int
    attention_dim: float
    kv_bytes_per_token: float
    kv_capacity_bytes: float
    max_batch: int
    cache_read_model: str
    cache_read_bytes_per_s: float  # per GPU
    cache_read_prefill_fraction: float

    @classmethod
    def from_resolution(cls, res: Resolution) -> Roofline:
        s, m, hw = res.serving, res.model, res.hardware
        if s.mode != "roofline" or hw is None:
            raise ValueError(f"serving profile {s.key} is not a roofline profile")
        capacity = s.gpus * hw.hbm_gb * 1e9 * s.memory_fraction - m.weight_bytes_total
        if capacity <= 0:
            raise ConfigError(f"serving.{s.key}: {m.key}'s weights "
                              f"({m.weight_bytes_total / 1e9:,.0f} GB) do not fit in {s.gpus} x "
                              f"{hw.key} at memory_fraction {s.memory_fraction}; add GPUs")
        return cls(
            gpus=s.gpus, peak_flops=hw.peak_flops(s.precision),
            bandwidth=hw.bandwidth_tbps * 1e12, mfu=s.mfu, mbu=s.mbu,
            utilization=s.utilization, usd_per_gpu_hour=res.usd_per_gpu_hour,
            active_params=m.params_active_b * 1e9,
            dense_weight_bytes=m.dense_weight_bytes, routed_weight_bytes=m.routed_weight_bytes,
            experts=m.experts, experts_active=m.experts_active,
            attention_dim=m.attention_dim, kv_bytes_per_token=m.kv_bytes_per_token,
            kv_capacity_bytes=capacity, max_batch=s.max_batch,
            cache_read_model=s.cache_read_model,
            cache_read_bytes_per_s=s.cache_read_gb_per_s * 1e9,
            cache_read_prefill_fraction=s.cache_read_prefill_fraction,
        )

    # ---- rates
    @property
    def compute_rate(self) -> float:
        """Achieved FLOP/s of the replica: GPUs x peak x MFU."""
        return self.gpus * self.peak_flops * self.mfu

    @property
    def memory_rate(self) -> float:
        """Achieved bytes/s of the replica: GPUs x bandwidth x MBU."""
        return self.gpus * self.bandwidth * self.mbu

    @property
    def usd_per_replica_second(self) -> float:
        """Paid dollars per busy replica-second: idle time is paid too, hence / utilization."""
        return self.gpus * self.usd_per_gpu_hour / 3600.0 / self.utilization

    @property
    def kv_capacity_tokens(self) -> float:
        return self.kv_capacity_bytes / self.kv_bytes_per_token

    @property
    def moe_unread_share(self) -> float:
        """(1 - k/E): a routed expert's chance of being skipped by one sequence's token."""
        return 1.0 - self.experts_active / self.experts if self.experts else 0.0

    # ---- prefill and cache reads
    def prefill_flops(self, new: float, cached: float) -> float:
        """2 N per new token plus attention over the cached prefix and the new tokens before it."""
        return (2.0 * self.active_params * new
                + 4.0 * self.attention_dim * (new * cached + new * new / 2.0))

    def prefill_seconds(self, new: float, cached: float) -> float:
        return self.prefill_flops(new, cached) / self.compute_rate

    def cache_read_seconds(self, cached: float) -> float:
        if self.cache_read_model == "kv_transfer":
            return cached * self.kv_bytes_per_token / (self.gpus * self.cache_read_bytes_per_s)
        if self.cache_read_model == "prefill_fraction":
            return (self.cache_read_prefill_fraction * 2.0 * self.active_params * cached
                    / self.compute_rate)
        return 0.0

    # ---- decode
    def batch_at(self, context: float) -> float:
        """Sequences whose KV cache at this context fits beside the weights, capped by the
        target batch; continuous (the mean over a population of such requests), at least 1."""
        return max(1.0, min(float(self.max_batch), self.kv_capacity_tokens / max(context, 1.0)))

    def weights_read_bytes(self, batch: float) -> float:
        """Bytes of weights one decode step reads: dense part, plus the routed experts that at
        least one of the batch's tokens uses, 1 - (1 - k/E)^B of them (facts.md section 2)."""
        if not self.experts:
            return self.dense_weight_bytes
        touched = 1.0 - math.pow(self.moe_unread_share, batch)
        return self.dense_weight_bytes + self.routed_weight_bytes * touched

    def decode_seconds_per_token(self, context: float, batch: float | None = None
                                 ) -> tuple[float, float, str]:
        """This request's share of one decode step at ``context``: (seconds, batch, bound)."""
        b = self.batch_at(context) if batch is None else batch
        memory = (self.weights_read_bytes(b) / b
                  + self.kv_bytes_per_token * context) / self.memory_rate
        compute = (2.0 * self.active_params + 4.0 * self.attention_dim * context) \
            / self.compute_rate
        return (memory, b, "memory") if memory >= compute else (compute, b, "compute")

    def request(self, t: Tokens, batch: float | None = None) -> Breakdown:
        """GPU time and dollars of one request from its own tokens and context."""
        prefill = self.prefill_seconds(t.new_prompt, t.cache_read)
        cache = self.cache_read_seconds(t.cache_read)
        per_token, b, bound = self.decode_seconds_per_token(t.decode_context, batch)
        decode = t.output * per_token
        replica_s = prefill + cache + decode
        return Breakdown(prefill, cache, decode, b, bound, replica_s, replica_s * self.gpus,
                         replica_s * self.usd_per_replica_second)

    def output_tokens_per_second(self, t: Tokens, batch: float) -> float:
        """Replica output throughput when every request looks like ``t`` at this batch."""
        r = self.request(t, batch)
        return t.output / r.replica_seconds
