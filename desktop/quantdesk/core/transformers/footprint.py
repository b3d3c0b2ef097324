"""GPU memory of a model loaded with Hugging Face transformers, with or without bitsandbytes.

What each part costs, per tensor of ``n`` elements:

- **Which modules are quantized.** ``load_in_4bit``/``load_in_8bit`` replace ``nn.Linear``
  layers only, and transformers keeps the output embeddings (``lm_head``) unconverted; the
  token embeddings (``nn.Embedding``), the norms and every bias stay in the compute dtype
  (bf16 here, 2 bytes).
- **nf4** (``bnb_4bit_quant_type="nf4"``, blocksize 64): two weights per byte, plus one absmax
  per block of 64. With double quantization (``bnb_4bit_use_double_quant``, the seed's
  setting) each absmax is itself quantized to 8 bits in blocks of 256, with one float32 absmax
  per such block, one float32 offset and its own copy of the 8-bit map (256 float32); without
  it each absmax is a float32. The nf4 code (16 float32 values) is kept per tensor. (Checked
  byte for byte against bitsandbytes 0.50's quantization state: bench/transformers_footprint.)
- **int8** (LLM.int8): one byte per weight plus one float32 scale per output row (``SCB``).
  Outlier features (inputs beyond the 6.0 threshold, a handful of hidden dimensions in models
  of 6.7B and up, Dettmers et al. 2022) go through an fp16 matmul: the dequantized weight
  columns for them are transient; counted as 8 columns of the widest layer.
- **bf16 / fp16 / fp32**: 2, 2 and 4 bytes per weight for everything.
- Then the CUDA context (PyTorch's, with cuBLAS workspaces: about 500 MiB), the KV cache of
  ``DynamicCache`` in bf16 at the chosen context (2 × layers × KV heads × head width × tokens
  × 2 bytes), and the activations of one full-length forward pass with SDPA attention.

``footprint_bytes`` is what transformers' own ``model.get_memory_footprint()`` reports:
parameters and buffers only (the rotary embedding's ``inv_freq`` and ``original_inv_freq``,
head width / 2 float32 each), so the packed 4-bit weights without their absmax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from quantdesk.core.machine import Machine
from quantdesk.core.transformers.safetensors import Tensor
from quantdesk.core.units import gb

LoadIn = Literal["nf4", "int8", "bf16", "fp16", "fp32"]
LOAD_IN: tuple[LoadIn, ...] = ("nf4", "int8", "bf16", "fp16", "fp32")
MiB = 1 << 20
CUDA_CONTEXT = 500 * MiB
NF4_BLOCK = 64
NESTED_BLOCK = 256
NF4_CODE = 16 * 4  # the nf4 code table, float32, per tensor
NESTED_CODE = 256 * 4  # the 8-bit map of double quantization, float32, per tensor
OUTLIER_COLUMNS = 8
_WIDTH = {"bf16": 2, "fp16": 2, "fp32": 4, "nf4": 2, "int8": 2}  # bytes of kept modules


def kind_of(t: Tensor) -> str:
    """"linear" (bitsandbytes quantizes it) or why it stays in the compute dtype."""
    name = t.name.lower()
    if name.startswith("lm_head") or name.endswith("output.weight"):
        return "lm_head"
    if "embed" in name or name.endswith(("wte.weight", "wpe.weight")):
        return "embeddings"
    if name.endswith(".bias"):
        return "biases"
    if len(t.shape) == 1:
        return "norms"
    if len(t.shape) == 2 and name.endswith(".weight"):
        return "linear"
    return "other"


def quant_state_bytes(n: int, load_in: LoadIn, rows: int, *, double_quant: bool = True) -> int:
    """Bytes bitsandbytes keeps beside a quantized weight of ``n`` elements and ``rows`` rows."""
    if load_in == "int8":
        return rows * 4
    if load_in != "nf4":
        return 0
    blocks = -(-n // NF4_BLOCK)
    if not double_quant:
        return blocks * 4 + NF4_CODE
    return blocks + -(-blocks // NESTED_BLOCK) * 4 + 4 + NESTED_CODE + NF4_CODE


def weight_bytes(n: int, load_in: LoadIn) -> int:
    """The parameter's own storage (what ``get_memory_footprint`` counts)."""
    return {"nf4": (n + 1) // 2, "int8": n, "bf16": 2 * n, "fp16": 2 * n, "fp32": 4 * n}[load_in]


@dataclass(frozen=True, slots=True)
class Shape:
    layers: int
    kv_heads: int
    head_dim: int
    hidden: int
    intermediate: int
    vocab: int
    max_context: int

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Shape:
        c = config.get("text_config") or config
        hidden = int(c["hidden_size"])
        heads = int(c["num_attention_heads"])
        return cls(int(c["num_hidden_layers"]), int(c.get("num_key_value_heads") or heads),
                   int(c.get("head_dim") or hidden // heads), hidden,
                   int(c.get("intermediate_size") or 4 * hidden), int(c["vocab_size"]),
                   int(c.get("max_position_embeddings") or 4096))


@dataclass(frozen=True, slots=True)
class TransformersFit:
    repository: str
    load_in: LoadIn
    num_ctx: int
    footprint_bytes: int  # what model.get_memory_footprint() reports
    quant_state_bytes: int  # absmax / row scales bitsandbytes keeps beside the weights
    transient_bytes: int  # int8 outlier columns dequantized during a matmul
    kept_bytes: dict[str, int]  # what stays in the compute dtype, by kind
    quantized_layers: int
    kv_cache_bytes: int
    activation_bytes: int
    cuda_context_bytes: int
    total_bytes: int
    verdict: str  # "gpu" | "partial" | "cpu" | "no"
    reason: str
    notes: tuple[str, ...] = field(default=())

    @property
    def weights_bytes(self) -> int:
        return self.footprint_bytes + self.quant_state_bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.repository, "loader": "transformers", "load_in": self.load_in,
            "num_ctx": self.num_ctx,
            "estimate": {"footprint_bytes": self.footprint_bytes,
                         "quant_state_bytes": self.quant_state_bytes,
                         "transient_bytes": self.transient_bytes,
                         "weights_bytes": self.weights_bytes,
                         "kept_unquantized_bytes": dict(self.kept_bytes),
                         "quantized_linear_layers": self.quantized_layers,
                         "kv_cache_bytes": self.kv_cache_bytes,
                         "activation_bytes": self.activation_bytes,
                         "cuda_context_bytes": self.cuda_context_bytes,
                         "total_bytes": self.total_bytes},
            "verdict": self.verdict, "reason": self.reason, "notes": list(self.notes),
        }


def estimate_transformers(repository: str, config: dict[str, Any], tensors: Sequence[Tensor],
                          load_in: LoadIn, num_ctx: int, machine: Machine, *,
                          double_quant: bool = True) -> TransformersFit:
    shape = Shape.from_config(config)
    quantized = load_in in ("nf4", "int8")
    kept: dict[str, int] = {}
    footprint = state = layers = widest = 0
    for t in tensors:
        kind = kind_of(t)
        n = t.elements
        if quantized and kind == "linear":
            footprint += weight_bytes(n, load_in)
            state += quant_state_bytes(n, load_in, t.shape[0], double_quant=double_quant)
            layers += 1
            widest = max(widest, t.shape[0])
            continue
        size = n * (_WIDTH[load_in] if quantized else weight_bytes(1, load_in))
        footprint += size
        kept[kind] = kept.get(kind, 0) + size
    transient = widest * OUTLIER_COLUMNS * 2 if load_in == "int8" else 0
    footprint += 2 * (shape.head_dim // 2) * 4  # the rotary buffers
    ctx = min(num_ctx, shape.max_context)
    kv = 2 * shape.layers * shape.kv_heads * shape.head_dim * ctx * 2
    act = ctx * (4 * shape.hidden + 2 * shape.intermediate) * 2 + shape.vocab * 4 * 2
    gpus = machine.usable_gpus
    context = CUDA_CONTEXT if gpus else 0
    total = footprint + state + transient + kv + act + context
    verdict, reason, notes = _verdict(total, footprint + state, machine, load_in, shape.layers)
    return TransformersFit(repository, load_in, ctx, footprint, state, transient, kept, layers,
                           kv, act, context, total, verdict, reason, notes)


def _verdict(total: int, weights: int, machine: Machine, load_in: LoadIn,
             layers: int) -> tuple[str, str, tuple[str, ...]]:
    gpus = machine.usable_gpus
    notes: tuple[str, ...] = ()
    if load_in in ("nf4", "int8") and (not gpus or all(g.vendor == "apple" for g in gpus)):
        return "no", ("bitsandbytes quantizes on CUDA GPUs; this machine has none, so "
                      f"load_in {load_in} will not load"), notes
    free = sum(g.free_bytes for g in gpus)
    ram = machine.ram.available_bytes
    if not gpus:
        if total > ram:
            return "no", f"Needs {gb(total)}, more than the {gb(ram)} of RAM free", notes
        return "cpu", f"No usable GPU: runs on the CPU in {gb(total)} of RAM", notes
    if total <= free:
        return "gpu", f"Needs {gb(total)}, {gb(free)} free on the GPU: all of it on the GPU", \
            notes
    per_layer = weights / max(layers, 1)
    room = free - (total - weights)
    on_gpu = max(0, min(layers, int(room // per_layer))) if per_layer else 0
    if total - free > ram:
        return "no", f"Needs {gb(total)}; GPU and RAM together cannot hold it", notes
    notes = ("device_map='auto' offloads the rest to the CPU: expect it many times slower",)
    return "partial", (f"Needs {gb(total)}, {gb(free)} free on the GPU: about {on_gpu} of "
                       f"{layers} layers fit there"), notes
