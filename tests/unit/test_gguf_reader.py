"""The GGUF header reader on real files: gguf-package files, a hand-made v2, derived facts."""

from __future__ import annotations

import struct
from pathlib import Path

import gguf
import numpy as np
import pytest

from quantdesk.core.gguf import (
    DEFAULT_LIMITS,
    GGUFLimitError,
    GGUFLimits,
    GGUFSourceError,
    GGUFVersionError,
    NotGGUFError,
    SkippedStrings,
    ValueType,
    all_ggml_types,
    ggml_type,
    ggml_type_named,
    parse_gguf_bytes,
    read_gguf_header,
    tensor_nbytes,
)
from quantdesk.core.gguf.parser import NeedMore, parse_header


def _write(path: Path, build, *, endianess=gguf.GGUFEndian.LITTLE) -> Path:
    w = gguf.GGUFWriter(path, "llama", endianess=endianess)
    build(w)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def _array(w: gguf.GGUFWriter, key: str, values: list, sub_type: str) -> None:
    w.add_key_value(key, values, gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType[sub_type])


def _every_type(w: gguf.GGUFWriter) -> None:
    w.add_uint8("t.u8", 200)
    w.add_int8("t.i8", -100)
    w.add_uint16("t.u16", 60000)
    w.add_int16("t.i16", -30000)
    w.add_uint32("t.u32", 4_000_000_000)
    w.add_int32("t.i32", -2_000_000_000)
    w.add_float32("t.f32", 0.5)
    w.add_bool("t.bool", True)
    w.add_string("t.str", "héllo wörld")
    w.add_uint64("t.u64", 2**63 + 5)
    w.add_int64("t.i64", -(2**62))
    w.add_float64("t.f64", 1e-300)
    w.add_array("t.strs", ["a", "", "ünï"])
    _array(w, "t.i32s", [1, -2, 3], "INT32")
    _array(w, "t.f32s", [0.25, 2.0], "FLOAT32")
    _array(w, "t.u64s", [2**40, 7], "UINT64")
    _array(w, "t.bools", [True, False], "BOOL")
    w.add_key_value("t.nested", [[1, 2], [3]], gguf.GGUFValueType.ARRAY)
    w.add_uint32("llama.block_count", 2)
    w.add_file_type(15)
    w.add_tensor("token_embd.weight", np.zeros((3, 8), dtype=np.float16))
    w.add_tensor("blk.0.attn_norm.weight", np.ones((8,), dtype=np.float32))
    # a quantised tensor: 2 rows of 256 weights as raw Q4_K blocks (144 bytes each)
    w.add_tensor("blk.0.ffn_up.weight", np.zeros((2, 144), dtype=np.uint8),
                 raw_dtype=gguf.GGMLQuantizationType.Q4_K)


def test_reads_every_value_type_and_tensor_from_a_gguf_package_file(tmp_path):
    path = _write(tmp_path / "m.gguf", _every_type)
    h = read_gguf_header(path)
    md = h.metadata
    assert h.version == 3
    assert (md["t.u8"], md["t.i8"], md["t.u16"], md["t.i16"]) == (200, -100, 60000, -30000)
    assert (md["t.u32"], md["t.i32"]) == (4_000_000_000, -2_000_000_000)
    assert md["t.f32"] == 0.5 and md["t.f64"] == 1e-300
    assert md["t.bool"] is True
    assert md["t.str"] == "héllo wörld"
    assert (md["t.u64"], md["t.i64"]) == (2**63 + 5, -(2**62))
    assert md["t.strs"] == ("a", "", "ünï")
    assert list(md["t.i32s"]) == [1, -2, 3]
    assert list(md["t.f32s"]) == [0.25, 2.0]
    assert list(md["t.u64s"]) == [2**40, 7]
    assert md["t.bools"] == (True, False)
    assert [list(inner) for inner in md["t.nested"]] == [[1, 2], [3]]
    assert h.value_types["t.strs"] == ValueType.ARRAY
    assert h.value_types["t.f64"] == ValueType.FLOAT64
    assert h.architecture == "llama" and h.file_type == 15

    names = [t.name for t in h.tensors]
    assert names == ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.ffn_up.weight"]
    embd, norm, up = h.tensors
    assert embd.dims == (8, 3) and embd.type_name == "F16" and embd.nbytes == 48
    assert norm.dims == (8,) and norm.type_name == "F32" and norm.nbytes == 32
    assert up.dims == (256, 2) and up.type_name == "Q4_K" and up.nbytes == 288
    assert h.weight_bytes == 48 + 32 + 288
    assert h.tensor("blk.0.ffn_up.weight") is up and h.tensor("missing") is None


