"""core.safe_json and core.atomic: bounded decoding, and writes that are all or nothing."""

from __future__ import annotations

import errno
import json
import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quantdesk.core.atomic import AtomicWriteError, write_atomic
from quantdesk.core.safe_json import JsonRejected, loads, nesting_depth_exceeds


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [1, 10, 63, 64])
def test_depth_within_the_limit_decodes(depth):
    value = loads(_nested(depth), max_depth=64)
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize("doc", [_nested(65), _nested(100_000), b"[" * 100_000,
                                 b'{"a":' * 70_000 + b"1" + b"}" * 70_000])
def test_deeper_is_refused_quickly(doc):
    started = time.perf_counter()
    with pytest.raises(JsonRejected, match="nested more than 64 levels"):
        loads(doc, max_depth=64)
    assert time.perf_counter() - started < 1.0


def test_brackets_inside_strings_do_not_count():
    doc = json.dumps({"text": "[" * 10_000 + "]{" * 5000}).encode()
    assert not nesting_depth_exceeds(doc, 8)
    assert loads(doc, max_depth=8)["text"].startswith("[[[")


@given(st.recursive(st.none() | st.integers() | st.text(),
                    lambda kids: st.lists(kids) | st.dictionaries(st.text(), kids)))
def test_the_depth_check_agrees_with_the_decoder(value):
    doc = json.dumps(value).encode()
    assert loads(doc) == value


@pytest.mark.parametrize(("doc", "expected"), [
    (b'{"x": NaN, "y": Infinity, "z": -Infinity}', {"x": None, "y": None, "z": None}),
    (b'{"name": "a\xffb"}', {"name": "a\ufffdb"}),  # invalid UTF-8 reads as U+FFFD
    (b'{"a": 1, "a": 2}', {"a": 2}),  # duplicate keys: the last wins, as in Go
    (b'{"n": 1e999}', {"n": float("inf")}),
])
def test_odd_but_decodable_documents(doc, expected):
    assert loads(doc) == expected


@pytest.mark.parametrize("doc", [b"", b"{", b'{"n": ' + b"9" * 5000 + b"}", b"\x00"])
def test_undecodable_documents_raise_one_error_type(doc):
    with pytest.raises(JsonRejected, match="not valid JSON"):
        loads(doc)


def test_atomic_write_replaces_whole_and_keeps_permissions(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_atomic(target, "new " * 1_000_000)
    assert target.read_text() == "new " * 1_000_000
    assert os.stat(target).st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_atomic_write_on_a_full_disk_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(AtomicWriteError, match="disk is full") as caught:
        write_atomic(target, "new")
    assert caught.value.errno == errno.ENOSPC
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
