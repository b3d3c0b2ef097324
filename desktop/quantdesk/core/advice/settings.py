"""The settings a plan is made for: what the user can change to make a better variant fit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from quantdesk.core.fit import FitOptions
from quantdesk.core.fit.flash import FlashSetting, as_option
from quantdesk.core.fit.result import KvCacheType

KV_TYPES: tuple[KvCacheType, ...] = ("f16", "q8_0", "q4_0")


@dataclass(frozen=True, slots=True)
class PlanSettings:
    num_ctx: int | None = None  # None: what the daemon picks on this machine
    kv_cache_type: KvCacheType = "f16"  # OLLAMA_KV_CACHE_TYPE
    flash_attention: FlashSetting = "auto"  # OLLAMA_FLASH_ATTENTION unset / 1 / 0
    num_parallel: int | None = None
    ollama_version: str | None = None  # None: the newest rules

    def options(self) -> FitOptions:
        return FitOptions(num_ctx=self.num_ctx, kv_cache_type=self.kv_cache_type,
                          flash_attention=as_option(self.flash_attention),
                          num_parallel=self.num_parallel, ollama_version=self.ollama_version)

    def changed(self, **changes: Any) -> PlanSettings:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {"num_ctx": self.num_ctx, "kv_cache_type": self.kv_cache_type,
                "flash_attention": self.flash_attention, "num_parallel": self.num_parallel,
                "ollama_version": self.ollama_version}
