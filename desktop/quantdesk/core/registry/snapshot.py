"""The bundled snapshot of the Ollama library, for planning with no registry reachable.

``data/library-snapshot.json`` holds popular models: every tag of the library's ladder with its
size (exact where published, else as the tags page prints it, else estimated from the shape and
the quant mix — each tag says which) and the architecture of each size, which the fit needs.
``snapshot_build`` makes it from the project's fact files; ``snapshot_refresh`` remakes it from
a live registry. :func:`snapshot_discovery` answers like ``discover`` does, marked as from the
snapshot of its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from quantdesk.core.datafiles import load_json
from quantdesk.core.ollama.names import parse_model_name
from quantdesk.core.quant import parse_quant
from quantdesk.core.registry.discovery import Discovery
from quantdesk.core.registry.tags import size_token
from quantdesk.core.registry.variants import Variant

FORMAT = 1
RESOURCE = "data/library-snapshot.json"


@dataclass(frozen=True, slots=True)
class Snapshot:
    taken: str  # the date it was made, YYYY-MM-DD
    source: str
    models: dict[str, dict[str, Any]]

    @property
    def label(self) -> str:
        """"from the snapshot of 2026-12-07": what every answer built on it says."""
        return f"from the snapshot of {self.taken}"

    def shape(self, repository: str, size: str | None) -> dict[str, Any] | None:
        """The model_info of one size of ``repository``, if the snapshot has it."""
        entry = self.models.get(repository)
        if entry is None:
            return None
        sizes = entry.get("sizes") or {}
        found = sizes.get(size or "") or (next(iter(sizes.values())) if len(sizes) == 1 else None)
        return dict(found["model_info"]) if found else None


def parse_snapshot(data: dict[str, Any]) -> Snapshot:
    if data.get("format") != FORMAT:
        raise ValueError(f"library snapshot format {data.get('format')!r} is not {FORMAT}")
    return Snapshot(str(data["taken"]), str(data.get("source") or ""), dict(data["models"]))


@cache
def load_snapshot() -> Snapshot:
    return parse_snapshot(load_json(RESOURCE.removeprefix("data/")))


def _variant(repository: str, row: dict[str, Any], snapshot: Snapshot) -> Variant:
    how = str(row.get("size_source") or "")
    return Variant(
        name=f"{repository}:{row['tag']}", tag=row["tag"], quant=parse_quant(row["quant"]),
        size_bytes=row.get("size_bytes"), model_bytes=row.get("model_bytes"),
        digest=row.get("digest"), quant_label=row["quant"],
        aliases=tuple(row.get("aliases") or ()), confirmed=how == "registry manifest",
        note=f"{snapshot.label}; size {how}" if how else snapshot.label,
    )


def _wanted(rows: list[dict[str, Any]], tag: str | None) -> list[dict[str, Any]]:
    if not tag or tag.lower() == "latest":
        return rows
    t = tag.lower()
    if size_token(t) == t:  # a size ("8b"): its whole ladder, as the tags page narrows it
        return [r for r in rows if r["tag"].lower() == t or r["tag"].lower().startswith(t + "-")]
    return [r for r in rows if t in (x.lower() for x in (r["tag"], *r.get("aliases", ())))]


def snapshot_discovery(name: str, snapshot: Snapshot | None = None) -> Discovery | None:
    """The ladder of ``name`` from the snapshot, or None when the snapshot lacks it."""
    snap = snapshot or load_snapshot()
    ref = parse_model_name(name)
    if ref.is_hugging_face:
        return None
    repository = ref.model if ref.namespace == "library" else f"{ref.namespace}/{ref.model}"
    entry = snap.models.get(repository)
    if entry is None:
        return None
    last = name.strip().rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else None
    rows = _wanted(list(entry.get("tags") or ()), tag)
    if not rows:
        return None
    variants = [_variant(repository, r, snap) for r in rows]
    variants.sort(key=lambda v: (-(v.model_bytes or v.size_bytes or 0), v.tag))
    return Discovery(repository, ref.namespace, ref.model, variants, "snapshot",
                     [f"the registry could not be reached: the ladder is {snap.label}"])


def snapshot_shapes(discovery: Discovery,
                    snapshot: Snapshot | None = None) -> dict[str, dict[str, Any]]:
    """Variant name -> model_info from the snapshot (for the fit when headers cannot be read)."""
    snap = snapshot or load_snapshot()
    out: dict[str, dict[str, Any]] = {}
    for v in discovery.variants:
        info = snap.shape(discovery.repository, size_token(v.tag))
        if info is not None:
            out[v.name] = info
    return out
