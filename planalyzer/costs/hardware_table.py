"""The `costs` command's hardware table: the GPU specs the roofline profiles shown price with."""

from __future__ import annotations

from planalyzer.costs.catalog import CostCatalog, Hardware, Resolution
from planalyzer.tables import Col, Table

HARDWARE_COLUMNS = [
    Col("hardware", "str"), Col("name", "str"),
    Col("bf16_tflops", "float", "BF16 TFLOP/s"), Col("fp8_tflops", "float", "FP8 TFLOP/s"),
    Col("hbm_gb", "float", "HBM GB"), Col("bandwidth_tbps", "float", "HBM TB/s"),
    Col("usd_per_gpu_hour", "usd", "catalog $/GPU-h"), Col("price_source", "str"),
    Col("source", "str"),
]


def gpu_price_source(catalog: CostCatalog, hw: Hardware) -> str:
    """Where a GPU's catalog $/GPU-hour comes from: the shipped ``price_source``, or the
    --costs file that set ``usd_per_gpu_hour`` (with the file's own price_source if it gave
    one; the shipped attribution is not the overriding price's)."""
    changed = catalog.overrides("hardware", hw.key)
    if "usd_per_gpu_hour" not in changed:
        return hw.price_source
    given = f": {hw.price_source}" if "price_source" in changed else ""
    return f"overridden in {catalog.override_file}{given}"


def hardware_table(catalog: CostCatalog, resolutions: list[Resolution]) -> Table:
    """One row per GPU a roofline profile of ``resolutions`` runs on, in order of first use."""
    rows: dict[str, tuple[object, ...]] = {}
    for res in resolutions:
        hw = res.hardware
        if hw is None or hw.key in rows:
            continue
        source = f"{hw.source} (as of {hw.as_of})"
        changed = catalog.overrides("hardware", hw.key)
        if changed:
            source += f"; overridden in {catalog.override_file}: {', '.join(changed)}"
        rows[hw.key] = (hw.key, hw.name, hw.bf16_tflops, hw.fp8_tflops, hw.hbm_gb,
                        hw.bandwidth_tbps, hw.usd_per_gpu_hour, gpu_price_source(catalog, hw),
                        source)
    return Table(
        "cost_hardware", "What the costs rest on (GPUs of the roofline profiles)",
        HARDWARE_COLUMNS, list(rows.values()),
        notes=["Peak dense throughput at each precision, HBM size and bandwidth per GPU "
               "(facts.md section 1); the roofline takes compute x MFU and bandwidth x MBU of "
               "these (docs/costs.md). catalog $/GPU-h is the hardware's default; a serving "
               "profile's own price replaces it (cost_assumptions: usd_per_gpu_hour, "
               "price_source)."])
