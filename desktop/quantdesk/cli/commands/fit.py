"""``quantdesk fit MODEL``: will this model run here, at this context, and how?

MODEL may be installed (architecture and tensors from the daemon's ``/api/show``, version from
``/api/version`` unless ``--ollama-version``) or remote (sizes from the registry manifest,
architecture from a ranged read of its GGUF header). With a remote model the daemon is
optional: when it cannot be reached the newest Ollama rules apply and stderr says so.
Any hardware option (``--gpu-mem``, ``--ram``, ``--unified``, ``--cpu-only``) replaces the
probed machine with that "what if" machine.

When real loads on this machine taught a correction (``quantdesk load`` and the app record
them), the calibrated total is shown next to the estimate (``calibrated_total_bytes``; null
without one). A what-if machine has its own key, so it never borrows the real one's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from typing import Any

from quantdesk.cli.output import err, human_bytes, print_json
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import Architecture, Calibration, FitOptions, FitResult, estimate_fit
from quantdesk.core.hardware import machine_override, parse_memory_size, probe_machine_async
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import DaemonUnreachable, OllamaClient
from quantdesk.core.registry import (
    Endpoints,
    PageCache,
    Variant,
    discover,
    local_digests,
    new_http_client,
    normalize_name,
)
from quantdesk.core.registry.model_shape import model_shape
from quantdesk.core.registry.tags import size_token
from quantdesk.core.store.load_pairs import read_calibration

NAME = "fit"
HELP = "say whether a model (installed or remote) fits this machine, and how it would load"


def _size(text: str) -> int:
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
                        help="context length (default: what the daemon would pick here)")
    parser.add_argument("--kv-cache-type", choices=("f16", "q8_0", "q4_0"), default="f16",
                        help="KV cache type (OLLAMA_KV_CACHE_TYPE; needs flash attention)")
    parser.add_argument("--flash-attention", action="store_true", default=None,
                        help="assume OLLAMA_FLASH_ATTENTION=1")
    parser.add_argument("--num-parallel", type=_positive, metavar="N",
                        help="parallel request slots (OLLAMA_NUM_PARALLEL)")
    parser.add_argument("--ollama-version", metavar="V",
                        help="Ollama version whose memory rules apply (default: the daemon's)")
    parser.add_argument("--gpu-mem", action="append", type=_size, metavar="SIZE",
                        help="what if: a GPU with this much memory (repeat for more GPUs)")
    parser.add_argument("--ram", type=_size, metavar="SIZE", help="what if: this much RAM")
    parser.add_argument("--unified", action="store_true",
                        help="what if: Apple-style unified memory")
    parser.add_argument("--cpu-only", action="store_true", help="what if: no GPU")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL",
                        help="llama3.1:8b-instruct-q4_K_M, llama3.1:8b, hf.co/owner/repo:Q4_K_M")
    add_fit_options(parser)


async def machine_for(args: argparse.Namespace) -> Machine:
    gpu_mem = getattr(args, "gpu_mem", None)
    ram = getattr(args, "ram", None)
    unified = bool(getattr(args, "unified", False))
    cpu_only = bool(getattr(args, "cpu_only", False))
    if not (gpu_mem or ram is not None or unified or cpu_only):
        return await probe_machine_async()
    # The override needs a RAM size; without --ram it is kept from the probe.
    base = None if ram is not None else await probe_machine_async()
    return machine_override(base, gpu_mem=gpu_mem, ram=ram, unified=unified, cpu_only=cpu_only)


def fit_options(args: argparse.Namespace, version: str | None) -> FitOptions:
    return FitOptions(
        num_ctx=getattr(args, "num_ctx", None),
        kv_cache_type=getattr(args, "kv_cache_type", "f16") or "f16",
        flash_attention=getattr(args, "flash_attention", None),
        num_parallel=getattr(args, "num_parallel", None),
        ollama_version=getattr(args, "ollama_version", None) or version,
    )


@dataclass(slots=True)
class DaemonView:
    """What the daemon says, or why it said nothing."""

    client: OllamaClient
    installed: dict[str, str]  # local name -> digest
    version: str | None
    down: DaemonUnreachable | None


async def daemon_view(client: OllamaClient, want_version: bool) -> DaemonView:
    try:
        installed = local_digests(await client.tags())
        version = await client.version() if want_version else None
    except DaemonUnreachable as exc:
        return DaemonView(client, {}, None, exc)
    return DaemonView(client, installed, version, None)


def warn_daemon_down(view: DaemonView, args: argparse.Namespace) -> None:
    if view.down is None:
        return
    rules = "" if getattr(args, "ollama_version", None) else \
        " with the newest Ollama's memory rules (pass --ollama-version to choose)"
    err(f"{view.down} Continuing without it{rules}.")


def pick_variant(name: str, variants: list[Variant]) -> Variant:
    """The variant ``name`` means: its exact tag or alias, else the default (``latest``)."""
    last = name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1].lower() if ":" in last else "latest"
    for v in variants:
        if tag in (t.lower() for t in (v.tag, *v.aliases)):
            return v
    for v in variants:  # hf.co default and size-only names: the usual Q4_K_M pick
        if v.quant is not None and v.quant.name == "Q4_K_M":
            return v
    if len(variants) == 1:
        return variants[0]
    raise QuantDeskError(
        f"'{name}' matches {len(variants)} variants; name one, e.g. {variants[0].name} "
        "(see `quantdesk variants`)"
    )


def estimate(info: dict[str, Any], machine: Machine, opts: FitOptions, *, name: str,
             tensors: list[Any] | None, weight_bytes: int | None, quant: Any) -> FitResult:
    arch = Architecture.from_model_info(info)
    return estimate_fit(arch, machine, opts, tensors=tensors, weight_bytes=weight_bytes,
                        quant=quant, model=name)


async def _installed_fit(view: DaemonView, name: str, machine: Machine,
                         args: argparse.Namespace) -> FitResult:
    show = await view.client.show(name)
    tensors = [(t.name, t.type, tuple(t.shape)) for t in show.tensors] or None
    quant = show.details.quantization_level or None
    return estimate(dict(show.model_info), machine, fit_options(args, view.version),
                    name=name, tensors=tensors, weight_bytes=None, quant=quant)


async def _remote_fit(view: DaemonView, name: str, machine: Machine,
                      args: argparse.Namespace) -> FitResult:
    async with new_http_client() as http:
        endpoints = Endpoints.from_option(getattr(args, "registry", None))
        found = await discover(name, http=http, endpoints=endpoints, cache=PageCache(),
                               installed=view.installed)
        variant = pick_variant(name, found.variants)
        show = None if view.down else view.client.show
        try:
            shape = await model_shape(variant, found.variants, http=http, show=show)
        except QuantDeskError:
            if found.source == "huggingface":
                raise
            # A narrowed name (one tag) has no siblings yet: the same size's ladder has.
            size = size_token(variant.tag)
            wider = await discover(f"{found.repository}:{size}" if size else found.repository,
                                   http=http, endpoints=endpoints, cache=PageCache(),
                                   installed=view.installed)
            shape = await model_shape(variant, wider.variants, http=http, show=show)
    tensors = shape.tensors if shape.from_name == variant.name else None
    return estimate(shape.model_info, machine, fit_options(args, view.version),
                    name=variant.name, tensors=tensors,
                    weight_bytes=None if tensors else variant.model_bytes, quant=variant.quant)


async def machine_calibration(machine: Machine) -> Calibration | None:
    """This machine's learnt correction, or None while there is none to apply. A history
    file that cannot be read costs the correction, not the command."""
    try:
        cal = await asyncio.to_thread(read_calibration, machine)
    except (QuantDeskError, OSError) as exc:
        err(f"No calibration from past loads: {exc}")
        return None
    return cal if cal.active else None


def calibrated_total(result: FitResult, cal: Calibration | None) -> int | None:
    return cal.apply(result.estimate.total_bytes) if cal is not None else None


async def _fit(args: argparse.Namespace) -> tuple[FitResult, Calibration | None]:
    async with OllamaClient(getattr(args, "host", None)) as client:
        view = await daemon_view(client, want_version=not getattr(args, "ollama_version", None))
        machine = await machine_for(args)
        if normalize_name(args.model) in view.installed:
            result = await _installed_fit(view, args.model, machine, args)
        else:
            warn_daemon_down(view, args)
            result = await _remote_fit(view, args.model, machine, args)
    return result, await machine_calibration(machine)


def _print_people(r: FitResult, cal: Calibration | None) -> None:
    out = sys.stdout
    e, p = r.estimate, r.placement
    out.write(f"{r.model}  ({r.quant}, context {r.num_ctx}, Ollama {r.ollama_version} rules)\n")
    out.write(f"  verdict      {r.verdict}: {r.reason}\n")
    out.write(f"  weights      {human_bytes(e.weights_bytes)}\n")
    out.write(f"  KV cache     {human_bytes(e.kv_cache_bytes)}\n")
    out.write(f"  graph        {human_bytes(e.graph_bytes)}\n")
    out.write(f"  overhead     {human_bytes(e.overhead_bytes)}\n")
    out.write(f"  total        {human_bytes(e.total_bytes)}\n")
    if cal is not None:
        out.write(f"  calibrated   {human_bytes(calibrated_total(r, cal))} "
                  f"({cal.describe()})\n")
    out.write(f"  GPU layers   {p.gpu_layers} of {p.total_layers}\n")
    out.write(f"  max GPU ctx  {r.max_gpu_ctx or 'none'}\n")


def run(args: argparse.Namespace) -> int:
    result, cal = asyncio.run(_fit(args))
    if getattr(args, "json", False):
        data = result.to_json()
        data["estimate"]["calibrated_total_bytes"] = calibrated_total(result, cal)
        print_json(data)
    else:
        _print_people(result, cal)
    return 0
