"""Palette rows from a real /api/tags and /api/ps: fuzzy order, sizes, loaded state."""

from __future__ import annotations

from quantdesk.core.loaded_state import LoadedState, Operation
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.palette import palette_rows


async def test_palette_rows_from_the_daemon(sim_factory):
    sim = sim_factory(installed=["llama3.1:8b", "qwen2.5:7b", "llama3.2:3b"],
                      loaded=["llama3.2:3b"])
    async with OllamaClient(sim.host) as client:
        installed = await client.tags()
        state = LoadedState().with_snapshot(await client.ps(), asked_at=1.0)
    sizes = {m.name: m.size for m in installed}

    everything = palette_rows("", installed, state)
    assert everything[0].name == "llama3.2:3b" and everything[0].loaded
    assert everything[0].line.text.startswith("Loaded · ")
    assert [r.name for r in everything[1:]] == [m.name for m in installed
                                                if m.name != "llama3.2:3b"]

    rows = palette_rows("qwen7", installed, state)
    assert [(r.name, r.positions) for r in rows] == [("qwen2.5:7b", (0, 1, 2, 3, 8))]
    assert not rows[0].loaded and rows[0].line.text == ""
    # As ollama list prints it: decimal GB, one decimal below 10 GB.
    assert rows[0].size_text == f"{sizes['qwen2.5:7b'] / 1e9:.1f} GB"

    busy = state.start(Operation("l", "load", "qwen2.5:7b", started_at=2.0))
    assert palette_rows("qwen7", installed, busy)[0].line.text == "Loading…"
    assert len(palette_rows("l", installed, state, limit=1)) == 1
