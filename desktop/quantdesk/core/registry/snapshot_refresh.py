"""Refreshes the library snapshot from a registry (maintainers: ``make snapshot``).

    python -m quantdesk.core.registry.snapshot_refresh [--registry URL] [--out FILE] [MODEL ...]

For each model (default: every model the snapshot has) the ladder is discovered as
``quantdesk variants`` discovers it (tags page, manifests: exact sizes and digests) and each
size's architecture is read from a GGUF header. A model the registry cannot answer for keeps
its old entry, and the command says so on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.registry.discovery import Discovery, discover, new_http_client
from quantdesk.core.registry.endpoints import Endpoints
from quantdesk.core.registry.model_shape import model_shape
from quantdesk.core.registry.snapshot import FORMAT, load_snapshot
from quantdesk.core.registry.snapshot_build import target
from quantdesk.core.registry.tags import size_token
from quantdesk.core.registry.variants import Variant

_KEEP_INFO = ("general.architecture", "general.parameter_count")


def _lean(info: dict[str, Any]) -> dict[str, Any]:
    """The header's keys the fit reads: the architecture's own, minus long arrays."""
    arch = str(info.get("general.architecture") or "")
    return {k: v for k, v in info.items()
            if (k in _KEEP_INFO or k.startswith(f"{arch}.")) and not (
                isinstance(v, list) and len(v) > 512)}


def _row(v: Variant) -> dict[str, Any]:
    return {"tag": v.tag, "quant": v.quant.name if v.quant else v.quant_label,
            "size_bytes": v.size_bytes, "model_bytes": v.model_bytes,
            "size_source": "registry manifest" if v.confirmed else "as the tags page prints it",
            "digest": v.digest, "aliases": sorted(v.aliases)}


async def _entry(found: Discovery, http: Any) -> dict[str, Any]:
    groups: dict[str, list[Variant]] = {}
    for v in found.variants:
        groups.setdefault(size_token(v.tag) or "", []).append(v)
    sizes: dict[str, Any] = {}
    for size, group in groups.items():
        shape = await model_shape(group[len(group) // 2], group, http=http)
        sizes[size] = {"model_info": _lean(shape.model_info),
                       "source": f"GGUF header of {shape.from_name}"}
    return {"sizes": sizes, "tags": [_row(v) for v in found.variants if v.pullable]}


async def refresh(models: list[str], endpoints: Endpoints) -> tuple[dict[str, Any], list[str]]:
    old = load_snapshot()
    out: dict[str, Any] = {}
    problems: list[str] = []
    async with new_http_client() as http:
        for name in models:
            try:
                found = await discover(name, http=http, endpoints=endpoints)
                out[found.repository] = await _entry(found, http)
            except QuantDeskError as exc:
                problems.append(f"{name}: {exc}; kept the old entry")
                if name in old.models:
                    out[name] = old.models[name]
    data = {"format": FORMAT, "taken": dt.date.today().isoformat(),
            "source": f"refreshed by quantdesk.core.registry.snapshot_refresh from "
                      f"{endpoints.registry}", "models": out}
    return data, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quantdesk.core.registry.snapshot_refresh")
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help="library models to include (default: those in the snapshot)")
    parser.add_argument("--registry", help="registry/library base URL (default: the public one)")
    parser.add_argument("--out", type=Path, help=f"where to write (default: {target()})")
    args = parser.parse_args(argv)
    models = args.models or sorted(load_snapshot().models)
    data, problems = asyncio.run(refresh(models, Endpoints.from_option(args.registry)))
    for line in problems:
        sys.stderr.write(f"snapshot_refresh: {line}\n")
    out = args.out or target()
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(data['models'])} models, "
          f"{sum(len(m['tags']) for m in data['models'].values())} tags")
    return 1 if problems and not data["models"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
