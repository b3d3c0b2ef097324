"""The recommended variant: the same rule on the command line and in the app."""

from __future__ import annotations

from dataclasses import replace

from quantdesk.core.quant import parse_quant
from quantdesk.core.registry.best import Placement, is_base_model, pick_best
from quantdesk.core.registry.variants import Variant


def _variant(tag: str, quant: str, *, installed: bool = False, size: int = 1) -> Variant:
    return Variant(name=f"llama3.1:{tag}", tag=tag, quant=parse_quant(quant), size_bytes=size,
                   model_bytes=size, digest="d" * 64, installed=installed)


def test_most_precise_on_gpu_wins_then_installed_then_chat_tuned() -> None:
    fp16 = _variant("8b-instruct-fp16", "F16", size=16)
    q8_text = _variant("8b-text-q8_0", "Q8_0", size=8)
    q8_chat = _variant("8b-instruct-q8_0", "Q8_0", size=8)
    q4 = _variant("8b-instruct-q4_K_M", "Q4_K_M", size=5)
    fits = [Placement("partial", 24), Placement("gpu"), Placement("gpu"), Placement("gpu")]
    assert pick_best([fp16, q8_text, q8_chat, q4], fits) == 2
    q8_text_installed = replace(q8_text, installed=True)
    assert pick_best([fp16, q8_text_installed, q8_chat, q4], fits) == 1


def test_partial_only_prefers_most_layers_on_gpu() -> None:
    fp16 = _variant("70b-instruct-fp16", "F16")
    q4 = _variant("70b-instruct-q4_K_M", "Q4_K_M")
    assert pick_best([fp16, q4], [Placement("partial", 10), Placement("partial", 50)]) == 1


def test_nothing_on_gpu_means_no_recommendation() -> None:
    v = _variant("8b-instruct-q4_K_M", "Q4_K_M")
    assert pick_best([v], [Placement("cpu")]) is None
    assert pick_best([v], [None]) is None


def test_base_model_detection() -> None:
    assert is_base_model(_variant("8b-text-q8_0", "Q8_0"))
    assert not is_base_model(_variant("8b-instruct-q8_0", "Q8_0"))
