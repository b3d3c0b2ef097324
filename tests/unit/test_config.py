"""core.config: schema, file round trip, upgrades, host/registry resolution."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from quantdesk.core import config
from quantdesk.core.config import (
    CONFIG_VERSION,
    ConfigError,
    HardwareOverride,
    Settings,
    load_settings,
    parse_hardware_override,
    resolve_host,
    resolve_registry,
    save_settings,
)


@pytest.fixture
def cfg_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    return tmp_path / "cfg"


def test_every_field_has_a_default_and_a_doc():
    docs = config.field_docs()
    assert list(docs) == [f.name for f in fields(Settings)]
    assert all(len(doc) > 10 for doc in docs.values())
    assert Settings().validated() == Settings()


def test_missing_file_gives_defaults(cfg_dir):
    assert not (cfg_dir / "config.json").exists()
    assert load_settings() == Settings()


def test_round_trip_writes_version_and_values(cfg_dir):
    s = Settings(host="10.0.0.5:11434", registry="http://127.0.0.1:9000", default_context=8192,
                 kv_cache_type="q8_0", keep_alive="1h", hardware_override="gpu=24GB,ram=64GB")
    path = save_settings(s)
    assert path == cfg_dir / "config.json"
    data = json.loads(path.read_text())
    assert data["version"] == CONFIG_VERSION
    assert data["default_context"] == 8192
    assert load_settings() == s


def test_xdg_config_home_is_respected(tmp_path, monkeypatch):
    monkeypatch.delenv("QUANTDESK_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config.config_path() == tmp_path / "xdg" / "quantdesk" / "config.json"


def test_version_0_file_is_upgraded_and_unknown_keys_ignored(cfg_dir):
    cfg_dir.mkdir(parents=True)
    (cfg_dir / "config.json").write_text(json.dumps({"host": "h:1", "someday": True}))
    assert load_settings().host == "h:1"


def test_upgrade_runs_each_step(monkeypatch):
    calls = []

    def step(data):
        calls.append(data.get("version", 0))
        out = dict(data)
        out["keep_alive"] = out.pop("keepalive")
        return out

    monkeypatch.setitem(config.UPGRADES, 0, step)
    out = config.upgrade({"keepalive": "10m"})
    assert calls == [0]
    assert out == {"keep_alive": "10m", "version": CONFIG_VERSION}


def test_newer_file_is_refused_with_advice(cfg_dir):
    cfg_dir.mkdir(parents=True)
    (cfg_dir / "config.json").write_text(json.dumps({"version": CONFIG_VERSION + 1}))
    with pytest.raises(ConfigError, match="newer QuantDesk"):
        load_settings()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"default_context": "big"}', "default_context"),
        ('{"default_context": true}', "default_context"),
        ('{"kv_cache_type": "q3"}', "kv_cache_type"),
        ('{"keep_alive": "3600s5"}', "keep_alive"),
        ('{"hardware_override": "gpu=lots"}', "hardware override"),
    ],
)
def test_bad_files_name_the_problem(cfg_dir, text, match):
    cfg_dir.mkdir(parents=True)
    (cfg_dir / "config.json").write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_settings()


def test_save_refuses_invalid_settings_and_keeps_old_file(cfg_dir):
    save_settings(Settings(keep_alive="10m"))
    with pytest.raises(ConfigError):
        save_settings(Settings(kv_cache_type="fp8"))
    assert load_settings().keep_alive == "10m"
    assert [p.name for p in cfg_dir.iterdir()] == ["config.json"]  # no temp file left


def test_resolve_host_order(cfg_dir, monkeypatch):
    assert resolve_host(None) == config.DEFAULT_HOST
    save_settings(Settings(host="from-settings:1"))
    assert resolve_host(None) == "from-settings:1"
    monkeypatch.setenv("OLLAMA_HOST", "from-env:2")
    assert resolve_host(None) == "from-env:2"
    assert resolve_host(" from-cli:3 ") == "from-cli:3"


def test_resolve_host_survives_a_broken_file(cfg_dir):
    cfg_dir.mkdir(parents=True)
    (cfg_dir / "config.json").write_text("{oops")
    assert resolve_host(None) == config.DEFAULT_HOST


def test_resolve_registry(cfg_dir):
    assert resolve_registry(None) is None
    save_settings(Settings(registry="http://127.0.0.1:5000"))
    assert resolve_registry(None) == "http://127.0.0.1:5000"
    assert resolve_registry("http://other") == "http://other"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        # what-if memory is read as sold: a "24 GB" card holds 24 GiB
        ("gpu=24GB", HardwareOverride(gpu_mem=(24 << 30,))),
        ("gpu=8GiB, gpu=8GiB; ram=64GB",
         HardwareOverride(gpu_mem=(8 << 30, 8 << 30), ram=64 << 30)),
        ("unified,ram=32GiB", HardwareOverride(ram=32 << 30, unified=True)),
        ("CPU_ONLY", HardwareOverride(cpu_only=True)),
    ],
)
def test_hardware_override_parsing(text, expected):
    assert parse_hardware_override(text) == expected


@pytest.mark.parametrize("text", ["gpu", "tpu=4GB", "cpu-only,gpu=8GB", "ram=-1GB"])
def test_hardware_override_errors(text):
    with pytest.raises(ConfigError, match="hardware override"):
        parse_hardware_override(text)
