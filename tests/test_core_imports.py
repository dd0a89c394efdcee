"""The library never imports the UI: importing each core module leaves typer and rich unloaded."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import planalyzer

UI_MODULES = {"planalyzer.cli", "planalyzer.cli_options", "planalyzer.cli_support",
              "planalyzer.cli_whatif", "planalyzer.render.terminal", "planalyzer.__main__"}


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(planalyzer.__path__, "planalyzer."):
        if info.name not in UI_MODULES:
            names.append(info.name)
    return sorted(names)


def test_core_modules_do_not_import_typer_or_rich() -> None:
    mods = core_modules()
    assert "planalyzer.store" in mods
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('typer', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
