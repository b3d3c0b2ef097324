"""Smoke test of the PyInstaller bundle that `make bundle` builds into dist/quantdesk/: the
frozen binary runs with no Python environment around it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from packaging_support import ROOT, bundle_inputs, check_screenshots, run

DIST = Path(os.environ.get("QUANTDESK_BUNDLE_DIR", ROOT / "dist" / "quantdesk"))
BINARY = DIST / ("quantdesk.exe" if sys.platform == "win32" else "quantdesk")

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(not BINARY.exists(), reason=f"no bundle at {DIST} (run `make bundle`)"),
]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    # Run from a folder with no Python on PATH beyond the system's, away from the checkout.
    assert ROOT not in tmp_path.parents
    return tmp_path


def test_bundle_prints_the_version(outside: Path) -> None:
    proc = run([str(BINARY), "--version"], cwd=outside, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"quantdesk {bundle_inputs.version()}"


def test_bundle_lists_every_command(outside: Path) -> None:
    proc = run([str(BINARY), "--help"], cwd=outside, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for module in bundle_inputs.command_modules():
        name = module.rsplit(".", 1)[1]
        assert f"    {name} " in proc.stdout or f"    {name}\n" in proc.stdout, name


def test_bundle_carries_the_package_data() -> None:
    internal = DIST / "_internal"
    for src, dest in bundle_inputs.data_files():
        assert (internal / dest / Path(src).name).is_file(), f"{src} is not in the bundle"


def test_bundle_takes_demo_screenshots(outside: Path) -> None:
    out = outside / "shots"
    proc = run(
        [str(BINARY), "gui", "--demo", "--screenshots", str(out)],
        cwd=outside,
        timeout=240,
        PATH=os.pathsep.join(["/usr/bin", "/bin"]),
    )
    check_screenshots(proc, out)
    shutil.rmtree(out)
