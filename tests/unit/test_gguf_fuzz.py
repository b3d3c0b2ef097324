"""Fuzzing the reader: whatever the bytes, the outcome is a header or a GGUFError, quickly."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import gguf
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quantdesk.core.gguf import GGUFError, GGUFHeader, GGUFLimits, parse_gguf_bytes

# Small caps so a mutated count cannot make one example slow; the real defaults are larger.
LIMITS = GGUFLimits(max_header_bytes=1 << 20, max_array_len=1 << 16, max_string_bytes=1 << 16)


def _seed() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seed.gguf"
        w = gguf.GGUFWriter(path, "llama")
        w.add_uint32("llama.block_count", 2)
        w.add_float32("llama.attention.layer_norm_rms_epsilon", 1e-5)
        w.add_bool("general.flag", True)
        w.add_uint64("general.parameter_count", 123456)
        w.add_array("tokenizer.ggml.tokens", ["<s>", "</s>", "a", "bb", "ccc"])
        w.add_key_value("nested", [[1, 2], [3, 4, 5]], gguf.GGUFValueType.ARRAY)
        w.add_tensor("token_embd.weight", np.zeros((5, 32), dtype=np.float16))
        w.add_tensor("blk.0.w", np.zeros((2, 34), dtype=np.uint8),
                     raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_ti_data_to_file()
        w.close()
        return path.read_bytes()


SEED = _seed()
SEED_HEADER = parse_gguf_bytes(SEED)


def _outcome(raw: bytes) -> GGUFHeader | GGUFError:
    started = time.perf_counter()
    try:
        result: GGUFHeader | GGUFError = parse_gguf_bytes(raw, limits=LIMITS)
    except GGUFError as err:
        assert str(err)  # a message a person can read
        result = err
    assert time.perf_counter() - started < 0.5
    return result


@settings(max_examples=100, deadline=1000)
@given(st.binary(max_size=512))
def test_random_bytes(raw):
    result = _outcome(raw)
    assert isinstance(result, GGUFError) or result.header_end <= len(raw)


@settings(max_examples=100, deadline=1000)
@given(st.binary(max_size=256))
def test_random_bytes_after_a_valid_preamble(tail):
    _outcome(SEED[:24] + tail)


@settings(max_examples=200, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), min_size=1, max_size=6
    ),
    st.one_of(st.none(), st.integers(0, len(SEED))),
)
def test_mutated_valid_headers(edits, cut):
    raw = bytearray(SEED)
    for pos, value in edits:
        raw[pos] = value
    result = _outcome(bytes(raw[:cut]))
    if isinstance(result, GGUFHeader):
        assert result.header_end <= len(raw)
        assert len(result.tensors) <= LIMITS.max_tensor_count


def test_seed_is_a_real_header():
    assert SEED_HEADER.tensor_count == 2
    assert SEED_HEADER.metadata["tokenizer.ggml.tokens"][-1] == "ccc"
