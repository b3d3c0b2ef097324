"""Per-layer weight bytes grouped as Ollama's ``GroupLayers`` (fs/ggml/ggml.go) groups a
file's tensors, and the shape-only split rescaled to a file's size, with every byte count
written out by hand (F16: 2 bytes a weight, F32: 4, Q8_0: 34 bytes per 32)."""

from __future__ import annotations

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit.layers import LayerWeights, from_shape, from_tensors
from quantdesk.core.quant import parse_quant


def test_tensors_group_into_blocks_output_embeddings_and_projector():
    tensors = [
        ("blk.0.attn_q.weight", "F16", [256, 256]),  # 131 072
        ("blk.0.attn_norm.weight", "F32", [256]),  # 1 024
        ("blk.1.ffn_down.weight", "Q8_0", [512, 256]),  # 4096 blocks of 34 = 139 264
        {"name": "blk.1.attn_q.bias", "type": "F32", "shape": [256]},  # 1 024
        ("output.weight", "Q8_0", [256, 1000]),  # 8000 blocks = 272 000
        ("output.bias", "F32", [1000]),  # 4 000
        ("output_norm.weight", 0, [256]),  # F32 by its GGUF type id: 1 024
        ("token_embd.weight", 1, [256, 1000]),  # F16 by id: 512 000
        ("v.blk.0.attn_q.weight", "F16", [64, 64]),  # 8 192
        ("mm.0.weight", "F16", [64, 256]),  # 32 768
        ("mmproj.fc.weight", "F32", [16]),  # 64
        ("rope_freqs.weight", "F32", [64]),  # neither a layer nor the output
    ]
    w = from_tensors(tensors, block_count=2)
    assert w == LayerWeights((132_096, 140_288), 277_024, 512_000, 41_024, "tensors")
    assert w.repeating == 272_384 and w.total == 272_384 + 277_024 + 512_000 + 41_024


def test_every_vision_prefix_is_the_projector():
    names = ["v.patch_embd", "mm.input_projection", "vision_tower.x", "visual.merger",
             "enc.blk.0.q", "mmproj.norm"]
    w = from_tensors([(f"{n}.weight", "F32", [8]) for n in names], block_count=0)
    assert (w.projector, w.output, w.token_embd, w.blocks) == (6 * 32, 0, 0, ())


def test_layers_past_the_block_count_are_left_out():
    # a next-token-prediction layer (blk.2 of a 2-block model) is not one of the blocks
    w = from_tensors([("blk.1.ffn_up.weight", "F16", [4]), ("blk.2.ffn_up.weight", "F16", [4])],
                     block_count=2)
    assert w == LayerWeights((0, 8), 0, 0, 0, "tensors")


def test_without_an_output_tensor_the_embeddings_are_the_output_layer():
    w = from_tensors([("token_embd.weight", "F16", [256, 1000]),
                      ("output_norm.weight", "F32", [256])], block_count=1)
    assert w == LayerWeights((0,), 512_000 + 1_024, 0, 0, "tensors")


def shape() -> Architecture:
    return Architecture(
        arch="llama", block_count=4, embedding_length=256, head_count=(8,) * 4,
        head_count_kv=(2,) * 4, key_length=32, value_length=32, vocab_size=1000,
        context_length=2048, feed_forward_length=(512,) * 4,
    )


# F16 blocks: norms 2·256·4 = 2 048; q, o 256·256·2 = 131 072 each; k, v 256·64·2 = 32 768
# each; gate, up, down 256·512·2 = 262 144 each -> 1 116 160 per block, 4 464 640 for four.
# output 256·1000·2 = 512 000 + norm 1 024 = 513 024; token_embd 512 000; all 5 489 664.
BLOCK, OUTPUT, EMBD, ALL = 1_116_160, 513_024, 512_000, 5_489_664


def test_the_shape_alone():
    assert from_shape(shape(), "F16") == LayerWeights((BLOCK,) * 4, OUTPUT, EMBD, 0, "shape")
    assert from_shape(shape(), parse_quant("fp16")) == from_shape(shape(), "F16")
    # no file type known: sized as Q4_K_M, a quarter-ish of F16
    assert from_shape(shape(), None) == from_shape(shape(), "Q4_K_M")
    assert from_shape(shape(), None).total < ALL // 3


def test_a_file_size_within_one_percent_is_tokenizer_and_metadata():
    # 1 % of 5 545 115 is 55 451: 55 451 more bytes than the tensors keep the split
    w = from_shape(shape(), "F16", ALL + 55_451)
    assert w == LayerWeights((BLOCK,) * 4, OUTPUT, EMBD, 0, "file size")
    assert from_shape(shape(), "F16", ALL - 50_000).blocks == (BLOCK,) * 4


def test_a_larger_file_scales_the_blocks_only():
    # twice the bytes: the blocks take all but the exact output and embeddings,
    # (10 979 328 - 513 024 - 512 000) / 4 = 2 488 576 each
    w = from_shape(shape(), "F16", 2 * ALL)
    assert w == LayerWeights((2_488_576,) * 4, OUTPUT, EMBD, 0, "file size")
    assert w.total == 2 * ALL


def test_a_file_smaller_than_its_embeddings_scales_every_part():
    # an eighth of the bytes cannot even hold the output and embeddings: all shrink to 1/8
    w = from_shape(shape(), "F16", ALL // 8)
    assert w == LayerWeights((139_520,) * 4, 64_128, 64_000, 0, "file size")


def test_a_file_exactly_the_size_of_its_embeddings_keeps_the_proportions():
    # nothing left for the blocks (1 025 024 = output + embeddings): every part shrinks by
    # 1 025 024 / 5 489 664 = 0.18672 rather than the blocks dropping to nothing:
    # 1 116 160 -> 208 408.2, 513 024 -> 95 791.3, 512 000 -> 95 600.1 (whole bytes kept)
    w = from_shape(shape(), "F16", OUTPUT + EMBD)
    assert w == LayerWeights((208_408,) * 4, 95_791, 95_600, 0, "file size")
