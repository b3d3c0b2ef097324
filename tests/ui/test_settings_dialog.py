"""The settings dialog saves every field through core.config, shared with the CLI."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QDialog

from quantdesk.core.config import Settings, load_settings, resolve_host
from quantdesk.ui.dialogs.settings import SettingsDialog
from quantdesk.ui.services.config_store import ConfigStore


def test_settings_round_trip_through_the_file(qtbot, _config_dir):
    store = ConfigStore()
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.host.setText("10.1.2.3:11434")
    dialog.registry.setText("http://127.0.0.1:5001")
    dialog.default_context.setValue(16384)
    dialog.kv_cache_type.setCurrentText("q8_0")
    dialog.keep_alive.setText("30m")
    dialog.hardware_override.setText("gpu=12GB,ram=32GB")
    with qtbot.waitSignal(store.changed) as blocker:
        dialog.buttons.accepted.emit()
    expected = Settings("10.1.2.3:11434", "http://127.0.0.1:5001", 16384, "q8_0", "30m",
                        "gpu=12GB,ram=32GB")
    assert blocker.args == [expected]
    assert dialog.result() == QDialog.DialogCode.Accepted
    data = json.loads((_config_dir / "config.json").read_text())
    assert data["kv_cache_type"] == "q8_0" and data["default_context"] == 16384
    assert load_settings() == expected
    # The CLI reads the same file (OLLAMA_HOST unset).
    reopened = SettingsDialog(ConfigStore())
    qtbot.addWidget(reopened)
    assert reopened.values() == expected


def test_cli_host_comes_from_saved_settings(qtbot, _config_dir, monkeypatch):
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    ConfigStore().save(Settings(host="192.168.1.9:11434"))
    assert resolve_host(None) == "192.168.1.9:11434"


def test_bad_value_shows_error_and_keeps_dialog_open(qtbot, _config_dir):
    store = ConfigStore()
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.keep_alive.setText("soon")
    with qtbot.assertNotEmitted(store.changed):
        dialog.buttons.accepted.emit()
    assert dialog.isVisible()
    said = dialog.error.text()
    assert said.startswith("Keep models loaded for:") and "keep_alive" not in said
    assert not (_config_dir / "config.json").exists()


def test_broken_file_is_shown_in_the_dialog(qtbot, _config_dir):
    _config_dir.mkdir(parents=True)
    (_config_dir / "config.json").write_text("{broken")
    store = ConfigStore()
    assert store.settings == Settings()
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    assert "not valid JSON" in dialog.error.text()


def test_saving_applies_to_running_services(make_window, sim_factory, qtbot):
    first = sim_factory()
    second = sim_factory(version="0.30.1")
    window = make_window(first.host)
    qtbot.waitUntil(lambda: window.services.connection.is_connected, timeout=5000)
    dialog = window.open_settings()
    dialog.host.setText(second.host)
    dialog.keep_alive.setText("-1")
    dialog.hardware_override.setText("cpu-only")
    with qtbot.waitSignal(window.services.connection.connected, timeout=5000) as blocker:
        dialog.buttons.accepted.emit()
    assert blocker.args == ["0.30.1"]
    assert window.services.running.keep_alive == "-1"
    assert window.services.hardware.machine.gpus == ()
    assert "CPU only" in window.services.hardware.machine.override
