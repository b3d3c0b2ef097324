"""What a rejected model name tells the user, and the edges of the grammar (ollama-api.md §11).

Each expected message is written out by hand: the user must learn which part is wrong and see
exactly what they typed.
"""

from __future__ import annotations

import pytest

from quantdesk.core.ollama.errors import InvalidModelName
from quantdesk.core.ollama.names import parse_model_name, split_source

TAIL = " Names look like 'llama3.1:8b-instruct-q4_K_M' or 'namespace/model:tag'."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("llama3:", "'llama3:' is not a valid model name: the tag is empty."),
        ("", "'' is not a valid model name: the model is empty."),
        ("/llama3", "'/llama3' is not a valid model name: the namespace is empty."),
        ("/team/m", "'/team/m' is not a valid model name: the host is empty."),
        ("llama3:q4 k", "'llama3:q4 k' is not a valid model name: the tag 'q4 k' has a "
         "character or length the daemon does not accept."),
        ("llama 3", "'llama 3' is not a valid model name: the model 'llama 3' has a "
         "character or length the daemon does not accept."),
        ("my.team/m", "'my.team/m' is not a valid model name: the namespace 'my.team' has a "
         "character or length the daemon does not accept."),
        ("my host/team/m", "'my host/team/m' is not a valid model name: the host 'my host' "
         "has a character or length the daemon does not accept."),
        ("a/b/c/d", "'a/b/c/d' is not a valid model name: it has too many '/' parts."),
        # the colon sits between two slashes: it is no tag separator, so the namespace
        # "n:x" is what is wrong (not a tag "x/m")
        ("h/n:x/m", "'h/n:x/m' is not a valid model name: the namespace 'n:x' has a "
         "character or length the daemon does not accept."),
    ],
)
def test_each_rejection_names_the_part_and_what_was_typed(text, message):
    with pytest.raises(InvalidModelName) as caught:
        parse_model_name(text)
    assert str(caught.value) == message + TAIL
    assert caught.value.name == text


def test_the_message_shows_the_name_as_typed_before_trimming():
    with pytest.raises(InvalidModelName) as caught:
        parse_model_name("  llama 3  ")
    assert caught.value.name == "  llama 3  "
    assert str(caught.value).startswith("'  llama 3  ' is not a valid model name: the model ")


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("llama3.2", "https"),  # the daemon pulls over https unless told otherwise
        ("HTTP://myhost.io:5000/team/m", "http"),
        ("https://myhost.io/team/m:v1", "https"),
    ],
)
def test_scheme_defaults_to_https_and_is_lower_cased(text, scheme):
    assert parse_model_name(text).scheme == scheme


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":local", ("", "local")),
        # a registry port is not a source suffix, even when the name ends in -cloud
        ("myhost.io:5000/team/m-cloud", ("myhost.io:5000/team/m-cloud", None)),
        ("gpt-oss:20b-cloud", ("gpt-oss:20b", "cloud")),
        ("qwen3:8b", ("qwen3:8b", None)),
    ],
)
def test_split_source_edges(text, expected):
    assert split_source(text) == expected


@pytest.mark.parametrize("text", ["gpt-oss:20b-cloud:local", " qwen3:8b:cloud:local "])
def test_two_source_suffixes_are_refused_with_the_reason(text):
    with pytest.raises(InvalidModelName) as caught:
        split_source(text)
    raw = text.strip()
    assert caught.value.name == raw
    assert str(caught.value) == (
        f"'{raw}' is not a valid model name: use either :local or :cloud, not both." + TAIL
    )
