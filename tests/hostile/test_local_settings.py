"""Local settings gone wrong: a broken or wrong-typed settings file, a folder that cannot
be made, a full disk while saving settings or an export. Each gives a clear message, keeps
what it cannot read (a backup, never an overwrite) and loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_support import SMALL, cli, comparison, disk_full_after

from quantdesk.core.compare import ExportError, export_to_file
from quantdesk.core.config import ConfigError, Settings, load_settings, save_settings
from quantdesk.core.config_file import read_settings


@pytest.fixture
def cfg(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("QUANTDESK_CONFIG_DIR", str(tmp_path / "cfg"))
    (tmp_path / "cfg").mkdir()
    return tmp_path / "cfg" / "config.json"


# -- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "words"), [
    (b"{not json", "not valid JSON (line 1)"),
    (b'{"host": "\xff\xfe"}', "not UTF-8 text"),
    (b"[" * 10_000, "not valid JSON"),
    (b'{"version": 1, "kv_cache_type": 5}', "kv_cache_type"),
    (b'{"default_context": 1e999}', "default_context"),
])
def test_a_broken_settings_file_is_reported_and_left_alone(sim, cfg, capsys, raw, words):
    cfg.write_bytes(raw)
    code, _out, err = cli(capsys, "ls")
    assert code == 0  # the command still works, on the defaults
    assert str(cfg) in err and words in err
    assert "Traceback" not in err
    assert cfg.read_bytes() == raw


def test_a_wrong_typed_value_costs_only_itself(sim, cfg, capsys, monkeypatch):
    # The host comes from the settings (no --host, no OLLAMA_HOST); the bad value beside it
    # is reported and replaced by its default.
    monkeypatch.delenv("OLLAMA_HOST")
    sim.install(SMALL[0])
    cfg.write_text(json.dumps({"version": 1, "host": sim.host, "kv_cache_type": ["q8_0"]}))
    code, out, err = cli(capsys, "ls")
    assert code == 0 and SMALL[0] in out
    assert "kv_cache_type" in err and "default is used" in err
    found = read_settings(cfg)
    assert found.settings.host == sim.host and found.settings.kv_cache_type == "f16"


def test_saving_over_a_file_that_does_not_load_keeps_a_copy(cfg):
    cfg.write_bytes(b'{"host": "my-box:11434", "keep_alive": "forever-ish"}')
    save_settings(Settings(host="my-box:11434"))
    [backup] = [p for p in cfg.parent.iterdir() if p.name.startswith("config.json.invalid-")]
    assert backup.read_bytes() == b'{"host": "my-box:11434", "keep_alive": "forever-ish"}'
    assert load_settings().host == "my-box:11434"


def test_saving_into_a_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(ConfigError, match=r"cannot create the settings folder.*not saved"):
        save_settings(Settings(host="h:1"), blocker / "quantdesk" / "config.json")
    assert blocker.read_text() == "a file where the folder should be"


def test_a_full_disk_while_saving_settings_keeps_the_old_file(cfg, monkeypatch):
    save_settings(Settings(host="old:1"))
    before = cfg.read_bytes()
    disk_full_after(monkeypatch, 0)
    with pytest.raises(ConfigError, match="disk is full"):
        save_settings(Settings(host="new:2"))
    assert cfg.read_bytes() == before
    assert [p.name for p in cfg.parent.iterdir()] == ["config.json"]


def test_the_command_line_reads_host_registry_and_defaults(sim, cfg, capsys, monkeypatch):
    monkeypatch.delenv("OLLAMA_HOST")
    sim.install(SMALL[0])
    cfg.write_text(json.dumps({"host": sim.host, "default_context": 8192, "keep_alive": "1m"}))
    assert cli(capsys, "load", SMALL[0], "--json")[0] == 0
    [loaded] = json.loads(cli(capsys, "ps", "--json")[1])
    assert loaded["context_length"] == 8192  # default_context became --num-ctx
    # --host and OLLAMA_HOST still come first.
    assert cli(capsys, "ls", "--host", "127.0.0.1:1")[0] == 1
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:1")
    assert cli(capsys, "ls")[0] == 1


def test_a_full_disk_during_export_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("last week's report")
    disk_full_after(monkeypatch, 100)
    with pytest.raises(ExportError, match=r"disk is full.*unchanged"):
        export_to_file(comparison(3), target)
    assert target.read_text() == "last week's report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
