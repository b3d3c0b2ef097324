"""``quantdesk sim``: run the simulated Ollama daemon until Ctrl-C.

Useful for trying the app or the CLI without Ollama: start it, then point
``OLLAMA_HOST`` (or ``--host``) at the address it prints. While it runs it registers a host
profile for its address (source "simulated": its machine and its registry), so ``variants``
and ``fit`` against it judge for the simulated machine and read its registry without
``--registry``; the profile goes when the simulator stops (or its process dies).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading

from quantdesk.cli.output import print_json
from quantdesk.core.errors import QuantDeskError

NAME = "sim"
HELP = "run the simulated Ollama daemon (for demos and tests) until Ctrl-C"

_GIB = 1 << 30


class SimStartError(QuantDeskError):
    """The simulator could not listen where it was asked to."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=11434,
        help="port to listen on (0 = any free port; default 11434)",
    )
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--bandwidth",
        type=float,
        default=200e6,
        help="simulated pull bandwidth in bytes per second (default 200e6)",
    )
    parser.add_argument(
        "--token-rate-scale",
        type=float,
        default=1.0,
        help="multiply generation speed by this factor",
    )
    parser.add_argument(
        "--daemon-version",
        default="0.32.15",
        help="Ollama version to impersonate (default 0.32.15)",
    )
    parser.add_argument(
        "--install",
        action="append",
        default=[],
        metavar="MODEL",
        help="catalog model to have installed at start (repeatable)",
    )
    parser.add_argument("--vram-gib", type=float, default=24.0, help="simulated VRAM in GiB")
    parser.add_argument("--ram-gib", type=float, default=32.0, help="simulated RAM in GiB")


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serves until Ctrl-C (or until ``stop`` is set, for callers embedding the command)."""
    from quantdesk.sim import SimDaemon

    if args.bandwidth <= 0 or args.token_rate_scale <= 0:
        raise SimStartError("--bandwidth and --token-rate-scale must be greater than 0.")
    try:
        sim = SimDaemon(
            host=args.bind,
            port=args.port,
            version=args.daemon_version,
            installed=args.install,
            pull_bandwidth=args.bandwidth,
            token_rate_scale=args.token_rate_scale,
            vram_bytes=int(args.vram_gib * _GIB),
            ram_bytes=int(args.ram_gib * _GIB),
        )
    except ValueError as exc:
        raise SimStartError(f"{exc}; see the catalog in quantdesk/sim/data/catalog.json.") from exc
    try:
        sim.start()
    except OSError as exc:
        raise SimStartError(
            f"cannot listen on {args.bind}:{args.port} ({exc.strerror or exc}); "
            "pick another port with --port, or --port 0 for any free one."
        ) from exc
    from quantdesk.core.hosts import remove_profile, save_profile
    from quantdesk.sim.launch import host_profile

    try:
        save_profile(host_profile(sim))
    except OSError as exc:
        sys.stderr.write(f"quantdesk: the simulated machine was not registered ({exc}); "
                         "pass --registry and --gpu-mem to fit and variants\n")
    if getattr(args, "json", False):
        print_json(sim.describe())
        sys.stdout.flush()
    else:
        print(f"simulated Ollama {sim.version} listening on {sim.url}")
        print(f"use it with: OLLAMA_HOST={sim.host}  (Ctrl-C to stop)", flush=True)
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        # a simulated profile left behind lapses with this process anyway
        with contextlib.suppress(OSError):
            remove_profile(sim.host, pid=os.getpid())
    return 0
