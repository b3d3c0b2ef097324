"""Which pages the window shows, in sidebar order. A page whose module is not built yet is
simply absent (Compare arrives with a later issue; the Library, Variants and Downloads pages
are written alongside the shell)."""

from __future__ import annotations

import importlib
import inspect
import logging
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PageSpec:
    key: str
    module: str
    class_name: str | None = None  # None: the one page class the module defines
    # The sidebar's title and icon name (the page's TITLE and ICON). Given here, the page's
    # module is imported only when the page is first shown; empty, it is imported at start
    # to read them.
    title: str = ""
    icon: str = ""


PAGE_SPECS: tuple[PageSpec, ...] = (
    PageSpec("library", "quantdesk.ui.pages.library", title="Library", icon="library"),
    PageSpec("variants", "quantdesk.ui.pages.variants", title="Variants", icon="variants"),
    PageSpec("downloads", "quantdesk.ui.pages.downloads", title="Downloads", icon="downloads"),
    PageSpec("running", "quantdesk.ui.pages.running", "RunningPage", "Running", "running"),
    PageSpec("compare", "quantdesk.ui.pages.compare", title="Compare", icon="compare"),
    PageSpec("machine", "quantdesk.ui.pages.machine", "MachinePage", "Machine", "machine"),
    PageSpec("chat", "quantdesk.ui.pages.chat", "ChatPage", "Chat", "chat"),
)


def page_class(spec: PageSpec) -> type[QWidget] | None:
    """The page class of ``spec``, or None when its module does not exist (yet)."""
    try:
        module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        # Only the page's own module missing means "absent"; a broken import inside it is a
        # bug that must show.
        if exc.name == spec.module:
            return None
        raise
    if spec.class_name:
        return getattr(module, spec.class_name)  # type: ignore[no-any-return]
    explicit = getattr(module, "PAGE", None)
    if explicit is not None:
        return explicit  # type: ignore[no-any-return]
    candidates = [
        obj for _name, obj in inspect.getmembers(module, inspect.isclass)
        if obj.__module__ == module.__name__ and issubclass(obj, QWidget)
        and hasattr(obj, "TITLE") and hasattr(obj, "ready")
    ]
    if len(candidates) != 1:
        raise LookupError(
            f"{spec.module} should define exactly one page class (TITLE + ready) or PAGE; "
            f"found {[c.__name__ for c in candidates]}"
        )
    return candidates[0]


def available_pages(
    errors: dict[str, str] | None = None, specs: tuple[PageSpec, ...] | None = None,
) -> list[tuple[PageSpec, type[QWidget]]]:
    """The pages to show (of ``specs``, default all). A page that fails to import is left out
    and its error logged (and put in ``errors``): one broken page must not take the whole
    window down."""
    out = []
    for spec in PAGE_SPECS if specs is None else specs:
        try:
            cls = page_class(spec)
        except Exception as exc:
            log.exception("the %s page could not be loaded", spec.key)
            if errors is not None:
                errors[spec.key] = f"{type(exc).__name__}: {exc}"
            continue
        if cls is not None:
            out.append((spec, cls))
    return out
