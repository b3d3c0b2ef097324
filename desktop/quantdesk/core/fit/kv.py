"""KV cache bytes per layer (``GraphSize`` in Ollama's ``fs/ggml/ggml.go``, and what the
measured/llama-server eras really allocate).

    kv_layer = C_tot x (key_length + value_length) x n_head_kv x bytes_per_element

with sliding-window layers holding only ``num_parallel x window + batch`` tokens and
recurrent layers a fixed f32 state per sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

from quantdesk.core.architecture import Architecture

# bytes per element x 2, so q4_0's half byte stays an integer
_BPE2 = {"f16": 4, "q8_0": 2, "q4_0": 1}
_GPT_OSS_WINDOW = 4096


@dataclass(frozen=True, slots=True)
class KvLayer:
    per_token2: int  # twice the bytes one token occupies in this layer
    window: int  # tokens per slot a sliding layer keeps (0 = the whole context)
    fixed: int  # bytes of recurrent state per slot (context-independent)


def kv_plan(arch: Architecture, kv_type: str, *, static: bool) -> tuple[KvLayer, ...]:
    """Per-layer KV description; ``static`` selects the ≤0.12.10 estimator's simplifications."""
    bpe2 = _BPE2.get(kv_type, 4)
    heads_kv, k, v = arch.head_count_kv, arch.key_length, arch.value_length
    mla = arch.kv_lora_rank and not static
    plan: list[KvLayer] = []
    for i in range(arch.block_count):
        if heads_kv[i] == 0:
            plan.append(KvLayer(0, 0, _recurrent_state(arch)))
            continue
        if mla:
            # llama.cpp caches the compressed latent (+ rope part) once, not per head
            per_token2 = (arch.kv_lora_rank + arch.rope_dimension_count) * bpe2
        else:
            per_token2 = (k + v) * heads_kv[i] * bpe2
        plan.append(KvLayer(per_token2, _window(arch, i, static), 0))
    return tuple(plan)


def _window(arch: Architecture, i: int, static: bool) -> int:
    if arch.arch in ("gemma3", "gemma3n"):
        pattern = arch.sliding_window_pattern or 6
        return 0 if (i + 1) % pattern == 0 else arch.sliding_window or 1024
    if arch.arch in ("gptoss", "gpt-oss"):
        return _GPT_OSS_WINDOW if i % 2 == 0 else 0
    if arch.arch == "gemma2" and not static and arch.sliding_window:
        # the static estimator ignores gemma2's windows; the runtimes do not
        return arch.sliding_window if i % 2 == 0 else 0
    return 0


def _recurrent_state(arch: Architecture) -> int:
    conv, inner = arch.ssm_conv_kernel, arch.ssm_inner_size
    groups, state = arch.ssm_group_count, arch.ssm_state_size
    return ((max(conv - 1, 0)) * (inner + 2 * groups * state) + state * inner) * 4


def layer_bytes(plan: tuple[KvLayer, ...], num_ctx: int, parallel: int, batch: int) -> list[int]:
    """KV bytes of each layer at ``num_ctx`` tokens per slot and ``parallel`` slots."""
    total = num_ctx * parallel
    out = []
    for layer in plan:
        tokens = total if not layer.window else min(total, parallel * layer.window + batch)
        out.append(tokens * layer.per_token2 // 2 + layer.fixed * parallel)
    return out
