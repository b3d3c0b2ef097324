"""The GUI thread never touches the network: while the app connects, opens every page, streams
a pull and polls /api/ps, every socket call to the daemon comes from another thread.

This is the deterministic half of "the GUI thread never blocks on I/O" (the watchdog test in
test_watchdog.py is the timing half): a blocking request on the GUI thread shows up here as a
recorded call whatever the machine's load."""

from __future__ import annotations

import socket
import threading
import traceback
from collections.abc import Callable
from typing import Any

import httpx
from shell_support import wait_connected

from quantdesk.ui.page_registry import PAGE_SPECS

# What a client does with a socket; getaddrinfo is where a name lookup would block.
SOCKET_METHODS = ("connect", "connect_ex", "send", "sendall", "sendto", "recv", "recv_into",
                  "recvfrom", "recvfrom_into")
NETWORK_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def _record_gui_thread_network(monkeypatch: Any) -> list[str]:
    """Wrap socket calls so that each one made on the main thread on an IP socket is noted.
    asyncio's loop wakes itself through an AF_UNIX socket pair from any thread; that is no
    network I/O and is not counted."""
    seen: list[str] = []
    main = threading.main_thread()

    def note(what: str) -> None:
        if threading.current_thread() is main:
            seen.append(what + "\n" + "".join(traceback.format_stack(limit=8)[:-2]))

    def wrap(name: str) -> Callable[..., Any]:
        original = getattr(socket.socket, name)

        def call(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
            if self.family in NETWORK_FAMILIES:
                note(f"socket.{name}")
            return original(self, *args, **kwargs)

        return call

    for name in SOCKET_METHODS:
        monkeypatch.setattr(socket.socket, name, wrap(name))
    getaddrinfo = socket.getaddrinfo

    def lookup(*args: Any, **kwargs: Any) -> Any:
        note("socket.getaddrinfo")
        return getaddrinfo(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return seen


def test_no_network_call_on_the_gui_thread(make_window, sim_factory, qtbot, monkeypatch):
    sim = sim_factory(installed=["qwen2.5:0.5b", "llama3.2:3b"], loaded=["qwen2.5:0.5b"],
                      pull_bandwidth=2e9, progress_interval=0.01)
    seen = _record_gui_thread_network(monkeypatch)
    window = make_window(sim.host, only_pages=None)
    wait_connected(qtbot, window)
    for spec in PAGE_SPECS:
        window.show_page(spec.key)
        qtbot.wait(150)  # each page's first lookups start and answer
    window.services.running.refresh()
    pulls = window.services.pulls
    with qtbot.waitSignal(pulls.finished, timeout=20_000):
        pulls.pull("llama3.2:1b")
    polls = window.services.running.polls
    qtbot.waitUntil(lambda: window.services.running.polls >= polls + 1, timeout=5000)

    assert "llama3.2:1b" in sim.installed_names()  # the pull really went over the network
    assert seen == [], "network I/O on the GUI thread:\n" + "\n".join(seen[:3])

    # The probe itself catches a blocking request made on the GUI thread.
    httpx.get(f"{sim.url}/api/version", timeout=5)
    assert any("socket.connect" in s for s in seen)
