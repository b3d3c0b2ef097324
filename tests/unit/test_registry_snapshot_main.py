"""The snapshot refresh's command line (python -m quantdesk.core.registry.snapshot_refresh):
what it writes, prints and exits with, with the registry reads replaced by fixed answers (the
reads themselves are tested against the simulator in test_registry_snapshot.py)."""

from __future__ import annotations

import json

from quantdesk.core.registry import snapshot_refresh


def fake_refresh(data: dict, problems: list[str]):
    async def refresh(models, endpoints):
        refresh.asked = (models, endpoints.registry)
        return data, problems

    return refresh


def test_writes_the_snapshot_and_says_how_much(tmp_path, monkeypatch, capsys):
    data = {"format": 1, "models": {"llama3.2": {"sizes": {}, "tags": [{"tag": "1b"},
                                                                      {"tag": "3b"}]}}}
    fake = fake_refresh(data, ["no-such: not found; kept the old entry"])
    monkeypatch.setattr(snapshot_refresh, "refresh", fake)
    out = tmp_path / "snap.json"
    code = snapshot_refresh.main(["llama3.2", "no-such", "--registry", "http://127.0.0.1:9",
                                  "--out", str(out)])
    assert code == 0  # one model came through: the snapshot is usable
    assert json.loads(out.read_text()) == data
    assert fake.asked[0] == ["llama3.2", "no-such"]
    assert fake.asked[1].startswith("http://127.0.0.1:9")
    captured = capsys.readouterr()
    assert captured.out == f"{out}: 1 models, 2 tags\n"
    assert captured.err == "snapshot_refresh: no-such: not found; kept the old entry\n"


def test_fails_when_nothing_came_through(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(snapshot_refresh, "refresh",
                        fake_refresh({"models": {}}, ["m: unreachable; kept the old entry"]))
    out = tmp_path / "snap.json"
    assert snapshot_refresh.main(["m", "--out", str(out)]) == 1
    assert json.loads(out.read_text()) == {"models": {}}


def test_the_kept_header_keys():
    info = {"general.architecture": "llama", "general.parameter_count": 8, "general.name": "x",
            "llama.block_count": 32, "llama.vocab": list(range(513)),
            "llama.rope.freqs": [1.0] * 10, "tokenizer.ggml.tokens": ["a"]}
    # the architecture's own keys, short arrays only, and the two general ones the fit reads
    assert snapshot_refresh._lean(info) == {
        "general.architecture": "llama", "general.parameter_count": 8,
        "llama.block_count": 32, "llama.rope.freqs": [1.0] * 10}
