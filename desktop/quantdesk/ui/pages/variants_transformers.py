"""The Variants page's section for a Hugging Face repository of safetensors (no GGUF): what
loading it with transformers (+ bitsandbytes for nf4/int8) needs at the chosen context, from
``core.transformers`` (config.json and the safetensors headers, never the weights).

transformers runs in the user's own Python on this computer, not in the daemon, so these
figures are for this computer's hardware (what-if override applied).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.hosts import describe_machine
from quantdesk.core.machine import Machine
from quantdesk.core.transformers import (
    LOAD_IN,
    SafetensorsRepo,
    TransformersFit,
    estimate_transformers,
)
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.plain_text import plain_label, tip
from quantdesk.ui.widgets.fit_badge import context_words

COLUMNS = ("Load in", "Weights", "KV cache", "Total", "Verdict")
VERDICT_WORDS = {"gpu": "Fits on the GPU", "partial": "Partly offloaded to the CPU",
                 "cpu": "CPU only", "no": "Does not load"}


def estimates(repo: SafetensorsRepo, num_ctx: int, machine: Machine) -> list[TransformersFit]:
    return [estimate_transformers(repo.repository, repo.config, repo.tensors, load_in,
                                  num_ctx, machine) for load_in in LOAD_IN]


class TransformersSection(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Loading with transformers")
        self.title = plain_label("", self)
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("transformers memory per load type")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        self.repo: SafetensorsRepo | None = None
        self.fits: list[TransformersFit] = []

    def show_repo(self, repo: SafetensorsRepo, num_ctx: int, machine: Machine) -> None:
        self.repo = repo
        self.update_fits(num_ctx, machine)

    def update_fits(self, num_ctx: int, machine: Machine) -> None:
        repo = self.repo
        if repo is None:
            return
        self.fits = estimates(repo, num_ctx, machine)
        self.title.setText(
            f"{repo.repository} has safetensors weights and no GGUF files, so Ollama cannot "
            f"pull it. Loading it with transformers at {context_words(num_ctx)} context, on "
            f"this computer ({describe_machine(machine)}), needs:")
        self.table.setRowCount(len(self.fits))
        for i, fit in enumerate(self.fits):
            cells = (fit.load_in, human_bytes(fit.weights_bytes),
                     human_bytes(fit.kv_cache_bytes), human_bytes(fit.total_bytes),
                     f"{VERDICT_WORDS.get(fit.verdict, fit.verdict)}: {fit.reason}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip(self._details(fit)))
                self.table.setItem(i, col, item)

    @staticmethod
    def _details(fit: TransformersFit) -> str:
        lines = [f"get_memory_footprint(): {human_bytes(fit.footprint_bytes)}"]
        if fit.quant_state_bytes:
            lines.append(f"Quantization state: {human_bytes(fit.quant_state_bytes)} "
                         f"({fit.quantized_layers} linear layers quantized)")
        for kind, size in sorted(fit.kept_bytes.items()):
            lines.append(f"Kept unquantized, {kind}: {human_bytes(size)}")
        if fit.transient_bytes:
            lines.append("int8 outlier columns during a matmul: "
                         f"{human_bytes(fit.transient_bytes)}")
        lines += [f"KV cache: {human_bytes(fit.kv_cache_bytes)}",
                  f"Activations: {human_bytes(fit.activation_bytes)}",
                  f"CUDA context: {human_bytes(fit.cuda_context_bytes)}",
                  f"Total: {human_bytes(fit.total_bytes)}", *fit.notes]
        return "\n".join(lines)

    def clear(self) -> None:
        self.repo = None
        self.fits = []
        self.table.setRowCount(0)
