"""Side-by-side comparison of quantization variants: runs, metrics, agreement, history, export.

Start with ``run_comparison(client, ComparisonSpec(...), store=..., machine=..., on_event=...)``
(or ``ComparisonRunner`` / ``iterate_events`` for an async iterator of progress events).
``planning`` chooses the reference and decides whether variants may run together;
``agreement`` documents the divergence / agreement / KL formulas; ``export`` writes JSON, CSV
and Markdown; ``diff`` re-runs a stored comparison and says what changed.
"""

from quantdesk.core.compare.agreement import Agreement, Transcript, score
from quantdesk.core.compare.diff import ComparisonDiff, RunDiff, diff_comparisons, rerun
from quantdesk.core.compare.events import CompareEvent, EventSink, iterate_events
from quantdesk.core.compare.export import (
    ExportError,
    export_to_file,
    from_json,
    import_json,
    to_csv,
    to_json,
    to_markdown,
)
from quantdesk.core.compare.fingerprint import build_fingerprint, machine_key
from quantdesk.core.compare.planning import (
    CompareSetupError,
    TogetherRefused,
    TogetherVerdict,
    VariantShape,
    VariantsNotInstalled,
    can_run_together,
    choose_reference,
    quant_of,
)
from quantdesk.core.compare.results import (
    CompareOptions,
    ComparisonResult,
    ComparisonSpec,
    RunResult,
    TaskOutcome,
)
from quantdesk.core.compare.runner import ComparisonRunner, run_comparison, supports_logprobs

__all__ = [
    "Agreement",
    "CompareEvent",
    "CompareOptions",
    "CompareSetupError",
    "ComparisonDiff",
    "ComparisonResult",
    "ComparisonRunner",
    "ComparisonSpec",
    "EventSink",
    "ExportError",
    "RunDiff",
    "RunResult",
    "TaskOutcome",
    "TogetherRefused",
    "TogetherVerdict",
    "Transcript",
    "VariantShape",
    "VariantsNotInstalled",
    "build_fingerprint",
    "can_run_together",
    "choose_reference",
    "diff_comparisons",
    "export_to_file",
    "from_json",
    "import_json",
    "iterate_events",
    "machine_key",
    "quant_of",
    "rerun",
    "run_comparison",
    "score",
    "supports_logprobs",
    "to_csv",
    "to_json",
    "to_markdown",
]
