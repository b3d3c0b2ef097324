"""Which loaded models Ollama's scheduler will unload to load another, and how to bring them
back afterwards.

The prediction replays the loop of ``server/sched.go processPending`` (checked at v0.33.0-rc2)
over what ``/api/ps`` lists:

1. A model that is already loaded at the same context is reused; at another context it is
   reloaded (its runner goes first).
2. While as many runners as ``OLLAMA_MAX_LOADED_MODELS`` allows are loaded (unset: three per
   GPU, three without one), one is unloaded.
3. With others loaded, the new model must fit beside them, else one is unloaded and the check
   runs again. Since 0.30 the test is ``PredictServerVRAM`` (model file + f16 KV cache at the
   context × parallel slots) against 80 % of the free GPU memory; before, the whole model had
   to fit. Free memory per GPU is the smaller of what the card reports and its total less what
   the loaded runners use. Without a GPU there is no such test.
4. ``findRunnerToUnload`` picks an idle runner before a busy one, the shortest keep-alive
   first (forever sorts last), then by name.

``/api/ps`` does not say a runner's keep-alive, only when it expires: pass the values the app
itself sent (``keep_alive_s``) where known; otherwise the time left stands in for it. Runners
already past their expiry are leaving on their own and are not counted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import FitResult, parse_version
from quantdesk.core.loaded_state import model_key
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import RunningModel

SERVER_SINCE = (0, 30, 0)
MODELS_PER_GPU = 3  # server/sched.go defaultModelsPerGPU
SERVER_SHARE = 0.8  # llama-server era: the model must fit in 80 % of the free memory
FOREVER = float("inf")

Reason = Literal["reload", "limit", "memory"]


def server_vram_prediction(file_bytes: int, arch: Architecture, num_ctx: int,
                           num_parallel: int = 1) -> int:
    """``llm.PredictServerVRAM``: the model file plus an f16 KV cache of
    ``2 × layers × kv_heads × head_dim × context × 2`` bytes, with the smallest KV head count of
    any layer (at least 1) and ``head_dim = embedding / largest head count``."""
    kv_heads = max(1, min(arch.head_count_kv, default=1))
    heads = max(arch.head_count, default=0)
    head_dim = arch.embedding_length // heads if heads > 0 else 0
    ctx = min(num_ctx, arch.context_length) if arch.context_length else num_ctx
    return file_bytes + 2 * arch.block_count * kv_heads * head_dim * ctx * max(1, num_parallel) * 2


@dataclass(frozen=True, slots=True)
class IncomingModel:
    """The model about to load, as the scheduler sizes it."""

    name: str
    need_bytes: int  # the scheduler's prediction of its GPU memory
    num_ctx: int = 0  # the context it will run at (0: the daemon's default, never a reload)
    share: float = SERVER_SHARE  # the part of free memory it may take (1.0 before 0.30)

    @classmethod
    def from_fit(cls, fit: FitResult, *, file_bytes: int, arch: Architecture,
                 name: str = "") -> IncomingModel:
        """Sized the way the fit's Ollama version sizes it."""
        if parse_version(fit.ollama_version) >= SERVER_SINCE:
            need = server_vram_prediction(file_bytes, arch, fit.num_ctx, fit.num_parallel)
            return cls(name or fit.model, need, fit.num_ctx, SERVER_SHARE)
        return cls(name or fit.model, fit.estimate.total_bytes, fit.num_ctx, 1.0)


@dataclass(frozen=True, slots=True)
class Eviction:
    name: str
    reason: Reason
    size: int
    size_vram: int


@dataclass(frozen=True, slots=True)
class RestoreItem:
    """One model to load again afterwards, as it was."""

    name: str
    keep_alive: float | None  # seconds; -1 forever; None: the daemon's default
    num_ctx: int  # the context it ran at (0: unknown, the daemon's default)

    @property
    def options(self) -> dict[str, int] | None:
        return {"num_ctx": self.num_ctx} if self.num_ctx > 0 else None


