"""The shared settings file as the command line's defaults (README "Settings").

Order, highest first: the command's own option, then (for the host) ``OLLAMA_HOST``, then
``config.json``, then the built-in default. A setting left at its built-in value changes
nothing: ``keep_alive`` "5m" sends no keep-alive, so the daemon's own ``OLLAMA_KEEP_ALIVE``
still applies.
"""

from __future__ import annotations

import argparse
import os

from quantdesk.core.config import ConfigError, Settings, parse_hardware_override

_BUILT_IN = Settings()
_WHAT_IF = ("gpu_mem", "ram", "unified", "cpu_only")


def _dests(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.dest: a for a in parser._actions}


def set_option_defaults(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """Make the settings the defaults of the options ``parser`` has (the command line still
    wins): context length, KV cache type and keep-alive."""
    have = _dests(parser)
    wanted: dict[str, object] = {}
    if settings.default_context > 0 and "num_ctx" in have and have["num_ctx"].default is None:
        wanted["num_ctx"] = settings.default_context
    if settings.kv_cache_type != _BUILT_IN.kv_cache_type and "kv_cache_type" in have:
        wanted["kv_cache_type"] = settings.kv_cache_type
    if settings.keep_alive != _BUILT_IN.keep_alive and "keep_alive" in have:
        wanted["keep_alive"] = settings.keep_alive  # a string: argparse applies the type
    if wanted:
        parser.set_defaults(**wanted)


def apply_settings(args: argparse.Namespace, settings: Settings) -> list[str]:
    """Fill the host, the registry and the what-if machine from the settings where the
    command line gave none; returns sentences about values that could not be used."""
    problems: list[str] = []
    if not getattr(args, "host", None) and not os.environ.get("OLLAMA_HOST", "").strip() \
            and settings.host.strip():
        args.host = settings.host.strip()
    if not getattr(args, "registry", None) and settings.registry.strip():
        args.registry = settings.registry.strip()
    if settings.hardware_override and all(hasattr(args, d) for d in _WHAT_IF) \
            and not any(getattr(args, d) for d in _WHAT_IF):
        try:
            override = parse_hardware_override(settings.hardware_override)
        except ConfigError as exc:
            problems.append(f"the hardware override in the settings is not used: {exc}")
            override = None
        if override is not None:
            args.gpu_mem = list(override.gpu_mem) or None
            args.ram = override.ram
            args.unified, args.cpu_only = override.unified, override.cpu_only
    return problems
