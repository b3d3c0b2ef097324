"""Every colour the app draws text in reaches WCAG 2.x's 4.5:1 on its background, in the light
and in the dark palette: palette roles, the style sheet's colours, the text accents and the
white text of the fit badges. The ratio is computed here from the WCAG definition (relative
luminance of linearised sRGB), not with the app's code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from PySide6.QtGui import QColor, QPalette

from quantdesk.ui import theme
from quantdesk.ui.resources import style_sheet
from quantdesk.ui.widgets.fit_badge import VERDICT_COLORS

Role, Group = QPalette.ColorRole, QPalette.ColorGroup
UI = Path(theme.__file__).parent
AA = 4.5


def luminance(c: QColor) -> float:
    def linear(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(c.red()) + 0.7152 * linear(c.green()) + 0.0722 * linear(c.blue())


def ratio(a: QColor | str, b: QColor | str) -> float:
    hi, lo = sorted((luminance(QColor(a)), luminance(QColor(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_matches_published_figures():
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near-miss
    assert ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey


# (text role, background roles) as widgets draw them.
TEXT_PAIRS = (
    (Role.WindowText, (Role.Window, Role.Button)),
    (Role.Text, (Role.Base, Role.AlternateBase)),
    (Role.ButtonText, (Role.Button, Role.Window)),
    (Role.PlaceholderText, (Role.Window, Role.Base, Role.AlternateBase, Role.Button)),
    (Role.HighlightedText, (Role.Highlight,)),
    (Role.ToolTipText, (Role.ToolTipBase,)),
    (Role.Link, (Role.Base, Role.Window)),
    (Role.LinkVisited, (Role.Base, Role.Window)),
)
SCHEMES = ("light", "dark")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_palette_text_roles(qapp, scheme):
    pal = theme.palette(scheme)
    low = []
    for group in (Group.Active, Group.Inactive, Group.Disabled):
        for fg, backgrounds in TEXT_PAIRS:
            if group == Group.Disabled and fg in (Role.HighlightedText,):
                continue  # a disabled view draws no selection
            for bg in backgrounds:
                r = ratio(pal.color(group, fg), pal.color(group, bg))
                if r < AA:
                    low.append((group.name, fg.name, bg.name, round(r, 2)))
    assert not low, low


@pytest.mark.parametrize("scheme", SCHEMES)
def test_disabled_text_is_greyed_but_readable(qapp, scheme):
    pal = theme.palette(scheme)
    for role in theme.DISABLED_ROLES:
        disabled, active = pal.color(Group.Disabled, role), pal.color(Group.Active, role)
        assert disabled != active  # still looks disabled
        assert ratio(disabled, pal.color(Group.Disabled, Role.Window)) >= AA


@pytest.mark.parametrize("scheme", SCHEMES)
def test_text_accents_on_every_background(qapp, scheme):
    pal = theme.palette(scheme)
    for name, value in theme.ACCENTS[scheme].items():
        for bg in (Role.Window, Role.Base, Role.AlternateBase, Role.Button):
            assert ratio(value, pal.color(bg)) >= AA, (scheme, name, bg.name)


def _sheet_colours(sheet: str) -> list[str]:
    return re.findall(r"(?<![-\w])color:\s*([^;}\n]+)", sheet)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_style_sheet_text_colours(qapp, scheme):
    pal = theme.palette(scheme)
    colours = _sheet_colours(style_sheet())
    assert "palette(highlighted-text)" in [c.strip() for c in colours]
    for value in colours:
        value = value.strip()
        m = re.fullmatch(r"palette\(([\w-]+)\)", value)
        assert m, f"the style sheet draws text in a fixed colour: {value}"
        role = getattr(Role, "".join(p.title() for p in m.group(1).split("-")))
        backgrounds = (Role.Highlight,) if role == Role.HighlightedText else (
            Role.Window, Role.Base, Role.AlternateBase)
        for bg in backgrounds:
            assert ratio(pal.color(role), pal.color(bg)) >= AA, (scheme, value, bg.name)
    # Subtitles and hints are placeholder-text: the 3.6:1 grey of old is gone.
    assert "palette(placeholder-text)" in [c.strip() for c in colours]


def test_fit_badges_carry_white_text_at_aa():
    for verdict, colour in VERDICT_COLORS.items():
        assert ratio("#ffffff", colour) >= AA, verdict


def test_no_widget_hard_codes_a_text_colour():
    """Text colours come from the palette or ui.theme's accents; a fixed colour is allowed
    only where the same style sheet also fixes the background (the daemon banner)."""
    offenders = []
    for path in UI.rglob("*.py"):
        text = path.read_text("utf-8")
        fixed_background = re.search(r"background:\s*#[0-9a-fA-F]{3,6}", text)
        for m in re.finditer(r"(?<![-\w])color:\s*#[0-9a-fA-F]{3,6}", text):
            if not fixed_background:
                offenders.append(f"{path.name}: {m.group(0)}")
    assert not offenders, offenders
    assert (UI / "widgets" / "banner.py").exists()  # the one file the exception is for


def test_banner_pair():
    # The banner fixes both: dark red text on pale red, in either scheme.
    source = (UI / "widgets" / "banner.py").read_text("utf-8")
    fg = re.search(r"QFrame#daemonBanner \{ background: (#\w+); color: (#\w+)", source)
    assert fg and ratio(fg.group(1), fg.group(2)) >= AA


@pytest.mark.parametrize("scheme", SCHEMES)
def test_app_follows_the_chosen_scheme(qapp, monkeypatch, scheme):
    monkeypatch.setenv(theme.SCHEME_ENV, scheme)
    before = qapp.palette()
    try:
        assert theme.apply(qapp) == scheme
        assert qapp.palette().color(Role.Window) == QColor(
            (theme.DARK if scheme == "dark" else theme.LIGHT)[Role.Window])
        assert theme.color("error") == QColor(theme.ACCENTS[scheme]["error"])
    finally:
        theme.apply(qapp, "light")
        qapp.setPalette(before)
