"""Remote variants of a model: library tags pages, registry manifests, Hugging Face GGUF repos.

Use ``await discover(name, http=new_http_client(), endpoints=Endpoints.from_option(registry),
cache=PageCache(), installed=local_digests(tags))`` for the ladder of ``name``; each
``Variant`` has exact sizes and digest from its manifest and its installed/update status.
"""

# default_cache_dir: the name this package has always exported for the page-cache folder.
from quantdesk.core.paths import cache_dir as default_cache_dir
from quantdesk.core.registry.cache import NoCache, PageCache
from quantdesk.core.registry.discovery import Discovery, discover, new_http_client
from quantdesk.core.registry.endpoints import Endpoints
from quantdesk.core.registry.errors import (
    RegistryError,
    RegistryResponseError,
    RegistryUnreachable,
    RemoteModelNotFound,
)
from quantdesk.core.registry.variants import (
    Variant,
    is_base_model,
    local_digests,
    normalize_name,
    with_local_status,
)

__all__ = [
    "Discovery",
    "Endpoints",
    "NoCache",
    "PageCache",
    "RegistryError",
    "RegistryResponseError",
    "RegistryUnreachable",
    "RemoteModelNotFound",
    "Variant",
    "default_cache_dir",
    "discover",
    "is_base_model",
    "local_digests",
    "new_http_client",
    "normalize_name",
    "with_local_status",
]
