"""keep_alive values: numbers stay numbers, Go durations stay strings, junk is refused."""

from __future__ import annotations

import pytest

from quantdesk.core.ollama.keepalive import parse_keep_alive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("300", 300),
        ("-1", -1),
        ("0", 0),
        ("2.5", 2.5),
        (" 60 ", 60),
        ("10m", "10m"),
        ("1h30m", "1h30m"),
        ("-1m", "-1m"),
        ("500ms", "500ms"),
        ("1.5h", "1.5h"),
        (42, 42),
    ],
)
def test_accepted(text, expected):
    value = parse_keep_alive(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("text", ["", "ten minutes", "10x", "m", "nan", "inf", "1h 30m"])
def test_refused(text):
    with pytest.raises(ValueError, match="keep-alive"):
        parse_keep_alive(text)
