"""``quantdesk variants`` on a 13-tag ladder with 50 ms of registry latency: median of 5 runs.

Target: under 2 s. The registry is the simulator's remote side over a catalog cut down to a
13-tag ladder (mistral 7b, instruct); every request (page, manifests, blob redirect, ranged
header reads) waits 50 ms, as a far registry would. The page cache is emptied before each
run so every run does the full discovery.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from importlib import resources

from quantdesk.cli.main import main as cli_main
from quantdesk.sim.catalog import Catalog
from quantdesk.sim.daemon import SimDaemon
from quantdesk.sim.remote import RemoteFaults, RemoteServer

LADDER = 13
LATENCY_S = 0.05
RUNS = 5
TARGET_S = 2.0


def ladder_catalog() -> Catalog:
    text = resources.files("quantdesk.sim").joinpath("data/catalog.json").read_text("utf-8")
    data = json.loads(text)
    entry = data["models"]["mistral"]
    default = entry["aliases"]["latest"]
    tags = [t for t, v in entry["tags"].items() if v["kind"] == "instruct"]
    keep = [default, *[t for t in tags if t != default][: LADDER - 1]]
    entry["tags"] = {t: entry["tags"][t] for t in keep}
    data["models"] = {"mistral": entry}
    return Catalog(data)


def run_once(registry: str, host: str, cache_dir: str) -> tuple[float, int]:
    for name in os.listdir(cache_dir):
        os.unlink(os.path.join(cache_dir, name))
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli_main(["variants", "mistral", "--json", "--registry", registry, "--host", host,
                         "--gpu-mem", "8GiB", "--ram", "32GiB"])
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"variants failed with exit status {code}")
    return elapsed, len(json.loads(out.getvalue())["variants"])


def main() -> int:
    with tempfile.TemporaryDirectory() as cache_dir, SimDaemon() as daemon, \
            RemoteServer(catalog_=ladder_catalog(),
                         faults=RemoteFaults(latency_s=LATENCY_S)) as remote:
        os.environ["QUANTDESK_CACHE_DIR"] = cache_dir
        times, rows = [], 0
        for _ in range(RUNS):
            elapsed, rows = run_once(remote.url, daemon.host, cache_dir)
            times.append(elapsed)
        requests = sum(remote.faults.hits.values())
    median = statistics.median(times)
    ok = median < TARGET_S and rows == LADDER
    print(f"variants, {rows}-tag ladder, {LATENCY_S * 1000:.0f} ms registry latency: "
          f"median {median:.3f} s over {RUNS} runs (min {min(times):.3f}, max {max(times):.3f}); "
          f"{requests // RUNS} remote requests per run; target < {TARGET_S:.0f} s: "
          f"{'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
