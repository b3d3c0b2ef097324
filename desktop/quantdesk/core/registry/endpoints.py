"""Where remote catalogues live: registry manifests, library pages and Hugging Face.

The three public defaults differ; ``--registry`` (a simulator, a mirror) replaces all three,
because one server answers the manifest, page and Hugging Face paths without collision.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REGISTRY = "https://registry.ollama.ai"
DEFAULT_LIBRARY = "https://ollama.com"
DEFAULT_HUGGING_FACE = "https://huggingface.co"


@dataclass(frozen=True, slots=True)
class Endpoints:
    registry: str = DEFAULT_REGISTRY  # /v2/<ns>/<model>/manifests|blobs/...
    library: str = DEFAULT_LIBRARY  # /library/<model>/tags
    hugging_face: str = DEFAULT_HUGGING_FACE  # /api/models/..., /<owner>/<repo>/resolve/...

    @classmethod
    def from_option(cls, registry: str | None) -> Endpoints:
        """The public defaults, or ``registry`` for all three when given."""
        if not registry:
            return cls()
        base = registry.strip().rstrip("/")
        if "://" not in base:
            base = f"http://{base}"
        return cls(registry=base, library=base, hugging_face=base)

    def manifest_url(self, namespace: str, model: str, tag: str) -> str:
        return f"{self.registry}/v2/{namespace}/{model}/manifests/{tag}"

    def blob_url(self, namespace: str, model: str, digest: str) -> str:
        return f"{self.registry}/v2/{namespace}/{model}/blobs/{digest}"

    def tags_page_url(self, namespace: str, model: str) -> str:
        prefix = "library" if namespace == "library" else namespace
        return f"{self.library}/{prefix}/{model}/tags"

    def hf_tree_url(self, owner: str, repo: str) -> str:
        return f"{self.hugging_face}/api/models/{owner}/{repo}/tree/main?recursive=true"

    def hf_resolve_url(self, owner: str, repo: str, path: str) -> str:
        return f"{self.hugging_face}/{owner}/{repo}/resolve/main/{path}"
