"""The Variants page's words and small choices, free of widgets: the context steps of the
slider, the families to offer, the family to open on, and the best row in sentences."""

from __future__ import annotations

from collections.abc import Sequence

from quantdesk.core.ollama import LocalModel
from quantdesk.core.registry import Variant
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.widgets.fit_badge import FitView, context_words

MIN_CONTEXT = 2048
DEFAULT_CONTEXT = 4096


def context_steps(max_context: int) -> list[int]:
    """2k, 4k, 8k … up to the model's trained maximum (itself last when not a power of 2)."""
    steps = [MIN_CONTEXT]
    while steps[-1] * 2 <= max_context:
        steps.append(steps[-1] * 2)
    if max_context > steps[-1]:
        steps.append(max_context)
    return steps


def repositories(models: list[LocalModel]) -> list[str]:
    """Installed model families as the ladder is asked for them ("llama3.1", "user/model")."""
    return sorted({m.name.rsplit(":", 1)[0] for m in models if not m.is_remote})


def repository_of(name: str) -> str:
    return name.rsplit(":", 1)[0]


def most_relevant(models: list[LocalModel], loaded: Sequence[str],
                  recent: Sequence[str]) -> str | None:
    """The family to open on: a loaded model's, else the most recently used installed one's,
    else the most recently pulled one's (not the alphabetically first)."""
    families = repositories(models)
    for name in (*loaded, *recent):
        if repository_of(name) in families:
            return repository_of(name)
    local = [m for m in models if not m.is_remote]
    if not local:
        return None
    dated = [m for m in local if m.modified_at is not None]
    newest = max(dated, key=lambda m: m.modified_at) if dated else local[0]  # type: ignore[arg-type,return-value]
    return repository_of(newest.name)


def as_sentence(words: str) -> str:
    """"near-lossless; a safe choice" -> "Near-lossless; a safe choice." """
    words = words.strip()
    if not words:
        return ""
    words = words[0].upper() + words[1:]
    return words if words.endswith((".", "!", "?")) else words + "."


def best_sentence(variant: Variant, fit: FitView, num_ctx: int) -> str:
    """What the best row means, in whole sentences (shown as plain text)."""
    tag = variant.tag
    need = human_bytes(fit.need_bytes)
    if fit.verdict == "gpu":
        more = (f", and stays there up to {context_words(fit.max_gpu_ctx)} of context"
                if fit.max_gpu_ctx > num_ctx else "")
        what = f"{tag} runs fully on the GPU in {need}{more}."
    else:
        what = (f"{tag} puts {fit.gpu_layers} of {fit.total_layers} layers on the GPU "
                f"({need} in all); the rest runs on the CPU, slower.")
    level = variant.quant.words if variant.quant else ""
    return f"{what} {as_sentence(level)}".strip()
