"""llama.cpp's per-tensor quantization choices (llama_tensor_get_type in src/llama-quant.cpp)
for the cases the size tests do not reach: the very small IQ types, MXFP4 experts, mixtures
of eight experts, grouped-query attention and the early ffn_down layers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit.mix import choose_type

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "model-architectures.json"


def arch(name: str) -> Architecture:
    return Architecture.from_model_info(json.loads(DATA.read_text())["models"][name]["model_info"])


@pytest.fixture(scope="module")
def llama() -> Architecture:  # 32 layers, 32 heads over 8 KV heads: n_gqa 4
    return arch("llama3.1:8b")


@pytest.fixture(scope="module")
def mixtral() -> Architecture:  # 8 experts
    return arch("mixtral:8x7b-instruct-v0.1-q4_K_M")


@pytest.mark.parametrize(
    ("ftype", "role", "i", "expected"),
    [
        ("IQ2_XXS", "token_embd", 0, "Q2_K"),
        ("IQ1_S", "token_embd", 0, "Q2_K"),
        ("IQ2_S", "token_embd", 0, "IQ3_S"),
        ("IQ4_XS", "attn_v", 10, "Q5_K"),  # n_gqa >= 4
        ("Q4_K_S", "attn_v", 3, "Q5_K"),  # the first four layers
        ("Q4_K_S", "attn_v", 4, "Q4_K"),
        ("Q3_K_M", "attn_v", 1, "Q5_K"),
        ("Q3_K_M", "attn_v", 2, "Q4_K"),
        ("Q2_K", "attn_v", 5, "Q4_K"),  # n_gqa >= 4
        ("Q2_K", "ffn_down", 20, "Q3_K"),
        ("Q2_K_S", "ffn_down", 3, "Q4_K"),  # i < n/8
        ("Q2_K_S", "ffn_down", 4, "Q2_K"),
        ("Q3_K_M", "ffn_down", 1, "Q5_K"),  # i < n/16
        ("Q3_K_M", "ffn_down", 2, "Q4_K"),
        ("Q3_K_L", "ffn_down", 20, "Q5_K"),
        ("Q4_K_S", "ffn_down", 3, "Q5_K"),
        ("Q4_K_S", "ffn_down", 4, "Q4_K"),
        ("IQ3_M", "attn_output", 5, "Q4_K"),
        ("Q4_K_M", "norm", 5, "F32"),
    ],
)
def test_llama_choices(llama, ftype, role, i, expected):
    assert choose_type(ftype, role, i, 32, llama, 4096) == expected


@pytest.mark.parametrize(
    ("ftype", "role", "expected"),
    [
        ("Q4_K_M", "attn_k", "Q8_0"),  # eight experts: attention K and V in 8 bits
        ("Q2_K", "attn_v", "Q8_0"),
        ("Q4_K_M", "attn_output", "Q5_K"),
        ("Q5_K_M", "attn_output", "Q5_K"),
    ],
)
def test_eight_expert_choices(mixtral, ftype, role, expected):
    assert choose_type(ftype, role, 5, 32, mixtral, 4096) == expected


def test_mxfp4_experts(llama):
    for role in ("ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"):
        assert choose_type("MXFP4_MOE", role, 5, 32, llama, 4096) == "MXFP4"


def test_a_row_that_is_no_multiple_of_256_falls_back(llama):
    # k-quants need 256-element rows; llama.cpp falls back Q4_K -> Q5_0, Q6_K -> Q8_0
    assert choose_type("Q4_K_M", "attn_q", 5, 32, llama, 4096) == "Q4_K"
    assert choose_type("Q4_K_M", "attn_q", 5, 32, llama, 4000) == "Q5_0"
    assert choose_type("Q4_K_M", "output", 0, 32, llama, 4000) == "Q8_0"
