"""The library's tag convention ``<size>-<variant>-<quant>``: the one tag grammar of QuantDesk.

Tags are free-form strings on ollama.com; the convention is only a habit (``ollama-api.md``
§11), so parsing is best-effort and never raises: whatever cannot be recognised is left as
None. The authoritative quantization of an installed model is ``details.quantization_level``,
never the tag text. Decided by what the library publishes:

- the size is the first token: ``8b``, ``0.5b``, ``567m``; a mixture of experts ``8x7b`` /
  ``8x22b`` (billions only: nothing is published as ``8x7m``); gemma3n's effective sizes
  ``e2b`` / ``e4b`` (whole numbers only: ``e2.5b`` is not a size); an active-parameter token
  right after it stays with it (qwen3 publishes ``30b-a3b``);
- the quantization is the *last* quant-shaped token, as the convention puts it last:
  ``0.5b-q8_0-fp16`` and ``q4_0-fp16`` are F16;
- the rest is the variant (``instruct``, ``vision-instruct``, ``it``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quantdesk.core.quant import QuantLevel, all_levels, looks_like_quant, parse_quant

_SIZE = re.compile(r"(?i)^(?:\d+(?:\.\d+)?[bmkt]|\d+x\d+(?:\.\d+)?b|e\d+b)$")
_ACTIVE = re.compile(r"(?i)^a\d+(?:\.\d+)?b$")
# Quantizations some uploaders spell with extra parts ("q4_k_xl"; "ud-q4_k_xl" keeps "ud").
_EXTRA_QUANT = re.compile(r"(?i)^(?:mxfp4|nvfp4|int4|int8|fp8|mxfp8|q\d+_k_xl)$")
VARIANTS = ("instruct", "text")


@dataclass(frozen=True, slots=True)
class TagParts:
    tag: str
    size: str | None = None  # as written, lower-cased: "8b", "8x7b", "30b-a3b"
    variant: str | None = None  # everything else: "instruct", "text", "vision-instruct"
    quant_text: str | None = None  # the quantization token as written
    quant: QuantLevel | None = None  # the known level it names, if any

    @property
    def is_alias(self) -> bool:
        """True for tags that name no quantization (``latest``, ``8b``): an alias that points
        at one of the explicit variants."""
        return self.quant_text is None


def _is_quant_token(token: str) -> bool:
    return looks_like_quant(token) or bool(_EXTRA_QUANT.match(token))


def parse_tag(tag: str) -> TagParts:
    """Split ``tag`` into its parts; unknown pieces end up in ``variant``."""
    if not isinstance(tag, str):  # defensive: tags come from scraped pages and JSON
        return TagParts(tag="")
    tokens = [t for t in tag.strip().split("-") if t]
    size: str | None = None
    if tokens and _SIZE.match(tokens[0]):
        size = tokens.pop(0).lower()
        if tokens and _ACTIVE.match(tokens[0]):
            size = f"{size}-{tokens.pop(0).lower()}"
    quant_at = next((i for i in range(len(tokens) - 1, -1, -1) if _is_quant_token(tokens[i])),
                    None)
    quant_text = tokens.pop(quant_at) if quant_at is not None else None
    if [t.lower() for t in tokens] == ["latest"]:
        tokens = []
    quant = parse_quant(quant_text) if quant_text and looks_like_quant(quant_text) else None
    return TagParts(tag=tag, size=size, variant="-".join(tokens) or None,
                    quant_text=quant_text, quant=quant)


def format_tag(size: str | None, variant: str | None, quant: QuantLevel | str | None) -> str:
    """The library spelling of a tag from its parts (``8b-instruct-q4_K_M``)."""
    quant_text = quant.tag_name if isinstance(quant, QuantLevel) else quant
    parts = [p for p in (size, variant, quant_text) if p]
    return "-".join(parts) if parts else "latest"


def size_token(tag: str) -> str | None:
    """``"8b"`` for ``8b-instruct-q4_K_M`` and for ``8b``, ``"30b-a3b"`` for
    ``30b-a3b-q4_K_M``; None when the tag names no size."""
    return parse_tag(tag).size


def quant_of_tag(tag: str) -> QuantLevel | None:
    """The level a tag's last quant-shaped token names (``q4_K_M``, ``fp16``), else None."""
    return parse_tag(tag).quant


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
