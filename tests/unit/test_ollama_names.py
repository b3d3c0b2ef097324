"""Model name grammar (ollama-api.md §11)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.ollama.errors import InvalidModelName
from quantdesk.core.ollama.names import (
    ModelName,
    display_name,
    is_valid_model_name,
    parse_model_name,
    same_model,
    split_source,
)


@pytest.mark.parametrize(
    ("text", "host", "namespace", "model", "tag"),
    [
        ("llama3.2", "registry.ollama.ai", "library", "llama3.2", "latest"),
        ("llama3.1:8b-instruct-q4_K_M", "registry.ollama.ai", "library", "llama3.1",
         "8b-instruct-q4_K_M"),
        ("jmorgan/mymodel:v1", "registry.ollama.ai", "jmorgan", "mymodel", "v1"),
        ("myhost.io:5000/team/m", "myhost.io:5000", "team", "m", "latest"),
        ("myhost.io:5000/team/m:q8_0", "myhost.io:5000", "team", "m", "q8_0"),
        ("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0", "hf.co", "bartowski",
         "Llama-3.2-1B-Instruct-GGUF", "Q8_0"),
        ("_x/_y:_z", "registry.ollama.ai", "_x", "_y", "_z"),
        ("  llama3  ", "registry.ollama.ai", "library", "llama3", "latest"),
    ],
)
def test_parts_and_defaults(text, host, namespace, model, tag):
    name = parse_model_name(text)
    assert (name.host, name.namespace, name.model, name.tag) == (host, namespace, model, tag)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "model"),
        ("model:", "tag"),
        ("ns/", "model"),
        ("/model", "namespace"),
        ("a/b/c/d", "too many"),
        ("-model", "model"),
        ("mo del", "model"),
        ("ns.with.dot/m", "namespace"),
        ("m:-tag", "tag"),
        ("m:" + "t" * 81, "tag"),
        ("m" * 81, "model"),
        ("n" * 81 + "/m", "namespace"),
        ("h" * 351 + "/n/m", "host"),
        ("m:t@sha256", "tag"),
    ],
)
def test_invalid_names_say_why(text, reason):
    with pytest.raises(InvalidModelName, match=reason) as info:
        parse_model_name(text)
    assert "not a valid model name" in str(info.value)
    assert not is_valid_model_name(text)


def test_longest_parts_are_accepted():
    assert is_valid_model_name("h" * 350 + "/" + "n" * 80 + "/" + "m" * 80 + ":" + "t" * 80)


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("llama3.2", "llama3.2:latest"),
        ("registry.ollama.ai/library/llama3.2:1b", "llama3.2:1b"),
        ("jmorgan/m", "jmorgan/m:latest"),
        ("hf.co/user/repo", "hf.co/user/repo:latest"),
        ("example.com/library/m:t", "example.com/library/m:t"),
    ],
)
def test_display_form(text, display):
    assert display_name(text) == display
    assert str(parse_model_name(text)) == display


def test_comparison_ignores_case_and_defaults():
    assert same_model("Llama3.2", "registry.ollama.ai/library/llama3.2:LATEST")
    assert not same_model("llama3.2:1b", "llama3.2:3b")
    assert len({parse_model_name("QWEN3"), parse_model_name("qwen3:latest")}) == 1


def test_scheme_prefix_and_flags():
    name = parse_model_name("http://myhost:8080/ns/m:t")
    assert (name.scheme, name.host) == ("http", "myhost:8080")
    assert parse_model_name("gpt-oss:120b-cloud").is_cloud
    assert parse_model_name("x:cloud").is_cloud
    assert not parse_model_name("x:8b").is_cloud
    assert parse_model_name("hf.co/u/r:Q4_K_M").is_hugging_face
    assert parse_model_name("llama3.1:8b").with_tag("70b").display == "llama3.1:70b"
    assert parse_model_name("llama3.1:8b").repository == "llama3.1"


_first = st.sampled_from("abcXYZ019_")
_rest = st.text(alphabet="abcXYZ019_-.", max_size=12)
_ns_rest = st.text(alphabet="abcXYZ019_-", max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    model=st.builds(str.__add__, _first, _rest),
    tag=st.builds(str.__add__, _first, _rest),
    namespace=st.one_of(st.none(), st.builds(str.__add__, _first, _ns_rest)),
)
def test_round_trip_through_full_and_display(model, tag, namespace):
    text = f"{namespace}/{model}:{tag}" if namespace else f"{model}:{tag}"
    name = parse_model_name(text)
    assert (name.model, name.tag) == (model, tag)
    assert parse_model_name(name.full) == name
    assert parse_model_name(name.display) == name
    assert parse_model_name(text.upper()) == name
    assert isinstance(name, ModelName)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_invalid_name(text):
    try:
        name = parse_model_name(text)
    except InvalidModelName:
        return
    assert name.model and name.tag and name.namespace and name.host


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("qwen3:8b:local", ("qwen3:8b", "local")),
        ("qwen3:local", ("qwen3", "local")),
        ("gpt-oss:20b:CLOUD", ("gpt-oss:20b", "cloud")),
        ("gpt-oss:120b-cloud", ("gpt-oss:120b", "cloud")),
        ("llama3.1:8b", ("llama3.1:8b", None)),
        ("host:5000/ns/m", ("host:5000/ns/m", None)),
    ],
)
def test_split_source(ref, expected):
    assert split_source(ref) == expected
