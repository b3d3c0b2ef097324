"""The shape of a model as the fit estimate needs it.

Built from an Ollama ``/api/show`` ``model_info`` dict (GGUF keys such as ``llama.block_count``),
which is also what the GGUF header reader and a sibling variant provide. Head counts may be a
scalar or a per-layer list (hybrid models mark recurrent layers with 0 KV heads).

Two traps of a real daemon (ollama-api.md Corrections 1–2): most families carry no
``<arch>.vocab_size`` (``convert/convert_qwen2.go``, ``convert_gemma3.go``), and non-verbose
show returns every array as ``null`` — the tokenizer's tokens, but also per-layer values such as
lfm2's ``head_count_kv``. The vocabulary is therefore read from ``token_embd.weight``'s shape
when the tensors are given, and a per-layer key that is ``null`` raises ``NeedsVerbose``: the
caller must ask again with ``verbose`` (``OllamaClient.show_shape`` does) or read the GGUF
header, never assume full attention on every layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from quantdesk.core.errors import QuantDeskError

# Families whose GGUFs never carry a separate output tensor (embeddings are tied).
_ALWAYS_TIED = ("gemma", "gemma2", "gemma3", "gemma3n", "gemma4")


class ArchitectureError(QuantDeskError):
    """The model description lacks what the fit estimate needs."""


class NeedsVerbose(ArchitectureError):
    """A per-layer value arrived as ``null`` (non-verbose /api/show blanks every array)."""


_PER_LAYER_KEYS = ("attention.head_count", "attention.head_count_kv", "feed_forward_length")


def blanked_keys(model_info: Mapping[str, Any]) -> list[str]:
    """The ``<arch>.`` keys present as ``null``: arrays a non-verbose show left out."""
    arch = str(model_info.get("general.architecture") or "")
    return [k for k, v in model_info.items() if v is None and k.startswith(f"{arch}.")]


def vocab_from_tensors(tensors: Iterable[Any] | None) -> int:
    """Rows of ``token_embd.weight`` (GGUF ne[1]), 0 when absent."""
    for t in tensors or ():
        name, shape = (t[0], t[2]) if isinstance(t, tuple) else (t.name, t.shape)
        if name == "token_embd.weight" and len(shape) >= 2:
            return int(shape[1])
    return 0


def _per_layer(value: Any, n: int, default: int) -> tuple[int, ...]:
    if value is None:
        return (default,) * n
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        vals = [int(v) for v in value]
        if not vals:
            return (default,) * n
        # A short list repeats its last value (robust to truncated metadata).
        return tuple(vals[i] if i < len(vals) else vals[-1] for i in range(n))
    return (int(value),) * n


@dataclass(frozen=True, slots=True)
class Architecture:
    arch: str
    block_count: int
    embedding_length: int
    head_count: tuple[int, ...]  # per layer
    head_count_kv: tuple[int, ...]  # per layer; 0 marks a recurrent (state-space) layer
    key_length: int
    value_length: int
    vocab_size: int
    context_length: int  # trained context
    feed_forward_length: tuple[int, ...] = ()
    sliding_window: int = 0
    sliding_window_pattern: int = 0  # every n-th layer is global (gemma3: 6)
    expert_count: int = 0
    expert_used_count: int = 0
    expert_feed_forward_length: int = 0
    expert_shared_count: int = 0
    leading_dense_block_count: int = 0
    kv_lora_rank: int = 0  # multi-head latent attention (deepseek2)
    q_lora_rank: int = 0
    rope_dimension_count: int = 0
    ssm_conv_kernel: int = 0
    ssm_state_size: int = 0
    ssm_group_count: int = 0
    ssm_inner_size: int = 0
    tied_embeddings: bool = False  # no separate output tensor; token_embd is the output layer
    parameter_count: int = 0
    vision_block_count: int = 0
    vision_embedding_length: int = 0
    vision_feed_forward_length: int = 0
    vision_head_count: int = 0
    vision_patches: int = 0  # patches of the largest image the projector is sized for

    @property
    def head_count_max(self) -> int:
        return max(self.head_count) if self.head_count else 0

    @property
    def head_count_kv_min(self) -> int:
        nonzero = [h for h in self.head_count_kv if h > 0]
        return min(nonzero) if nonzero else 0

    @property
    def has_vision(self) -> bool:
        return self.vision_block_count > 0

    @classmethod
    def from_model_info(
        cls, model_info: Mapping[str, Any], *, parameter_count: int | None = None,
        tensors: Iterable[Any] | None = None,
    ) -> Architecture:
        """Reads the GGUF keys; missing key/value lengths default to embedding / heads.
        ``tensors`` (``(name, type, shape)`` or show's ``Tensor``) give the vocabulary."""
        arch = str(model_info.get("general.architecture") or "")
        if not arch:
            raise ArchitectureError(
                "The model description has no general.architecture; re-read it with /api/show."
            )

        def get(key: str, default: Any = None) -> Any:
            return model_info.get(f"{arch}.{key}", default)

        n = get("block_count")
        emb = get("embedding_length")
        heads = get("attention.head_count")
        if n is None or emb is None or heads is None:
            raise ArchitectureError(
                f"The {arch} model description lacks its layer count, width or head count; "
                "the fit cannot be estimated without them."
            )
        blank = [k for k in blanked_keys(model_info)
                 if k.removeprefix(f"{arch}.") in _PER_LAYER_KEYS]
        if blank:
            raise NeedsVerbose(
                f"{', '.join(blank)} came back empty (a non-verbose /api/show leaves arrays "
                "out); per-layer values need /api/show with verbose or the GGUF header"
            )
        n, emb = int(n), int(emb)
        head_count = _per_layer(heads, n, 0)
        hmax = max(head_count) or 1
        head_count_kv = _per_layer(get("attention.head_count_kv"), n, hmax)
        interval = int(get("full_attention_interval", 0) or 0)
        if interval > 1:
            # Hybrid models: only every interval-th layer attends; the rest keep a fixed state.
            head_count_kv = tuple(
                h if (i + 1) % interval == 0 else 0 for i, h in enumerate(head_count_kv)
            )
        key_len = int(get("attention.key_length", 0) or emb // hmax)
        value_len = int(get("attention.value_length", 0) or emb // hmax)
        vocab = vocab_from_tensors(tensors) or get("vocab_size")
        if vocab is None:
            tokens = model_info.get("tokenizer.ggml.tokens")
            vocab = len(tokens) if isinstance(tokens, Sequence) and tokens else 0
        ffn = _per_layer(get("feed_forward_length"), n, 4 * emb)
        params = int(parameter_count or model_info.get("general.parameter_count") or 0)
        shape = cls(
            arch=arch,
            block_count=n,
            embedding_length=emb,
            head_count=head_count,
            head_count_kv=head_count_kv,
            key_length=key_len,
            value_length=value_len,
            vocab_size=int(vocab),
            context_length=int(get("context_length", 0) or 2048),
            feed_forward_length=ffn,
            sliding_window=int(get("attention.sliding_window", 0) or 0),
            sliding_window_pattern=int(get("sliding_window_pattern", 0) or 0),
            expert_count=int(get("expert_count", 0) or 0),
            expert_used_count=int(get("expert_used_count", 0) or 0),
            expert_feed_forward_length=int(get("expert_feed_forward_length", 0) or 0),
            expert_shared_count=int(get("expert_shared_count", 0) or 0),
            leading_dense_block_count=int(get("leading_dense_block_count", 0) or 0),
            kv_lora_rank=int(get("attention.kv_lora_rank", 0) or 0),
            q_lora_rank=int(get("attention.q_lora_rank", 0) or 0),
            rope_dimension_count=int(get("rope.dimension_count", 0) or 0),
            ssm_conv_kernel=int(get("ssm.conv_kernel", 0) or 0),
            ssm_state_size=int(get("ssm.state_size", 0) or 0),
            ssm_group_count=int(get("ssm.group_count", 0) or 0),
            ssm_inner_size=int(get("ssm.inner_size", 0) or 0),
            parameter_count=params,
            **_vision(get),
        )
        return _with_tying(shape, arch, params)


def _vision(get: Any) -> dict[str, Any]:
    blocks = int(get("vision.block_count", 0) or 0)
    if not blocks:
        return {}
    emb = int(get("vision.embedding_length", 0) or 0)
    patch = int(get("vision.patch_size", 14) or 14)
    image = int(get("vision.image_size", 0) or 0)
    max_pixels = int(get("vision.max_pixels", 0) or 0)
    # Qwen-VL style encoders size their worst case by a pixel budget (1280 tiles of 28x28).
    budget = max_pixels or 28 * 28 * 1280
    patches = (image // patch) ** 2 if image else budget // (patch * patch)
    return {
        "vision_block_count": blocks,
        "vision_embedding_length": emb,
        "vision_feed_forward_length": int(get("vision.feed_forward_length", 0) or 4 * emb),
        "vision_head_count": int(get("vision.attention.head_count", 0) or 16),
        "vision_patches": patches,
    }


def _with_tying(shape: Architecture, arch: str, params: int) -> Architecture:
    """Guesses whether the output tensor is tied to the embeddings.

    GGUF metadata does not say; the parameter count does: an untied model has an extra
    vocab x embedding matrix.
    """
    if arch in _ALWAYS_TIED:
        return replace(shape, tied_embeddings=True)
    if not params or not shape.vocab_size:
        return shape
    from quantdesk.core.fit.mix import count_parameters

    untied = count_parameters(replace(shape, tied_embeddings=False))
    tied = count_parameters(replace(shape, tied_embeddings=True))
    return replace(shape, tied_embeddings=abs(tied - params) < abs(untied - params))
