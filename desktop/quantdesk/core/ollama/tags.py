"""Reading a library tag such as ``8b-instruct-q4_K_M`` as size, variant and quantization.

Tags are free-form strings on ollama.com; the convention ``<size>-<variant>-<quant>`` is only a
habit (``ollama-api.md`` §11), so parsing is best-effort and never raises: whatever cannot be
recognised is left as None. The authoritative quantization of an installed model is
``details.quantization_level``, never the tag text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quantdesk.core.quant import QuantLevel, looks_like_quant, parse_quant

# "8b", "0.5b", "567m", "8x7b" (mixture of experts), "e2b" (gemma3n effective size),
# "a3b" (active parameters of a MoE, kept with the size: "30b-a3b").
_SIZE = re.compile(r"(?i)^(?:\d+x)?\d+(?:\.\d+)?[bmkt]$|^e\d+(?:\.\d+)?b$")
_ACTIVE = re.compile(r"(?i)^a\d+(?:\.\d+)?b$")
# Quantizations some uploaders spell with extra parts ("q4_k_xl", "ud-q4_k_xl" keeps "ud").
_EXTRA_QUANT = re.compile(r"(?i)^(?:mxfp4|nvfp4|int4|int8|fp8|mxfp8|q\d+_k_xl)$")


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
    """Split ``tag`` into its parts; unknown pieces end up in ``variant`` or are dropped."""
    if not isinstance(tag, str):  # defensive: tags come from scraped pages and JSON
        return TagParts(tag="")
    tokens = [t for t in tag.strip().split("-") if t]
    size: str | None = None
    quant_text: str | None = None
    rest: list[str] = []
    prev_was_size = False
    for token in tokens:
        if size is None and _SIZE.match(token):
            size, prev_was_size = token.lower(), True
            continue
        if prev_was_size and _ACTIVE.match(token):
            size = f"{size}-{token.lower()}"
        elif quant_text is None and _is_quant_token(token):
            quant_text = token
        else:
            rest.append(token)
        prev_was_size = False
    if [r.lower() for r in rest] == ["latest"]:
        rest = []
    variant = "-".join(rest) if rest else None
    quant = parse_quant(quant_text) if quant_text else None
    return TagParts(tag=tag, size=size, variant=variant, quant_text=quant_text, quant=quant)


def format_tag(size: str | None, variant: str | None, quant: QuantLevel | str | None) -> str:
    """The library spelling of a tag from its parts (``8b-instruct-q4_K_M``)."""
    quant_text = quant.tag_name if isinstance(quant, QuantLevel) else quant
    parts = [p for p in (size, variant, quant_text) if p]
    return "-".join(parts) if parts else "latest"
