"""Session-wide test setup.

- Qt runs offscreen (``QT_QPA_PLATFORM``), set before anything imports Qt.
- No test reaches a real Ollama by accident: every test not marked ``live`` gets
  ``OLLAMA_HOST`` pointed at a loopback port where nothing listens (connection refused at
  once). ``live`` tests keep the real environment and are skipped unless a daemon answers.
- Any WARNING (or worse) log record a test causes fails it, unless the test inspects logs
  itself (it asks for ``caplog``) or is marked ``warning_logs_expected``.
- Settings (``config.json``: defaults, host profiles) live in a folder of each test's own.
- ``sim``: a fresh simulated daemon per test (fast pulls and tokens), with ``OLLAMA_HOST``
  pointed at it. ``sim_factory(**kwargs)``: build one with custom settings (``installed``,
  ``version``, ``vram_bytes`` …); every daemon it made is stopped after the test.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Fast enough that a multi-GB pull takes a few ticks, slow enough that progress is visible.
FAST_SIM: dict[str, Any] = {
    "pull_bandwidth": 2e11,
    "progress_interval": 0.005,
    "token_rate_scale": 1000.0,
}


def _free_port() -> int:
    # Bound and released: nothing listens there, so connecting is refused immediately.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_UNREACHABLE = f"127.0.0.1:{_free_port()}"


def _real_daemon_answers() -> bool:
    import httpx

    host = os.environ.get("OLLAMA_HOST", "").strip().strip("\"'") or "127.0.0.1:11434"
    url = host if "://" in host else f"http://{host}"
    try:
        return "Ollama is running" in httpx.get(url + "/", timeout=0.5, trust_env=False).text
    except (httpx.HTTPError, ValueError):
        return False


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # The core and CLI tests also run where Qt is not installed (`make test-core`, with
    # pytest-qt turned off): its ini settings in pyproject.toml must not read as unknown.
    if pluginmanager.has_plugin("pytest-qt"):
        return
    parser.addini("qt_api", "pytest-qt's; unused without Qt")
    parser.addini("qt_log_level_fail", "pytest-qt's; unused without Qt")
    parser.addini("qt_log_ignore", "pytest-qt's; unused without Qt", type="linelist")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    live = [item for item in items if item.get_closest_marker("live")]
    if live and not _real_daemon_answers():
        skip = pytest.mark.skip(reason="no real Ollama daemon answers at OLLAMA_HOST")
        for item in live:
            item.add_marker(skip)


class _WarningRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_unexpected_warning_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    handler = _WarningRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if "caplog" in request.fixturenames or request.node.get_closest_marker(
            "warning_logs_expected"):
        return
    if handler.records:
        lines = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in handler.records[:10]]
        pytest.fail("unexpected WARNING log records (fix the cause, or mark the test "
                    "warning_logs_expected):\n" + "\n".join(lines), pytrace=False)


@pytest.fixture(autouse=True)
def _no_real_daemon(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("live") is None:
        monkeypatch.setenv("OLLAMA_HOST", _UNREACHABLE)


@pytest.fixture(scope="session")
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("quantdesk-data"))


@pytest.fixture(autouse=True)
def _private_history(_session_data_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `quantdesk load` and the Running page record observed loads in the history file: no
    # test may write the real one. Tests that need a file of their own set it again.
    monkeypatch.setenv("QUANTDESK_DATA_DIR", _session_data_dir)


@pytest.fixture(autouse=True)
def _private_config(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI reads the settings file (defaults, host profiles) and `quantdesk sim` writes a
    # profile there: no test may read or write the real one.
    monkeypatch.setenv("QUANTDESK_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def unreachable_host() -> str:
    """An address where no daemon listens (``127.0.0.1:PORT``)."""
    return _UNREACHABLE


@pytest.fixture
def sim_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    from quantdesk.sim import SimDaemon

    made: list[SimDaemon] = []

    def make(**kwargs: Any) -> SimDaemon:
        daemon = SimDaemon(**{**FAST_SIM, **kwargs}).start()
        made.append(daemon)
        monkeypatch.setenv("OLLAMA_HOST", daemon.host)
        return daemon

    yield make
    for daemon in made:
        daemon.stop()


@pytest.fixture
def sim(sim_factory: Callable[..., Any]) -> Any:
    """A started simulated daemon with nothing installed; OLLAMA_HOST points at it."""
    return sim_factory()
