"""Pages built the first time they are shown or asked for.

Start-up pays for the page on the first screen only: the other pages' modules (Compare with its
charts, Variants with the advice) are imported and their widgets built when the user first
opens them. ``LazyPages`` is the window's ``pages`` mapping: every key of the sidebar is in it,
and looking a page up builds it. ``built()`` holds the pages that exist so far; code that only
asks pages something (is work running? are you ready?) uses that, and ``on_built`` callbacks
hear of each page as it is made.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace

from PySide6.QtWidgets import QVBoxLayout, QWidget

from quantdesk.ui import page_registry
from quantdesk.ui.page_registry import PageSpec
from quantdesk.ui.plain_text import plain_label


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a missing parent package
        return False


def listed_pages(errors: dict[str, str] | None = None) -> list[PageSpec]:
    """The pages to list, each with its title and icon, found without importing the pages
    whose spec names them. A page module that does not exist is simply absent; one that fails
    to import when its title must be read from it is left out with its error logged (and put
    in ``errors``)."""
    out: list[PageSpec] = []
    for spec in page_registry.PAGE_SPECS:
        if not _module_exists(spec.module):
            continue
        if spec.title:
            out.append(replace(spec, icon=spec.icon or spec.key))
            continue
        for _spec, cls in page_registry.available_pages(errors, specs=(spec,)):
            out.append(replace(spec, title=str(getattr(cls, "TITLE", spec.key.title())),
                               icon=str(getattr(cls, "ICON", spec.key))))
    return out


class BrokenPage(QWidget):
    """Stands where a page that failed to build would be: says so instead of taking the window
    down (the error is logged and in the window's ``page_errors``)."""

    def __init__(self, title: str, why: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = plain_label(f"The {title} page could not be opened: {why}", self)
        label.setWordWrap(True)
        QVBoxLayout(self).addWidget(label)


class LazyPages(Mapping[str, QWidget]):
    """Key -> page, building a page on first lookup with ``build(spec)``."""

    def __init__(self, specs: list[PageSpec], build: Callable[[PageSpec], QWidget]) -> None:
        self._entries = {s.key: s for s in specs}
        self._build = build
        self._built: dict[str, QWidget] = {}
        self.on_built: list[Callable[[str, QWidget], None]] = []

    def __getitem__(self, key: str) -> QWidget:
        page = self._built.get(key)
        if page is None:
            page = self._build(self._entries[key])
            self._built[key] = page
            for callback in list(self.on_built):
                callback(key, page)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def built(self) -> dict[str, QWidget]:
        """The pages that exist so far, in the order they were built."""
        return dict(self._built)
