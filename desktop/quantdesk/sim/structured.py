"""Structured replies: ``format`` (JSON or a JSON schema) and ``tool_calls``.

Ollama constrains sampling with a grammar built from ``format`` (``"json"``: any JSON object; a
schema: that schema), so the reply is valid JSON that conforms. The simulator builds the value
directly from the schema with words of the model's reply: objects get every ``required``
property (all of them when none is marked), strings a word, numbers and integers a seeded
value inside ``minimum``/``maximum``, ``enum`` one of its values, arrays ``minItems`` items.

Tools (``server/routes.go ChatHandler``): a model without the ``tools`` capability is refused
before scheduling with ``<registry name> does not support tools`` (``server/images.go
CheckCapabilities``). A capable model answers with a ``tool_calls`` turn when the last user
message names a tool (its name, or a word of its name) and plain text otherwise; call ids are
``call_`` + 8 lower-case letters or digits (``toolCallId``) and ``function.index`` numbers them.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

_WORDS = ("alpha", "bravo", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris",
          "juniper", "kelp", "lumen", "meadow", "nectar", "orchid", "pebble")


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def value_for(schema: Any, rng: random.Random, depth: int = 0) -> Any:
    if not isinstance(schema, dict) or depth > 6:
        return rng.choice(_WORDS)
    if schema.get("enum"):
        return rng.choice(list(schema["enum"]))
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props = schema.get("properties") or {}
        names = list(schema.get("required") or props)
        return {n: value_for(props.get(n, {}), rng, depth + 1) for n in names}
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        return [value_for(schema.get("items", {}), rng, depth + 1) for _ in range(count)]
    if kind in ("number", "integer"):
        lo = schema.get("minimum", 0)
        hi = schema.get("maximum", lo + 100)
        x = rng.uniform(lo, hi)
        return round(x) if kind == "integer" else round(x, 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return rng.choice(_WORDS)


def formatted_reply(fmt: Any, seed_text: str) -> str:
    """The reply text under ``format``: compact JSON as the grammar would let it out."""
    rng = _rng("format", seed_text)
    if fmt == "json":
        return json.dumps({"answer": " ".join(rng.choice(_WORDS) for _ in range(3))})
    return json.dumps(value_for(fmt, rng))


def check_format(fmt: Any) -> str | None:
    """Ollama's 400 text for a ``format`` it cannot use, else None."""
    if fmt is None or fmt == "" or fmt == "json" or isinstance(fmt, dict):
        return None
    return f"invalid format: {json.dumps(fmt)}; expected \"json\" or a valid JSON Schema"


def _tool_words(tool: dict[str, Any]) -> set[str]:
    name = str((tool.get("function") or {}).get("name") or "")
    return {w for w in re.split(r"[^a-z0-9]+", name.lower()) if len(w) > 2} | {name.lower()}


def tool_call(tools: list[Any], prompt: str, seed_text: str) -> list[dict[str, Any]]:
    """The tool calls a capable model makes for ``prompt`` (empty when it names no tool)."""
    words = set(re.split(r"[^a-z0-9_]+", prompt.lower()))
    rng = _rng("tools", seed_text)
    calls = []
    for tool in tools:
        if not isinstance(tool, dict) or not (_tool_words(tool) & words):
            continue
        fn = tool.get("function") or {}
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        args = value_for({**params, "type": "object"}, rng)
        call_id = "call_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                    for _ in range(8))
        calls.append({"id": call_id, "function": {"index": len(calls), "name": fn.get("name"),
                                                  "arguments": args}})
    return calls
