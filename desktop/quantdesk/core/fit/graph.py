"""Compute-graph (scratch) bytes: Ollama's static formulas (``GraphSize``) per architecture,
the vision encoder's graph, and llama.cpp's compute buffer for the llama-server era.

Two numbers per model: *full* (every layer on the GPU) and *partial* (some on the CPU; larger,
because logits and the output layer run there). b = min(C_tot, num_batch), c = C_tot.
"""

from __future__ import annotations

from quantdesk.core.architecture import Architecture

MiB = 1 << 20


def static_graph(
    arch: Architecture,
    ctx_total: int,
    batch: int,
    kv_total: int,
    *,
    flash: bool = False,
    parallel: int = 1,
) -> tuple[int, int]:
    """(full, partial) as the ≤0.12.10 estimator computes them (all integer, like Go)."""
    b, c = min(ctx_total, batch), ctx_total
    e, h, hkv = arch.embedding_length, arch.head_count_max, arch.head_count_kv_min
    v = arch.vocab_size
    name = arch.arch
    full = partial = 0
    if name in ("llama", "llama4"):
        d = e // max(h, 1)
        full = max(4 * b * (1 + 4 * e + c * (1 + h)), 4 * b * (e + v))
        partial = 4 * b * e + max(
            4 * b * (1 + e + max(c, e)) + e * e * 9 // 16 + 4 * c * (b * h + d * hkv),
            4 * b * (e + v) + e * v * 105 // 128,
        )
    elif name == "qwen2":
        full = max(4 * b * (e + v), 4 * b * (1 + 2 * e + c + c * h))
        partial = max(
            4 * b * (e + v) + e * v * 105 // 128,
            4 * (b * (1 + 2 * e + c * (1 + h)) + e * (1 + c)),
        )
    elif name in ("gemma", "gemma2", "gemma3", "gemma3n"):
        k = arch.key_length * (4 if name == "gemma3n" else 1)
        full = max(4 * b * (e + v), 4 * b * (2 + c + c * h + 2 * e + 2 * k * h))
        partial = max(
            4 * e * b + e * v * 105 // 128 + 4 * v * b,
            4 * b * (2 * e + 1 + 2 * k * h + c + c * h) + 4 * k * c * 8 + e * k * h * 9 // 16,
        )
    elif name in ("gptoss", "gpt-oss"):
        if flash:
            partial = (4 * parallel + c // 1024 + 110) * MiB
        else:
            partial = 2 * (h // max(hkv, 1)) * kv_total // 6
    if partial == 0:
        # Ollama's fallback for architectures without a formula of their own
        partial = (h // max(hkv, 1)) * kv_total // 6
    if full == 0:
        full = partial
    return full, partial


def vision_graph(arch: Architecture) -> int:
    """Scratch for encoding the largest image: attention over all patches dominates."""
    if not arch.has_vision:
        return 0
    p, heads, ev = arch.vision_patches, arch.vision_head_count, arch.vision_embedding_length
    return 4 * (heads * p * p + 4 * p * ev)


def server_graph(arch: Architecture, ctx_total: int, batch: int, *, flash: bool) -> int:
    """llama.cpp's compute buffer: logits, or attention scores when flash attention is off."""
    b, c = min(ctx_total, batch), ctx_total
    e, h, v = arch.embedding_length, arch.head_count_max, arch.vocab_size
    attention = 4 * b * (1 + 4 * e) if flash else 4 * b * (1 + 4 * e + c * (1 + h))
    return max(attention, 4 * b * (e + v))
