"""The simulated machine and what a loaded model costs on it, as the simulated version sizes it.

Written from what each Ollama era really allocates (fit-model.md §5–§8), independently of our
own predictor (``core/fit``), so that the Running page's "Ollama's size vs our prediction"
compares two different models of the daemon, not one model with itself:

- 0.30+ (``llama-server``): the model buffers of the offloaded layers, the f16 KV cache
  ``2 × layers × num_ctx × kv_heads × head_dim × 2`` bytes and a compute buffer that flash
  attention (on by default) keeps small: the logits of one micro-batch plus the KQ mask.
  ``--fit`` keeps 1 GiB free on the card and offloads the output layer first, then blocks from
  the last one down. Input embeddings stay on the CPU; with every layer on the GPU Ollama
  reports only the GPU buffers.
- 0.12.11–0.29: measured allocations: weights (no input embeddings for llama-engine models) +
  KV + the compute graph, no reserves.
- ≤ 0.12.10: the static estimate: a 457 MiB minimum and one spare layer are counted in the size.

Whatever does not fit in VRAM lands in RAM; a model that does not fit in VRAM + RAM fails to
load with the OOM message of the simulated version.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from quantdesk.sim.catalog import Variant

GIB = 1 << 30
MIB = 1 << 20
Version = tuple[int, int, int]
NEWEST: Version = (0, 33, 0)

LLAMA_SERVER_SINCE: Version = (0, 30, 0)
MEASURED_SINCE: Version = (0, 12, 11)
FIT_TARGET = 1024 * MIB  # llama-server --fit leaves this much free on each card
MINIMUM = 457 * MIB  # what the static estimate keeps free on a CUDA card
MICRO_BATCH = 512
# Architectures Ollama runs on its own engine (their input embeddings count as GPU memory).
OLLAMA_ENGINE = frozenset({"qwen3", "gemma3", "gemma3n", "gptoss", "llama4", "mistral3"})


@dataclass(frozen=True, slots=True)
class SimMachine:
    vram_bytes: int = 24 * GIB  # 0 = no GPU
    ram_bytes: int = 32 * GIB
    gpu_bandwidth: float = 500e9  # bytes/s of weights read per token on the GPU
    cpu_bandwidth: float = 50e9
    load_bandwidth: float = 2e9  # bytes/s from disk when loading


@dataclass(frozen=True, slots=True)
class Footprint:
    weights: int  # weight bytes counted in ``size``
    kv_cache: int
    graph: int  # compute buffers / graph counted in ``size`` (GPU and CPU)
    size: int  # everything, RAM and VRAM together (/api/ps size)
    size_vram: int  # the part in GPU memory (/api/ps size_vram)
    gpu_layers: int
    total_layers: int  # blocks + the output layer

    @property
    def gpu_fraction(self) -> float:
        return self.size_vram / self.size if self.size else 0.0


class OutOfMemory(Exception):
    """The load does not fit; ``str()`` is the daemon's message for the simulated version."""


@dataclass(frozen=True, slots=True)
class _Layers:
    """A variant's weights by where llama.cpp puts them (the file's tensors, to the byte)."""

    token_embd: int
    blocks: tuple[int, ...]
    output: int  # output norm + output matrix (the tied embeddings' GPU copy when tied)

    @property
    def total(self) -> int:
        """Memory of every buffer: a tied embedding counts twice (llama.cpp duplicates it
        for the output layer)."""
        return self.token_embd + sum(self.blocks) + self.output


@lru_cache(maxsize=128)
def _layers(v: Variant) -> _Layers:
    from quantdesk.sim.catalog import plan_of

    embd, out = 0, 0
    blocks = [0] * v.block_count
    for t in plan_of(v):
        if t.name.startswith("blk."):
            blocks[int(t.name.split(".")[1])] += t.nbytes
        elif t.name.startswith("token_embd.") or t.name.startswith("token_types."):
            embd += t.nbytes
        else:
            out += t.nbytes
    if v.tied_embeddings:
        out += embd  # llama.cpp keeps a copy on the GPU for the output projection
    return _Layers(embd, tuple(blocks), out)


