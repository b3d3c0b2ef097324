"""What the daemon says about models: installed (/api/tags) and loaded (/api/ps); what it
shows about one (/api/show) is in ``show``.

Every type is a frozen dataclass built by ``from_json``, which reads leniently (see
``jsonfields``): fields appear across daemon versions and zero values are omitted. Field names
are the JSON tags of ``api/types.go`` (``ModelDetails``, ``ListModelResponse``,
``ProcessModelResponse``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from quantdesk.core.ollama.jsonfields import (
    as_dict,
    get_int,
    get_size,
    get_str,
    get_str_tuple,
    get_time,
)
from quantdesk.core.quant import QuantLevel, parse_quant


@dataclass(frozen=True, slots=True)
class ModelDetails:
    format: str = ""
    family: str = ""
    families: tuple[str, ...] = ()
    parameter_size: str = ""  # human text: "8.0B", "567.55M"
    quantization_level: str = ""  # GGUF file-type name ("Q4_K_M") or e.g. "int4" for MLX
    parent_model: str = ""
    context_length: int = 0  # only from v0.30.0 daemons on /api/tags
    embedding_length: int = 0

    @classmethod
    def from_json(cls, data: Any) -> ModelDetails:
        d = as_dict(data)
        return cls(
            format=get_str(d, "format"),
            family=get_str(d, "family"),
            families=get_str_tuple(d, "families"),
            parameter_size=get_str(d, "parameter_size"),
            quantization_level=get_str(d, "quantization_level"),
            parent_model=get_str(d, "parent_model"),
            context_length=get_int(d, "context_length"),
            embedding_length=get_int(d, "embedding_length"),
        )

    @property
    def quant(self) -> QuantLevel | None:
        return parse_quant(self.quantization_level) if self.quantization_level else None


@dataclass(frozen=True, slots=True)
class LocalModel:
    name: str
    model: str
    size: int
    digest: str
    modified_at: datetime | None
    details: ModelDetails
    capabilities: tuple[str, ...] = ()
    remote_model: str = ""
    remote_host: str = ""

    @classmethod
    def from_json(cls, data: Any) -> LocalModel:
        d = as_dict(data)
        name = get_str(d, "name") or get_str(d, "model")
        return cls(
            name=name,
            model=get_str(d, "model") or name,
            size=get_size(d, "size"),
            digest=get_str(d, "digest"),
            modified_at=get_time(d, "modified_at"),
            details=ModelDetails.from_json(d.get("details")),
            capabilities=get_str_tuple(d, "capabilities"),
            remote_model=get_str(d, "remote_model"),
            remote_host=get_str(d, "remote_host"),
        )

    @property
    def short_id(self) -> str:
        """The 12-hex model ID ``ollama list`` shows."""
        return self.digest.removeprefix("sha256:")[:12]

    @property
    def context_length(self) -> int:
        return self.details.context_length

    @property
    def is_remote(self) -> bool:
        """A cloud stub: takes no disk and runs on another machine."""
        return bool(self.remote_model or self.remote_host)


@dataclass(frozen=True, slots=True)
class RunningModel:
    name: str
    model: str
    size: int  # the scheduler's estimate of all memory the runner uses, RAM + VRAM
    size_vram: int  # the part of ``size`` in GPU memory
    digest: str
    details: ModelDetails
    expires_at: datetime | None
    context_length: int = 0  # the num_ctx the runner really started with (v0.10.0+)

    @classmethod
    def from_json(cls, data: Any) -> RunningModel:
        d = as_dict(data)
        name = get_str(d, "name") or get_str(d, "model")
        return cls(
            name=name,
            model=get_str(d, "model") or name,
            size=get_size(d, "size"),
            size_vram=get_size(d, "size_vram"),
            digest=get_str(d, "digest"),
            details=ModelDetails.from_json(d.get("details")),
            expires_at=get_time(d, "expires_at"),
            context_length=get_int(d, "context_length"),
        )

    @property
    def gpu_fraction(self) -> float:
        """Share of the model's memory on the GPU, 0.0–1.0."""
        if self.size <= 0:
            return 0.0
        return min(1.0, max(0.0, self.size_vram / self.size))

    @property
    def processor(self) -> str:
        """What ``ollama ps`` prints: "100% GPU", "100% CPU" or "48%/52% CPU/GPU"."""
        if self.size_vram <= 0:
            return "100% CPU"
        if self.size_vram >= self.size:
            return "100% GPU"
        cpu = round((self.size - self.size_vram) * 100 / self.size)
        return f"{cpu}%/{100 - cpu}% CPU/GPU"

    def expires_in(self, now: datetime) -> timedelta | None:
        """Time left before the idle timer unloads it (negative: stopping now)."""
        if self.expires_at is None:
            return None
        return self.expires_at - now

    def is_forever(self, now: datetime) -> bool:
        """Keep-alive "forever" shows as a date centuries away; the CLI uses 20 years."""
        left = self.expires_in(now)
        return left is not None and left > timedelta(days=365 * 20)
