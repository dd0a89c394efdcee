"""What-if analysis: scenarios, sweeps and the optimizer, replayed on the logged history.

``prepare`` runs the one pass over events (``history``) and returns an ``Evaluator``; every
scenario after that is evaluated on the aggregates (``evaluate``, ``run``). No typer or rich.
"""

from __future__ import annotations

from planalyzer.whatif.api import prepare, shipped_scenarios
from planalyzer.whatif.run import Evaluator, Outcome, metrics
from planalyzer.whatif.scenario import Scenario, load_scenario, parse_scenario

__all__ = ["Evaluator", "Outcome", "Scenario", "load_scenario", "metrics", "parse_scenario",
           "prepare", "shipped_scenarios"]
