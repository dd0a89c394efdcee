"""The built wheel carries sql/ and the sample logs: install it in a clean virtual environment
and run the demo from there (outside the source tree)."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the installed wheel's environment: no PYTHONPATH (a source tree on it would shadow the wheel)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"COLUMNS": "120"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(out), str(ROOT)], check=True, capture_output=True)
    (whl,) = out.glob("planalyzer-*.whl")
    return whl


def test_wheel_contains_sql_and_samples(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    sql = {Path(n).name for n in names if n.startswith("planalyzer/sql/")}
    assert sql == {p.name for p in (ROOT / "sql").glob("*.sql")}
    assert any(n.startswith("planalyzer/sample_logs/parquet/") for n in names)


def test_wheel_is_typed(wheel: Path) -> None:
    """py.typed ships: mypy checks a user's code against planalyzer's types (qa9D #3)."""
    assert "planalyzer/py.typed" in zipfile.ZipFile(wheel).namelist()


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with only planalyzer installed from the wheel: its folder."""
    env_dir = tmp_path_factory.mktemp("wheel") / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # Install only planalyzer from the wheel (no index: tests never download); its
    # dependencies come from this test environment's site-packages, added as a plain path
    # entry so this environment's editable install of planalyzer is not visible there.
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True)
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True, text=True,
                             env=ENV)
    deps = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(purelib.stdout.strip(), "_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    return env_dir


def test_demo_runs_from_an_installed_wheel(installed: Path, tmp_path: Path) -> None:
    env_dir, py = installed, installed / "bin" / "python"
    env = ENV
    where = subprocess.run([str(py), "-c", "import planalyzer; print(planalyzer.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert str(env_dir) in where.stdout, "planalyzer must come from the wheel"
    out = subprocess.run([str(env_dir / "bin" / "planalyzer"), "demo", "--format", "json"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert '"usage_summary"' in out.stdout


USER_SCRIPT = """\
from pathlib import Path

import polars as pl

from planalyzer.analysis import Period, ReportData
from planalyzer.errors import PlanalyzerError
from planalyzer.report import build_report
from planalyzer.report_tables import report_tables
from planalyzer.store import LoadOptions, Store
from planalyzer.tables import Table
from planalyzer.usage import usage_summary


def margins(path: str) -> pl.DataFrame:
    with Store() as store:
        store.load(Path(path), LoadOptions(timezone="UTC"))
        summary: Table = usage_summary(store.con)
        data: ReportData = build_report(store.con, costs=path, period=Period(("2026-10",)))
        tables: list[Table] = report_tables(data, "plan", 10)
        print(summary.name, tables[0].as_dicts())
        return pl.DataFrame(tables[0].as_dicts())


try:
    margins("sample_logs/parquet")
except PlanalyzerError as e:
    print("error:", e)
"""


def test_mypy_strict_on_a_user_script(installed: Path, tmp_path: Path) -> None:
    """A user's script that imports planalyzer from the installed wheel passes mypy --strict:
    without py.typed every planalyzer import was 'missing library stubs or py.typed marker'."""
    mypy = Path(sys.executable).parent / "mypy"
    if not mypy.exists():
        pytest.skip("mypy is not installed")
    (tmp_path / "user_script.py").write_text(USER_SCRIPT)
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n[mypy-pyarrow.*]\n"
                                       "ignore_missing_imports = True\n")
    out = subprocess.run([str(mypy), "--python-executable", str(installed / "bin" / "python"),
                          "--no-incremental", "user_script.py"],
                         cwd=tmp_path, capture_output=True, text=True, env=ENV)
    assert out.returncode == 0, out.stdout + out.stderr