def test_derived_offsets_match_the_file_on_disk(tmp_path):
    path = _write(tmp_path / "m.gguf", _every_type)
    h = read_gguf_header(path)
    raw = path.read_bytes()
    assert h.alignment == 32
    assert h.data_offset % 32 == 0 and h.header_end <= h.data_offset < h.header_end + 32
    assert raw[h.header_end : h.data_offset] == bytes(h.data_offset - h.header_end)
    # the F32 norm tensor's data really sits at data_offset + offset
    norm = h.tensor("blk.0.attn_norm.weight")
    start = h.data_offset + norm.offset
    assert np.frombuffer(raw[start : start + 32], dtype="<f4").tolist() == [1.0] * 8
    assert h.expected_file_size is not None
    assert h.expected_file_size <= len(raw) < h.expected_file_size + 32
    assert h.bytes_read == len(raw)  # a small file: the first chunk held all of it


def test_custom_alignment_moves_the_data_offset(tmp_path):
    def build(w):
        w.add_custom_alignment(64)
        w.add_tensor("t", np.ones((5,), dtype=np.float32))

    path = _write(tmp_path / "a.gguf", build)
    h = read_gguf_header(path)
    assert h.alignment == 64 and h.data_offset % 64 == 0
    start = h.data_offset + h.tensors[0].offset
    assert np.frombuffer(path.read_bytes()[start : start + 20], dtype="<f4").tolist() == [1.0] * 5


def test_toy_file_from_the_spec_has_its_documented_offsets():
    # remote-catalogs.md §4.1: 1 KV general.architecture="llama", 1 tensor t F32 [4]
    kv = _s("general.architecture") + struct.pack("<I", 8) + _s("llama")
    ti = _s("t") + struct.pack("<IQIQ", 1, 4, 0, 0)
    raw = b"GGUF" + struct.pack("<IQQ", 3, 1, 1) + kv + ti
    h = parse_gguf_bytes(raw)
    assert h.header_end == 102 and h.data_offset == 128
    assert h.expected_file_size == 144
    assert h.metadata == {"general.architecture": "llama"}


