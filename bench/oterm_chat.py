"""Does oterm (a popular Ollama TUI) chat with a model served by the simulator?

Installs oterm into a scratch virtual environment (``OTERM_VENV``, default ``quantdesk-oterm``
in the temporary folder) unless it is there, starts the simulated daemon with one model, runs
oterm headless in tmux against it (``OLLAMA_HOST``), opens a chat with send-keys, types a
message and reads the screen with capture-pane until the simulated reply shows. Prints a JSON
verdict: ``{"chats": true, ...}``. Needs tmux and network access to the package index for the
first install.

    .venv/bin/python -m bench.oterm_chat
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV = Path(os.environ.get("OTERM_VENV", Path(tempfile.gettempdir()) / "quantdesk-oterm"))
MODEL = "llama3.2:1b"
SESSION = "quantdesk-oterm"


def _oterm() -> Path:
    exe = VENV / "bin" / "oterm"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "oterm"], check=True)
    return exe


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def _wait_for(text: str, seconds: float) -> str:
    end = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < end:
        screen = _tmux("capture-pane", "-p", "-t", SESSION)
        if text.lower() in screen.lower():
            return screen
        time.sleep(0.5)
    return screen


def _click(label: str) -> bool:
    """Clicks the first on-screen ``label`` with an SGR mouse press and release."""
    for row, line in enumerate(_tmux("capture-pane", "-p", "-t", SESSION).splitlines(), 1):
        col = line.find(label)
        if col >= 0:
            x = col + 1 + len(label) // 2
            _tmux("send-keys", "-t", SESSION, "-l", f"\x1b[<0;{x};{row}M")
            _tmux("send-keys", "-t", SESSION, "-l", f"\x1b[<0;{x};{row}m")
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    from quantdesk.sim import SimDaemon

    args = argv if argv is not None else sys.argv[1:]
    record = Path(args[args.index("--record") + 1]) if "--record" in args else None
    if shutil.which("tmux") is None:
        print(json.dumps({"chats": False, "why": "tmux is not installed"}))
        return 2
    exe = _oterm()
    with SimDaemon(installed=[MODEL], token_rate_scale=20) as sim:
        sim.request_log = []
        home = Path(tempfile.gettempdir()) / "quantdesk-oterm-home"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        env = f"HOME={home} OLLAMA_HOST={sim.url} OLLAMA_URL={sim.url} TERM=xterm-256color"
        _tmux("kill-session", "-t", SESSION)
        _tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48",
              f"env {env} {exe}")
        started = "Welcome" in _wait_for("Welcome to oterm", 60)
        _tmux("send-keys", "-t", SESSION, "C-n")  # the new-chat dialog lists the models
        _wait_for(MODEL, 20)
        for key in ("Tab", "Tab", "Space", "Down", "Enter"):  # pick the model in the list
            _tmux("send-keys", "-t", SESSION, key)
            time.sleep(0.5)
        time.sleep(1)
        _click("Save")
        _wait_for(f"chat #1 - {MODEL}", 20)
        _tmux("send-keys", "-t", SESSION, "-l", "Why is the sky blue?")
        time.sleep(0.5)
        _tmux("send-keys", "-t", SESSION, "Enter")
        screen = _wait_for("ctx ", 60)  # oterm prints token usage under a finished reply
        loaded = MODEL in sim.loaded_names()
        _tmux("kill-session", "-t", SESSION)
        requests = list(sim.request_log)
    lines = [line.strip() for line in screen.splitlines() if line.strip()]
    asked = next((i for i, line in enumerate(lines) if "Why is the sky blue?" in line), -1)
    reply = lines[asked + 1] if 0 <= asked < len(lines) - 1 else ""
    verdict = {
        "chats": started and loaded and reply.startswith("\u276f") and len(reply) > 20,
        "model_loaded_by_oterm": loaded,
        "reply": reply,
        "requests": [f"{r['method']} {r['path']}" for r in requests],
    }
    if record is not None:
        record.write_text(json.dumps(requests, indent=1) + "\n")
    print(json.dumps(verdict, indent=1, ensure_ascii=False))
    return 0 if verdict["chats"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
