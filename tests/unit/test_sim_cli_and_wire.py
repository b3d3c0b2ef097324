"""``quantdesk sim`` and the wire formats (Go timestamps, keep_alive durations)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from datetime import datetime, timedelta

import httpx
import pytest

from quantdesk.cli.commands import sim as sim_cmd
from quantdesk.cli.main import build_parser, main
from quantdesk.sim.wire import (
    FOREVER,
    WireError,
    go_timestamp,
    parse_keep_alive,
    parse_version,
)


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["sim", *argv])


def test_sim_command_serves_until_stopped(capsys):
    stop = threading.Event()
    args = _args("--port", "0", "--install", "qwen2.5:0.5b", "--bandwidth", "1e9")
    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(sim_cmd.run(args, stop)))
    t.start()
    url = ""
    for _ in range(200):
        out = capsys.readouterr().out
        if "http://" in out:
            url = out.split("listening on ")[1].split()[0]
            break
        time.sleep(0.01)
    try:
        assert url.startswith("http://127.0.0.1:")
        tags = httpx.get(url + "/api/tags").json()["models"]
        assert [m["name"] for m in tags] == ["qwen2.5:0.5b"]
    finally:
        stop.set()
        t.join(5)
    assert result == [0]
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/")


def test_port_in_use_is_a_user_error(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sim", "--port", str(port)]) == 1
    assert "pick another port" in capsys.readouterr().err


def test_unknown_install_is_a_user_error(capsys):
    assert main(["sim", "--port", "0", "--install", "nosuch:model"]) == 1
    assert "catalog" in capsys.readouterr().err


def test_go_timestamp_has_nanoseconds_and_offset():
    text = go_timestamp(1_700_000_000_123_456_789)
    assert ".123456789" in text
    assert text.endswith("Z") or text[-6] in "+-"
    assert go_timestamp(1_700_000_000_000_000_000).split("T")[1][:8].count(":") == 2
    assert "." not in go_timestamp(1_700_000_000_000_000_000)  # Go trims a zero fraction
    parsed = datetime.fromisoformat(go_timestamp(1_700_000_000_500_000_000))
    assert parsed.timestamp() == pytest.approx(1_700_000_000.5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (0, timedelta(0)),
        ("0", timedelta(0)),
        (30, timedelta(seconds=30)),
        (1.5, timedelta(seconds=1.5)),
        ("10m", timedelta(minutes=10)),
        ("1h30m", timedelta(minutes=90)),
        ("250ms", timedelta(milliseconds=250)),
        (-1, FOREVER),
        ("-1m", FOREVER),
    ],
)
def test_keep_alive_values(value, expected):
    assert parse_keep_alive(value) == expected


@pytest.mark.parametrize("value", ["3600", "-1", "10 minutes", "", True, [1]])
def test_keep_alive_rejects(value):
    with pytest.raises(WireError):
        parse_keep_alive(value)


def test_keep_alive_numeric_string_message_matches_go():
    with pytest.raises(WireError, match='missing unit in duration "3600"'):
        parse_keep_alive("3600")


def test_parse_version():
    assert parse_version("0.32.15") == (0, 32, 15)
    assert parse_version("0.33.0-rc2") == (0, 33, 0)
    assert parse_version("0.0.0") < (0, 12, 11)
