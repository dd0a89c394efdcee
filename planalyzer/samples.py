"""Where the shipped sample logs are: inside the installed package, or the source tree."""

from __future__ import annotations

from pathlib import Path


def sample_logs_dir() -> Path:
    packaged = Path(__file__).parent / "sample_logs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "sample_logs"


def demo_sources() -> list[str]:
    """The demo reads the parquet copy of the sample population (CSV and JSONL hold the same)."""
    return [str(sample_logs_dir() / "parquet")]
