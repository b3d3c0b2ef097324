"""``quantdesk pull`` goes through core's pull queue: the free-disk check of the models folder
the daemon really uses, skipped (and said so) for a remote daemon."""

from __future__ import annotations

from pathlib import Path

import pytest

from quantdesk.cli.main import main
from quantdesk.core.pulls import disk
from quantdesk.core.pulls.disk import HEADROOM_BYTES, DiskCheck, configured_models_dir, models_dir

SMALL = "qwen2.5:0.5b-instruct-q2_K"


@pytest.fixture
def measured(monkeypatch, tmp_path):
    """The models folder is the test's own; its free space is what the test says."""
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path / "models"))
    seen: list[Path] = []
    free = {"bytes": 10**12}

    def fake_free_space(folder: Path) -> DiskCheck:
        seen.append(folder)
        return DiskCheck(folder, free["bytes"])

    monkeypatch.setattr(disk, "free_space", fake_free_space)
    return seen, free


def test_pull_refuses_when_the_models_folder_is_short_of_space(sim, capsys, measured, tmp_path):
    seen, free = measured
    free["bytes"] = 50_000_000  # the model's layers need more than this
    sim.pull_bandwidth = 4e9
    code = main(["pull", SMALL, "--host", sim.host])
    err = capsys.readouterr().err
    assert code == 1
    assert "Not enough disk space" in err and str(tmp_path) in err
    assert seen and seen[0] == tmp_path  # measured at the nearest existing parent
    assert SMALL not in sim.installed_names()


def test_pull_with_room_measures_once_and_finishes(sim, capsys, measured):
    seen, _free = measured
    sim.pull_bandwidth = 4e9
    assert main(["pull", SMALL, "--host", sim.host]) == 0
    assert len(seen) == 1 and SMALL in sim.installed_names()
    assert "disk check is skipped" not in capsys.readouterr().err


def test_a_remote_daemon_skips_the_check_and_says_why():
    assert disk.skip_reason("127.0.0.1:11434") == ""
    reason = disk.skip_reason("http://192.0.2.7:11434")
    assert "skipped" in reason and "192.0.2.7:11434" in reason


def test_models_folder_order_env_then_service_install_then_home(tmp_path):
    root = tmp_path / "root"
    home = tmp_path / "home"
    (home / ".ollama" / "models").mkdir(parents=True)
    assert configured_models_dir({}, home, root) == (home / ".ollama" / "models",
                                                     "the default folder")
    # A Linux service install: the unit exists and the ollama user's folder holds the models.
    unit = root / "etc/systemd/system/ollama.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=ollama serve\nUser=ollama\n")
    service_models = root / "usr/share/ollama/.ollama/models"
    service_models.mkdir(parents=True)
    assert configured_models_dir({}, home, root)[0] == service_models
    assert models_dir({}, home, root) == service_models
    # The unit (or a drop-in, which wins) may move the folder.
    drop_in = unit.with_name("ollama.service.d")
    drop_in.mkdir()
    moved = tmp_path / "models-elsewhere"
    (drop_in / "override.conf").write_text(
        f'[Service]\nEnvironment="OLLAMA_MODELS={moved}"\n')
    assert configured_models_dir({}, home, root)[0] == moved
    # OLLAMA_MODELS in the environment comes first.
    assert configured_models_dir({"OLLAMA_MODELS": str(tmp_path / "m")}, home, root) == (
        tmp_path / "m", "OLLAMA_MODELS")


def test_require_space_keeps_the_headroom(tmp_path):
    disk.require_space("m", 1000, DiskCheck(tmp_path, 1000 + HEADROOM_BYTES))
    with pytest.raises(disk.DiskSpaceShort):
        disk.require_space("m", 1001, DiskCheck(tmp_path, 1000 + HEADROOM_BYTES))
