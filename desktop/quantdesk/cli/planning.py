"""What ``fit`` and ``variants`` share: their options, the settings a plan is made for, the
daemon (reachable or not) and the machine it runs on.

Defaults for the KV cache type and flash attention come from the settings file the app writes
(``kv_cache_type``, ``flash_attention``); the command line wins.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import Any, cast

from quantdesk.cli.output import err
from quantdesk.core.advice import PlanSettings
from quantdesk.core.config import ConfigError, Settings, load_settings
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import Calibration
from quantdesk.core.fit.flash import FLASH_SETTINGS, FlashSetting
from quantdesk.core.fit.result import KvCacheType
from quantdesk.core.hardware import machine_override, parse_memory_size, probe_machine_async
from quantdesk.core.hosts import MachineView, daemon_machine
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import DaemonUnreachable, OllamaClient
from quantdesk.core.registry import Endpoints, local_digests
from quantdesk.core.store.load_pairs import read_calibration


def memory_size(text: str) -> int:
    """An argparse type: a memory size as sold (``8GB`` = 8 GiB)."""
    try:
        return parse_memory_size(text)
    except QuantDeskError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def add_fit_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``fit`` and ``variants``: load settings and the what-if machine."""
    parser.add_argument("--num-ctx", type=_positive, metavar="N",
                        help="context length (default: what the daemon would pick there)")
    parser.add_argument("--kv-cache-type", choices=("f16", "q8_0", "q4_0"), default=None,
                        help="KV cache type (OLLAMA_KV_CACHE_TYPE; quantised types need flash "
                             "attention; default: the settings' kv_cache_type, else f16)")
    parser.add_argument("--flash-attention", nargs="?", const="on", choices=FLASH_SETTINGS,
                        default=None, metavar="{auto,on,off}",
                        help="OLLAMA_FLASH_ATTENTION: auto (unset), on (=1) or off (=0); "
                             "alone it means on (default: the settings' flash_attention)")
    parser.add_argument("--num-parallel", type=_positive, metavar="N",
                        help="parallel request slots (OLLAMA_NUM_PARALLEL)")
    parser.add_argument("--ollama-version", metavar="V",
                        help="Ollama version whose memory rules apply (default: the daemon's)")
    parser.add_argument("--gpu-mem", action="append", type=memory_size, metavar="SIZE",
                        help="what if: a GPU with this much memory, as sold (8GB = 8 GiB; "
                             "repeat for more GPUs)")
    parser.add_argument("--ram", type=memory_size, metavar="SIZE", help="what if: this much RAM")
    parser.add_argument("--unified", action="store_true",
                        help="what if: Apple-style unified memory")
    parser.add_argument("--cpu-only", action="store_true", help="what if: no GPU")


def stored_settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        err(f"{exc} Using the default settings.")
        return Settings()


def plan_settings(args: argparse.Namespace, version: str | None) -> PlanSettings:
    stored = stored_settings()
    kv = getattr(args, "kv_cache_type", None) or stored.kv_cache_type or "f16"
    flash = getattr(args, "flash_attention", None) or stored.flash_attention or "auto"
    # Both come from argparse choices or from Settings, which refuses any other value.
    return PlanSettings(
        num_ctx=getattr(args, "num_ctx", None),
        kv_cache_type=cast("KvCacheType", kv),
        flash_attention=cast("FlashSetting", flash),
        num_parallel=getattr(args, "num_parallel", None),
        ollama_version=getattr(args, "ollama_version", None) or version,
    )


async def what_if_machine(args: argparse.Namespace) -> Machine | None:
    """The machine the hardware options describe, or None when none was given."""
    gpu_mem = getattr(args, "gpu_mem", None)
    ram = getattr(args, "ram", None)
    unified = bool(getattr(args, "unified", False))
    cpu_only = bool(getattr(args, "cpu_only", False))
    if not (gpu_mem or ram is not None or unified or cpu_only):
        return None
    # The override needs a RAM size; without --ram it is kept from the probe.
    base = None if ram is not None else await probe_machine_async()
    return machine_override(base, gpu_mem=gpu_mem, ram=ram, unified=unified, cpu_only=cpu_only)


@dataclass(slots=True)
class Daemon:
    """What the daemon says, or why it said nothing, and the machine it runs on."""

    client: OllamaClient
    installed: dict[str, str]  # local name -> digest
    version: str | None
    down: DaemonUnreachable | None
    view: MachineView

    @property
    def machine(self) -> Machine:
        return self.view.machine

    def endpoints(self, args: argparse.Namespace) -> Endpoints:
        """--registry, else the daemon's own (a simulator's), else the settings', else public."""
        chosen = getattr(args, "registry", None) or self.view.registry or \
            stored_settings().registry.strip() or None
        return Endpoints.from_option(chosen)


async def open_daemon(client: OllamaClient, args: argparse.Namespace) -> Daemon:
    want_version = not getattr(args, "ollama_version", None)
    installed: dict[str, str] = {}
    version: str | None = None
    down: DaemonUnreachable | None = None
    try:
        installed = local_digests(await client.tags())
        version = await client.version() if want_version else None
    except DaemonUnreachable as exc:
        down = exc
    view = await daemon_machine(str(client.host), probe=probe_machine_async,
                                client=None if down else client,
                                what_if=await what_if_machine(args),
                                version=getattr(args, "ollama_version", None) or version)
    return Daemon(client, installed, version, down, view)


def warn_daemon_down(daemon: Daemon, args: argparse.Namespace) -> None:
    if daemon.down is None:
        return
    rules = "" if getattr(args, "ollama_version", None) else \
        " with the newest Ollama's memory rules (pass --ollama-version to choose)"
    err(f"{daemon.down} Continuing without it{rules}.")


async def machine_calibration(view: MachineView) -> Calibration | None:
    """The machine's learnt correction, or None while there is none to apply. A history
    file that cannot be read costs the correction, not the command."""
    try:
        cal = await asyncio.to_thread(read_calibration, view.machine)
    except (QuantDeskError, OSError) as exc:
        err(f"No calibration from past loads: {exc}")
        return None
    return cal if cal.active else None


def machine_lines(view: MachineView) -> list[str]:
    return [view.headline, *view.notes]


def settings_words(s: PlanSettings, ctx: int, version: str) -> str:
    from quantdesk.core.fit.explain import context_words

    return (f"context {context_words(ctx)}, KV cache {s.kv_cache_type}, flash attention "
            f"{s.flash_attention}, Ollama {version} rules")


def json_extra(view: MachineView, settings: PlanSettings) -> dict[str, Any]:
    return {"machine": view.to_json(), "settings": settings.to_json()}
