"""Rule 1 of the house: nothing under quantdesk.core imports PySide6, even lazily at import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_PROBE = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "PySide6" or name.startswith(("PySide6.", "quantdesk.ui")):
                raise ImportError(f"core imported {name}")
            return None

    sys.meta_path.insert(0, Block())
    import quantdesk.core as core
    names = [m.name for m in pkgutil.walk_packages(core.__path__, "quantdesk.core.")]
    for name in names:
        importlib.import_module(name)
    assert "PySide6" not in sys.modules
    print(len(names))
    """
)


def test_every_core_module_imports_without_qt() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 3  # quant, machine, errors at least


def test_probe_catches_a_qt_import(tmp_path) -> None:
    """The guard itself must be able to fail: a fake core module importing PySide6 is caught."""
    pkg = tmp_path / "quantdesk_fake" / "core"
    pkg.mkdir(parents=True)
    (tmp_path / "quantdesk_fake" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "bad.py").write_text("import PySide6.QtCore\n")
    probe = _PROBE.replace("quantdesk.core", "quantdesk_fake.core")
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    if out.returncode == 0:
        pytest.fail("the import guard did not catch PySide6 imported from a core module")
    assert "core imported PySide6" in out.stderr