def _s(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def test_hand_made_version_2_file_is_read(tmp_path):
    kv = (
        _s("general.architecture") + struct.pack("<I", 8) + _s("llama")
        + _s("llama.context_length") + struct.pack("<IQ", 10, 4096)
        + _s("general.alignment") + struct.pack("<II", 4, 16)
    )
    ti = _s("output.weight") + struct.pack("<I2QIQ", 2, 64, 10, 8, 0)
    path = tmp_path / "v2.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 2, 1, 3) + kv + ti + bytes(64))
    h = read_gguf_header(path)
    assert h.version == 2 and h.alignment == 16
    assert h.metadata["llama.context_length"] == 4096
    (t,) = h.tensors
    assert (t.dims, t.type_name, t.nbytes) == ((64, 10), "Q8_0", 64 * 10 // 32 * 34)
    assert h.data_offset == -(-h.header_end // 16) * 16


def test_version_1_is_rejected_with_advice():
    raw = b"GGUF" + struct.pack("<III", 1, 0, 0)
    with pytest.raises(GGUFVersionError, match="version 1") as err:
        parse_gguf_bytes(raw)
    assert "newer build" in str(err.value)


def test_future_version_is_rejected():
    with pytest.raises(GGUFVersionError, match="version 7"):
        parse_gguf_bytes(b"GGUF" + struct.pack("<IQQ", 7, 0, 0))


def test_big_endian_files_are_detected_and_rejected(tmp_path):
    def build(w):
        w.add_uint32("llama.block_count", 2)

    path = _write(tmp_path / "be.gguf", build, endianess=gguf.GGUFEndian.BIG)
    with pytest.raises(GGUFVersionError, match="big-endian"):
        read_gguf_header(path)
    # the other convention: the magic itself written big-endian
    with pytest.raises(GGUFVersionError, match="big-endian"):
        parse_gguf_bytes(b"FUGG" + struct.pack(">IQQ", 3, 0, 0))


@pytest.mark.parametrize(
    ("raw", "hint"),
    [(b"<!DOCTYPE html><html>", "web page"), (b"PK\x03\x04zip", "file path"), (b"\x00" * 32, "")],
)
def test_non_gguf_bytes_are_refused(raw, hint):
    with pytest.raises(NotGGUFError, match="not a GGUF") as err:
        parse_gguf_bytes(raw)
    assert hint in str(err.value)


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(GGUFSourceError, match="Could not read"):
        read_gguf_header(tmp_path / "nope.gguf")


def test_model_info_looks_like_ollama_show(tmp_path):
    def build(w):
        w.add_uint32("llama.block_count", 32)
        w.add_uint64("general.parameter_count", 8_030_261_248)
        w.add_name("Meta Llama 3.1 8B")
        w.add_chat_template("{{ .Prompt }}")
        w.add_key_value("llama.attention.head_count_kv", [8, 8, 8], gguf.GGUFValueType.ARRAY,
                        sub_type=gguf.GGUFValueType.INT32)
        w.add_array("tokenizer.ggml.tokens", [f"t{i}" for i in range(50)])
        w.add_tensor("t", np.ones((4,), dtype=np.float32))

    h = read_gguf_header(_write(tmp_path / "m.gguf", build))
    info = h.model_info()
    assert info["general.architecture"] == "llama"
    assert info["llama.block_count"] == 32
    assert info["general.parameter_count"] == 8_030_261_248
    assert info["llama.attention.head_count_kv"] == [8, 8, 8]  # short arrays kept, as lists
    assert info["tokenizer.ggml.tokens"] == []  # long arrays summarised like Ollama
    assert "general.name" not in info and "tokenizer.chat_template" not in info
    assert len(h.model_info(max_array_len=100)["tokenizer.ggml.tokens"]) == 50
    assert h.parameter_count == 8_030_261_248
    assert h.ollama_tensors() == [{"name": "t", "type": "F32", "shape": [4]}]


def test_skipping_long_string_arrays_keeps_the_shape_and_checks_every_length(tmp_path):
    def build(w):
        w.add_uint32("llama.block_count", 32)
        w.add_array("tokenizer.ggml.tokens", [f"tok{i}" for i in range(300)])
        w.add_array("tokenizer.ggml.merges", ["a b", "c d"])
        w.add_array("tokenizer.ggml.scores", [0.5] * 300)
        w.add_tensor("blk.0.attn_q.weight", np.ones((8, 16), dtype=np.float32))

    raw = _write(tmp_path / "m.gguf", build).read_bytes()
    full = parse_gguf_bytes(raw)
    lean = parse_header(raw, DEFAULT_LIMITS, skip_strings_over=5)
    assert lean.metadata["tokenizer.ggml.tokens"] == SkippedStrings(300)
    assert len(lean.metadata["tokenizer.ggml.tokens"]) == 300
    assert lean.metadata["tokenizer.ggml.merges"] == ("a b", "c d")  # short: decoded
    assert len(lean.metadata["tokenizer.ggml.scores"]) == 300  # numbers: one buffer, kept
    assert lean.model_info() == full.model_info()
    assert lean.tensors == full.tensors and lean.header_end == full.header_end
    assert lean.data_offset == full.data_offset

    # A skipped array is still read length by length: running short asks for more bytes,
    # and an oversized element is refused, exactly as when it is decoded.
    cut = raw.index(b"tok299") + 2
    with pytest.raises(NeedMore):
        parse_header(raw[:cut], DEFAULT_LIMITS, skip_strings_over=5)
    small = GGUFLimits(max_string_bytes=5)  # "tok100" is 6 bytes
    with pytest.raises(GGUFLimitError, match="string of 6 bytes"):
        parse_header(raw, small, skip_strings_over=5)


def test_type_table_agrees_with_the_gguf_package():
    for kind in all_ggml_types():
        if kind.name == "Q8_1":  # never stored in files; the package keeps an old layout
            continue
        assert gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(kind.code)] == (
            kind.block, kind.block_bytes)
    assert ggml_type(4) is None and ggml_type(12).name == "Q4_K"


def test_tensor_sizes_from_the_spec_examples():
    assert tensor_nbytes(ggml_type_named("Q4_K"), (4096, 4096)) == 9_437_184
    assert tensor_nbytes(ggml_type_named("Q6_K"), (4096, 128256)) == 430_940_160


def test_unknown_tensor_type_is_kept_without_a_size():
    ti = _s("w") + struct.pack("<IQIQ", 1, 64, 42, 0)
    h = parse_gguf_bytes(b"GGUF" + struct.pack("<IQQ", 3, 1, 0) + ti)
    assert h.tensors[0].nbytes is None and h.tensors[0].type_name == "type42"
    assert h.unknown_tensor_types == (42,)
    assert h.expected_file_size is None and h.weight_bytes == 0
