"""``quantdesk host``: describe the machine a daemon runs on, when it is not this one.

A daemon on loopback is probed here; a daemon elsewhere (``OLLAMA_HOST=192.168.1.20``, a home
GPU server) gets a host profile: a preset (``--preset rtx-3060-12gb``, ``mac-m2-pro-32gb``; see
``host presets``) or the hardware stated (``--gpu-mem 12GB --ram 32GB``, sizes as sold). After
loads the profile is refined from that daemon's own ``/api/ps``. ``fit`` and ``variants`` then
judge every variant for that machine and say so.

    quantdesk host [list]                      the profiles, with where their figures came from
    quantdesk host presets                     the presets
    quantdesk host set HOST --preset KEY [--ram SIZE]
    quantdesk host set HOST --gpu-mem SIZE [--gpu-name NAME] [--ram SIZE] [--unified]
    quantdesk host show [HOST]                 the machine the verdicts for HOST are made for
    quantdesk host rm HOST
"""

from __future__ import annotations

import argparse
import asyncio

from quantdesk.cli.output import print_json, print_table
from quantdesk.cli.planning import memory_size
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hardware import probe_machine_async
from quantdesk.core.hosts import (
    HostProfile,
    StatedGpu,
    daemon_machine,
    host_key,
    load_profiles,
    presets,
    profile_from_preset,
    remove_profile,
    save_profile,
)
from quantdesk.core.hosts.presets import default_ram
from quantdesk.core.ollama import resolve_host
from quantdesk.core.units import card_text

NAME = "host"
HELP = "describe the machine a daemon on another computer runs on (host profiles)"
ACTIONS = ("list", "presets", "set", "show", "rm")


class HostUsage(QuantDeskError):
    """A host command that lacks what it needs."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", default="list", choices=ACTIONS)
    parser.add_argument("target", nargs="?", metavar="HOST",
                        help="the daemon's address, as OLLAMA_HOST takes it")
    parser.add_argument("--preset", metavar="KEY", help="a card or Mac (see: host presets)")
    parser.add_argument("--gpu-mem", action="append", type=memory_size, metavar="SIZE",
                        help="a GPU with this much memory, as sold (12GB = 12 GiB); repeatable")
    parser.add_argument("--gpu-name", metavar="NAME", default="",
                        help="the card's name, for its memory bandwidth (e.g. 'RTX 3060')")
    parser.add_argument("--ram", type=memory_size, metavar="SIZE", help="the machine's RAM")
    parser.add_argument("--unified", action="store_true",
                        help="Apple-style unified memory (give --ram)")


def _stated(args: argparse.Namespace, host: str) -> HostProfile:
    if args.preset:
        return profile_from_preset(host, args.preset, ram_bytes=args.ram)
    if args.unified:
        if args.ram is None:
            raise HostUsage("a Mac's profile needs its memory: --ram 32GB (or --preset)")
        name = args.gpu_name or "Apple Silicon"
        return HostProfile(host_key(host), (StatedGpu(name, 0, "apple"),), args.ram,
                           unified=True)
    if not args.gpu_mem:
        raise HostUsage("describe the machine with --preset KEY or --gpu-mem SIZE "
                        "(see: quantdesk host presets)")
    gpus = tuple(StatedGpu(args.gpu_name or f"GPU with {card_text(size)}", size)
                 for size in args.gpu_mem)
    notes = () if args.ram else (f"RAM not stated: a typical {card_text(default_ram())} "
                                 "assumed",)
    return HostProfile(host_key(host), gpus, args.ram or default_ram(), notes=notes)


def _target(args: argparse.Namespace) -> str:
    target = args.target or getattr(args, "host", None)
    if not target:
        raise HostUsage(f"name the daemon: quantdesk host {args.action} HOST")
    return host_key(target)


def _list(as_json: bool) -> int:
    profiles, skipped = load_profiles()
    if as_json:
        print_json({"profiles": [p.to_json() for p in profiles.values()], "skipped": skipped})
        return 0
    rows = [(p.host, p.source + (" (refined)" if p.refined else ""), p.describe())
            for p in profiles.values()]
    if rows:
        print_table(("HOST", "SOURCE", "MACHINE"), rows)
    else:
        print("No host profiles: daemons on this computer are probed here. Describe another "
              "with: quantdesk host set HOST --preset KEY")
    for line in skipped:
        print(line)
    return 0


def _presets(as_json: bool) -> int:
    items = sorted(presets().values(), key=lambda p: (p.unified, p.key))
    if as_json:
        print_json([{"key": p.key, "name": p.name, "memory_bytes": p.memory_bytes,
                     "unified": p.unified} for p in items])
    else:
        print_table(("PRESET", "HARDWARE"), [(p.key, p.words()) for p in items])
    return 0


def run(args: argparse.Namespace) -> int:
    as_json = bool(getattr(args, "json", False))
    if args.action == "list":
        return _list(as_json)
    if args.action == "presets":
        return _presets(as_json)
    host = _target(args)
    if args.action == "rm":
        if not remove_profile(host):
            raise HostUsage(f"there is no profile for {host}")
        print(f"forgot the profile of {host}")
        return 0
    if args.action == "set":
        profile = _stated(args, host)
        path = save_profile(profile)
        if as_json:
            print_json(profile.to_json())
        else:
            print(f"{host}: {profile.describe()} ({profile.source}), saved in {path}")
            for note in profile.notes:
                print(f"  {note}")
        return 0
    view = asyncio.run(daemon_machine(str(resolve_host(host)), probe=probe_machine_async))
    if as_json:
        print_json(view.to_json())
    else:
        print(view.headline)
        for note in view.notes:
            print(f"  {note}")
    return 0
