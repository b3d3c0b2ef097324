"""(predicted, observed) pairs: building them, skipping repeats, and the correction they teach.

Model descriptions come from the simulator's ``/api/show`` over loopback; predictions are
checked against ``estimate_fit`` called directly.
"""

from __future__ import annotations

import datetime as dt
import statistics

import pytest

from quantdesk.core.compare.planning import VariantShape
from quantdesk.core.fit import Architecture, FitOptions, estimate_fit
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.ollama import ModelDetails, OllamaClient, RunningModel
from quantdesk.core.store import HistoryStore, ObservedLoad
from quantdesk.core.store.load_pairs import (
    machine_key,
    predict_loaded,
    read_calibration,
    record_observed_load,
)

GIB = 1 << 30
MODEL = "llama3.2:1b-instruct-q4_K_M"
HERE = Machine(gpus=(Gpu("nvidia", 0, "Unit GPU", 12 * GIB, 11 * GIB),),
               ram=Ram(32 * GIB, 30 * GIB), cpu=Cpu("Unit CPU", 8))
VERSION = "0.32.15"


@pytest.fixture
def store(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite3") as s:
        yield s


@pytest.fixture
async def show(sim_factory):
    sim = sim_factory(installed=[MODEL])
    async with OllamaClient(sim.host) as client:
        return await client.show(MODEL)


def running(size: int, ctx: int = 4096, digest: str = "sha256:abc", name: str = MODEL,
            vram: int | None = None) -> RunningModel:
    return RunningModel(name=name, model=name, size=size,
                        size_vram=size if vram is None else vram, digest=digest,
                        details=ModelDetails.from_json({}), expires_at=None,
                        context_length=ctx)


def direct_prediction(show, ctx: int, machine: Machine = HERE) -> int:
    arch = Architecture.from_model_info(show.model_info)
    tensors = [(t.name, t.type, tuple(t.shape)) for t in show.tensors]
    return estimate_fit(arch, machine, FitOptions(num_ctx=ctx, ollama_version=VERSION),
                        tensors=tensors, quant=show.details.quantization_level).ps_size


def load_at(at: dt.datetime, **changes) -> ObservedLoad:
    base = {"model": MODEL, "digest": "sha256:abc", "num_ctx": 4096, "predicted_size": 1000,
            "predicted_vram": 1000, "observed_size": 1100, "observed_vram": 1100,
            "daemon_version": VERSION, "machine_key": "m1", "at": at.isoformat()}
    return ObservedLoad(**{**base, **changes})


def test_a_repeat_within_the_window_is_skipped_and_any_change_counts(store):
    t0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    assert store.loads.record_unless_recent(load_at(t0), 600) is not None
    assert store.loads.record_unless_recent(load_at(t0 + dt.timedelta(seconds=599)), 600) is None
    for change in ({"num_ctx": 8192}, {"daemon_version": "0.33.0"}, {"machine_key": "m2"},
                   {"digest": "sha256:def"}):
        assert store.loads.record_unless_recent(load_at(t0, **change), 600) is not None, change
    assert store.loads.record_unless_recent(load_at(t0 + dt.timedelta(seconds=601)), 600)
    assert len(store.loads.loads()) == 6


def test_without_a_digest_the_model_name_tells_loads_apart(store):
    t0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    assert store.loads.record_unless_recent(load_at(t0, digest=""), 60) is not None
    assert store.loads.record_unless_recent(load_at(t0, digest="", model="other:1b"), 60)
    assert store.loads.record_unless_recent(load_at(t0, digest=""), 60) is None


async def test_pair_is_our_estimate_at_the_context_the_runner_got(show, store):
    seen = record_observed_load(store.loads, running(900_000_000, ctx=8192), show, HERE,
                                VERSION)
    assert seen.recorded
    assert seen.prediction is not None and seen.prediction.num_ctx == 8192
    assert seen.predicted_bytes == direct_prediction(show, 8192)
    [row] = store.loads.loads()
    assert row.predicted_size == seen.predicted_bytes and row.observed_size == 900_000_000
    assert row.machine_key == machine_key(HERE) and row.num_ctx == 8192
    assert seen.error == pytest.approx((seen.predicted_bytes - 900_000_000) / 900_000_000)
    again = record_observed_load(store.loads, running(900_000_000, ctx=8192), show, HERE,
                                 VERSION)
    assert not again.recorded and len(store.loads.loads()) == 1


async def test_a_prediction_made_before_the_load_is_reused_only_at_its_context(show):
    shape = VariantShape.from_show(MODEL, show)
    before = predict_loaded(running(1, ctx=2048), shape, HERE, VERSION)
    assert before is not None and before.num_ctx == 2048
    assert predict_loaded(running(1, ctx=2048), None, HERE, VERSION, known=before) is before
    redone = predict_loaded(running(1, ctx=4096), shape, HERE, VERSION, known=before)
    assert redone is not None and redone.num_ctx == 4096
    assert redone.ps_size == direct_prediction(show, 4096) > before.ps_size
    assert predict_loaded(running(1), shape, None, VERSION) is None
    assert predict_loaded(running(1), None, HERE, VERSION) is None


async def test_calibration_after_several_pairs_is_their_median_ratio(show, store, tmp_path):
    ratios = (1.04, 1.12, 0.97, 1.21, 1.06)
    observed = []
    for i, ratio in enumerate(ratios):
        ctx = 2048 * (i + 1)
        size = round(direct_prediction(show, ctx) * ratio)
        observed.append(size / direct_prediction(show, ctx))
        assert record_observed_load(store.loads, running(size, ctx=ctx), show, HERE,
                                    VERSION).recorded
    other = Machine(gpus=(), ram=HERE.ram, cpu=HERE.cpu)  # another machine's pairs stay apart
    record_observed_load(store.loads, running(10 * GIB), show, other, VERSION)
    store.close()
    cal = read_calibration(HERE, tmp_path / "h.sqlite3")
    assert cal.samples == len(ratios) and cal.active
    assert cal.factor == pytest.approx(statistics.median(observed))
    assert cal.apply(1_000_000) == round(1_000_000 * statistics.median(observed))
    pct = (statistics.median(observed) - 1) * 100
    assert f"{pct:.0f}% more" in cal.describe() and "5 loads" in cal.describe()
    assert read_calibration(other, tmp_path / "h.sqlite3").samples == 1


def test_reading_the_calibration_never_creates_a_history_file(tmp_path):
    path = tmp_path / "none" / "history.sqlite3"
    cal = read_calibration(HERE, path)
    assert cal.samples == 0 and not cal.active
    assert not path.exists() and not path.parent.exists()

