"""Screenshot mode end to end (a subprocess, like `make screenshots`), icons, style, CLI."""

from __future__ import annotations

import os
import struct
import subprocess
import sys

import pytest

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from quantdesk.cli.main import build_parser
from quantdesk.ui.page_registry import available_pages
from quantdesk.ui.resources import icon, icon_names, style_sheet


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.slow
def test_screenshots_one_png_per_page_at_each_size(tmp_path):
    out = tmp_path / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "QUANTDESK_CONFIG_DIR": str(tmp_path / "cfg")}
    proc = subprocess.run(
        [sys.executable, "-m", "quantdesk", "gui", "--demo", "--screenshots", str(out),
         "--size", "1280x800", "--size", "1024x640"],
        capture_output=True, text=True, timeout=180, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    keys = [spec.key for spec, _cls in available_pages()]
    for size, folder in (((1280, 800), "1280x800"), ((1024, 640), "1024x640")):
        files = sorted((out / folder).glob("*.png"))
        assert [f.stem.split("-", 1)[1] for f in files] == keys
        for f in files:
            assert png_size(f) == size
            assert f.stat().st_size > 10_000  # a real rendering, not a blank image


def test_every_icon_renders_sharp_at_high_dpi(qapp):
    names = icon_names()
    assert {"app", "running", "machine", "library", "variants", "downloads"} <= set(names)
    for name in names:
        ic = icon(name)
        pm = ic.pixmap(QSize(24, 24), 2.0)
        assert pm.devicePixelRatio() == 2.0
        assert (pm.width(), pm.height()) == (48, 48)
        image = pm.toImage()
        painted = sum(image.pixelColor(x, y).alpha() > 0
                      for x in range(0, 48, 2) for y in range(0, 48, 2))
        assert painted > 5, name
        assert not ic.pixmap(16, 16, QIcon.Mode.Disabled).isNull()


def test_page_icons_exist_and_style_sheet_loads(qapp):
    names = set(icon_names())
    for _spec, cls in available_pages():
        assert getattr(cls, "ICON", None) in names, cls
    assert "QListWidget#sidebar" in style_sheet()
    with pytest.raises(FileNotFoundError):
        icon("no-such-icon")


def test_gui_command_accepts_demo_and_screenshots():
    parser = build_parser()
    args = parser.parse_args(["gui", "--demo", "--screenshots", "out"])
    assert args.demo and str(args.screenshots) == "out"
    assert not args.exit_when_ready and args.sizes is None  # the default set, 1280x800
    sized = parser.parse_args(["gui", "--screenshots", "o", "--size", "1024x640",
                               "--size", "1600×1000"])
    assert sized.sizes == [(1024, 640), (1600, 1000)]
    for bad in ("1024", "axb", "100x100"):
        with pytest.raises(SystemExit):
            parser.parse_args(["gui", "--screenshots", "o", "--size", bad])
    bare = parser.parse_args(["--demo"])
    assert bare.command is None and bare.demo_app  # main() re-routes this to `gui --demo`
