"""No escape sequence from a daemon reaches the terminal: ``ls``, ``ps``, ``show``, ``run``,
``compare`` and ``history show`` run as real processes against a daemon whose every string
carries an OSC title change, a screen clear, colours, an OSC 8 hyperlink, C1 controls, a bare
CR and a bidi override; their output is captured byte for byte.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_server import chunk, end_chunked, send, send_json, send_lines, start_chunked

EVIL = ("\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m"
        "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
        "\x9b31m\x9d0;c1 title\x9c\x90dcs\x9c\rspoof\u202eesrever\x00\x7f")
# Any C0 control but tab and newline, DEL, the C1 range, the bidi overrides: as they would be
# encoded on the way to the terminal.
RAW_CONTROL = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
GOOD = ["m:q8_0", "m:q4_0"]


def _model(name: str) -> dict:
    return {"name": name, "model": name, "size": 1_000_000, "digest": EVIL + "ab" * 30,
            "modified_at": "2026-01-01T00:00:00Z",
            "details": {"family": EVIL, "parameter_size": EVIL, "quantization_level": EVIL}}


def _show(conn, req) -> object:
    return send_json(conn, {
        "details": {"family": EVIL, "parameter_size": EVIL, "quantization_level": EVIL},
        "model_info": {"general.architecture": "llama", "llama.block_count": EVIL,
                       "llama.context_length": 4096, "llama.embedding_length": EVIL},
        "capabilities": [EVIL, "completion"], "parameters": f"stop {EVIL}\nnum_ctx {EVIL}",
        "license": f"{EVIL}\nsecond line", "tensors": [{"name": EVIL, "type": EVIL,
                                                       "shape": [1, 2]}]})


def _generate(conn, req) -> object:
    body = req.json()
    if not body.get("prompt"):  # an unload or a load
        return send_json(conn, {"model": body["model"], "response": "", "done": True,
                                "done_reason": "unload"})
    if body["model"] == "m:q4_0":
        return send(conn, 500, json.dumps({"error": f"runner crashed: {EVIL}"}).encode())
    start_chunked(conn)
    # The sequences cut across lines, as tokens would cut them.
    for piece in (EVIL[:1], EVIL[1:9], EVIL[9:40], EVIL[40:], " done\r", "\n"):
        chunk(conn, json.dumps({"model": body["model"], "response": piece,
                                "done": False}).encode() + b"\n")
    chunk(conn, json.dumps({"model": body["model"], "response": "", "done": True,
                            "done_reason": "stop", "eval_count": 5, "eval_duration": 10**8,
                            "load_duration": 10**7}).encode() + b"\n")
    end_chunked(conn)
    return None


@pytest.fixture
def evil(serve):
    return serve({
        "/api/version": lambda c, r: send_json(c, {"version": "0.32.15" + EVIL}),
        "/api/tags": lambda c, r: send_json(c, {"models": [_model(n) for n in GOOD]
                                            + [_model(EVIL)]}),
        "/api/ps": lambda c, r: send_json(c, {"models": [
            {**_model(n), "size_vram": 500_000, "expires_at": "2099-01-01T00:00:00Z",
             "context_length": 4096} for n in [*GOOD, EVIL]]}),
        "/api/show": _show,
        "/api/generate": _generate,
    })


def _quantdesk(host: str, data: Path, *argv: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "OLLAMA_HOST": host, "QUANTDESK_DATA_DIR": str(data),
           "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "quantdesk", *argv], capture_output=True,
                          env=env, timeout=60, check=False)


def _inert(proc: subprocess.CompletedProcess[bytes]) -> str:
    both = proc.stdout + proc.stderr
    found = RAW_CONTROL.findall(both)
    assert not found, f"raw control bytes {found[:5]} in {both[:400]!r}"
    assert b"Traceback" not in both, both.decode("utf-8", "replace")
    return both.decode("utf-8")


@pytest.mark.parametrize("argv", [["ls"], ["ps"], ["show", "m:q8_0"], ["show", "m:q8_0",
                                  "--verbose"], ["version"], ["run", "m:q8_0", "hi"],
                                  ["run", "m:q4_0", "hi"], ["ls", "--json"]],
                         ids=lambda a: " ".join(a))
def test_each_command_prints_no_raw_escape_sequence(evil, tmp_path, argv):
    proc = _quantdesk(evil.url, tmp_path, *argv)
    text = _inert(proc)
    # Shown, visibly escaped, not dropped: the reader sees something was there.
    assert "pwned" in text
    if "--json" not in argv:
        assert "\\x1b]0;pwned\\x07" in text


def test_compare_and_history_show_print_no_raw_escape_sequence(evil, tmp_path):
    proc = _quantdesk(evil.url, tmp_path, "compare", *GOOD, "--prompt", "hi",
                      "--num-predict", "8")
    text = _inert(proc)
    assert proc.returncode == 1  # one variant failed: the comparison is incomplete
    assert "runner crashed: \\x1b]0;pwned\\x07" in text
    cmp_id = re.search(r"cmp-\d{8}-[0-9a-f]{6}", text).group(0)
    shown = _quantdesk(evil.url, tmp_path, "history", "show", cmp_id)
    assert shown.returncode == 0
    assert "runner crashed: \\x1b]0;pwned\\x07" in _inert(shown)
    assert _inert(_quantdesk(evil.url, tmp_path, "history")).count(cmp_id) == 1


def test_run_raw_passes_the_bytes_to_a_pipe(evil, tmp_path):
    proc = _quantdesk(evil.url, tmp_path, "run", "m:q8_0", "hi", "--raw")
    assert proc.returncode == 0
    assert EVIL.encode() in proc.stdout
    assert not RAW_CONTROL.search(proc.stderr)


def _on_a_terminal(host: str, data: Path, *argv: str) -> tuple[int, bytes]:
    """Run with stdout and stderr on a pseudo-terminal; (exit status, all it wrote)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "OLLAMA_HOST": host, "QUANTDESK_DATA_DIR": str(data)}
    proc = subprocess.Popen([sys.executable, "-m", "quantdesk", *argv], stdout=follower,
                            stderr=follower, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                data_ = os.read(leader, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not data_:
                break
            out += data_
        elif proc.poll() is not None:
            break
    os.close(leader)
    return proc.wait(10), out


def test_run_raw_is_refused_on_a_terminal_unless_given_twice(evil, tmp_path):
    code, out = _on_a_terminal(evil.url, tmp_path, "run", "m:q8_0", "hi", "--raw")
    assert code == 2
    assert b"give --raw twice" in out and b"pwned" not in out
    code, out = _on_a_terminal(evil.url, tmp_path, "run", "m:q8_0", "hi", "--raw", "--raw")
    assert code == 0
    assert b"\x1b]0;pwned\x07" in out
    code, out = _on_a_terminal(evil.url, tmp_path, "run", "m:q8_0", "hi")
    assert code == 0
    assert b"\x1b]0;pwned" not in out and b"\\x1b]0;pwned" in out


def test_pull_on_a_terminal_keeps_its_bar_and_escapes_the_daemon_words(serve, tmp_path):
    def pull(conn, req):
        lines = [{"status": "pulling manifest"}]
        lines += [{"status": f"pulling {EVIL}", "digest": "sha256:" + "a" * 64,
                   "total": 1000, "completed": done} for done in range(0, 1001, 250)]
        return send_lines(conn, [*lines, {"status": "success"}])

    server = serve({"/api/pull": pull})
    code, out = _on_a_terminal(server.url, tmp_path, "pull", "m:q4_0")
    assert code == 0, out
    assert b"\r" in out.replace(b"\r\n", b"")  # the bar redraws in place
    assert b"\x1b" not in out and b"\\x1b]0;pwned" in out
