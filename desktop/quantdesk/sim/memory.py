"""The simulated machine and what a loaded model costs on it.

A simple, honest estimate in the spirit of fit-model.md: weights (the model blob), an f16 KV
cache ``2 × layers × num_ctx × kv_heads × (key_len + value_len)`` bytes, and the llama
compute-graph formula. Whatever does not fit in VRAM spills to RAM layer by layer; a model
that does not fit in VRAM + RAM fails to load with the OOM message of the simulated version.
"""

from __future__ import annotations

from dataclasses import dataclass

from quantdesk.sim.catalog import Variant

GIB = 1 << 30


@dataclass(frozen=True, slots=True)
class SimMachine:
    vram_bytes: int = 24 * GIB  # 0 = no GPU
    ram_bytes: int = 32 * GIB
    gpu_bandwidth: float = 500e9  # bytes/s of weights read per token on the GPU
    cpu_bandwidth: float = 50e9
    load_bandwidth: float = 2e9  # bytes/s from disk when loading


@dataclass(frozen=True, slots=True)
class Footprint:
    weights: int
    kv_cache: int
    graph: int
    size: int  # everything, RAM and VRAM together (/api/ps size)
    size_vram: int  # the part in GPU memory (/api/ps size_vram)
    gpu_layers: int
    total_layers: int  # blocks + the output layer

    @property
    def gpu_fraction(self) -> float:
        return self.size_vram / self.size if self.size else 0.0


class OutOfMemory(Exception):
    """The load does not fit; ``str()`` is the daemon's message for the simulated version."""


def kv_cache_bytes(v: Variant, num_ctx: int) -> int:
    heads = int(v.arch("attention.head_count"))
    kv_heads = v.arch("attention.head_count_kv", heads)
    head_dim = v.embedding_length // heads
    k = int(v.arch("attention.key_length", head_dim))
    val = int(v.arch("attention.value_length", head_dim))
    return v.block_count * num_ctx * int(kv_heads) * (k + val) * 2


def graph_bytes(v: Variant, num_ctx: int) -> int:
    b = min(num_ctx, 512)
    e, h = v.embedding_length, int(v.arch("attention.head_count"))
    vocab = int(v.arch("vocab_size", 32000))
    return max(4 * b * (1 + 4 * e + num_ctx * (1 + h)), 4 * b * (e + vocab))


def footprint(v: Variant, num_ctx: int, machine: SimMachine) -> Footprint:
    weights, kv, graph = v.model_bytes, kv_cache_bytes(v, num_ctx), graph_bytes(v, num_ctx)
    size = weights + kv + graph
    layers = v.block_count + 1
    if size <= machine.vram_bytes:
        return Footprint(weights, kv, graph, size, size, layers, layers)
    per_layer = (weights + kv) / layers
    gpu_layers = max(0, min(layers, int((machine.vram_bytes - graph) / per_layer)))
    vram = int(gpu_layers * per_layer) + graph if gpu_layers else 0
    return Footprint(weights, kv, graph, size, vram, gpu_layers, layers)


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
