"""A real X display for benchmarks: Xvfb with the openbox window manager.

``ensure_tools()`` installs what is missing (Xvfb, openbox, and the libraries Qt's xcb plugin
needs, via ``scripts/qt-system-deps.sh``) when running as root with apt-get, and says what it
installs; otherwise it returns the reason it cannot, and the benchmark skips that part.
``XDisplay()`` starts Xvfb on a free display (``-displayfd``: the server picks and reports
it, so two benchmarks never collide) and openbox on it, and waits until openbox has finished
starting (its ``--startup`` command runs then).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
TOOLS = {"Xvfb": "xvfb", "openbox": "openbox"}  # command -> Debian package


def ensure_tools() -> str | None:
    """None when Xvfb, openbox and Qt's libraries are there (installing them if we can),
    else why not."""
    missing = [pkg for cmd, pkg in TOOLS.items() if shutil.which(cmd) is None]
    if missing:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            return ("needs " + " and ".join(missing) + ": sudo apt-get install -y "
                    "--no-install-recommends " + " ".join(missing))
        print(f"installing for this benchmark: {' '.join(missing)} (apt-get)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    deps = subprocess.run(["bash", str(ROOT / "scripts" / "qt-system-deps.sh"), "--ensure"],
                          capture_output=True, text=True)
    if deps.stdout.strip():
        print(deps.stdout.strip().splitlines()[0], flush=True)
    if deps.returncode != 0:
        return deps.stderr.strip() or "Qt's system libraries are missing"
    return None


class XDisplay:
    def __init__(self, size: str = "1600x1000x24", timeout_s: float = 15.0) -> None:
        self.size = size
        self.timeout_s = timeout_s
        self.display = ""
        self._procs: list[subprocess.Popen[bytes]] = []
        self._dir = tempfile.TemporaryDirectory(prefix="quantdesk-x-")

    def __enter__(self) -> XDisplay:
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", self.size, "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(xvfb)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.__exit__(None, None, None)
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        flag = Path(self._dir.name) / "openbox-ready"
        wm = subprocess.Popen(
            ["openbox", "--sm-disable", "--startup", f"touch {flag}"],
            env={**os.environ, "DISPLAY": self.display},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(wm)
        deadline = time.monotonic() + self.timeout_s
        while not flag.exists():
            if wm.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("openbox did not start on the virtual display")
            time.sleep(0.02)
        return self

    def env(self) -> dict[str, str]:
        """What a Qt program needs to open its window on this display."""
        return {"DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for proc in reversed(self._procs):
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self._procs.clear()
        self._dir.cleanup()
