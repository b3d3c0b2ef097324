"""What a re-run changed, in the words and units of the Compare page (the CLI prints the
field names; a person reads "Load time 2.45 s → 2.61 s")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quantdesk.core.compare.diff import ComparisonDiff
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.widgets import compare_format as fmt

# metric -> (label, how the page shows its value); the order is the panes' order.
METRIC_WORDS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "load_s": ("Load time", fmt.seconds),
    "ttft_s": ("First token", fmt.seconds),
    "prompt_tps": ("Prompt speed", fmt.rate),
    "eval_tps": ("Generation speed", fmt.rate),
    "size": ("Ollama size", human_bytes),
    "size_vram": ("In GPU memory", human_bytes),
    "predicted_bytes": ("Predicted size", human_bytes),
    "first_divergence": ("First divergence", lambda v: "never" if v is None else f"at {v}"),
    "agreement": ("Agreement", fmt.share),
    "approx_kl": ("Approx. KL", fmt.kl),
    "similarity": ("Similarity", fmt.share),
    "accuracy": ("Accuracy", fmt.share),
}


def change_words(metric: str, old: Any, new: Any) -> str | None:
    """"Load time 2.45 s → 2.61 s", or None when both read the same on the page (a change
    in the fourth decimal is no change to a reader)."""
    label, show = METRIC_WORDS.get(metric, (metric.replace("_", " ").capitalize(), str))
    a, b = show(old), show(new)
    return None if a == b else f"{label} {a} → {b}"


def diff_text(diff: ComparisonDiff, when: str) -> str:
    """A summary line, then one line per changed variant (the message slot shows the first
    line and the rest on hover)."""
    lines: list[str] = []
    for r in diff.runs:
        parts = [w for k, (a, b) in r.deltas.items() if (w := change_words(k, a, b))]
        if r.state[0] != r.state[1]:
            parts.insert(0, f"{fmt.state_word(r.state[0])} → {fmt.state_word(r.state[1])}")
        if r.response_changed:
            parts.append("the answer changed")
        if parts:
            lines.append(f"{r.model}: " + "; ".join(parts))
    lines += [f"{m}: not in the re-run" for m in diff.only_old]
    lines += [f"{m}: new in the re-run" for m in diff.only_new]
    setup = [c.replace(" -> ", " → ") for c in diff.setup_changes]
    if not lines and not setup:
        return f"Re-run done: the same results as the run of {when}."
    changed = len({line.split(": ", 1)[0] for line in lines})
    head = (f"Re-run done: {changed} of {len(diff.runs)} variants differ from the run of "
            f"{when}" + (f"; the setup changed ({'; '.join(setup)})" if setup else "") + ".")
    return "\n".join([head, *lines])
