"""The app's two palettes, light and dark, and the accent colours text is drawn in.

The app follows the system's colour scheme (Qt's ``styleHints().colorScheme()``; the
``QUANTDESK_COLOR_SCHEME`` environment variable, ``light`` or ``dark``, overrides it for
screenshots and tests). Every colour used for text here reaches a WCAG contrast ratio of at
least 4.5:1 on the backgrounds it is drawn on in its own scheme: subtitles and hints (the
palette's placeholder text), disabled-but-readable text, errors, states and selections
(tests/ui/test_contrast.py measures each pair).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

SCHEME_ENV = "QUANTDESK_COLOR_SCHEME"
Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# Role -> colour; roles left out keep what Qt derives from these.
LIGHT: dict[Role, str] = {
    Role.Window: "#efefef", Role.WindowText: "#111111", Role.Base: "#ffffff",
    Role.AlternateBase: "#f5f5f5", Role.Text: "#111111", Role.Button: "#e8e8e8",
    Role.ButtonText: "#111111", Role.BrightText: "#ffffff", Role.Highlight: "#1d6aae",
    Role.HighlightedText: "#ffffff", Role.ToolTipBase: "#ffffdc", Role.ToolTipText: "#111111",
    Role.PlaceholderText: "#5c5c5c", Role.Link: "#1558b0", Role.LinkVisited: "#6a1b9a",
    Role.Light: "#ffffff", Role.Midlight: "#cacaca", Role.Mid: "#b8b8b8",
    Role.Dark: "#9f9f9f", Role.Shadow: "#767676",
}
DARK: dict[Role, str] = {
    Role.Window: "#2b2b2b", Role.WindowText: "#e8e8e8", Role.Base: "#1e1e1e",
    Role.AlternateBase: "#262626", Role.Text: "#e8e8e8", Role.Button: "#353535",
    Role.ButtonText: "#e8e8e8", Role.BrightText: "#ffffff", Role.Highlight: "#1d6aae",
    Role.HighlightedText: "#ffffff", Role.ToolTipBase: "#3a3a3a", Role.ToolTipText: "#e8e8e8",
    Role.PlaceholderText: "#a8a8a8", Role.Link: "#82b1ff", Role.LinkVisited: "#ce93d8",
    Role.Light: "#505050", Role.Midlight: "#434343", Role.Mid: "#2f2f2f",
    Role.Dark: "#1a1a1a", Role.Shadow: "#0f0f0f",
}
# Disabled text stays readable (greyed, not faded out): the roles a disabled widget draws
# its text in.
DISABLED_TEXT = {"light": "#666666", "dark": "#a0a0a0"}
DISABLED_ROLES = (Role.WindowText, Role.Text, Role.ButtonText)

# Text accents by scheme: each on Window, Base and AlternateBase of its scheme.
ACCENTS: dict[str, dict[str, str]] = {
    "light": {"error": "#b71c1c", "warning": "#9a4a00", "success": "#1b6e20",
              "info": "#1565c0", "special": "#6a1b9a", "muted": "#5c5c5c"},
    "dark": {"error": "#ff8a80", "warning": "#ffb74d", "success": "#81c784",
             "info": "#82b1ff", "special": "#ce93d8", "muted": "#a8a8a8"},
}


def system_scheme() -> str:
    """"dark" or "light": the environment override, else the system's colour scheme."""
    chosen = os.environ.get(SCHEME_ENV, "").strip().lower()
    if chosen in ("light", "dark"):
        return chosen
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication) and (
            app.styleHints().colorScheme() == Qt.ColorScheme.Dark):
        return "dark"
    return "light"


def palette(scheme: str) -> QPalette:
    roles = DARK if scheme == "dark" else LIGHT
    pal = QPalette()
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    for role in DISABLED_ROLES:
        pal.setColor(Group.Disabled, role, QColor(DISABLED_TEXT[scheme]))
    # Selected rows in an unfocused view keep the readable highlight too.
    for role in (Role.Highlight, Role.HighlightedText):
        pal.setColor(Group.Inactive, role, QColor(roles[role]))
    return pal


_current = "light"


def apply(app: QGuiApplication, scheme: str | None = None) -> str:
    """Set the app's palette for ``scheme`` (default: the system's); returns the scheme."""
    global _current
    _current = scheme or system_scheme()
    app.setPalette(palette(_current))
    return _current


def current_scheme() -> str:
    return _current


def color(name: str) -> QColor:
    """An accent for text ("error", "warning", "success", "info", "special", "muted") in
    the scheme in use."""
    return QColor(ACCENTS[_current][name])
