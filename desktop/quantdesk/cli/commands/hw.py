"""``quantdesk hw``: the GPUs, RAM and CPU QuantDesk sees, or a "what if" machine.

Overrides replace the probed hardware for fit questions such as "would this run on a 24 GB
card?": ``--gpu-mem`` (repeat for several GPUs), ``--ram``, ``--unified`` (Apple-style shared
memory), ``--cpu-only``.
"""

from __future__ import annotations

import argparse
import sys

from quantdesk.cli.output import print_json, print_table
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hardware import (
    machine_override,
    machine_to_json,
    parse_memory_size,
    probe_machine,
)
from quantdesk.core.machine import Machine
from quantdesk.core.units import gib

NAME = "hw"
HELP = "show the GPUs, memory and CPU detected here (or a what-if machine)"


def _size(text: str) -> int:
    try:
        return parse_memory_size(text)
    except QuantDeskError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gpu-mem",
        action="append",
        type=_size,
        metavar="SIZE",
        help="pretend to have a GPU with this much memory (repeat for more GPUs)",
    )
    parser.add_argument(
        "--ram", type=_size, metavar="SIZE", help="pretend to have this much RAM (e.g. 64GiB)"
    )
    parser.add_argument(
        "--unified",
        action="store_true",
        help="pretend to have Apple-style unified memory shared with the GPU",
    )
    parser.add_argument("--cpu-only", action="store_true", help="pretend there is no GPU")
    # run() gets only the namespace; keeping the parser lets it report usage errors (exit 2).
    parser.set_defaults(_hw_parser=parser)


def _print_people(m: Machine) -> None:
    out = sys.stdout
    if m.override:
        out.write(f"{m.override}\n\n")
    out.write("GPUs\n")
    if m.gpus:
        rows = [
            (
                g.vendor,
                g.index,
                g.name,
                gib(g.total_bytes),
                gib(g.free_bytes),
                "yes" if g.usable else "no",
                g.note,
            )
            for g in m.gpus
        ]
        print_table(("VENDOR", "#", "NAME", "TOTAL", "FREE", "USABLE", "NOTE"), rows)
    else:
        out.write("  none: models run on the CPU\n")
    out.write("\nMemory and CPU\n")
    ram, cpu = m.ram, m.cpu
    out.write(f"  RAM   {gib(ram.total_bytes)} total, {gib(ram.available_bytes)} available\n")
    swap = (f"{gib(ram.swap_total_bytes)} total, {gib(ram.swap_free_bytes)} free"
            if ram.swap_total_bytes else "none")
    out.write(f"  Swap  {swap}\n")
    out.write(f"  CPU   {cpu.model}, {cpu.cores} cores, {cpu.threads} threads\n")
    out.write("\nProbes\n")
    print_table(("PROBE", "RESULT"), list(m.probes.items()))


def run(args: argparse.Namespace) -> int:
    gpu_mem: list[int] = args.gpu_mem or []
    parser: argparse.ArgumentParser = args._hw_parser
    if args.cpu_only and (gpu_mem or args.unified):
        parser.error("--cpu-only cannot be combined with --gpu-mem or --unified")
    if args.unified and len(gpu_mem) > 1:
        parser.error("--unified means one GPU; give at most one --gpu-mem with it")
    machine = probe_machine()
    if gpu_mem or args.ram is not None or args.unified or args.cpu_only:
        machine = machine_override(
            machine, gpu_mem=gpu_mem, ram=args.ram, unified=args.unified, cpu_only=args.cpu_only
        )
    if getattr(args, "json", False):
        print_json(machine_to_json(machine))
    else:
        _print_people(machine)
    return 0
