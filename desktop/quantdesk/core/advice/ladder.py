"""The quantization ladder of a model: variants with sizes and status, and each size's shape.

One builder for the app and the CLI. Discovery (tags page, manifests, Hugging Face) gives the
variants; the architecture of each size group comes from the daemon's ``/api/show`` of an
installed sibling, else a ranged read of a GGUF header (variants of one size share a shape, so
one read serves the group). With no registry reachable, the bundled snapshot of the library
answers instead (``core.registry.snapshot``) and the ladder says from which date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.registry import (
    Discovery,
    Endpoints,
    PageCache,
    RegistryResponseError,
    RegistryUnreachable,
    Variant,
    discover,
    new_http_client,
    with_local_status,
)
from quantdesk.core.registry.model_shape import model_shape
from quantdesk.core.registry.snapshot import Snapshot, load_snapshot, snapshot_discovery
from quantdesk.core.registry.tags import size_token


@dataclass(slots=True)
class Ladder:
    query: str  # what the user asked for ("llama3.1", "llama3.1:8b", "hf.co/o/r")
    repository: str
    variants: list[Variant]
    shapes: dict[str, tuple[str, dict[str, Any]]]  # variant name -> (shape key, model_info)
    problems: dict[str, str] = field(default_factory=dict)  # variant name -> why no shape
    notes: list[str] = field(default_factory=list)
    source: str = ""  # "page", "cache", "probe", "huggingface", "snapshot"
    snapshot_taken: str = ""  # the snapshot's date when the ladder comes from it
    # exact tensors of the variants whose own description was read (name -> tensor list)
    tensors: dict[str, list[tuple[str, str, tuple[int, ...]]]] = field(default_factory=dict)

    @property
    def from_snapshot(self) -> bool:
        return self.source == "snapshot"

    @property
    def origin(self) -> str:
        """Where the ladder came from, in words ("from the snapshot of 2026-12-07")."""
        if self.from_snapshot:
            return f"from the snapshot of {self.snapshot_taken}"
        return "from Hugging Face" if self.source == "huggingface" else "from the registry"

    @property
    def max_context(self) -> int:
        """The largest trained context among the shapes (a context slider's upper end)."""
        best = 0
        for _key, info in self.shapes.values():
            arch = info.get("general.architecture")
            value = info.get(f"{arch}.context_length")
            if isinstance(value, int) and not isinstance(value, bool):
                best = max(best, value)
        return best

    def with_installed(self, installed: Mapping[str, str]) -> Ladder:
        """The same ladder with installed / update status re-read from ``installed``."""
        return replace(self, variants=with_local_status(self.variants, installed,
                                                        self.repository))


def size_groups(variants: list[Variant]) -> dict[str, list[Variant]]:
    """Variants sharing a size share an architecture."""
    out: dict[str, list[Variant]] = {}
    for v in variants:
        out.setdefault(size_token(v.tag) or "", []).append(v)
    return out


async def _discover(query: str, http: httpx.AsyncClient, endpoints: Endpoints,
                    cache: PageCache, installed: Mapping[str, str],
                    snapshot: Snapshot) -> Discovery:
    try:
        return await discover(query, http=http, endpoints=endpoints, cache=cache,
                              installed=installed)
    except (RegistryUnreachable, RegistryResponseError) as exc:
        found = snapshot_discovery(query, snapshot)
        if found is None:
            raise
        found.notes.insert(0, f"{exc}")
        found.variants = with_local_status(found.variants, installed, found.repository)
        return found


async def build_ladder(
    query: str,
    *,
    client: OllamaClient | None,
    endpoints: Endpoints,
    cache: PageCache,
    installed: Mapping[str, str],
    snapshot: Snapshot | None = None,
    prefer: str | None = None,
    snapshot_shapes: bool = True,
) -> Ladder:
    """Discover ``query``'s ladder and the shape of each size (see the module docstring).

    ``prefer``: the variant whose own description to read first in its group (its tensors
    then give exact layer sizes). ``snapshot_shapes=False``: a shape that cannot be read stays
    a problem instead of coming from the snapshot (a caller that can still ask siblings)."""
    snap = snapshot or load_snapshot()
    async with new_http_client() as http:
        found = await _discover(query, http, endpoints, cache, installed, snap)
        shapes: dict[str, tuple[str, dict[str, Any]]] = {}
        tensors: dict[str, list[tuple[str, str, tuple[int, ...]]]] = {}
        problems: dict[str, str] = {}
        notes = list(found.notes)
        for size, group in size_groups(found.variants).items():
            first = next((v for v in group if v.name == prefer), None) or \
                next((v for v in group if v.installed), group[len(group) // 2])
            key = f"{found.repository}:{size or first.tag}"
            try:
                shape = await model_shape(first, group, http=http,
                                          show=client.show_shape if client else None)
                info = shape.model_info
                if shape.tensors and shape.from_name == first.name:
                    tensors[first.name] = shape.tensors
            except QuantDeskError as exc:
                from_snap = snap.shape(found.repository, size or None) \
                    if snapshot_shapes or found.source == "snapshot" else None
                if from_snap is None:
                    problems.update({v.name: str(exc) for v in group})
                    continue
                info = from_snap
                if found.source != "snapshot":
                    notes.append(f"the architecture of {key} is {snap.label}: {exc}")
            for v in group:
                shapes[v.name] = (key, info)
    return Ladder(query, found.repository, list(found.variants), shapes, problems, notes,
                  found.source, snap.taken if found.source == "snapshot" else "", tensors)
