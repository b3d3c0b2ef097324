"""Fixtures for the shell's GUI tests: settings and window state in a temporary folder, and
services / a main window pointed at a simulator (``sim`` / ``sim_factory`` from the top
conftest) over real loopback sockets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from shell_support import fake_machine

from quantdesk.core.config import Settings


@pytest.fixture(autouse=True)
def _config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("QUANTDESK_DATA_DIR", str(tmp_path / "data"))  # the Compare history
    return tmp_path / "config"


# Depends on sim_factory so that simulators stop only after the services closed: a daemon
# vanishing under live clients is a scenario of its own, tested on purpose elsewhere.
@pytest.fixture
def make_services(qapp, sim_factory) -> Iterator[Callable[..., Any]]:
    from quantdesk.ui.services.container import Services

    made: list[Services] = []

    def make(host: str, **kwargs: Any) -> Services:
        kwargs.setdefault("settings", Settings())
        kwargs.setdefault("machine", fake_machine())
        services = Services.create(host, **kwargs)
        made.append(services)
        return services

    yield make
    for services in made:
        services.close()


# The shell's own tests build only the shell's pages, so they test the shell alone; the
# window tests pass only_pages=None to build every page there is.
SHELL_PAGES = ("running", "machine")


# make_services comes first so that it is torn down last: the windows close (qtbot) while
# the services still run.
@pytest.fixture
def make_window(make_services, qtbot) -> Callable[..., Any]:
    from quantdesk.ui.main_window import MainWindow

    def make(host: str, *, start_simulator: Callable[[], str] | None = None,
             show: bool = True, only_pages: tuple[str, ...] | None = SHELL_PAGES,
             **kwargs: Any) -> MainWindow:
        services = make_services(host, **kwargs)
        window = MainWindow(services, start_simulator=start_simulator, only_pages=only_pages)
        qtbot.addWidget(window)
        services.start()
        if show:
            window.show()
        return window

    return make


def wait_connected(qtbot, window, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: window.services.connection.is_connected, timeout=timeout)
