"""Messages from the core in the app's words: the CLI keeps Ollama's names and its own
commands ("`quantdesk variants`", "num_ctx", "--num-ctx"); a person in the app reads the page
or the control that does the same thing.

Every message the app shows from the core goes through :func:`for_people` (the page message
slot, the Downloads rows and toasts, the settings dialog).
"""

from __future__ import annotations

import re

# (pattern, replacement), applied in order; the CLI hints first, then the field names.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r) for p, r in (
        (r",? ?or list the real tags with `quantdesk variants`",
         ", or look the model up on the Variants page for the tags that exist"),
        (r"Download it first: quantdesk pull (\S+)",
         r"Pull it first on the Downloads page (\1)"),
        (r"Pull them first \(quantdesk pull \S+\) or let the comparison pull them \(--pull\)",
         "Pull them first on the Downloads page, or let the comparison pull them"),
        (r"Remove it with `quantdesk history rm [^`]+`", "Delete it in the History tab"),
        (r"\.? ?List them with: quantdesk history", ". The History tab lists them"),
        (r" \(--num-ctx\)", ""),
        (r" \(--num-ctx, up to its trained length\)", " (up to its trained length)"),
        (r"^keep_alive: ", "Keep models loaded for: "),
        (r"^default_context must be", "The default context length must be"),
        (r"^request_timeout must be", "The daemon request time limit must be"),
        (r"^kv_cache_type must be", "The KV cache type must be"),
        (r"^flash_attention must be", "Flash attention must be"),
        (r"\bnum_ctx\b", "context length"),
        (r"\bnum_predict\b", "answer length"),
        (r"\bkeep_alive\b", "keep-loaded time"),
    )
)


def for_people(message: str) -> str:
    for pattern, replacement in _REWRITES:
        message = pattern.sub(replacement, message)
    return message
