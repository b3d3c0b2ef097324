"""The Hugging Face transformers path: memory of a safetensors repository loaded with
transformers, plain or quantized by bitsandbytes (nf4 with double quantization, int8).

``repo = await read_repo(http, endpoints, owner, name)`` reads the config and the tensor
headers; ``estimate_transformers(repo.repository, repo.config, repo.tensors, "nf4", 4096,
machine)`` gives the breakdown and the verdict.
"""

from quantdesk.core.transformers.footprint import (
    LOAD_IN,
    LoadIn,
    Shape,
    TransformersFit,
    estimate_transformers,
    kind_of,
    quant_state_bytes,
    weight_bytes,
)
from quantdesk.core.transformers.safetensors import (
    SafetensorsError,
    SafetensorsRepo,
    Tensor,
    parse_header,
    read_repo,
)

__all__ = [
    "LOAD_IN",
    "LoadIn",
    "SafetensorsError",
    "SafetensorsRepo",
    "Shape",
    "Tensor",
    "TransformersFit",
    "estimate_transformers",
    "kind_of",
    "parse_header",
    "quant_state_bytes",
    "read_repo",
    "weight_bytes",
]
