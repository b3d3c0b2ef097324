"""Without PySide6 the core and the CLI still work, and ``quantdesk gui`` (or bare
``quantdesk``) says in one sentence how to get the desktop app, exiting 1.

Each run is a fresh interpreter in which PySide6 and pyqtgraph cannot be imported (a finder
refuses them), so this holds in the venv that has Qt as in the one that has not."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_NO_QT = textwrap.dedent("""
    import sys

    class NoQt:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoQt())
    from quantdesk.cli.main import main
    code = main(sys.argv[1:])
    assert "PySide6" not in sys.modules
    raise SystemExit(code)
""")


def run_without_qt(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _NO_QT, *argv], capture_output=True, text=True,
                          timeout=60, cwd=REPO)


@pytest.mark.parametrize("argv", [("gui",), (), ("--demo",)])
def test_the_desktop_app_without_pyside6_says_how_to_install_it(argv):
    proc = run_without_qt(*argv)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one sentence, no traceback
    assert "PySide6" in lines[0] and "pip install 'quantdesk[gui]'" in lines[0]
    assert proc.stdout == ""


def test_the_cli_works_without_pyside6(sim):
    sim.install("qwen2.5:0.5b-instruct-q2_K")
    listed = run_without_qt("ls", "--json", "--host", sim.host)
    assert listed.returncode == 0, listed.stderr
    assert "qwen2.5:0.5b-instruct-q2_K" in listed.stdout
    hw = run_without_qt("hw", "--json")
    assert hw.returncode == 0, hw.stderr
