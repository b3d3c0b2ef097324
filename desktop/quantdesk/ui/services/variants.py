"""The quantization ladder of a model: remote variants with sizes, status and shapes.

Discovery (tags page, manifests, Hugging Face) and the architecture of each size group (the
daemon's ``/api/show`` of an installed sibling, else a ranged read of a GGUF header) run on the
I/O loop; the page then computes every fit verdict itself, on the GUI thread, as the context
slider moves. Variants of one size share one shape, so one header read serves a whole group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.registry import (
    Endpoints,
    NoCache,
    PageCache,
    Variant,
    discover,
    local_digests,
    new_http_client,
    with_local_status,
)
from quantdesk.core.registry.model_shape import model_shape
from quantdesk.core.registry.tags import size_token
from quantdesk.ui.services.jobs import Jobs

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services


@dataclass(slots=True)
class Ladder:
    query: str  # what the user asked for ("llama3.1", "llama3.1:8b", "hf.co/o/r")
    repository: str
    variants: list[Variant]
    shapes: dict[str, tuple[str, dict[str, Any]]]  # variant name -> (shape key, model_info)
    problems: dict[str, str] = field(default_factory=dict)  # variant name -> why no shape
    notes: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def max_context(self) -> int:
        """The largest trained context among the shapes (the slider's upper end)."""
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
    out: dict[str, list[Variant]] = {}
    for v in variants:
        out.setdefault(size_token(v.tag) or "", []).append(v)
    return out


async def build_ladder(
    query: str,
    *,
    client: OllamaClient | None,
    endpoints: Endpoints,
    cache: PageCache,
    installed: Mapping[str, str],
) -> Ladder:
    async with new_http_client() as http:
        found = await discover(query, http=http, endpoints=endpoints, cache=cache,
                               installed=installed)
        shapes: dict[str, tuple[str, dict[str, Any]]] = {}
        problems: dict[str, str] = {}
        for size, group in size_groups(found.variants).items():
            first = next((v for v in group if v.installed), group[len(group) // 2])
            try:
                shape = await model_shape(first, group, http=http,
                                          show=client.show if client else None)
            except QuantDeskError as exc:
                problems.update({v.name: str(exc) for v in group})
                continue
            key = f"{found.repository}:{size or shape.from_name}"
            for v in group:
                shapes[v.name] = (key, shape.model_info)
    return Ladder(query, found.repository, list(found.variants), shapes, problems,
                  list(found.notes), found.source)


class VariantsService(QObject):
    """Signals:
    ladder_ready(str, object): the query, its Ladder
    failed(str, str): the query, a message a user can act on
    """

    ladder_ready = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, services: Services, *, use_cache: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._cache: PageCache = PageCache() if use_cache else NoCache()
        self._jobs = Jobs(services.io, services.bridge,
                          on_finished=lambda q, ladder: self.ladder_ready.emit(q, ladder),
                          on_failed=lambda q, message: self.failed.emit(q, message))

    def running(self, query: str) -> bool:
        return self._jobs.running(query)

    def load(self, query: str) -> None:
        """Discover the ladder of ``query``; a previous, different query is cancelled."""
        query = query.strip()
        self._jobs.cancel_all()
        client = self._services.client() if self._services.connection.is_connected else None
        installed = local_digests(self._services.installed.models)
        endpoints = Endpoints.from_option(self._services.registry)
        cache = self._cache
        self._jobs.start(query, lambda: build_ladder(query, client=client, endpoints=endpoints,
                                                     cache=cache, installed=installed))

    def shutdown(self) -> None:
        self._jobs.cancel_all()
