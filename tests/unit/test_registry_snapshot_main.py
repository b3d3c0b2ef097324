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


async def test_refresh_groups_by_size_and_keeps_old_entries(monkeypatch):
    from types import SimpleNamespace

    from quantdesk.core.errors import QuantDeskError
    from quantdesk.core.quant import parse_quant
    from quantdesk.core.registry.discovery import Discovery
    from quantdesk.core.registry.endpoints import Endpoints
    from quantdesk.core.registry.variants import Variant

    def variant(tag: str, quant: str | None, *, confirmed: bool = True,
                pullable: bool = True) -> Variant:
        return Variant(f"m:{tag}", tag, parse_quant(quant) if quant else None, 100, 90,
                       f"sha256:{tag}", quant_label="UD-Q4_K_XL" if quant is None else "",
                       aliases=("latest",) if tag == "1b-q8_0" else (),
                       confirmed=confirmed, pullable=pullable)

    found = Discovery("m", "library", "m", [variant("1b-q8_0", "q8_0"),
                                            variant("1b-ud", None, confirmed=False),
                                            variant("3b-q4_K_M", "q4_K_M"),
                                            variant("3b-broken", "q4_0", pullable=False)],
                      "registry")
    shapes_asked = []

    async def discover(name, *, http, endpoints):
        if name != "m":
            raise QuantDeskError("not found")
        return found

    async def model_shape(pick, group, *, http):
        shapes_asked.append((pick.tag, len(group)))
        return SimpleNamespace(model_info={"general.architecture": "llama",
                                           "llama.block_count": 16, "tokenizer.x": 1},
                               from_name=pick.name)

    monkeypatch.setattr(snapshot_refresh, "discover", discover)
    monkeypatch.setattr(snapshot_refresh, "model_shape", model_shape)
    old = SimpleNamespace(models={"gone": {"kept": True}})
    monkeypatch.setattr(snapshot_refresh, "load_snapshot", lambda: old)
    data, problems = await snapshot_refresh.refresh(
        ["m", "gone", "never-seen"], Endpoints.from_option("http://127.0.0.1:9"))
    # each size group's shape is read from its middle variant
    assert shapes_asked == [("1b-ud", 2), ("3b-broken", 2)]
    entry = data["models"]["m"]
    assert entry["sizes"]["1b"] == {"model_info": {"general.architecture": "llama",
                                                   "llama.block_count": 16},
                                    "source": "GGUF header of m:1b-ud"}
    assert [row["tag"] for row in entry["tags"]] == ["1b-q8_0", "1b-ud", "3b-q4_K_M"]
    assert entry["tags"][0] == {"tag": "1b-q8_0", "quant": "Q8_0", "size_bytes": 100,
                                "model_bytes": 90, "size_source": "registry manifest",
                                "digest": "sha256:1b-q8_0", "aliases": ["latest"]}
    assert entry["tags"][1]["quant"] == "UD-Q4_K_XL"  # no known level: as spelled
    assert entry["tags"][1]["size_source"] == "as the tags page prints it"
    assert data["models"]["gone"] == {"kept": True}
    assert "never-seen" not in data["models"]
    assert problems == ["gone: not found; kept the old entry",
                        "never-seen: not found; kept the old entry"]
    assert data["source"].startswith("refreshed by quantdesk.core.registry.snapshot_refresh")
