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


def test_demo_runs_from_an_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # Install only planalyzer from the wheel (no index: tests never download); its
    # dependencies come from this test environment's site-packages, added as a plain path
    # entry so this environment's editable install of planalyzer is not visible there.
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True)
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True, text=True)
    deps = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(purelib.stdout.strip(), "_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    env = {**os.environ, "COLUMNS": "120"}
    where = subprocess.run([str(py), "-c", "import planalyzer; print(planalyzer.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert str(env_dir) in where.stdout, "planalyzer must come from the wheel"
    out = subprocess.run([str(env_dir / "bin" / "planalyzer"), "demo", "--format", "json"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert '"usage_summary"' in out.stdout
