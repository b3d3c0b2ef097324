"""What the library's tag convention ``<size>-<variant>-<quant>`` lets us predict."""

from __future__ import annotations

import re

from quantdesk.core.quant import QuantLevel, all_levels, looks_like_quant, parse_quant

_SIZE = re.compile(r"(?i)^(?:\d+(?:\.\d+)?[bmkt]|e\d+b|\d+x\d+(?:\.\d+)?b|a?\d+b-a\d+b)$")
VARIANTS = ("instruct", "text")


def size_token(tag: str) -> str | None:
    """``"8b"`` for ``8b-instruct-q4_K_M`` and for ``8b``; None when the tag names no size."""
    first = tag.split("-", 1)[0]
    return first.lower() if _SIZE.match(first) else None


def quant_of_tag(tag: str) -> QuantLevel | None:
    """The level a tag's last quant-shaped token names (``q4_K_M``, ``fp16``), else None."""
    for token in reversed(tag.split("-")):
        if looks_like_quant(token):
            return parse_quant(token)
    return None


def names_quant(tag: str) -> bool:
    return any(looks_like_quant(t) for t in tag.split("-"))


def sizes_from_model_type(model_type: str) -> list[str]:
    """Size tags a parameter label could be published as: ``8.0B`` -> [8b], ``3.2B`` ->
    [3b, 3.2b, 4b], ``494.03M`` -> [0.5b, 494m]."""
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT])\s*$", model_type.upper())
    if not m:
        return []
    value = float(m.group(1)) * {"K": 1e-6, "M": 1e-3, "B": 1.0, "T": 1e3}[m.group(2)]
    out: list[str] = []

    def add(text: str) -> None:
        if text not in out:
            out.append(text)

    if value >= 1:
        add(f"{round(value)}b")
        add(f"{int(value)}b")
        add(f"{value:.1f}".rstrip("0").rstrip(".") + "b")
    else:
        add(f"{value:.1f}".rstrip("0").rstrip(".") + "b")
        add(f"{round(value * 1000)}m")
    return out


def predicted_tags(size: str | None) -> list[str]:
    """Every tag the grammar predicts for one size (or size-less when None)."""
    out = []
    for variant in (*VARIANTS, ""):
        for lvl in all_levels():
            out.append("-".join(p for p in (size, variant, lvl.tag_name) if p))
    return out
