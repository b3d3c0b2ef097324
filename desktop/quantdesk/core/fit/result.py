"""What the fit estimate takes (``FitOptions``) and gives (``FitResult``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from quantdesk.core.fit.rules import processor_text, ps_size_text

Verdict = Literal["gpu", "partial", "cpu", "no"]
KvCacheType = Literal["f16", "q8_0", "q4_0"]


@dataclass(frozen=True, slots=True)
class FitOptions:
    num_ctx: int | None = None  # None: the daemon's default for this machine and version
    kv_cache_type: KvCacheType = "f16"  # honoured only with flash attention
    flash_attention: bool | None = None  # None: the version's default for this architecture
    num_parallel: int | None = None  # None: the version's default (falls back to 1)
    num_batch: int = 512
    gpu_overhead: int = 0  # OLLAMA_GPU_OVERHEAD, bytes reserved on each GPU
    ollama_version: str | None = None  # None: the newest rules


@dataclass(frozen=True, slots=True)
class Estimate:
    weights_bytes: int
    kv_cache_bytes: int
    graph_bytes: int
    overhead_bytes: int  # reservations the daemon counts (minimum + one-layer buffer)
    total_bytes: int


@dataclass(frozen=True, slots=True)
class GpuShare:
    index: int
    layers: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Placement:
    gpu_layers: int
    total_layers: int  # block_count + 1 (the output layer)
    per_gpu: tuple[GpuShare, ...]
    cpu_bytes: int


@dataclass(frozen=True, slots=True)
class FitResult:
    model: str
    quant: str
    num_ctx: int
    num_parallel: int
    kv_cache_type: str  # the type really used (f16 when a quantised one is not honoured)
    flash_attention: bool
    ollama_version: str
    era: str  # "static" | "measured" | "server"
    estimate: Estimate
    placement: Placement
    verdict: Verdict
    max_gpu_ctx: int
    reason: str
    ps_size: int  # what `ollama ps` / /api/ps would report as size
    ps_size_vram: int
    flash_note: str = ""  # why flash attention / the KV type came out as they did ("" if plain)

    @property
    def ps_size_text(self) -> str:
        return ps_size_text(self.ps_size)

    @property
    def processor(self) -> str:
        return processor_text(self.ps_size, self.ps_size_vram)

    def to_json(self) -> dict[str, Any]:
        est, place = self.estimate, self.placement
        return {
            "model": self.model,
            "quant": self.quant,
            "num_ctx": self.num_ctx,
            "ollama_version": self.ollama_version,
            "estimate": {
                "weights_bytes": est.weights_bytes,
                "kv_cache_bytes": est.kv_cache_bytes,
                "graph_bytes": est.graph_bytes,
                "overhead_bytes": est.overhead_bytes,
                "total_bytes": est.total_bytes,
            },
            "placement": {
                "gpu_layers": place.gpu_layers,
                "total_layers": place.total_layers,
                "per_gpu": [
                    {"index": s.index, "layers": s.layers, "bytes": s.bytes} for s in place.per_gpu
                ],
                "cpu_bytes": place.cpu_bytes,
            },
            "verdict": self.verdict,
            "max_gpu_ctx": self.max_gpu_ctx,
            "reason": self.reason,
            "kv_cache_type": self.kv_cache_type,
            "flash_attention": self.flash_attention,
            "flash_note": self.flash_note or None,
        }
