"""Runs hostile cases one per forked child, measuring time and resident memory.

Started once per test session (``python hostile_worker.py``); it imports QuantDesk and every
command once, then for each JSON request on stdin forks a child that runs one action
(``quantdesk`` argv, or a core call) with stdout and stderr in files, and answers one JSON
line: exit status, elapsed seconds, resident memory at the start and at the peak, and the
traceback if anything escaped. The worker itself never runs a thread or an event loop, so
forking it is safe; a child's address space is capped so a regression fails in the child
(MemoryError) instead of taking the machine's memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
import time
import traceback
from typing import Any

import httpx

from quantdesk.cli.main import COMMAND_MODULES, _load_command, main
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.gguf import fetch_gguf_header
from quantdesk.core.registry import Endpoints, new_http_client
from quantdesk.core.registry.manifests import fetch_manifest

for _name in COMMAND_MODULES:
    if _name not in ("gui", "sim"):
        _load_command(_name)

_PAGE = os.sysconf("SC_PAGE_SIZE")
ADDRESS_SPACE_HEADROOM = 3 << 30


def _resident() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * _PAGE


def _virtual() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * _PAGE


async def _gguf(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(follow_redirects=True, timeout=10) as http:
        header = await fetch_gguf_header(url, http)
    return {"tensors": header.tensor_count, "bytes_read": header.bytes_read}


async def _manifest(registry: str, ns: str, model: str, tag: str) -> dict[str, Any]:
    async with new_http_client() as http:
        man = await fetch_manifest(http, Endpoints.from_option(registry), ns, model, tag)
    return {"total_bytes": man.total_bytes if man else None}


def _act(request: dict[str, Any]) -> tuple[int, Any]:
    """(exit status, value): the CLI's status, or for a core call 0 and its value, or 1 and
    the message of the QuantDeskError it raised (any other exception is a traceback)."""
    kind = request.get("kind", "cli")
    if kind == "cli":
        return main(request["argv"]), None
    try:
        if kind == "gguf":
            return 0, asyncio.run(_gguf(request["url"]))
        if kind == "manifest":
            return 0, asyncio.run(_manifest(*request["args"]))
    except QuantDeskError as exc:
        return 1, str(exc)
    raise ValueError(f"unknown kind {kind}")


def _child(request: dict[str, Any], result_path: str) -> None:
    os.environ.update(request.get("env", {}))
    for fd, name in ((1, "stdout"), (2, "stderr")):
        target = os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    limit = _virtual() + ADDRESS_SPACE_HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out: dict[str, Any] = {"traceback": None, "value": None}
    start_rss = _resident()
    started = time.perf_counter()
    try:
        out["code"], out["value"] = _act(request)
    except SystemExit as exc:
        out["code"] = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        out["code"] = None
        out["traceback"] = traceback.format_exc()
    out["elapsed_s"] = time.perf_counter() - started
    sys.stdout.flush()
    sys.stderr.flush()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["rss_start"], out["rss_peak"] = start_rss, peak
    with open(result_path, "w") as fh:
        json.dump(out, fh)


def _run_one(request: dict[str, Any]) -> dict[str, Any]:
    result_path = request["stdout"] + ".result"
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            _child(request, result_path)
        except BaseException:
            code = 3
        os._exit(code)
    deadline = time.monotonic() + float(request.get("limit_s", 60))
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"code": None, "timed_out": True}
        time.sleep(0.01)
    try:
        with open(result_path) as fh:
            result = json.load(fh)
    except (OSError, ValueError):
        return {"code": None, "died": os.waitstatus_to_exitcode(status)}
    result["timed_out"] = False
    return result


def serve() -> None:
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(_run_one(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
