"""The settings dialog: every field of ``core.config.Settings``, saved for the CLI and the GUI."""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.config import (
    FLASH_ATTENTION,
    KV_CACHE_TYPES,
    ConfigError,
    Settings,
    config_path,
    field_docs,
)
from quantdesk.ui import theme
from quantdesk.ui.plain_text import plain_label
from quantdesk.ui.services.config_store import ConfigStore
from quantdesk.ui.wording import for_people

LABELS = {
    "host": "Ollama host",
    "registry": "Registry",
    "default_context": "Default context length",
    "kv_cache_type": "KV cache type",
    "flash_attention": "Flash attention",
    "keep_alive": "Keep models loaded for",
    "hardware_override": "Hardware override",
    "request_timeout": "Daemon request time limit",
}


class SettingsDialog(QDialog):
    def __init__(self, store: ConfigStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self._store = store
        docs = field_docs()
        s = store.settings

        self.host = QLineEdit(s.host)
        self.host.setPlaceholderText("127.0.0.1:11434 (or OLLAMA_HOST)")
        self.registry = QLineEdit(s.registry)
        self.registry.setPlaceholderText("https://registry.ollama.ai")
        self.default_context = QSpinBox()
        self.default_context.setRange(0, 1 << 20)
        self.default_context.setSingleStep(1024)
        self.default_context.setSpecialValueText("automatic (the daemon's default)")
        self.default_context.setSuffix(" tokens")
        self.default_context.setValue(s.default_context)
        self.kv_cache_type = QComboBox()
        self.kv_cache_type.addItems(KV_CACHE_TYPES)
        self.kv_cache_type.setCurrentText(s.kv_cache_type)
        self.flash_attention = QComboBox()
        self.flash_attention.addItems(FLASH_ATTENTION)
        self.flash_attention.setCurrentText(s.flash_attention)
        self.keep_alive = QLineEdit(s.keep_alive)
        self.keep_alive.setPlaceholderText("5m, 1h, -1 for forever")
        self.hardware_override = QLineEdit(s.hardware_override)
        self.hardware_override.setPlaceholderText("e.g. gpu=24GB,ram=64GB · unified,ram=32GB · "
                                                  "cpu-only")
        self.request_timeout = QSpinBox()
        self.request_timeout.setRange(0, 3600)
        self.request_timeout.setSpecialValueText("built-in (5 s, 10 s for show)")
        self.request_timeout.setSuffix(" s")
        self.request_timeout.setValue(s.request_timeout)

        form = QFormLayout()
        for f in fields(Settings):
            widget = getattr(self, f.name)
            widget.setAccessibleName(LABELS[f.name])
            widget.setToolTip(docs[f.name])
            widget.setWhatsThis(docs[f.name])
            label = QLabel(f"&{LABELS[f.name]}")
            label.setBuddy(widget)
            form.addRow(label, widget)
            if f.name == "hardware_override":
                # Cards and RAM are sold by nominal size: the "8 GB" on the box is 8 GiB.
                nominal = QLabel("Sizes are the vendor's nominal ones: gpu=8GB is an "
                                 "\"8 GB\" card, which holds 8 GiB.")
                nominal.setObjectName("pageHint")
                nominal.setWordWrap(True)
                form.addRow("", nominal)

        self.error = plain_label("", self)  # quotes the settings file and the OS
        self.error.setStyleSheet(f"color: {theme.color('error').name()};")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Settings error")
        self.error.setVisible(bool(store.load_problem))
        self.error.setText(store.load_problem)
        where = plain_label(f"Shared with the command line · {config_path()}")
        where.setObjectName("pageHint")
        where.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(where)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def values(self) -> Settings:
        return Settings(
            host=self.host.text().strip(),
            registry=self.registry.text().strip(),
            default_context=self.default_context.value(),
            kv_cache_type=self.kv_cache_type.currentText(),
            flash_attention=self.flash_attention.currentText(),
            keep_alive=self.keep_alive.text().strip(),
            hardware_override=self.hardware_override.text().strip(),
            request_timeout=self.request_timeout.value(),
        )

    def save(self) -> None:
        try:
            self._store.save(self.values())
        except ConfigError as exc:
            self.error.setText(for_people(str(exc)))
            self.error.show()
            return
        except OSError as exc:
            self.error.setText(f"Could not save the settings: {exc}")
            self.error.show()
            return
        self.accept()
