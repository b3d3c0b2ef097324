"""Shared by the packaging tests: where things are, and how to check screenshots a built
artefact wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
APP_ID = "io.github.quantdesk.QuantDesk"
SCREENSHOT_SIZE = (1280, 800)

if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))

import bundle_inputs  # noqa: E402
import icon_formats  # noqa: E402


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment minus anything that could make a child find the checkout's
    sources instead of the artefact under test."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    env["PYTHONNOUSERSITE"] = "1"
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run(
    cmd: list[str], *, cwd: Path, timeout: float, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run an installed artefact from ``cwd``, with its settings and history kept there too
    (never the user's)."""
    dirs = {"QUANTDESK_CONFIG_DIR": str(cwd / "config"), "QUANTDESK_DATA_DIR": str(cwd / "data")}
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=clean_env(**{**dirs, **env}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def expected_pages() -> list[str]:
    """Page keys the window shows, in order (pages whose module exists)."""
    from quantdesk.ui.page_registry import PAGE_SPECS

    present = set(bundle_inputs.page_modules())
    return [s.key for s in PAGE_SPECS if s.module in present]


def check_screenshots(proc: subprocess.CompletedProcess[str], out_dir: Path) -> None:
    """``gui --demo --screenshots`` wrote one 1280×800 PNG per page and succeeded (a page
    that never showed its data is still captured, but fails the run)."""
    pages = expected_pages()
    names = sorted(p.name for p in out_dir.glob("*.png"))
    wanted = [f"{n:02d}-{key}.png" for n, key in enumerate(pages, start=1)]
    assert names == wanted, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
    for name in names:
        size = icon_formats.png_size((out_dir / name).read_bytes())
        assert size == SCREENSHOT_SIZE, f"{name} is {size}"
    # The command prints the files it wrote, one a line.
    printed = [Path(line).name for line in proc.stdout.splitlines() if line.endswith(".png")]
    assert printed == names
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