def kv_layer_bytes(v: Variant, num_ctx: int) -> int:
    """f16 K and V of one layer: ``num_ctx × kv_heads × (key_len + value_len) × 2`` bytes."""
    heads = int(v.arch("attention.head_count"))
    kv_heads = int(v.arch("attention.head_count_kv", heads))
    head_dim = v.embedding_length // heads
    k = int(v.arch("attention.key_length", head_dim))
    val = int(v.arch("attention.value_length", head_dim))
    return num_ctx * kv_heads * (k + val) * 2


def kv_cache_bytes(v: Variant, num_ctx: int) -> int:
    return v.block_count * kv_layer_bytes(v, num_ctx)


def _vocab(v: Variant) -> int:
    return v.vocab_size


def server_compute_bytes(v: Variant, num_ctx: int) -> int:
    """llama.cpp's GPU compute buffer with flash attention: one micro-batch of f32 logits and
    hidden state, plus the f16 KQ mask over the context (no ctx × heads score matrix)."""
    b = min(num_ctx, MICRO_BATCH)
    return 4 * b * (_vocab(v) + v.embedding_length) + 2 * b * num_ctx


def graph_bytes(v: Variant, num_ctx: int, *, split: bool = False) -> int:
    """The static estimator's llama graph: attention scores grow with ctx × heads; a split
    model also keeps the output projection's scratch on the CPU side."""
    b = min(num_ctx, MICRO_BATCH)
    e, h = v.embedding_length, int(v.arch("attention.head_count"))
    vocab = _vocab(v)
    full = max(4 * b * (1 + 4 * e + num_ctx * (1 + h)), 4 * b * (e + vocab))
    if not split:
        return full
    return max(full, 4 * b * (e + vocab) + e * vocab * 105 // 128)


def footprint(
    v: Variant, num_ctx: int, machine: SimMachine, version: Version = NEWEST
) -> Footprint:
    if version >= LLAMA_SERVER_SINCE:
        return _llama_server(v, num_ctx, machine)
    return _ollama_layout(v, num_ctx, machine, measured=version >= MEASURED_SINCE)


def _llama_server(v: Variant, num_ctx: int, machine: SimMachine) -> Footprint:
    lay = _layers(v)
    kv_layer = kv_layer_bytes(v, num_ctx)
    kv = kv_layer * v.block_count
    compute = server_compute_bytes(v, num_ctx)
    total_layers = v.block_count + 1
    # Offload order of --fit: the output layer first, then blocks from the last one down.
    units = [lay.output] + [w + kv_layer for w in reversed(lay.blocks)]
    target = machine.vram_bytes - FIT_TARGET
    gpu, placed = compute, 0
    if machine.vram_bytes:
        for unit in units:
            if gpu + unit > target:
                break
            gpu += unit
            placed += 1
    if placed == total_layers:  # all on the GPU: Ollama reports the GPU buffers only
        weights = lay.output + sum(lay.blocks)
        return Footprint(weights, kv, compute, gpu, gpu, placed, total_layers)
    weights = lay.total
    if placed == 0:
        size = weights + kv + compute
        return Footprint(weights, kv, compute, size, 0, 0, total_layers)
    # The output layer (and its logits) stays on the GPU; the CPU keeps a host buffer for
    # the layers it runs: one micro-batch of hidden state.
    cpu_compute = 4 * min(num_ctx, MICRO_BATCH) * v.embedding_length
    cpu = lay.token_embd + sum(units[placed:]) + cpu_compute
    return Footprint(weights, kv, compute + cpu_compute, gpu + cpu, gpu, placed, total_layers)


def _ollama_layout(
    v: Variant, num_ctx: int, machine: SimMachine, *, measured: bool
) -> Footprint:
    lay = _layers(v)
    kv_layer = kv_layer_bytes(v, num_ctx)
    kv = kv_layer * v.block_count
    total_layers = v.block_count + 1
    own_engine = measured and v.architecture in OLLAMA_ENGINE
    embd = lay.token_embd if own_engine else 0  # llama.cpp's runner never counted them
    output = lay.output
    weights = embd + sum(lay.blocks) + output
    full, split = graph_bytes(v, num_ctx), graph_bytes(v, num_ctx, split=True)
    spare = lay.blocks[0] + kv_layer  # one layer the llama runner keeps in reserve
    if measured:
        # Real allocations are reported; the minimum (and the llama engine's spare layer)
        # only limit what fits.
        counted, headroom = 0, MINIMUM + (0 if own_engine else spare)
    else:
        # The static estimate counts the minimum and one spare layer in the size, and asks
        # for a second spare layer of room before it offloads anything.
        counted, headroom = MINIMUM + spare, spare
    everything = weights + kv
    if not machine.vram_bytes:
        size = everything + full + (0 if measured else spare)
        return Footprint(weights, kv, full, size, 0, 0, total_layers)
    if counted + headroom + everything + max(full, split) <= machine.vram_bytes:
        size = counted + everything + full
        return Footprint(weights, kv, full, size, size, total_layers, total_layers)
    # Partial: blocks from the last one down while they fit; the output layer stays behind.
    budget = machine.vram_bytes - counted - headroom - max(full, split)
    gpu, placed = 0, 0
    for w in reversed(lay.blocks):
        if gpu + w + kv_layer > budget:
            break
        gpu += w + kv_layer
        placed += 1
    if placed == 0:
        size = everything + full + (0 if measured else spare)
        return Footprint(weights, kv, full, size, 0, 0, total_layers)
    vram = counted + gpu + split
    return Footprint(weights, kv, split, vram + everything - gpu, vram, placed, total_layers)


def check_fits(fp: Footprint, machine: SimMachine, version: tuple[int, int, int]) -> None:
    """Raises OutOfMemory when the part off the GPU does not fit in RAM."""
    system_needed = fp.size - fp.size_vram
    if system_needed <= machine.ram_bytes:
        return
    if version < (0, 30, 0):
        raise OutOfMemory(
            f"model requires more system memory ({system_needed / GIB:.1f} GiB) "
            f"than is available ({machine.ram_bytes / GIB:.1f} GiB)"
        )
    raise OutOfMemory(
        "llama-server reported out-of-memory during startup: failed to allocate "
        f"{fp.size / GIB:.1f} GiB for the model (VRAM {machine.vram_bytes / GIB:.1f} GiB, "
        f"RAM {machine.ram_bytes / GIB:.1f} GiB)"
    )


def crowded(new: Footprint, others: list[Footprint], machine: SimMachine) -> bool:
    """True while the models already loaded leave no room for ``new``: its GPU part does not
    fit beside theirs, or everything together does not fit in VRAM + RAM. The scheduler then
    evicts one more (Ollama never oversubscribes a card)."""
    vram = sum(f.size_vram for f in others) + new.size_vram
    total = sum(f.size for f in others) + new.size
    return vram > machine.vram_bytes or total > machine.vram_bytes + machine.ram_bytes


def tokens_per_second(v: Variant, fp: Footprint, machine: SimMachine) -> float:
    """Generation speed: every token reads all weights once, at GPU or CPU memory speed."""
    on_gpu = fp.gpu_fraction
    seconds = (
        v.model_bytes * on_gpu / machine.gpu_bandwidth
        + v.model_bytes * (1 - on_gpu) / machine.cpu_bandwidth
    )
    return 1.0 / max(seconds, 1e-9)


def default_num_ctx(v: Variant, machine: SimMachine, version: tuple[int, int, int]) -> int:
    """The context Ollama picks when nothing sets num_ctx (fit-model.md §9)."""
    if version >= (0, 15, 5):
        vram = machine.vram_bytes
        ctx = 262144 if vram >= 47 * GIB else 32768 if vram >= 23 * GIB else 4096
    elif version >= (0, 6, 7):
        ctx = 4096
    else:
        ctx = 2048
    return min(ctx, v.context_length)
