"""Export a comparison to JSON, CSV or Markdown, and read a JSON export back.

Model output is untrusted text. In Markdown every response sits in a fenced code block whose
fence is longer than any backtick run inside it (CommonMark: the block then cannot be closed
early), so no markup, link, image or raw HTML in it is interpreted. Other text (names, errors,
table cells) stays readable, "llama3.1:8b" as it is: only what would break a table row or
turn into markup is escaped (``|``, newlines, HTML's ``<``, ``>``, ``&``, and the characters
that open links, code or emphasis). Sizes read as ``ollama ps`` prints them. In CSV a text
cell that a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) gets a
leading apostrophe (the OWASP recommendation).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from quantdesk.core import safe_json
from quantdesk.core.atomic import AtomicWriteError, write_atomic
from quantdesk.core.compare.ranking import ranked, ranks
from quantdesk.core.compare.results import ComparisonResult, RunResult
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.units import gb

EXPORT_FORMAT = "quantdesk-comparison"
EXPORT_VERSION = 1
# Rows come best first, as the app ranks them ("rank" empty for a run that did not finish).
CSV_COLUMNS: tuple[str, ...] = (
    "comparison_id", "rank", "model", "reference", "state", "error", "quant", "bpw", "digest",
    "load_s", "ttft_s", "prompt_tps", "eval_tps", "prompt_tokens", "eval_tokens", "size",
    "size_vram", "predicted_bytes", "first_divergence", "agreement", "approx_kl", "similarity",
    "agreement_basis", "accuracy", "accuracy_low", "accuracy_high", "response",
)
# What could end a table cell or open markup; "." ":" "-" and intraword "_" cannot.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(QuantDeskError):
    pass


# -- JSON -----------------------------------------------------------------------------------

def to_json(result: ComparisonResult) -> str:
    """The whole result (runs in the order given, so it reads back unchanged) and
    ``ranking``: the models best first, as the app ranks them."""
    order = [r.model for r in ranked(result.runs, result.reference)]
    places = ranks(result)
    return json.dumps({"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
                       "comparison": result.to_dict(),
                       "ranking": [{"model": m, "rank": places[m]} for m in order]},
                      indent=2, ensure_ascii=False)


def from_json(text: str) -> ComparisonResult:
    try:
        data = safe_json.loads(text)
        if data.get("format") != EXPORT_FORMAT:
            raise ValueError("not a QuantDesk comparison export")
        return ComparisonResult.from_dict(data["comparison"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ExportError(f"This file is not a QuantDesk comparison export ({exc}).") from exc


# -- CSV ------------------------------------------------------------------------------------

def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def to_csv(result: ComparisonResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    places = ranks(result)
    for run in ranked(result.runs, result.reference):
        row = {"comparison_id": result.id, "rank": places[run.model],
               "reference": run.model == result.reference, **run.to_dict()}
        writer.writerow([csv_cell(row.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()


# -- Markdown -------------------------------------------------------------------------------

def md_escape(text: str) -> str:
    """Inline text that renders as itself and keeps a table row whole: newlines folded to
    spaces, HTML escaped, ``|`` and the characters that open links, code or emphasis
    backslashed; the rest (".", ":", "-", "_") left as people wrote it."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code_block(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _size(value: int | None) -> str:
    return "-" if value is None else gb(value)


def _when(iso: str) -> str:
    """"2026-12-07 11:34 UTC" from the stored ISO timestamp."""
    return iso[:16].replace("T", " ") + " UTC" if len(iso) >= 16 else iso


def _num(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _md_row(run: RunResult, reference: str, place: int | None) -> str:
    acc = "-" if run.accuracy is None else (
        f"{run.accuracy:.0%} ({run.accuracy_low:.0%}–{run.accuracy_high:.0%})")
    cells = ["-" if place is None else str(place),
             md_escape(run.model) + (" (ref)" if run.model == reference else ""),
             md_escape(run.state), _num(run.load_s), _num(run.ttft_s), _num(run.eval_tps, 1),
             _size(run.size), _size(run.size_vram), _size(run.predicted_bytes),
             _num(run.first_divergence), _num(run.agreement, 3), _num(run.approx_kl, 4),
             acc]
    return "| " + " | ".join(cells) + " |"


def to_markdown(result: ComparisonResult) -> str:
    fp = result.fingerprint
    spec = result.spec
    what = (f"task set {md_escape(spec.task_set)}:{spec.task_count}" if spec.task_set
            else "one prompt")
    lines = [
        f"# Comparison {md_escape(result.id)}", "",
        f"- Created: {md_escape(_when(result.created_at))}",
        f"- Complete: {'yes' if result.complete else 'no'}",
        f"- Reference: {md_escape(result.reference)}",
        f"- Ollama: {md_escape(str(fp.get('daemon_version', '')))}",
        f"- Options: {md_escape(json.dumps(spec.options.daemon_options()))}",
        f"- Input: {what}", "",
    ]
    if spec.prompt is not None:
        lines += ["## Prompt", "", md_code_block(spec.prompt), ""]
    lines += ["## Results", "",
              "| Rank | Model | State | Load s | First token s | Tokens/s | Ollama size "
              "| In GPU memory | Predicted | Diverges at | Agreement | Approx. KL | Accuracy |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    places = ranks(result)
    lines += [_md_row(r, result.reference, places[r.model])
              for r in ranked(result.runs, result.reference)]
    lines.append("")
    for run in result.runs:
        lines += [f"## {md_escape(run.model)}", ""]
        if run.error:
            lines += [f"Error: {md_escape(run.error)}", ""]
        lines += [md_code_block(run.response), ""]
    return "\n".join(lines)


# -- files ----------------------------------------------------------------------------------

_WRITERS = {".json": to_json, ".csv": to_csv, ".md": to_markdown, ".markdown": to_markdown}


def export_to_file(result: ComparisonResult, path: str | Path) -> Path:
    """Writes the format the file's extension names (.json, .csv, .md), all or nothing."""
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ExportError(
            f"Cannot tell the export format from '{path.name}'; use a name ending in "
            ".json, .csv or .md.")
    try:
        # Atomic: a full disk or a kill part-way leaves an existing file as it was.
        write_atomic(path, writer(result))
    except AtomicWriteError as exc:
        raise ExportError(f"The export was not written: {exc}. Any file that was there "
                          "is unchanged.") from exc
    return path


def import_json(path: str | Path) -> ComparisonResult:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path} is not a QuantDesk comparison export (not UTF-8 text at "
                          f"byte {exc.start}).") from None
    return from_json(text)
