"""``quantdesk variants MODEL``: every quantization of a model, its size, status and fit here.

One row per variant (aliases such as ``latest`` and ``8b`` shown on the variant they point
at), with exact download sizes from the registry, installed / update-available status from the
daemon (optional), and the fit verdict on this machine, or the what-if machine given with the
same hardware options as ``quantdesk fit``. The best variant that runs fully on the GPU is
marked (the most precise one; if none does, the most precise that runs partly on it).
Where real loads taught this machine a correction, each fit also gives the calibrated total
(``calibrated_total_bytes``; null without one).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import Any

from quantdesk.cli.commands.fit import (
    DaemonView,
    add_fit_options,
    calibrated_total,
    daemon_view,
    estimate,
    fit_options,
    machine_calibration,
    machine_for,
    warn_daemon_down,
)
from quantdesk.cli.output import err, human_bytes, print_json, print_table
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import Calibration, FitResult
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.registry import (
    Discovery,
    Endpoints,
    PageCache,
    Variant,
    discover,
    new_http_client,
)
from quantdesk.core.registry.best import Placement, pick_best
from quantdesk.core.registry.model_shape import model_shape
from quantdesk.core.registry.tags import size_token

NAME = "variants"
HELP = "list a model's quantization variants with exact sizes, status and fit on this machine"

# The command's JSON rows have never carried these two of Variant.to_json's keys.
_NOT_IN_ROW_JSON = ("confirmed", "architecture")
_BADGES = {"gpu": "GPU", "partial": "partial", "cpu": "CPU only", "no": "won't fit"}


@dataclass(slots=True)
class Row:
    variant: Variant
    fit: FitResult | None
    fit_error: str = ""
    best: bool = False
    calibrated_bytes: int | None = None  # the total with this machine's learnt correction

    def to_json(self) -> dict[str, Any]:
        f = self.fit
        variant = {k: value for k, value in self.variant.to_json().items()
                   if k not in _NOT_IN_ROW_JSON}
        return {
            **variant,
            "best": self.best,
            "fit": None if f is None else {
                "verdict": f.verdict,
                "total_bytes": f.estimate.total_bytes,
                "gpu_layers": f.placement.gpu_layers,
                "total_layers": f.placement.total_layers,
                "calibrated_total_bytes": self.calibrated_bytes,
            },
            "fit_error": self.fit_error or None,
        }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL",
                        help="llama3.1, llama3.1:8b (one size), hf.co/owner/repo")
    add_fit_options(parser)


def _groups(variants: list[Variant]) -> dict[str, list[Variant]]:
    """Variants sharing a size share an architecture: one header read per group."""
    out: dict[str, list[Variant]] = {}
    for v in variants:
        out.setdefault(size_token(v.tag) or "", []).append(v)
    return out


async def _rows(found: Discovery, view: DaemonView, machine: Machine,
                args: argparse.Namespace, http: Any) -> list[Row]:
    opts = fit_options(args, view.version)
    rows: list[Row] = []
    for group in _groups(found.variants).values():
        # The default pick of the group is the likeliest to be installed or cached upstream.
        first = next((v for v in group if v.installed), group[len(group) // 2])
        try:
            shape = await model_shape(first, group, http=http,
                                      show=None if view.down else view.client.show)
        except QuantDeskError as exc:
            rows += [Row(v, None, str(exc)) for v in group]
            continue
        for v in group:
            try:
                result = estimate(shape.model_info, machine, opts, name=v.name, tensors=None,
                                  weight_bytes=v.model_bytes, quant=v.quant)
            except QuantDeskError as exc:
                rows.append(Row(v, None, str(exc)))
                continue
            rows.append(Row(v, result))
    order = {id(v): i for i, v in enumerate(found.variants)}
    rows.sort(key=lambda r: order[id(r.variant)])
    _mark_best(rows)
    return rows


def _mark_best(rows: list[Row]) -> None:
    fits = [None if r.fit is None else Placement(r.fit.verdict, r.fit.placement.gpu_layers)
            for r in rows]
    index = pick_best([r.variant for r in rows], fits)
    if index is not None:
        rows[index].best = True


async def _variants(
    args: argparse.Namespace,
) -> tuple[Discovery, list[Row], Calibration | None]:
    async with OllamaClient(getattr(args, "host", None)) as client:
        view = await daemon_view(client, want_version=not getattr(args, "ollama_version", None))
        warn_daemon_down(view, args)
        machine = await machine_for(args)
        async with new_http_client() as http:
            found = await discover(
                args.model, http=http,
                endpoints=Endpoints.from_option(getattr(args, "registry", None)),
                cache=PageCache(), installed=view.installed)
            rows = await _rows(found, view, machine, args, http)
    cal = await machine_calibration(machine)
    for r in rows:
        r.calibrated_bytes = calibrated_total(r.fit, cal) if r.fit else None
    return found, rows, cal


def _status(v: Variant) -> str:
    if v.update_available:
        return "update"
    return "installed" if v.installed else ""


def _print_people(found: Discovery, rows: list[Row], cal: Calibration | None) -> None:
    table = []
    for r in rows:
        v, f = r.variant, r.fit
        badge = _BADGES.get(f.verdict, f.verdict) if f else "?"
        if f and f.verdict == "partial":
            badge = f"partial {f.placement.gpu_layers}/{f.placement.total_layers}"
        table.append((
            ("* " if r.best else "  ") + v.tag,
            v.quant.name if v.quant else v.quant_label or "?",
            human_bytes(v.size_bytes),
            (v.digest or "").removeprefix("sha256:")[:12],
            _status(v),
            badge,
            _needs(r),
            ", ".join(v.aliases) or ("not pullable" if not v.pullable else ""),
        ))
    print_table(("  TAG", "QUANT", "SIZE", "DIGEST", "STATUS", "FIT", "NEEDS", "NOTE"), table)
    if any(r.best for r in rows):
        print("\nMarked *: the best that fits, the most precise variant that runs on the GPU here")
    if cal is not None:
        print(f"NEEDS in brackets: with this machine's correction. {cal.describe()}.")
    errors = sorted({r.fit_error for r in rows if r.fit_error})
    for message in errors:
        err(f"fit unknown for some variants: {message}")
    for note in found.notes:
        err(note)


def _needs(r: Row) -> str:
    if r.fit is None:
        return ""
    text = human_bytes(r.fit.estimate.total_bytes)
    return f"{text} ({human_bytes(r.calibrated_bytes)})" if r.calibrated_bytes else text


def run(args: argparse.Namespace) -> int:
    found, rows, cal = asyncio.run(_variants(args))
    if getattr(args, "json", False):
        print_json([r.to_json() for r in rows])
    else:
        _print_people(found, rows, cal)
    return 0
