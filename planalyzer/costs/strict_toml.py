"""Moved to ``planalyzer.strict_toml`` (shared by the cost, price and plan catalogs)."""

from planalyzer.strict_toml import Field, check_sections, check_table, read_toml

__all__ = ["Field", "check_sections", "check_table", "read_toml"]
