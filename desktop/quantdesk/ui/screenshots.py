"""``quantdesk gui --demo --screenshots DIR [--size WxH …]``: one PNG per page and window size
(1280×800 unless sizes are given), once each page shows its data."""

from __future__ import annotations

import sys
from pathlib import Path

from quantdesk.ui.main_window import MainWindow
from quantdesk.ui.ready import ReadyTracker, settle
from quantdesk.ui.widgets.download_notice import Toast

SIZE = (1280, 800)
# The smallest window the layouts are made for (a 1366×768 laptop less panels and title bar).
SMALLEST = (1024, 640)


def folder_for(out_dir: Path, size: tuple[int, int], sizes: list[tuple[int, int]]) -> Path:
    """One size: the PNGs go straight into DIR; several: into DIR/WxH/ each."""
    return out_dir if len(sizes) == 1 else out_dir / f"{size[0]}x{size[1]}"


def take_screenshots(
    window: MainWindow, tracker: ReadyTracker, out_dir: Path, *, timeout_ms: int = 20_000,
    size: tuple[int, int] = SIZE, prepared: set[str] | None = None,
) -> tuple[list[Path], list[str]]:
    """Show each page in turn, wait for its data, save ``NN-key.png``.

    Returns the files written and the pages that did not become ready in time (they are
    still captured, so a reader can see what was on screen). ``prepared``: the pages whose
    demo already ran (a second size shows the same data, it does not run it again).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    window.resize(*size)
    written: list[Path] = []
    late: list[str] = []
    for n, spec in enumerate(window.page_specs, start=1):
        prepare = getattr(window.pages[spec.key], "prepare_screenshot", None)
        done = prepared if prepared is not None else set()
        if callable(prepare) and spec.key not in done:
            prepare()  # a page that must run something to have data to show (once)
            done.add(spec.key)
        window.show_page(spec.key)
        if not tracker.wait(spec.key, timeout_ms):
            late.append(spec.key)
        settle()
        _hide_toasts(window, spec.key)
        image = window.grab()
        path = out_dir / f"{n:02d}-{spec.key}.png"
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        written.append(path)
        finish = getattr(window.pages[spec.key], "finish_screenshot", None)
        if callable(finish):  # e.g. stop a demo download once it is in the picture
            finish()
    return written, late


def _hide_toasts(window: MainWindow, key: str) -> None:
    """A toast from another page's demo (a failed download) would cover this page's picture;
    in use it fades after a few seconds, here the pages follow each other faster."""
    if key == "downloads":
        return
    for toast in window.findChildren(Toast):
        toast.hide()


def report(written: list[Path], late: list[str], broken: dict[str, str] | None = None) -> int:
    for path in written:
        print(path)
    for key, why in (broken or {}).items():
        sys.stderr.write(f"quantdesk: the {key} page is missing: {why}\n")
    if late:
        sys.stderr.write(
            "quantdesk: these pages did not show their data in time: " + ", ".join(late) + "\n"
        )
    return 1 if late or broken else 0
