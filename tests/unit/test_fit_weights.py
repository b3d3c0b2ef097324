"""Architecture parsing, tensor grouping and quant mixes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quantdesk.core.architecture import Architecture, ArchitectureError
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import from_shape, from_tensors
from quantdesk.core.fit.mix import choose_type
from quantdesk.core.gguf.type_tables import UnknownTensorType, tensor_bytes

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "model-architectures.json"
MiB, GiB = 1 << 20, 1 << 30
MODELS = json.loads(DATA.read_text())["models"]


def arch(name: str) -> Architecture:
    return Architecture.from_model_info(MODELS[name]["model_info"])


def test_key_and_value_length_default_to_embedding_over_heads():
    info = {
        "general.architecture": "llama",
        "llama.block_count": 4,
        "llama.embedding_length": 2048,
        "llama.attention.head_count": 16,
        "llama.attention.head_count_kv": [4, 4, 0, 4],
        "tokenizer.ggml.tokens": ["a"] * 1000,
    }
    a = Architecture.from_model_info(info)
    assert (a.key_length, a.value_length) == (128, 128)
    assert a.head_count_kv == (4, 4, 0, 4)
    assert a.head_count_kv_min == 4 and a.head_count_max == 16
    assert a.vocab_size == 1000
    assert a.context_length == 2048  # missing: the smallest sane default


def test_missing_essentials_is_a_user_error():
    with pytest.raises(ArchitectureError) as err:
        Architecture.from_model_info({"general.architecture": "llama", "llama.block_count": 2})
    assert isinstance(err.value, QuantDeskError)
    assert "llama" in str(err.value)
    with pytest.raises(ArchitectureError):
        Architecture.from_model_info({})


@pytest.mark.parametrize(
    ("name", "tied"),
    [
        ("llama3.1:8b", False),
        ("llama3.2:3b", True),
        ("qwen3:4b", True),
        ("gemma3:12b", True),
        ("mistral:latest", False),
    ],
)
def test_tied_embeddings_inferred_from_the_parameter_count(name, tied):
    assert arch(name).tied_embeddings is tied


def test_tensor_list_groups_like_ollama():
    tensors = [
        {"name": "token_embd.weight", "type": "Q4_K", "shape": [256, 1000]},
        ("output.weight", 14, [256, 1000]),  # Q6_K by ggml id
        ("output_norm.weight", "F32", [256]),
        ("blk.0.attn_q.weight", "Q4_K", [256, 256]),
        ("blk.0.attn_norm.weight", 0, [256]),
        ("blk.1.ffn_down.weight", "q8_0", [512, 256]),
        ("v.blk.0.attn_q.weight", "F16", [64, 64]),
        ("rope_freqs.weight", "F32", [64]),
    ]
    w = from_tensors(tensors, block_count=2)
    assert w.blocks == (256 * 256 * 144 // 256 + 256 * 4, 512 * 256 * 34 // 32)
    assert w.output == 256 * 1000 * 210 // 256 + 256 * 4
    assert w.token_embd == 256 * 1000 * 144 // 256  # kept apart: not counted by the estimate
    assert w.projector == 64 * 64 * 2
    untied_only = ("output.weight", "token_embd.weight")
    kept = [t for t in tensors[1:] if t[0] not in untied_only]
    tied = from_tensors([*kept, ("token_embd.weight", "Q6_K", [256, 1000])], block_count=2)
    assert tied.output == 256 * 1000 * 210 // 256 + 256 * 4 and tied.token_embd == 0


def test_unknown_type_name_raises():
    with pytest.raises(UnknownTensorType):
        tensor_bytes("Q9_9", [32])


# Hand-computed from llama.cpp's block structs: block_nvfp4 holds QK_NVFP4 = 64 weights in
# 64/16 E4M3 scales + 64/2 bytes of E2M1 pairs = 36 bytes; block_q1_0 holds QK1_0 = 128
# weights in a 2-byte f16 scale + 128/8 bytes of signs = 18 bytes.
NVFP4_4096_SQUARE = 4096 * 4096 // 64 * 36  # 9,437,184 bytes
Q1_0_4096_SQUARE = 4096 * 4096 // 128 * 18  # 2,359,296 bytes


def test_nvfp4_and_q1_0_tensors_have_their_real_size():
    assert tensor_bytes("NVFP4", [4096, 4096]) == NVFP4_4096_SQUARE == 9_437_184
    assert tensor_bytes(40, [4096, 4096]) == NVFP4_4096_SQUARE  # by GGUF type id
    assert tensor_bytes("q1_0", [4096, 4096]) == Q1_0_4096_SQUARE == 2_359_296
    assert tensor_bytes(41, [4096, 4096]) == Q1_0_4096_SQUARE
    w = from_tensors([("blk.0.ffn_up.weight", "NVFP4", [4096, 4096])], block_count=1)
    assert w.blocks == (NVFP4_4096_SQUARE,)  # never the 0 bytes an unknown type used to add


def test_a_tensor_of_unknown_type_stops_the_estimate_with_a_clear_message():
    tensors = [("blk.0.attn_q.weight", "Q4_K", [256, 256]),
               ("blk.0.exotic.weight", "Q99_X", [4096, 4096])]
    with pytest.raises(UnknownTensorType) as err:
        from_tensors(tensors, block_count=1)
    assert isinstance(err.value, QuantDeskError)
    assert "Q99_X" in str(err.value) and "cannot say whether the model fits" in str(err.value)
    with pytest.raises(UnknownTensorType, match="type id 99"):
        tensor_bytes(99, [32])


def test_a_partial_block_counts_whole_never_less():
    assert tensor_bytes("Q8_0", [33]) == 2 * 34  # 33 weights need two 32-weight blocks
    assert tensor_bytes("F16", [3, 5]) == 30


def test_quant_mix_rules():
    a = arch("llama3.1:8b")
    assert choose_type("Q4_K_M", "output", 0, 32, a, 4096) == "Q6_K"
    assert choose_type("Q8_0", "output", 0, 32, a, 4096) == "Q8_0"
    assert choose_type("Q4_0", "output", 0, 32, a, 4096) == "Q6_K"
    assert choose_type("Q4_K_M", "attn_v", 0, 32, a, 4096) == "Q6_K"
    assert choose_type("Q4_K_M", "attn_v", 4, 32, a, 4096) == "Q4_K"
    assert choose_type("Q4_K_M", "ffn_down", 6, 32, a, 14336) == "Q6_K"
    assert choose_type("F16", "ffn_down", 6, 32, a, 14336) == "F16"
    assert choose_type("Q4_K_M", "norm", 6, 32, a, 4096) == "F32"
    # rows that are not a multiple of 256 cannot hold k-quants
    assert choose_type("Q4_K_S", "ffn_down", 20, 80, a, 29568) == "Q5_0"


def test_file_size_rescales_layers_when_the_shape_does_not_explain_it():
    a = arch("qwen3:4b")
    size = MODELS["qwen3:4b"]["file_size_bytes"]
    shape_only = from_shape(a, "Q4_K_M")
    scaled = from_shape(a, "Q4_K_M", size)
    assert scaled.source == "file size"
    assert abs(scaled.total - size) < size * 0.001
    assert scaled.repeating > shape_only.repeating
    assert scaled.output == shape_only.output  # the Q6_K output matrix is known exactly
    # the case log: repeating 2.1 GiB, non-repeating 304.3 MiB
    assert round(scaled.repeating / GiB, 1) == 2.1
    assert round(scaled.output / MiB, 1) == 304.3


@pytest.mark.parametrize(
    ("name", "nonrepeating_mib"),
    [
        ("llama3.2:3b", 308.2),
        ("mistral:latest", 105.0),
        ("CognitiveComputations/dolphin-qwen2:72b-v2.9.2-q4_k_s", 974.6),
    ],
)
def test_output_layer_matches_the_logs(name, nonrepeating_mib):
    w = from_shape(arch(name), MODELS[name]["quant"], MODELS[name]["file_size_bytes"])
    assert round(w.output / MiB, 1) == nonrepeating_mib


def test_quant_levels_order_sizes():
    a = arch("llama3.1:8b")
    sizes = [from_shape(a, q).total for q in ("Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q8_0", "F16")]
    assert sizes == sorted(sizes)
    assert round(from_shape(a, "F16").total / 1e9) == 16  # the registry's "16GB"