@dataclass(frozen=True, slots=True)
class EvictionPlan:
    incoming: str
    already_loaded: bool
    evictions: tuple[Eviction, ...]
    restore: tuple[RestoreItem, ...]  # the evicted models other than the incoming one
    max_models: int

    @property
    def unloads(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.evictions if e.reason != "reload")

    @property
    def summary(self) -> str:
        """One sentence for the confirmation: what the action will unload and why."""
        parts = []
        if any(e.reason == "reload" for e in self.evictions):
            parts.append(f"{self.incoming} is loaded at another context, so Ollama reloads it.")
        others = self.unloads
        if others:
            why = []
            if any(e.reason == "memory" for e in self.evictions):
                why.append("to make room in GPU memory")
            if any(e.reason == "limit" for e in self.evictions):
                why.append(f"because Ollama keeps at most {self.max_models} models loaded")
            parts.append(f"Loading {self.incoming} will unload {_join(others)} "
                         f"{' and '.join(why)}.")
        return " ".join(parts)


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _keep_alive(m: RunningModel, known: Mapping[str, float], now: datetime) -> float:
    for name, seconds in known.items():
        if model_key(name) == model_key(m.name):
            return FOREVER if seconds < 0 else seconds
    left = m.expires_in(now)
    if left is None:
        return FOREVER
    return FOREVER if left > timedelta(days=365 * 20) else left.total_seconds()


def predict_evictions(
    loaded: Sequence[RunningModel],
    machine: Machine,
    incoming: IncomingModel,
    *,
    now: datetime,
    max_loaded_models: int = 0,
    busy: Collection[str] = (),
    keep_alive_s: Mapping[str, float] | None = None,
) -> EvictionPlan:
    """What loading ``incoming`` will unload, in the order the scheduler unloads it."""
    known = keep_alive_s or {}
    busy_keys = {model_key(n) for n in busy}
    gpus = machine.usable_gpus
    max_models = max_loaded_models or MODELS_PER_GPU * max(len(gpus), 1)
    remaining = [m for m in loaded if (left := m.expires_in(now)) is None or left > timedelta(0)]
    evictions: list[Eviction] = []
    mine = next((m for m in remaining if model_key(m.name) == model_key(incoming.name)), None)
    if mine is not None:
        same_ctx = not incoming.num_ctx or not mine.context_length or (
            mine.context_length == incoming.num_ctx)
        if same_ctx:
            return EvictionPlan(incoming.name, True, (), (), max_models)
        remaining.remove(mine)
        evictions.append(Eviction(mine.name, "reload", mine.size, mine.size_vram))
    total = sum(g.total_bytes for g in gpus)
    reported = sum(g.free_bytes for g in gpus)
    freed = 0

    def victim() -> RunningModel:
        return min(remaining, key=lambda m: (model_key(m.name) in busy_keys,
                                             _keep_alive(m, known, now), model_key(m.name)))

    while remaining:
        if len(remaining) >= max_models:
            reason: Reason = "limit"
        elif not gpus:
            break
        else:
            available = min(reported + freed, total - sum(m.size_vram for m in remaining))
            if incoming.need_bytes <= max(0, available) * incoming.share:
                break
            reason = "memory"
        out = victim()
        remaining.remove(out)
        freed += out.size_vram
        evictions.append(Eviction(out.name, reason, out.size, out.size_vram))
    by_key = {model_key(m.name): m for m in loaded}
    restore = tuple(
        RestoreItem(e.name, _restore_keep_alive(by_key[model_key(e.name)], known, now),
                    by_key[model_key(e.name)].context_length)
        for e in evictions if e.reason != "reload")
    return EvictionPlan(incoming.name, False, tuple(evictions), restore, max_models)


def _restore_keep_alive(m: RunningModel, known: Mapping[str, float],
                        now: datetime) -> float | None:
    if m.expires_at is None and not any(model_key(n) == model_key(m.name) for n in known):
        return None
    seconds = _keep_alive(m, known, now)
    return -1 if seconds == FOREVER else float(round(seconds))
