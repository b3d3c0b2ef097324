"""Hostile and broken headers: every limit, every truncation point, malformed fields.

Each case must end quickly in a GGUFError subclass without allocating what the header claims.
"""

from __future__ import annotations

import struct
import time
import tracemalloc

import pytest

from quantdesk.core.gguf import (
    GGUFError,
    GGUFFormatError,
    GGUFLimitError,
    GGUFLimits,
    GGUFTruncatedError,
    parse_gguf_bytes,
    read_gguf_header,
)


def s(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(data)) + data


def kv(key: str, vtype: int, payload: bytes) -> bytes:
    return s(key) + struct.pack("<I", vtype) + payload


def tensor(name: str, dims: tuple[int, ...], type_code: int = 0, offset: int = 0) -> bytes:
    return s(name) + struct.pack(f"<I{len(dims)}QIQ", len(dims), *dims, type_code, offset)


def gguf_bytes(kvs: list[bytes], tensors: list[bytes], *, version: int = 3,
               n_tensors: int | None = None, n_kv: int | None = None) -> bytes:
    head = struct.pack("<4sIQQ", b"GGUF", version,
                       len(tensors) if n_tensors is None else n_tensors,
                       len(kvs) if n_kv is None else n_kv)
    return head + b"".join(kvs) + b"".join(tensors)


def _valid() -> bytes:
    return gguf_bytes(
        [
            kv("general.architecture", 8, s("llama")),
            kv("llama.block_count", 4, struct.pack("<I", 2)),
            kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + s("a") + s("bc") + s("d")),
            kv("tokenizer.ggml.scores", 9, struct.pack("<IQ3f", 6, 3, 0.0, -1.0, -2.0)),
        ],
        [tensor("token_embd.weight", (64, 3), 8), tensor("output_norm.weight", (64,), 0, 128)],
    )


def _fails_fast(raw: bytes, error: type[GGUFError], match: str = "", **limits: int) -> GGUFError:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(error, match=match) as caught:
            parse_gguf_bytes(raw, limits=GGUFLimits(**limits))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1.0
    assert peak < 16 * 2**20, f"allocated {peak} bytes for a {len(raw)}-byte header"
    return caught.value


def test_valid_fixture_parses():
    h = parse_gguf_bytes(_valid())
    assert h.metadata["tokenizer.ggml.tokens"] == ("a", "bc", "d")
    assert list(h.metadata["tokenizer.ggml.scores"]) == [0.0, -1.0, -2.0]
    assert [t.name for t in h.tensors] == ["token_embd.weight", "output_norm.weight"]


def test_string_length_2_pow_63_is_a_limit_error():
    raw = gguf_bytes([kv("x", 8, struct.pack("<Q", 2**63) + b"abc")], [])
    err = _fails_fast(raw, GGUFLimitError, "string")
    assert "9,223,372,036,854,775,808" in str(err)


def test_key_length_beyond_limit():
    raw = gguf_bytes([struct.pack("<Q", 2**40) + b"k"], [])
    _fails_fast(raw, GGUFLimitError, "key")


def test_string_element_beyond_limit_inside_an_array():
    elements = struct.pack("<IQ", 8, 2) + s("ok") + struct.pack("<Q", 2**50)
    raw = gguf_bytes([kv("t", 9, elements)], [])
    _fails_fast(raw, GGUFLimitError, "string")


def test_array_count_2_pow_40_is_a_limit_error():
    raw = gguf_bytes([kv("t", 9, struct.pack("<IQ", 5, 2**40) + b"\x00" * 64)], [])
    _fails_fast(raw, GGUFLimitError, "array of 1,099,511,627,776")


def test_array_within_count_limit_but_beyond_header_cap():
    # 3M u64 elements = 24 MiB, under the element limit but over a 4 MiB header cap
    raw = gguf_bytes([kv("t", 9, struct.pack("<IQ", 10, 3_000_000))], [])
    _fails_fast(raw, GGUFLimitError, "larger than", max_header_bytes=4 * 2**20)


def test_string_array_declared_longer_than_the_cap_fails_before_walking():
    raw = gguf_bytes([kv("t", 9, struct.pack("<IQ", 8, 3_000_000))], [])
    _fails_fast(raw, GGUFLimitError, "larger than", max_header_bytes=4 * 2**20)


def test_huge_tensor_count_is_a_limit_error():
    raw = gguf_bytes([], [], n_tensors=2**62)
    _fails_fast(raw, GGUFLimitError, "tensors")


def test_huge_kv_count_is_a_limit_error():
    _fails_fast(gguf_bytes([], [], n_kv=2**50), GGUFLimitError, "metadata entries")


