"""Lenient parsing of daemon responses, metrics and pull progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quantdesk.core.ollama.generation import ChatChunk, GenerateChunk, Metrics
from quantdesk.core.ollama.progress import PullTracker
from quantdesk.core.ollama.show import ShowResponse
from quantdesk.core.ollama.types import LocalModel, RunningModel

TAGS_ENTRY = {
    "name": "llama3.2:latest", "model": "llama3.2:latest",
    "modified_at": "2025-05-04T17:37:44.706015396-07:00", "size": 2019393189,
    "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
    "details": {"parent_model": "", "format": "gguf", "family": "llama",
                "families": ["llama"], "parameter_size": "3.2B",
                "quantization_level": "Q4_K_M", "context_length": 131072,
                "embedding_length": 3072},
    "capabilities": ["completion", "tools"],
}


def test_local_model():
    m = LocalModel.from_json(TAGS_ENTRY)
    assert m.name == "llama3.2:latest" and m.size == 2019393189
    assert m.short_id == "a80c4f17acd5"
    assert m.modified_at == datetime(2025, 5, 5, 0, 37, 44, 706015, tzinfo=UTC)
    assert m.details.quant is not None and m.details.quant.name == "Q4_K_M"
    assert m.context_length == 131072 and m.capabilities == ("completion", "tools")
    assert not m.is_remote


def test_lenient_on_missing_and_mistyped_fields():
    m = LocalModel.from_json({"model": "x:1b", "size": "12", "details": None,
                              "modified_at": "not a date", "capabilities": "tools"})
    assert (m.name, m.size, m.modified_at, m.capabilities) == ("x:1b", 12, None, ())
    assert m.details.quant is None
    assert LocalModel.from_json(None).name == ""


@pytest.mark.parametrize(
    ("size", "vram", "label", "share"),
    [(100, 0, "100% CPU", 0.0), (100, 100, "100% GPU", 1.0), (100, 52, "48%/52% CPU/GPU", 0.52)],
)
def test_running_model_processor(size, vram, label, share):
    m = RunningModel.from_json({"name": "g:1b", "size": size, "size_vram": vram})
    assert m.processor == label
    assert m.gpu_fraction == pytest.approx(share)


def test_running_model_expiry():
    now = datetime(2025, 10, 17, 23, 0, tzinfo=UTC)
    m = RunningModel.from_json({"name": "g", "expires_at": "2025-10-17T16:47:07.93355-07:00",
                                "context_length": 4096})
    assert m.context_length == 4096
    assert m.expires_in(now) == timedelta(minutes=47, seconds=7, microseconds=933550)
    assert not m.is_forever(now)
    forever = RunningModel.from_json({"name": "g", "expires_at": "2318-02-01T00:00:00Z"})
    assert forever.is_forever(now)


def test_show_response_keeps_everything():
    raw = {
        "details": {"family": "llama", "quantization_level": "Q4_0"},
        "model_info": {"general.architecture": "llama", "general.file_type": 15,
                       "general.parameter_count": 8030261248, "llama.block_count": 32,
                       "llama.context_length": 131072},
        "projector_info": {"clip.has_vision_encoder": True},
        "tensors": [{"name": "blk.0.attn_q.weight", "type": "Q4_K", "shape": [4096, 4096]}],
        "capabilities": ["completion", "vision"], "template": "{{ .Prompt }}",
        "parameters": 'stop' + " " * 27 + '"<|a|>"\nstop' + " " * 27 + '"<|b|>"',
        "license": "MIT", "system": "be brief", "modelfile": "FROM x",
        "modified_at": "2025-08-14T15:49:43.634137516-07:00", "requires": "0.12.0",
    }
    s = ShowResponse.from_json(raw)
    assert s.architecture == "llama" and s.arch_value("block_count") == 32
    assert s.parameter_count == 8030261248 and s.context_length == 131072
    assert s.quant is not None and s.quant.name == "Q4_K_M"  # file_type wins over details
    assert s.tensors[0].shape == (4096, 4096) and s.projector_info
    assert s.parameter_lines == [("stop", '"<|a|>"'), ("stop", '"<|b|>"')]
    assert (s.license, s.system, s.modelfile) == ("MIT", "be brief", "FROM x")
    assert s.raw["requires"] == "0.12.0"
    assert ShowResponse.from_json({}).quant is None


def test_metrics_from_nanoseconds_and_absent_fields():
    m = Metrics.from_json({"total_duration": 5_000_000_000, "load_duration": 1_000_000_000,
                           "prompt_eval_count": 20, "prompt_eval_duration": 500_000_000,
                           "eval_count": 100, "eval_duration": 2_000_000_000})
    assert (m.total_s, m.load_s, m.ttft_s) == (5.0, 1.0, 1.5)
    assert (m.prompt_tps, m.eval_tps) == (40.0, 50.0)
    empty = Metrics.from_json({"done": True})
    assert (empty.eval_tps, empty.prompt_tps, empty.eval_count) == (0.0, 0.0, 0)
    assert m.as_dict()["ttft_s"] == 1.5


def test_chunks():
    g = GenerateChunk.from_json({
        "model": "m", "response": "Hi", "thinking": "hmm", "done": False,
        "logprobs": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105],
                      "top_logprobs": [{"token": "Hello", "logprob": -2.3}]}]})
    assert (g.text, g.thinking, g.metrics) == ("Hi", "hmm", None)
    assert g.logprobs[0].bytes == (72, 105)
    assert g.logprobs[0].top_logprobs[0].token == "Hello"
    final = GenerateChunk.from_json({"done": True, "done_reason": "stop", "eval_count": 3,
                                     "eval_duration": 1_500_000_000})
    assert final.metrics is not None and final.metrics.eval_tps == 2.0
    c = ChatChunk.from_json({"message": {"role": "assistant", "content": "Yo",
                                         "thinking": "t", "tool_calls": [{"function": {}}]},
                             "done": True})
    assert (c.text, c.thinking, len(c.tool_calls), c.done) == ("Yo", "t", 1, True)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_pull_tracker_aggregates_layers_speed_and_eta():
    clock = FakeClock()
    t = PullTracker(clock)
    assert t.update({"status": "pulling manifest"}).total == 0
    p = t.update({"status": "pulling aaa", "digest": "sha256:aaa", "total": 1000})
    assert (p.completed, p.total, p.eta_s) == (0, 1000, None)
    clock.now = 1.0
    p = t.update({"status": "pulling aaa", "digest": "sha256:aaa", "total": 1000,
                  "completed": 400})
    assert p.speed == pytest.approx(400.0)
    assert p.eta_s == pytest.approx(1.5)
    clock.now = 2.0
    t.update({"status": "pulling aaa", "digest": "sha256:aaa", "total": 1000, "completed": 1000})
    p = t.update({"status": "pulling bbb", "digest": "sha256:bbb", "total": 10, "completed": 10})
    assert (p.completed, p.total, p.layer_total) == (1010, 1010, 10)
    assert t.update({"status": "success"}).done


def test_resumed_layer_does_not_count_as_speed():
    clock = FakeClock()
    t = PullTracker(clock)
    t.update({"status": "pulling aaa", "digest": "sha256:aaa", "total": 1000, "completed": 900})
    clock.now = 1.0
    p = t.update({"status": "pulling aaa", "digest": "sha256:aaa", "total": 1000,
                  "completed": 950})
    assert p.speed == pytest.approx(50.0)
    assert p.fraction == pytest.approx(0.95)
