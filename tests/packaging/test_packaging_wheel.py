"""The wheel carries everything the app reads at run time: built from the checkout, installed
into a fresh venv outside it, then run as a user would run it.

Dependencies come from a wheelhouse outside the checkout ($QUANTDESK_WHEELHOUSE, else
~/.cache/quantdesk/wheelhouse), filled through pip's cache on the first run, so later runs
install offline in well under a minute."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from packaging_support import ROOT, bundle_inputs, check_screenshots, run

pytestmark = pytest.mark.slow

WHEELHOUSE = Path(
    os.environ.get("QUANTDESK_WHEELHOUSE", Path.home() / ".cache" / "quantdesk" / "wheelhouse")
)


def _pip(
    *args: str, python: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    target = ["--python", python] if python else []
    return run(
        [sys.executable, "-m", "pip", *target, "--disable-pip-version-check", *args],
        cwd=Path.home(),
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT))
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("quantdesk-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fresh")
    assert ROOT not in home.parents
    env_dir = home / "venv"
    # No pip inside: the test's pip installs into it (--python), which saves seconds.
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = str(env_dir / "bin" / "python")
    # The app as a user installs it: the wheel with its `gui` extra, at the locked versions.
    app = f"{wheel}[gui]"
    locked = ["-c", str(ROOT / "requirements" / "lock.txt")]
    offline = ["install", "--quiet", "--no-index", "--find-links", str(WHEELHOUSE), *locked, app]
    proc = _pip(*offline, python=python)
    if proc.returncode != 0:
        # First run (or new dependencies): fill the wheelhouse, then install offline again.
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        fetched = _pip(
            "download",
            "--quiet",
            "--only-binary=:all:",
            "--dest",
            str(WHEELHOUSE),
            *locked,
            app,
            timeout=600,
        )
        assert fetched.returncode == 0, fetched.stderr
        proc = _pip(*offline, python=python)
    assert proc.returncode == 0, proc.stderr
    return env_dir


def test_wheel_contains_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for src, dest in bundle_inputs.data_files():
        assert f"{dest}/{Path(src).name}" in names, f"{src} is not in the wheel"
    assert "quantdesk/resources/icons/app.svg" in names
    assert "quantdesk/resources/themes/app.qss" in names
    assert "quantdesk/sim/data/catalog.json" in names
    assert "quantdesk/core/data/library-snapshot.json" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "packaging/"))]


def test_installed_package_is_the_wheel_not_the_checkout(fresh_venv: Path) -> None:
    proc = run(
        [
            str(fresh_venv / "bin" / "python"),
            "-c",
            "import quantdesk, quantdesk.resources as r; print(quantdesk.__file__);"
            "print(r.__file__)",
        ],
        cwd=fresh_venv.parent,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    for line in proc.stdout.split():
        assert Path(line).is_relative_to(fresh_venv), line


def test_console_script_prints_the_version(fresh_venv: Path) -> None:
    proc = run(
        [str(fresh_venv / "bin" / "quantdesk"), "--version"], cwd=fresh_venv.parent, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"quantdesk {bundle_inputs.version()}"


def test_installed_app_takes_demo_screenshots(fresh_venv: Path) -> None:
    out = fresh_venv.parent / "shots"
    proc = run(
        [str(fresh_venv / "bin" / "quantdesk"), "gui", "--demo", "--screenshots", str(out)],
        cwd=fresh_venv.parent,
        timeout=240,
    )
    check_screenshots(proc, out)