def test_counts_that_could_not_fit_the_cap_are_refused_up_front():
    raw = gguf_bytes([], [], n_tensors=200_000)  # under the count limit, 4.8 MB at the least
    _fails_fast(raw, GGUFLimitError, "cannot fit", max_header_bytes=2**20)


def test_too_many_dims():
    raw = gguf_bytes([], [tensor("t", (1, 1, 1, 1, 1))])
    _fails_fast(raw, GGUFLimitError, "5 dimensions")


def test_n_dims_of_2_pow_32_minus_1_does_not_allocate():
    raw = gguf_bytes([], [s("t") + struct.pack("<I", 2**32 - 1)])
    _fails_fast(raw, GGUFLimitError, "dimensions")


def test_nesting_depth_limit():
    depth = 20
    payload = b"".join(struct.pack("<IQ", 9, 1) for _ in range(depth)) + struct.pack("<IQ", 0, 0)
    raw = gguf_bytes([kv("deep", 9, payload)], [])
    _fails_fast(raw, GGUFLimitError, "nests arrays")
    # the same shape within the limit parses
    shallow = b"".join(struct.pack("<IQ", 9, 1) for _ in range(3)) + struct.pack("<IQ", 0, 0)
    h = parse_gguf_bytes(gguf_bytes([kv("ok", 9, shallow)], []))
    assert len(h.metadata["ok"][0][0][0]) == 0


def test_array_count_limit_is_configurable():
    raw = gguf_bytes([kv("t", 9, struct.pack("<IQ", 0, 10) + bytes(10))], [])
    assert len(parse_gguf_bytes(raw).metadata["t"]) == 10
    _fails_fast(raw, GGUFLimitError, "10 elements", max_array_len=9)


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (gguf_bytes([kv("x", 13, b"\x00" * 8)], []), "unknown value type 13"),
        (gguf_bytes([kv("x", 9, struct.pack("<IQ", 99, 1))], []), "unknown type 99"),
        (gguf_bytes([kv("x", 4, b"\x01\x00\x00\x00"), kv("x", 4, b"\x02\x00\x00\x00")], []),
         "appears twice"),
        (gguf_bytes([], [tensor("t", (4,)), tensor("t", (4,))]), "appears twice"),
        (gguf_bytes([kv("general.alignment", 4, struct.pack("<I", 24))], []), "power of two"),
        (gguf_bytes([kv("general.alignment", 4, struct.pack("<I", 0))], []), "power of two"),
        (gguf_bytes([kv("general.alignment", 8, s("32"))], []), "power of two"),
        (gguf_bytes([], [tensor("t", (100, 2), 12)]), "whole number of Q4_K blocks"),
    ],
)
def test_malformed_fields(raw, match):
    _fails_fast(raw, GGUFFormatError, match)


def test_every_truncation_point_is_a_truncated_error():
    raw = _valid()
    sections = set()
    for cut in range(len(raw)):
        with pytest.raises(GGUFTruncatedError) as err:
            parse_gguf_bytes(raw[:cut])
        sections.add(str(err.value).split(":")[1].split(" needs")[0].strip())
    # the message names where the header ended: magic, counts, each KV, each tensor info
    assert any("magic" in w for w in sections)
    assert any("counts" in w for w in sections)
    assert any("tokenizer.ggml.tokens" in w for w in sections)
    assert any("tensor info 2 of 2" in w for w in sections)
    assert parse_gguf_bytes(raw).header_end == len(raw)


def test_truncated_local_file(tmp_path):
    path = tmp_path / "cut.gguf"
    path.write_bytes(_valid()[:-5])
    with pytest.raises(GGUFTruncatedError, match="download it again"):
        read_gguf_header(path)


def test_local_read_stops_at_the_cap(tmp_path):
    # a declared 3 MiB string under a 1 MiB cap: refused after reading at most the cap
    path = tmp_path / "big.gguf"
    path.write_bytes(gguf_bytes([kv("x", 8, s(b"a" * (3 * 2**20)))], []))
    with pytest.raises(GGUFLimitError):
        read_gguf_header(path, limits=GGUFLimits(max_header_bytes=2**20), first_chunk=4096)


def test_local_read_grows_only_as_far_as_needed(tmp_path):
    body = gguf_bytes([kv("x", 8, s(b"a" * 300_000))], [tensor("t", (4,))])
    path = tmp_path / "m.gguf"
    path.write_bytes(body + bytes(5 * 2**20))  # a big data section that must not be read
    h = read_gguf_header(path, first_chunk=4096)
    assert h.header_end == len(body)
    assert len(body) <= h.bytes_read < 2 * len(body) + 4096
