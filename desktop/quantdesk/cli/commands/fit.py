"""``quantdesk fit MODEL``: will this model run on the daemon's machine, at this context, and how?

MODEL may be installed (architecture and tensors from the daemon's ``/api/show``, version from
``/api/version`` unless ``--ollama-version``) or remote (sizes from the registry manifest,
architecture from a ranged read of its GGUF header; with no registry reachable, from the
bundled snapshot, which the answer names). With a remote model the daemon is optional: when it
cannot be reached the newest Ollama rules apply and stderr says so. The machine is the daemon's
(see ``quantdesk variants``); any hardware option (``--gpu-mem``, ``--ram``, ``--unified``,
``--cpu-only``) asks about that "what if" machine instead.

The answer carries the published quality of the quant type, an expected speed and what to
change for the model to run fully on the GPU. ``--loader transformers --load-in nf4`` sizes a
Hugging Face safetensors repository for transformers + bitsandbytes instead.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from typing import Any

from quantdesk.cli.output import err, human_bytes, print_json
from quantdesk.cli.planning import (
    Daemon,
    add_fit_options,
    machine_calibration,
    machine_lines,
    open_daemon,
    plan_settings,
    warn_daemon_down,
)
from quantdesk.core.advice import (
    Alternative,
    LadderRow,
    PlanSettings,
    build_ladder,
    estimate_speed,
    reference_quality,
)
from quantdesk.core.advice.alternatives import alternatives_for
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import Architecture, Calibration, FitResult, estimate_fit
from quantdesk.core.fit.explain import explain
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.quant import parse_quant
from quantdesk.core.registry import PageCache, Variant, normalize_name
from quantdesk.core.registry.tags import size_token

NAME = "fit"
HELP = "say whether a model (installed or remote) fits the daemon's machine, and how it loads"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL",
                        help="llama3.1:8b-instruct-q4_K_M, llama3.1:8b, hf.co/owner/repo:Q4_K_M")
    add_fit_options(parser)
    parser.add_argument("--loader", choices=("ollama", "transformers"), default="ollama",
                        help="who loads it: Ollama (GGUF, default) or Hugging Face transformers "
                             "(safetensors repositories)")
    parser.add_argument("--load-in", choices=("nf4", "int8", "bf16", "fp16", "fp32"),
                        default="bf16", help="with --loader transformers: bitsandbytes 4-bit "
                                             "nf4, 8-bit, or unquantized weights")


@dataclass(slots=True)
class FitReport:
    result: FitResult
    daemon: Daemon
    settings: PlanSettings
    row: LadderRow
    alternatives: list[Alternative]
    calibration: Calibration | None
    origin: str = "from the registry"
    snapshot: str = ""
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        data["estimate"]["calibrated_total_bytes"] = calibrated_total(self.result,
                                                                      self.calibration)
        data.update({
            "explanation": explain(self.result),
            "machine": self.daemon.view.to_json(),
            "settings": self.settings.to_json(),
            "origin": self.origin, "snapshot": self.snapshot or None,
            "quality": None if self.row.quality is None else self.row.quality.to_json(),
            "speed": None if self.row.speed is None else self.row.speed.to_json(),
            "alternatives": [a.to_json() for a in self.alternatives],
            "notes": [*self.notes, *self.daemon.view.notes],
        })
        return data


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


@dataclass(slots=True)
class _Subject:
    variant: Variant
    info: dict[str, Any]
    tensors: list[Any] | None
    origin: str = "from the registry"
    snapshot: str = ""
    notes: tuple[str, ...] = ()


async def _installed(daemon: Daemon, name: str) -> _Subject:
    show = await daemon.client.show_shape(name)
    tensors = [(t.name, t.type, tuple(t.shape)) for t in show.tensors] or None
    quant = parse_quant(show.details.quantization_level or "")
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"
    variant = Variant(name=name, tag=tag, quant=quant, size_bytes=None, model_bytes=None,
                      digest=daemon.installed.get(normalize_name(name)), installed=True)
    return _Subject(variant, dict(show.model_info), tensors, "from the daemon")


async def _remote(daemon: Daemon, name: str, args: argparse.Namespace) -> _Subject:
    client = None if daemon.down else daemon.client
    ladder = await build_ladder(name, client=client, endpoints=daemon.endpoints(args),
                                cache=PageCache(), installed=daemon.installed, prefer=name,
                                snapshot_shapes=False)
    variant = pick_variant(name, ladder.variants)
    if variant.name not in ladder.shapes:
        # A narrowed name (one tag) has no siblings to read instead: its size's ladder has.
        size = size_token(variant.tag)
        wider = await build_ladder(f"{ladder.repository}:{size}" if size else ladder.repository,
                                   client=client, endpoints=daemon.endpoints(args),
                                   cache=PageCache(), installed=daemon.installed,
                                   prefer=variant.name)
        ladder.shapes.update(wider.shapes)
        ladder.tensors.update(wider.tensors)
        ladder.notes += [n for n in wider.notes if n not in ladder.notes]
    if variant.name not in ladder.shapes:
        raise QuantDeskError(ladder.problems.get(variant.name) or
                             f"the architecture of {variant.name} could not be read")
    # Where this variant's own header was read, its tensors give exact per-layer sizes.
    return _Subject(variant, ladder.shapes[variant.name][1], ladder.tensors.get(variant.name),
                    ladder.origin, ladder.snapshot_taken, tuple(ladder.notes))


def _estimate(subject: _Subject, machine: Machine, settings: PlanSettings) -> FitResult:
    arch = Architecture.from_model_info(subject.info, tensors=subject.tensors)
    v = subject.variant
    return estimate_fit(arch, machine, settings.options(), tensors=subject.tensors,
                        weight_bytes=None if subject.tensors else v.model_bytes or v.size_bytes,
                        quant=v.quant, model=v.name)


async def _fit(args: argparse.Namespace) -> FitReport:
    async with OllamaClient(getattr(args, "host", None)) as client:
        daemon = await open_daemon(client, args)
        if normalize_name(args.model) in daemon.installed:
            subject = await _installed(daemon, args.model)
        else:
            warn_daemon_down(daemon, args)
            subject = await _remote(daemon, args.model, args)
    settings = plan_settings(args, daemon.version)
    result = _estimate(subject, daemon.machine, settings)
    row = LadderRow(subject.variant, size_token(subject.variant.tag) or "", "", result,
                    quality=reference_quality(subject.variant.quant, args.model),
                    speed=estimate_speed(result, daemon.machine))

    def refit(r: LadderRow, m: Machine, s: PlanSettings) -> FitResult | None:
        try:
            return _estimate(subject, m, s)
        except QuantDeskError:
            return None

    alternatives = alternatives_for(row, daemon.machine, settings, refit)
    return FitReport(result, daemon, settings, row, alternatives,
                     await machine_calibration(daemon.view), subject.origin, subject.snapshot,
                     subject.notes)


def calibrated_total(result: FitResult, cal: Calibration | None) -> int | None:
    return cal.apply(result.estimate.total_bytes) if cal is not None else None


def _print_people(report: FitReport) -> None:
    out = sys.stdout
    r, cal = report.result, report.calibration
    e, p = r.estimate, r.placement
    out.write(f"{r.model}  ({r.quant}, context {r.num_ctx}, Ollama {r.ollama_version} rules, "
              f"{report.origin})\n")
    for line in machine_lines(report.daemon.view):
        out.write(f"  {line}\n")
    out.write(f"  verdict      {r.verdict}: {r.reason}\n")
    out.write(f"  weights      {human_bytes(e.weights_bytes)}\n")
    out.write(f"  KV cache     {human_bytes(e.kv_cache_bytes)} ({r.kv_cache_type})\n")
    out.write(f"  graph        {human_bytes(e.graph_bytes)}\n")
    out.write(f"  overhead     {human_bytes(e.overhead_bytes)}\n")
    out.write(f"  total        {human_bytes(e.total_bytes)}\n")
    if cal is not None:
        out.write(f"  calibrated   {human_bytes(calibrated_total(r, cal))} "
                  f"({cal.describe()})\n")
    out.write(f"  GPU layers   {p.gpu_layers} of {p.total_layers}\n")
    out.write(f"  max GPU ctx  {r.max_gpu_ctx or 'none'}\n")
    if report.row.quality is not None and report.row.quality.words():
        out.write(f"  quality      {report.row.quality.words()}\n")
    if report.row.speed is not None and report.row.speed.tokens_per_s:
        out.write(f"  speed        {report.row.speed.words()}: {report.row.speed.basis}\n")
    if r.flash_note:
        out.write(f"  flash attn   {r.flash_note}\n")
    for a in report.alternatives:
        out.write(f"  to fit fully {a.text}\n")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "loader", "ollama") == "transformers":
        from quantdesk.cli.transformers_fit import run_transformers

        return run_transformers(args)
    report = asyncio.run(_fit(args))
    if getattr(args, "json", False):
        print_json(report.to_json())
    else:
        _print_people(report)
    for note in report.notes:
        err(note)
    return 0
