"""``quantdesk variants MODEL``: every quantization of a model, judged on the daemon's machine.

One row per variant (aliases such as ``latest`` and ``8b`` shown on the variant they point
at): exact download size from the registry, installed / update status from the daemon, the
fit on the daemon's machine (probed on loopback; a host profile for a daemon elsewhere; the
what-if machine of ``--gpu-mem`` …), published quality figures for the quant type (or Compare's
own for this model) and an expected speed. Above the table: which machine the verdicts are
for, the pick with why, a pick per model size and what to change to make a better one fit.
With no registry reachable the ladder comes from the bundled snapshot and says of which date.

``--json`` prints ``{model, machine, settings, origin, snapshot, flash_attention,
recommendation: {pick, why, per_size, alternatives}, variants: [...], notes}``.
"""

from __future__ import annotations

import argparse
import asyncio

from quantdesk.cli.output import err, human_bytes, print_json, print_table
from quantdesk.cli.planning import (
    add_fit_options,
    machine_calibration,
    machine_lines,
    open_daemon,
    plan_settings,
    settings_words,
    warn_daemon_down,
)
from quantdesk.core.advice import LadderRow, Plan, build_ladder, make_plan, read_measured
from quantdesk.core.advice.measured import Measured
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit.explain import context_words
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.registry import PageCache

NAME = "variants"
HELP = "list a model's quantization variants with sizes, fit, quality and speed, and a pick"

_BADGES = {"gpu": "GPU", "partial": "partial", "cpu": "CPU only", "no": "won't fit"}
_HINTS = {"context": "--num-ctx {to}", "kv_cache": "--flash-attention on --kv-cache-type {to}",
          "flash_attention": "--flash-attention on", "vram": ""}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL",
                        help="llama3.1, llama3.1:8b (one size), hf.co/owner/repo")
    add_fit_options(parser)


async def _measured(repository: str) -> Measured | None:
    try:
        return await asyncio.to_thread(read_measured, repository)
    except (QuantDeskError, OSError) as exc:
        err(f"Compare history not read: {exc}")
        return None


async def build_plan(args: argparse.Namespace) -> Plan:
    async with OllamaClient(getattr(args, "host", None)) as client:
        daemon = await open_daemon(client, args)
        warn_daemon_down(daemon, args)
        ladder = await build_ladder(args.model, client=None if daemon.down else client,
                                    endpoints=daemon.endpoints(args), cache=PageCache(),
                                    installed=daemon.installed)
    settings = plan_settings(args, daemon.version)
    return make_plan(ladder, daemon.view, settings,
                     measured=await _measured(ladder.repository),
                     calibration=await machine_calibration(daemon.view))


def _status(r: LadderRow) -> str:
    v = r.variant
    if v.update_available:
        return "update"
    return "installed" if v.installed else ""


def _fit_cell(r: LadderRow) -> str:
    f = r.fit
    if f is None:
        return "?"
    if f.verdict == "partial":
        return f"partial {f.placement.gpu_layers}/{f.placement.total_layers}"
    return _BADGES.get(f.verdict, f.verdict)


def _needs(r: LadderRow) -> str:
    if r.fit is None:
        return ""
    text = human_bytes(r.fit.estimate.total_bytes)
    return f"{text} ({human_bytes(r.calibrated_bytes)})" if r.calibrated_bytes else text


def _quality(r: LadderRow) -> str:
    q = r.quality
    if q is None or q.mean_kld is None:
        return ""
    return f"{q.mean_kld:.4f}" + ("*" if q.kind == "measured" else "")


def _speed(r: LadderRow) -> str:
    s = r.speed
    if s is None or s.tokens_per_s is None:
        return ""
    return f"{s.tokens_per_s:.0f}" + ("*" if s.kind == "measured" else "")


def print_plan(plan: Plan) -> None:
    rec = plan.recommendation
    first = next((r.fit for r in plan.rows if r.fit), None)
    print(f"{plan.model}: " + "\n".join(machine_lines(plan.machine)))
    if first is not None:
        words = settings_words(plan.settings, first.num_ctx, first.ollama_version)
        print(f"Ladder {plan.origin}; {words}")
    if plan.flash is not None and plan.flash.note:
        print(f"Flash attention: {plan.flash.note}")
    print()
    if rec.pick is not None:
        print(f"Pick: {rec.pick.name} ({_fit_cell(rec.pick)})")
    print(f"  {rec.why}")
    for s in rec.per_size:
        print(f"  {s.size or 'model'}: {s.pick.variant.tag if s.pick else 'none'} - {s.why}")
    if rec.alternatives:
        print("What to change:")
        for a in rec.alternatives:
            hint = _HINTS[a.change].format(to=a.to)
            print(f"  - {a.text}" + (f"  ({hint})" if hint else ""))
    print()
    table = []
    for r in plan.rows:
        v = r.variant
        table.append((
            ("* " if rec.pick is not None and r.name == rec.pick.name else "  ") + v.tag,
            v.quant.name if v.quant else v.quant_label or "?",
            human_bytes(v.size_bytes) + ("" if v.confirmed else "~"),
            _status(r), _fit_cell(r), _needs(r),
            context_words(r.fit.max_gpu_ctx) if r.fit and r.fit.max_gpu_ctx else "-",
            _quality(r), _speed(r),
            ", ".join(v.aliases) or ("not pullable" if not v.pullable else ""),
        ))
    print_table(("  TAG", "QUANT", "SIZE", "STATUS", "FIT", "NEEDS", "MAX CTX", "KLD",
                 "TOK/S", "NOTE"), table)
    print()
    _footnotes(plan)


def _footnotes(plan: Plan) -> None:
    measured_on = sorted({r.quality.measured_on for r in plan.rows
                          if r.quality and r.quality.kind == "reference"})
    if measured_on:
        print("KLD: mean KL divergence from fp16 published by llama.cpp for the quant type, "
              f"measured on {', '.join(measured_on)}, not on this model; * = measured here.")
    print("TOK/S: generation speed estimated from memory bandwidth; * = measured here. "
          "SIZE ~: as printed or estimated, not confirmed by a manifest.")
    errors = sorted({r.fit_error for r in plan.rows if r.fit_error})
    for message in errors:
        err(f"fit unknown for some variants: {message}")
    for note in plan.notes:
        if note not in plan.machine.notes:  # those are printed under the machine line
            err(note)


def run(args: argparse.Namespace) -> int:
    plan = asyncio.run(build_plan(args))
    if getattr(args, "json", False):
        print_json(plan.to_json())
    else:
        print_plan(plan)
    return 0
