"""What ``POST /api/show`` says about one model: details, GGUF key/values, tensors, capabilities.

The fields are those of ``api/types.go ShowResponse``, read leniently (``jsonfields``): every
one but ``model_info`` is ``omitempty`` there, so an absent field is the zero value. A cloud
stub (``remote_host``/``remote_model`` set, ``server/routes.go GetModelInfo``) has no tensors
and at most a few ``model_info`` keys; ``requires`` is the lowest daemon version the model
needs (``server/create.go``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from quantdesk.core.ollama.jsonfields import (
    as_dict,
    as_list,
    get_int,
    get_str,
    get_str_tuple,
    get_time,
)
from quantdesk.core.ollama.types import ModelDetails
from quantdesk.core.quant import QuantLevel, by_file_type


@dataclass(frozen=True, slots=True)
class Tensor:
    name: str
    type: str
    shape: tuple[int, ...]


def _tensors(value: Any) -> tuple[Tensor, ...]:
    tensors = []
    for t in as_list(value):
        t = as_dict(t)
        shape = tuple(s for s in as_list(t.get("shape"))
                      if isinstance(s, int) and not isinstance(s, bool))
        tensors.append(Tensor(get_str(t, "name"), get_str(t, "type"), shape))
    return tuple(tensors)


@dataclass(frozen=True, slots=True)
class ShowResponse:
    details: ModelDetails
    model_info: dict[str, Any]
    projector_info: dict[str, Any]
    tensors: tuple[Tensor, ...]
    capabilities: tuple[str, ...]
    template: str = ""
    parameters: str = ""
    license: str = ""
    system: str = ""
    modelfile: str = ""
    modified_at: datetime | None = None
    renderer: str = ""  # a built-in prompt renderer used instead of the template
    parser: str = ""  # a built-in output parser (thinking, tool calls)
    requires: str = ""  # the lowest Ollama version that runs this model
    remote_model: str = ""
    remote_host: str = ""
    messages: tuple[dict[str, Any], ...] = ()  # conversation stored in the Modelfile
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> ShowResponse:
        d = as_dict(data)
        return cls(
            details=ModelDetails.from_json(d.get("details")),
            model_info=as_dict(d.get("model_info")),
            projector_info=as_dict(d.get("projector_info")),
            tensors=_tensors(d.get("tensors")),
            capabilities=get_str_tuple(d, "capabilities"),
            template=get_str(d, "template"),
            parameters=get_str(d, "parameters"),
            license=get_str(d, "license"),
            system=get_str(d, "system"),
            modelfile=get_str(d, "modelfile"),
            modified_at=get_time(d, "modified_at"),
            renderer=get_str(d, "renderer"),
            parser=get_str(d, "parser"),
            requires=get_str(d, "requires"),
            remote_model=get_str(d, "remote_model"),
            remote_host=get_str(d, "remote_host"),
            messages=tuple(as_dict(m) for m in as_list(d.get("messages"))
                           if isinstance(m, dict)),
            raw=d,
        )

    @property
    def is_remote(self) -> bool:
        """A cloud stub: it runs on ``remote_host`` and has no local weights."""
        return bool(self.remote_host or self.remote_model)

    @property
    def architecture(self) -> str:
        value = self.model_info.get("general.architecture")
        return value if isinstance(value, str) else ""

    def arch_value(self, key: str) -> Any:
        """``<arch>.<key>`` from model_info, e.g. ``arch_value("block_count")``."""
        return self.model_info.get(f"{self.architecture}.{key}")

    @property
    def parameter_count(self) -> int:
        """``general.parameter_count``; 0 when absent (some models omit it)."""
        return get_int(self.model_info, "general.parameter_count")

    @property
    def context_length(self) -> int:
        """The trained maximum context (``<arch>.context_length``)."""
        value = self.arch_value("context_length")
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    @property
    def quant(self) -> QuantLevel | None:
        file_type = self.model_info.get("general.file_type")
        if isinstance(file_type, int) and (level := by_file_type(file_type)):
            return level
        return self.details.quant

    @property
    def parameter_lines(self) -> list[tuple[str, str]]:
        """``parameters`` as (key, value) pairs; repeated keys (several ``stop``) repeat."""
        pairs = []
        for line in self.parameters.splitlines():
            key, _, value = line.strip().partition(" ")
            if key:
                pairs.append((key, value.strip()))
        return pairs
