"""core.inert: every control character from outside is shown escaped, text is kept."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quantdesk.core.inert import (
    InertStream,
    InertWriter,
    brief,
    inert,
    inert_html,
    inert_stdio,
    raw_stream,
)


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # OSC: window title
    ("\x1b[2J\x1b[31mred\x1b[0m", "\\x1b[2J\\x1b[31mred\\x1b[0m"),  # CSI: clear, colours
    ("\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\", "\\x1b]8;;http://x/\\x1b\\link\\x1b]8;;\\x1b\\"),
    ("\x9b31m\x9d0;t\x9c\x90q\x9c", "\\x9b31m\\x9d0;t\\x9c\\x90q\\x9c"),  # C1 forms
    ("ok\rspoofed", "ok\\x0dspoofed"),  # a bare CR would overwrite the line
    ("a\r\nb", "a\nb"),
    ("tab\tand\nnewline", "tab\tand\nnewline"),
    ("\x00\x08\x7f", "\\x00\\x08\\x7f"),
    ("abc\u202edef", "abc\\u202edef"),  # right-to-left override
    ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
    ("Grüße, 東京, emoji 🙂", "Grüße, 東京, emoji 🙂"),
])
def test_controls_are_escaped_and_text_is_kept(raw, shown):
    assert inert(raw) == shown


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text):
    out = inert(text)
    assert not any(ord(c) < 0x20 and c not in "\t\n" for c in out)
    assert not any(0x7F <= ord(c) <= 0x9F for c in out)
    out.encode("utf-8")  # no lone surrogate left to fail the write
    assert inert(out) == out  # escaping twice changes nothing


def test_brief_cuts_long_untrusted_text_and_says_how_much():
    assert brief("x" * 1000, 10) == "x" * 10 + "… (990 more characters)"
    assert brief("\x1b[2J", 10) == "\\x1b[2J"


def test_a_cr_lf_split_across_tokens_is_still_a_newline():
    stream = InertStream()
    assert stream.feed("one\r") == "one"
    assert stream.feed("\ntwo\r") == "\ntwo"
    assert stream.flush() == "\\x0d"


def test_the_writer_filters_and_the_raw_stream_does_not():
    under = io.StringIO()
    writer = InertWriter(under)
    writer.write("\x1b[2Jhi\r")
    writer.flush()
    assert under.getvalue() == "\\x1b[2Jhi"  # the CR is held for its LF
    raw_stream(writer).write("\r")  # a progress bar's own CR
    writer.finish()
    assert under.getvalue() == "\\x1b[2Jhi\r\\x0d"
    assert raw_stream(under) is under


def test_inert_stdio_wraps_and_restores(capsys):
    import sys

    before = sys.stdout
    with inert_stdio():
        print("\x1b]0;t\x07")
        assert isinstance(sys.stdout, InertWriter)
    assert sys.stdout is before
    assert capsys.readouterr().out == "\\x1b]0;t\\x07\n"


def test_inert_html_shows_markup_as_text():
    assert inert_html('0.32 <img src="http://127.0.0.1:9/x">\x1b[2J') == (
        "0.32 &lt;img src=&quot;http://127.0.0.1:9/x&quot;&gt;\\x1b[2J")
