"""The tensors a shape implies and their bytes, against figures that come from outside the code:
the parameter counts real GGUF files declare (``general.parameter_count``), their tensor
listings, the worked example of fit-model.md §10 and llama.cpp's ``llama_tensor_get_type``
(src/llama-quant.cpp as vendored by Ollama v0.12.10) for each tensor's type."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit.mix import (
    block_bytes,
    block_tensors,
    choose_type,
    count_parameters,
    embedding_bytes,
    vision_bytes,
)

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "model-architectures.json"
MODELS = json.loads(DATA.read_text())["models"]
MiB = 1 << 20


def arch(name: str) -> Architecture:
    return Architecture.from_model_info(MODELS[name]["model_info"])


def declared(name: str) -> int:
    return int(MODELS[name]["model_info"]["general.parameter_count"])


def listing(a: Architecture, i: int) -> Counter[tuple[str, tuple[int, ...]]]:
    return Counter((t.role, t.shape) for t in block_tensors(a, i))


# --- parameter counts the files declare --------------------------------------------------------

@pytest.mark.parametrize(
    "name",
    ["llama3.1:8b", "llama3.2:3b", "mistral:latest", "mixtral:8x7b-instruct-v0.1-q4_K_M"],
)
def test_llama_style_shapes_count_exactly_the_declared_parameters(name):
    # llama3.1:8b 8 030 261 248; llama3.2:3b (tied) 3 212 749 824; mistral 7 248 023 552;
    # mixtral 8x7b 46 702 792 704: these files hold only the tensors the shape implies
    assert count_parameters(arch(name)) == declared(name)


def test_the_llama3_1_count_by_hand():
    # per layer: q 4096² + k, v 4096·1024 each + o 4096² + gate, up, down 4096·14336 each
    # + two 4096 norms = 16 777 216·2 + 4 194 304·2 + 58 720 256·3 + 8 192 = 218 112 000;
    # 32 layers 6 979 584 000 + token_embd and output 2·128 256·4096 + output_norm 4096
    assert count_parameters(arch("llama3.1:8b")) == 6_979_584_000 + 1_050_673_152 + 4_096


@pytest.mark.parametrize(
    ("name", "left_out"),
    [
        # q_norm and k_norm (128 each) in each of 36 layers
        ("qwen3:4b", 36 * 2 * 128),
        # q, k, v biases (8192 + 1024 + 1024) in each of 80 layers
        ("CognitiveComputations/dolphin-qwen2:72b-v2.9.2-q4_k_s", 80 * (8192 + 1024 + 1024)),
        # attn_q_a_norm 1536 + attn_kv_a_norm 512 in 61 layers, exp_probs_b 256 in the 58 MoE
        ("deepseek-v3:671b", 61 * (1536 + 512) + 58 * 256),
    ],
)
def test_other_families_miss_only_their_norms_and_biases(name, left_out):
    assert count_parameters(arch(name)) + left_out == declared(name)


# --- tensor listings of real files -------------------------------------------------------------

def test_a_llama3_1_layer_is_the_files_tensor_listing():
    # blk.N of Meta-Llama-3.1-8B GGUF: attn_norm, ffn_norm [4096], attn_q [4096, 4096],
    # attn_k, attn_v [4096, 1024], attn_output [4096, 4096], ffn_gate, ffn_up [4096, 14336],
    # ffn_down [14336, 4096]
    assert listing(arch("llama3.1:8b"), 7) == Counter({
        ("norm", (4096,)): 2, ("attn_q", (4096, 4096)): 1, ("attn_k", (4096, 1024)): 1,
        ("attn_v", (4096, 1024)): 1, ("attn_output", (4096, 4096)): 1,
        ("ffn_gate", (4096, 14336)): 1, ("ffn_up", (4096, 14336)): 1,
        ("ffn_down", (14336, 4096)): 1,
    })


def test_a_mixtral_layer_holds_eight_stacked_experts():
    # blk.N of mixtral-8x7b GGUF: ffn_gate_inp [4096, 8] (the router, F32) and
    # ffn_{gate,up}_exps [4096, 14336, 8], ffn_down_exps [14336, 4096, 8]
    assert listing(arch("mixtral:8x7b-instruct-v0.1-q4_K_M"), 31) == Counter({
        ("norm", (4096,)): 2, ("attn_q", (4096, 4096)): 1, ("attn_k", (4096, 1024)): 1,
        ("attn_v", (4096, 1024)): 1, ("attn_output", (4096, 4096)): 1,
        ("norm", (4096, 8)): 1, ("ffn_gate_exps", (4096, 14336, 8)): 1,
        ("ffn_up_exps", (4096, 14336, 8)): 1, ("ffn_down_exps", (14336, 4096, 8)): 1,
    })


def test_deepseek_v3_layers_are_latent_attention_then_dense_or_routed():
    a = arch("deepseek-v3:671b")
    attention = {
        # attn_q_a [7168, 1536], attn_q_b [1536, 128·192], attn_kv_a_mqa [7168, 512 + 64],
        # attn_kv_b [512, 128·(128 + 128)], attn_output [128·128, 7168]
        ("norm", (7168,)): 2, ("attn_q", (7168, 1536)): 1, ("attn_q", (1536, 24576)): 1,
        ("attn_k", (7168, 576)): 1, ("attn_v", (512, 32768)): 1,
        ("attn_output", (16384, 7168)): 1,
    }
    # the first three layers are dense (ffn 18432); the rest route over 256 experts of 2048
    # and keep one shared expert
    assert listing(a, 2) == Counter({
        **attention, ("ffn_gate", (7168, 18432)): 1, ("ffn_up", (7168, 18432)): 1,
        ("ffn_down", (18432, 7168)): 1,
    })
    assert listing(a, 3) == Counter({
        **attention, ("norm", (7168, 256)): 1, ("ffn_gate_exps", (7168, 2048, 256)): 1,
        ("ffn_up_exps", (7168, 2048, 256)): 1, ("ffn_down_exps", (2048, 7168, 256)): 1,
        ("ffn_gate", (7168, 2048)): 1, ("ffn_up", (7168, 2048)): 1,
        ("ffn_down", (2048, 7168)): 1,
    })


def _shape(**kw: object) -> Architecture:
    base: dict[str, object] = dict(
        arch="test", block_count=4, embedding_length=256, head_count=(8,) * 4,
        head_count_kv=(2,) * 4, key_length=32, value_length=32, vocab_size=1000,
        context_length=2048, feed_forward_length=(512,) * 4,
    )
    base.update(kw)
    return Architecture(**base)  # type: ignore[arg-type]


def test_latent_attention_without_a_query_lora_projects_queries_directly():
    # deepseek-v2-lite style: attn_q [E, H·k] = [256, 8·48]; kv_a [256, 64 + 16];
    # kv_b [64, 8·(48 - 16 + 32)]; attn_output [8·32, 256]
    a = _shape(kv_lora_rank=64, rope_dimension_count=16, key_length=48)
    assert listing(a, 0) == Counter({
        ("norm", (256,)): 2, ("attn_q", (256, 384)): 1, ("attn_k", (256, 80)): 1,
        ("attn_v", (64, 512)): 1, ("attn_output", (256, 256)): 1,
        ("ffn_gate", (256, 512)): 1, ("ffn_up", (256, 512)): 1, ("ffn_down", (512, 256)): 1,
    })


def test_a_recurrent_layer_has_state_projections_instead_of_attention():
    # layer 0 keeps no KV heads: in-projection [E, 2·inner + 2·groups·state] = [256, 2·512 +
    # 2·2·64] = [256, 1280], out-projection [inner, E]; layer 1 attends as usual
    a = _shape(head_count_kv=(0, 2, 2, 2), ssm_inner_size=512, ssm_group_count=2,
               ssm_state_size=64)
    ffn = {("ffn_gate", (256, 512)): 1, ("ffn_up", (256, 512)): 1, ("ffn_down", (512, 256)): 1}
    assert listing(a, 0) == Counter({
        ("norm", (256,)): 2, ("ssm_in", (256, 1280)): 1, ("ssm_out", (512, 256)): 1, **ffn,
    })
    assert listing(a, 1) == Counter({
        ("norm", (256,)): 2, ("attn_q", (256, 256)): 1, ("attn_k", (256, 64)): 1,
        ("attn_v", (256, 64)): 1, ("attn_output", (256, 256)): 1, **ffn,
    })


def test_shared_experts_widen_the_dense_branch_and_the_expert_width_falls_back():
    # two shared experts of the ffn width 512: gate/up [256, 1024], down [1024, 256]
    a = _shape(expert_count=4, expert_shared_count=2)
    assert listing(a, 0) == Counter({
        ("norm", (256,)): 2, ("attn_q", (256, 256)): 1, ("attn_k", (256, 64)): 1,
        ("attn_v", (256, 64)): 1, ("attn_output", (256, 256)): 1, ("norm", (256, 4)): 1,
        ("ffn_gate_exps", (256, 512, 4)): 1, ("ffn_up_exps", (256, 512, 4)): 1,
        ("ffn_down_exps", (512, 256, 4)): 1, ("ffn_gate", (256, 1024)): 1,
        ("ffn_up", (256, 1024)): 1, ("ffn_down", (1024, 256)): 1,
    })


# --- bytes: fit-model.md §10, llama3.1:8b Q4_K_M ----------------------------------------------

def test_the_worked_example_layers_by_hand():
    a = arch("llama3.1:8b")
    # a plain layer, Q4_K (144 B per 256): q, o 9 437 184 each, k, v 2 359 296 each,
    # gate, up, down 33 030 144 each, norms 2·4096·4 = 32 768 -> 122 716 160 B = 117.0 MiB
    assert block_bytes(a, "Q4_K_M", 4) == 122_716_160
    # a more-bits layer: v and down in Q6_K (210 B per 256): v 3 440 640, down 48 168 960
    # -> 122 716 160 - 2 359 296 - 33 030 144 + 3 440 640 + 48 168 960 = 138 936 320 (132.5 MiB)
    assert block_bytes(a, "Q4_K_M", 0) == 138_936_320
    assert round(block_bytes(a, "Q4_K_M", 0) / MiB, 1) == 132.5
    # 16 of the 32 layers use more bits: Σ = 16·(138 936 320 + 122 716 160) = 3.90 GiB
    assert sum(block_bytes(a, "Q4_K_M", i) for i in range(32)) == 4_186_439_680


def test_the_worked_example_output_and_embeddings_by_hand():
    # 4096·128 256 = 525 336 576 weights = 2 052 096 blocks of 256: output Q6_K ·210 =
    # 430 940 160 + output_norm 16 384 = 411.0 MiB; token_embd Q4_K ·144 = 295 501 824 (281.8 MiB)
    assert embedding_bytes(arch("llama3.1:8b"), "Q4_K_M") == (430_956_544, 295_501_824)
    assert round(embedding_bytes(arch("llama3.1:8b"), "Q4_K_M")[0] / MiB, 1) == 411.0
    # Q8_0 keeps both in Q8_0: 4096·128 256·34/32 = 558 170 112
    assert embedding_bytes(arch("llama3.1:8b"), "Q8_0") == (558_170_112 + 16_384, 558_170_112)


def test_tied_embeddings_are_the_output_layer_only():
    # llama3.2:3b has no output tensor: token_embd [3072, 128 256] in Q6_K is the output
    # layer, 3072·128 256·210/256 = 323 205 120 + output_norm 3072·4 = 12 288
    assert embedding_bytes(arch("llama3.2:3b"), "Q4_K_M") == (323_217_408, 0)


def test_the_vision_tower_by_hand():
    a = arch("qwen2.5vl:7b")  # 32 blocks of width 1280, MLP 3420, text width 3584
    # block 4·1280² + 2·1280·3420 = 15 308 800; merger 5120² + 5120·3584 = 44 564 480;
    # (32·15 308 800 + 44 564 480)·2 bytes in F16
    assert vision_bytes(a) == 2 * (32 * 15_308_800 + 44_564_480)
    assert vision_bytes(arch("llama3.1:8b")) == 0


# --- llama_tensor_get_type ---------------------------------------------------------------------

def test_more_bits_layers_of_a_32_layer_model():
    # use_more_bits: i < n/8, i >= 7n/8 or (i - n/8) % 3 == 2 -> 0-3, 28-31, 6, 9, ..., 27
    a = arch("llama3.1:8b")
    six = [i for i in range(32) if choose_type("Q4_K_M", "attn_v", i, 32, a, 4096) == "Q6_K"]
    assert six == [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]
    down = [i for i in range(32) if choose_type("Q5_K_M", "ffn_down", i, 32, a, 14336) == "Q6_K"]
    assert down == six


def test_more_bits_layers_of_a_36_layer_model():
    # n = 36: n/8 = 4, 7n/8 = 252/8 = 31 -> 0-3, 31-35 and 6, 9, ..., 30
    a = arch("qwen3:4b")
    six = [i for i in range(36) if choose_type("Q4_K_M", "ffn_down", i, 36, a, 9728) == "Q6_K"]
    assert six == [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 31, 32, 33, 34, 35]


@pytest.mark.parametrize(
    ("ftype", "expected"),
    [
        ("IQ2_XXS", "Q5_K"), ("IQ2_XS", "Q5_K"), ("IQ2_S", "Q5_K"), ("IQ2_M", "Q5_K"),
        ("IQ3_XXS", "Q5_K"), ("IQ1_S", "Q5_K"), ("IQ1_M", "Q5_K"),
        ("IQ3_S", "Q6_K"), ("Q2_K", "Q6_K"), ("Q5_K_M", "Q6_K"), ("Q8_0", "Q8_0"),
        ("F16", "F16"), ("BF16", "BF16"), ("F32", "F32"),
    ],
)
def test_output_types(ftype, expected):
    assert choose_type(ftype, "output", 0, 32, arch("llama3.1:8b"), 4096) == expected


@pytest.mark.parametrize(
    ("ftype", "expected"),
    [
        ("IQ2_XS", "Q2_K"), ("IQ1_M", "Q2_K"), ("IQ2_M", "IQ3_S"), ("IQ3_XXS", "IQ3_S"),
        ("Q4_K_M", "Q4_K"), ("Q5_K_S", "Q5_K"), ("Q4_0", "Q4_0"), ("Q6_K", "Q6_K"),
    ],
)
def test_token_embedding_types(ftype, expected):
    assert choose_type(ftype, "token_embd", 0, 32, arch("llama3.1:8b"), 4096) == expected


@pytest.mark.parametrize(
    ("ftype", "role", "i", "expected"),
    [
        ("Q3_K_L", "attn_v", 20, "Q5_K"),
        ("IQ4_NL", "attn_v", 20, "Q5_K"),  # n_gqa 32/8 = 4
        ("Q5_K_M", "attn_v", 28, "Q6_K"),
        ("Q5_K_M", "attn_v", 7, "Q5_K"),
        ("Q4_K_S", "attn_v", 0, "Q5_K"),
        ("Q8_0", "attn_v", 0, "Q8_0"),
        ("Q4_K_M", "attn_k", 0, "Q4_K"),
        ("Q2_K", "attn_output", 9, "Q3_K"),
        ("Q3_K_M", "attn_output", 9, "Q4_K"),
        ("Q3_K_L", "attn_output", 9, "Q5_K"),
        ("Q4_K_M", "attn_output", 9, "Q4_K"),
        ("Q4_K_M", "ffn_gate", 0, "Q4_K"),
        ("Q2_K_S", "ffn_gate", 0, "Q2_K"),
        ("Q3_K_S", "ffn_up", 0, "Q3_K"),
        ("Q4_1", "ffn_down", 0, "Q4_1"),
        ("Q5_1", "attn_q", 0, "Q5_1"),
        ("Q5_0", "attn_v", 0, "Q5_0"),
        ("Q3_K_M", "ffn_down", 0, "Q5_K"),  # i < 32/16 = 2
        ("IQ4_NL", "ffn_down", 3, "Q5_K"),  # i < 32/8 = 4
        ("IQ4_XS", "ffn_down", 4, "IQ4_XS"),
        ("IQ4_XS", "ffn_down", 0, "Q5_K"),
        ("Q5_K_M", "ffn_down", 5, "Q5_K"),
        ("Q4_K_M", "ffn_down", 31, "Q6_K"),
        ("Q4_K_M", "ffn_down", 7, "Q4_K"),
        ("Q3_K_L", "ffn_down", 0, "Q5_K"),
        ("Q2_K", "ffn_down", 0, "Q3_K"),
        ("F16", "attn_v", 0, "F16"),
        ("BF16", "ffn_down", 0, "BF16"),
        ("F32", "attn_q", 0, "F32"),
        ("q4_k_m", "attn_v", 0, "Q6_K"),  # file types are read case-blind
    ],
)
def test_llama3_1_types(ftype, role, i, expected):
    assert choose_type(ftype, role, i, 32, arch("llama3.1:8b"), 4096) == expected


def test_routed_expert_down_projections_follow_the_ffn_down_rules():
    a = arch("mixtral:8x7b-instruct-v0.1-q4_K_M")
    assert choose_type("Q4_K_M", "ffn_down_exps", 0, 32, a, 14336) == "Q6_K"
    assert choose_type("Q4_K_M", "ffn_down_exps", 4, 32, a, 14336) == "Q4_K"
    assert choose_type("Q4_K_M", "ffn_gate_exps", 0, 32, a, 4096) == "Q4_K"
    assert choose_type("Q4_K_M", "attn_v", 9, 32, a, 4096) == "Q8_0"  # n_expert == 8
    assert choose_type("Q5_K_M", "attn_k", 9, 32, a, 4096) == "Q8_0"
    for ftype in ("Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "IQ4_XS"):
        assert choose_type(ftype, "attn_output", 9, 32, a, 4096) == "Q5_K", ftype


def test_many_experts_are_not_the_eight_expert_rule():
    a = arch("deepseek-v3:671b")  # 256 experts
    assert choose_type("Q4_K_M", "attn_k", 9, 61, a, 7168) == "Q4_K"
    assert choose_type("Q4_K_M", "attn_output", 9, 61, a, 16384) == "Q4_K"
    # layer 10 of 61 is no more-bits layer: (10 - 61/8) % 3 = 0
    assert choose_type("Q4_K_M", "attn_v", 10, 61, a, 512) == "Q4_K"


@pytest.mark.parametrize(("heads", "kv", "expected"), [(4, 1, "Q4_K"), (3, 1, "Q3_K"),
                                                       (8, 4, "Q3_K"), (8, 2, "Q4_K")])
def test_q2_k_values_get_more_bits_with_four_heads_per_kv_head(heads, kv, expected):
    # n_gqa = n_head / n_head_kv: Q4_K when >= 4, else Q3_K
    a = _shape(head_count=(heads,) * 4, head_count_kv=(kv,) * 4)
    assert choose_type("Q2_K", "attn_v", 1, 4, a, 256) == expected


def test_iq4_values_keep_their_type_below_four_heads_per_kv_head():
    a = _shape(head_count=(8,) * 4, head_count_kv=(4,) * 4)  # n_gqa 2
    assert choose_type("IQ4_NL", "attn_v", 1, 4, a, 256) == "IQ4_NL"
    assert choose_type("IQ4_XS", "attn_v", 1, 4, a, 256) == "IQ4_XS"


@pytest.mark.parametrize(
    ("ftype", "role", "row", "expected"),
    [
        ("Q4_K_M", "attn_q", 4000, "Q5_0"),  # 4000 % 256 = 160: Q4_K -> Q5_0
        ("Q5_K_S", "attn_q", 4000, "Q5_1"),  # Q5_K -> Q5_1
        ("Q6_K", "attn_q", 4000, "Q8_0"),  # Q6_K -> Q8_0
        ("Q2_K", "ffn_up", 4000, "IQ4_NL"),  # Q2_K, Q3_K, IQ* -> IQ4_NL
        ("Q3_K_S", "ffn_up", 4000, "IQ4_NL"),
        ("IQ4_XS", "ffn_up", 4000, "IQ4_NL"),
        ("Q4_0", "ffn_up", 4000, "Q4_0"),  # 32-wide blocks fit 4000
        ("Q4_K_M", "attn_q", 4352, "Q4_K"),  # 17·256
        ("Q4_K_M", "attn_q", 256, "Q4_K"),
    ],
)
def test_rows_that_k_quants_cannot_hold_fall_back(ftype, role, row, expected):
    assert choose_type(ftype, role, 10, 32, arch("llama3.1:8b"), row) == expected


def test_an_unknown_file_type_is_sized_as_eight_bit():
    assert choose_type("Q9_X", "attn_q", 3, 32, arch("llama3.1:8b"), 4096) == "Q8_0"


def test_a_model_without_any_kv_head_is_sized_by_hand():
    a = _shape(head_count_kv=(0,) * 4, ssm_inner_size=512, ssm_group_count=1, ssm_state_size=16)
    # Q8_0 (34 B per 32): norms 2·256·4 = 2048; ssm_in [256, 2·512 + 2·16] 270 336 weights
    # -> 287 232; ssm_out [512, 256] -> 139 264; gate, up, down 131 072 each -> 417 792
    assert block_bytes(a, "Q8_0", 0) == 2048 + 287_232 + 139_264 + 417_792


def test_layer_thresholds_divide_as_integers():
    # llama.cpp's n/8 and n/16 are integer divisions: 36/8 = 4 and 36/16 = 2, so layer 4 of
    # a 36-layer model is no early ffn_down layer and layer 2 no very early one
    a = arch("qwen3:4b")
    assert choose_type("Q2_K_S", "ffn_down", 3, 36, a, 9728) == "Q4_K"
    assert choose_type("Q2_K_S", "ffn_down", 4, 36, a, 9728) == "Q2_K"
    assert choose_type("Q3_K_M", "ffn_down", 1, 36, a, 9728) == "Q5_K"
    assert choose_type("Q3_K_M", "ffn_down", 2, 36, a, 9728) == "Q4_K"
    # 144 layers: n/8 = 18, so layers 16 and 17 still get more bits
    assert choose_type("Q4_K_M", "attn_v", 16, 144, a, 2560) == "Q6_K"
    assert choose_type("Q4_K_M", "attn_v", 17, 144, a, 2560) == "Q6_K"
    assert choose_type("Q4_K_M", "attn_v", 18, 144, a, 2560) == "Q4_K"


def test_the_smallest_i_quants_keep_bigger_embeddings():
    # IQ2_XXS: output Q5_K (176 B per 256), token_embd Q2_K (84 B): 2 052 096 blocks each
    # -> 361 168 896 + output_norm 16 384, and 172 376 064
    assert embedding_bytes(arch("llama3.1:8b"), "IQ2_XXS") == (361_185_280, 172_376_064)
    # tied: token_embd takes the output's Q5_K, 1 539 072 blocks -> 270 876 672 + 12 288
    assert embedding_bytes(arch("llama3.2:3b"), "IQ2_XXS") == (270_888_960, 0)


def test_one_kv_head_and_one_query_head():
    # gemma:2b attends with 8 query heads over a single KV head of 256: google/gemma-2b
    # declares 2 506 172 416 parameters = 18 layers of (2048·2048·2 + 2048·256·2 +
    # 3·2048·16384 + 2·2048) + the tied 256 000·2048 embeddings + output_norm 2048
    gemma = Architecture(
        arch="gemma", block_count=18, embedding_length=2048, head_count=(8,) * 18,
        head_count_kv=(1,) * 18, key_length=256, value_length=256, vocab_size=256_000,
        context_length=8192, feed_forward_length=(16384,) * 18, tied_embeddings=True,
    )
    assert count_parameters(gemma) == 2_506_172_416
    # a single query head: q [E, 1·k], output [1·v, E]
    one = _shape(head_count=(1,) * 4, head_count_kv=(1,) * 4, key_length=64, value_length=64)
    assert listing(one, 0)[("attn_q", (256, 64))] == 1
    assert listing(one, 0)[("attn_output", (64, 256))] == 1
