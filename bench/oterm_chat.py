"""Does oterm (a popular Ollama TUI) chat with a model served by the simulator?

Installs oterm into a scratch virtual environment (``OTERM_VENV``, default
``/tmp/quantdesk-oterm``) unless it is there, starts the simulated daemon with one model, runs
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
import time
from pathlib import Path

VENV = Path(os.environ.get("OTERM_VENV", "/tmp/quantdesk-oterm"))
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


def main() -> int:
    from quantdesk.sim import SimDaemon

    if shutil.which("tmux") is None:
        print(json.dumps({"chats": False, "why": "tmux is not installed"}))
        return 2
    exe = _oterm()
    with SimDaemon(installed=[MODEL], token_rate_scale=20) as sim:
        home = Path("/tmp/quantdesk-oterm-home")
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        env = f"HOME={home} OLLAMA_HOST={sim.url} OLLAMA_URL={sim.url} TERM=xterm-256color"
        _tmux("kill-session", "-t", SESSION)
        _tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48",
              f"env {env} {exe}")
        started = _wait_for("oterm", 60)
        _tmux("send-keys", "-t", SESSION, "^n")  # new chat
        _wait_for(MODEL.split(":")[0], 20)
        _tmux("send-keys", "-t", SESSION, "Enter")  # accept the first model
        time.sleep(3)
        _tmux("send-keys", "-t", SESSION, "Why is the sky blue?", "Enter")
        end = time.monotonic() + 60
        while time.monotonic() < end and MODEL not in sim.loaded_names():
            time.sleep(0.5)  # a chat request loads the model on the daemon
        time.sleep(5)  # let the streamed reply land on the screen
        screen = _tmux("capture-pane", "-p", "-t", SESSION)
        requests = [line for line in screen.splitlines() if line.strip()]
        loaded = MODEL in sim.loaded_names()
        _tmux("kill-session", "-t", SESSION)
    verdict = {
        "chats": loaded and "sky" in screen.lower(),
        "model_loaded_by_oterm": loaded,
        "oterm": str(exe),
        "screen_tail": requests[-12:],
        "started": "oterm" in started.lower(),
    }
    print(json.dumps(verdict, indent=1))
    return 0 if verdict["chats"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
