"""Memory estimate and verdict for a model on a machine, by Ollama version (``fit-model.md``).

Use ``estimate_fit(arch, machine, FitOptions(...), weight_bytes=..., quant=...)``; see
``result.py`` for what comes back and ``calibration.py`` for per-machine corrections.
"""

from quantdesk.core.architecture import Architecture, ArchitectureError
from quantdesk.core.fit.calibration import Calibration, calibrate
from quantdesk.core.fit.estimate import estimate_fit
from quantdesk.core.fit.layers import LayerWeights, from_shape, from_tensors
from quantdesk.core.fit.result import (
    Estimate,
    FitOptions,
    FitResult,
    GpuShare,
    Placement,
    Verdict,
)
from quantdesk.core.fit.rules import NEWEST_VERSION, parse_version, processor_text, ps_size_text

__all__ = [
    "NEWEST_VERSION",
    "Architecture",
    "ArchitectureError",
    "Calibration",
    "Estimate",
    "FitOptions",
    "FitResult",
    "GpuShare",
    "LayerWeights",
    "Placement",
    "Verdict",
    "calibrate",
    "estimate_fit",
    "from_shape",
    "from_tensors",
    "parse_version",
    "processor_text",
    "ps_size_text",
]
