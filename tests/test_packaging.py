"""An installed wheel works outside the clone: shipped scenarios and experiments are package data.

The wheel is built with ``uv build``, installed with ``uv pip install --no-deps`` into a new
virtual environment, and run from a folder outside the repository. To stay fast and
offline, the new environment borrows the already installed dependencies of the project's
environment through one ``.pth`` line (a plain path: the project's own editable install,
itself a ``.pth`` file there, is *not* processed, so ``import wecsim`` finds only the wheel).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> list[str]:
    if shutil.which("uv"):
        return ["uv"]
    return [sys.executable, "-m", "uv"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Build the wheel and install it into a fresh environment; return its ``bin`` folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = subprocess.run(
        [*_uv(), "build", "--wheel", "--out-dir", str(dist), str(ROOT)], capture_output=True, text=True, timeout=600
    )
    if build.returncode != 0:
        pytest.fail(f"uv build failed:\n{build.stdout}\n{build.stderr}")
    (wheel,) = dist.glob("wecsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("scenarios/baseline.yaml", "scenarios/drought_2030s.yaml", "experiments/quick_lhs.yaml"):
        assert f"wecsim/_shipped/{shipped}" in names, f"{shipped} is not in the wheel"
    for lang in ("en", "ru", "kk"):  # the app's catalogs, read at start-up (wecsim/i18n.py)
        assert f"wecsim/locale/{lang}/LC_MESSAGES/messages.po" in names, f"the {lang} catalog is not in the wheel"
    venv = tmp / "venv"
    subprocess.run([*_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "_wecsim_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [*_uv(), "pip", "install", "--quiet", "--no-deps", "--python", str(py), str(wheel)], check=True, timeout=300
    )
    return venv / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}}
    return subprocess.run(
        [str(bin_dir / "wecsim"), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


@pytest.mark.slow
def test_installed_wheel_runs_shipped_scenarios_outside_the_clone(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [
            str(installed / "python"),
            "-c",
            "import wecsim, wecsim.names as n; print(wecsim.__file__); print(n.shipped_dir('scenarios'))",
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        check=True,
    ).stdout.split()
    assert not where[0].startswith(str(ROOT)), f"wecsim was imported from the clone: {where[0]}"
    assert where[1].endswith("wecsim/_shipped/scenarios") and not where[1].startswith(str(ROOT))

    p = _run(installed, elsewhere, "--version")
    assert p.returncode == 0 and p.stdout.startswith("wecsim "), p.stderr
    p = _run(installed, elsewhere, "run", "baseline")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Water deficit [km3]" in p.stdout
    assert (elsewhere / "results" / "baseline" / "national.parquet").exists()
    p = _run(installed, elsewhere, "run", "drought_2030s", "--years", "2030")
    assert p.returncode == 0, p.stdout + p.stderr
    p = _run(installed, elsewhere, "list")
    assert p.returncode == 0 and "team_europe_accelerated" in p.stdout
    p = _run(installed, elsewhere, "batch", "quick_lhs", "--max-runs", "2", "--executor", "serial", "--no-progress")
    assert p.returncode == 0 and "2 of 40 runs stored" in p.stdout, p.stdout + p.stderr
    (elsewhere / "mine.yaml").write_text("extends: baseline\nname: mine\nend_year: 2030\n")
    p = _run(installed, elsewhere, "validate", "mine.yaml")
    assert p.returncode == 0, p.stderr
