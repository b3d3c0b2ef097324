"""Untrusted text stays inert in every widget: a daemon whose model names, digests, version,
errors and answers carry ``<img src=…>`` makes Qt load nothing, on any page or tool tip.

Two detectors: a loopback listener counting connections (``<img src=http://127.0.0.1:PORT/x>``)
and a plain file whose opens the kernel reports through inotify (``<img src=TMPDIR/…/resource>``,
standing in for ``/dev/zero`` or a named pipe, which would hang or exhaust the GUI thread).
Qt's rich text has no network access of its own, so only the file can tell rich text apart on
this Qt; the test shows it does (a rich-text label opening it) before it asserts that no page
does. Beside the detectors, every label that holds the raw text must be plain text and every
tool tip, item tool tip and text document must hold it escaped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from shell_support import fake_machine, on_next_box

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTextEdit,
    QWidget,
)

from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult
from quantdesk.core.store import HistoryStore
from quantdesk.core.store.database import default_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostile_server import HostileServer, send_json, send_lines  # noqa: E402

RAW = "<img"
TAME = "tame:latest"  # what the hostile text holds unescaped; escaped, it reads "&lt;img"


class Listener:
    """Counts connections to a loopback port."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


IN_OPEN = 0x20
IN_NONBLOCK = os.O_NONBLOCK
EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


class OpenWatch:
    """Counts opens of a plain file the test creates, as the kernel reports them (inotify
    IN_OPEN): a file reads to its end at once, so a widget that opens it cannot hang."""

    def __init__(self, folder: Path) -> None:
        if not sys.platform.startswith("linux"):
            pytest.skip("inotify counts file opens on Linux only")
        self.path = folder / "resource"
        self.path.write_bytes(b"not an image\n" * 64)
        self._libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self._libc.inotify_init1(IN_NONBLOCK)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        wd = self._libc.inotify_add_watch(self.fd, str(self.path).encode(), IN_OPEN)
        assert wd >= 0, os.strerror(ctypes.get_errno())
        self._count = 0

    @property
    def opens(self) -> int:
        while True:
            try:
                data = os.read(self.fd, 4096)
            except BlockingIOError:
                return self._count
            at = 0
            while at + EVENT.size <= len(data):
                _wd, mask, _cookie, size = EVENT.unpack_from(data, at)
                at += EVENT.size + size
                self._count += bool(mask & IN_OPEN)

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def detectors(tmp_path) -> Iterator[tuple[Listener, OpenWatch, str]]:
    listener, watch = Listener(), OpenWatch(tmp_path)
    evil = (f'<img src=http://127.0.0.1:{listener.port}/x><img src="{watch.path}">'
            f"<b>evil</b>")
    yield listener, watch, evil
    listener.close()
    watch.close()


def hostile_daemon(evil: str) -> HostileServer:
    name = f"evil{evil}:latest"
    details = {"format": "gguf", "family": evil, "families": [evil], "parameter_size": evil,
               "quantization_level": "Q4_K_M"}
    model = {"name": name, "model": name, "size": 4_900_000_000, "digest": f"sha256:{evil}",
             "modified_at": "2026-12-01T10:00:00Z", "details": details}

    def version(conn, _req):
        return send_json(conn, {"version": f"0.32.15 {evil}"})

    # A model with a name the app can chat with (a name holding a path is refused as a
    # model name), whose answers carry the hostile text.
    tame = {**model, "name": TAME, "model": TAME, "digest": "sha256:" + "0" * 64}

    def tags(conn, _req):
        return send_json(conn, {"models": [model, tame]})

    def ps(conn, _req):
        return send_json(conn, {"models": [{**m, "size_vram": 4_900_000_000,
                                            "context_length": 4096,
                                            "expires_at": "2099-01-01T00:00:00Z"}
                                           for m in (model, tame)]})

    def error(conn, _req):
        return send_json(conn, {"error": evil}, status=500)

    def generate(conn, _req):
        return send_lines(conn, [{"model": name, "response": evil, "done": False},
                                 {"model": name, "response": "", "done": True,
                                  "done_reason": "stop", "eval_count": 3,
                                  "eval_duration": 1_000_000}])

    def chat(conn, _req):
        said = {"role": "assistant", "content": f"An answer: {evil}"}
        return send_lines(conn, [
            {"model": name, "created_at": "2026-12-01T10:00:00Z", "message": said,
             "done": False},
            {"model": name, "created_at": "2026-12-01T10:00:01Z",
             "message": {"role": "assistant", "content": ""}, "done": True,
             "done_reason": "stop", "prompt_eval_count": 4, "prompt_eval_duration": 1_000_000,
             "eval_count": 3, "eval_duration": 1_000_000}])

    routes = {"/api/version": version, "/api/tags": tags, "/api/ps": ps, "/api/show": error,
              "/api/pull": error, "/api/delete": error, "/api/generate": generate,
              "/api/chat": chat, "/api/copy": error}
    return HostileServer(routes)


def stored_comparison(evil: str) -> None:
    """A comparison in the history whose names, answers and errors carry ``evil``."""
    a, b = f"evil{evil}:q8_0", f"evil{evil}:q4_K_M"
    spec = ComparisonSpec(models=[a, b], prompt=evil)
    runs = [RunResult(model=a, position=0, state="done", response=evil, eval_tps=30.0),
            RunResult(model=b, position=1, state="failed", error=evil, response=evil)]
    with HistoryStore(default_path()) as store:
        store.comparisons.begin(ComparisonResult(
            id="cmp-evil", created_at="2026-12-01T10:00:00+00:00", spec=spec, reference=a,
            fingerprint={"machine_key": evil}, runs=runs))


def hover_everything(window: QWidget) -> int:
    """Ask every widget, item view cell and header section of ``window`` for its tool tip
    (the event Qt sends on hover); returns how many were asked."""
    asked = 0
    app = QApplication.instance()
    for widget in [window, *window.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        if isinstance(widget, QHeaderView):
            for section in range(min(widget.count(), 30)):
                x = widget.sectionViewportPosition(section) + 2
                pos = QPoint(x, 2) if widget.orientation() == Qt.Orientation.Horizontal \
                    else QPoint(2, x)
                app.sendEvent(widget.viewport(), QHelpEvent(
                    QEvent.Type.ToolTip, pos, widget.viewport().mapToGlobal(pos)))
                asked += 1
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            try:
                columns = model.columnCount(widget.rootIndex())
            except TypeError:  # a list model: one column
                columns = 1
            for row in range(min(model.rowCount(widget.rootIndex()), 20)):
                for col in range(columns):
                    rect = widget.visualRect(model.index(row, col, widget.rootIndex()))
                    if rect.isEmpty():
                        continue
                    pos = rect.center()
                    app.sendEvent(widget.viewport(), QHelpEvent(
                        QEvent.Type.ToolTip, pos, widget.viewport().mapToGlobal(pos)))
                    asked += 1
        if widget.toolTip():
            pos = QPoint(1, 1)
            app.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, pos, widget.mapToGlobal(pos)))
            asked += 1
    app.processEvents()
    return asked


def _model_tips(view: QAbstractItemView) -> Iterator[str]:
    """Every tool tip ``view``'s model holds (cells of the first 50 rows, header sections)."""
    model, root = view.model(), view.rootIndex()
    try:
        cols = max(1, model.columnCount(root))
    except TypeError:  # a list model: one column
        cols = 1
    rows = min(model.rowCount(root), 50)
    for row in range(rows):
        for col in range(cols):
            value = model.index(row, col, root).data(Qt.ItemDataRole.ToolTipRole)
            if value:
                yield str(value)
    for col in range(cols):
        value = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        if value:
            yield str(value)


def raw_rich_text(window: QWidget) -> list[str]:
    """Every place in ``window`` where the hostile text could be read as rich text: a label
    holding it raw that is not plain text, a tool tip (a widget's, a cell's or a header's)
    holding it raw, a text document holding an image. Hidden widgets count too: a message
    shown later is built now."""
    found = []
    for widget in [window, *window.findChildren(QWidget)]:
        where = f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()!r}"
        if (isinstance(widget, QLabel) and RAW in widget.text()
                and widget.textFormat() != Qt.TextFormat.PlainText):
            found.append(f"{where}: rich label {widget.text()[:60]!r}")
        if RAW in widget.toolTip():
            found.append(f"{where}: raw tool tip {widget.toolTip()[:60]!r}")
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            found += [f"{where}: raw item tool tip {t[:60]!r}" for t in _model_tips(widget)
                      if RAW in t]
        if isinstance(widget, QTextEdit) and RAW in widget.document().toHtml():
            found.append(f"{where}: an image in its document")
    return found


@pytest.mark.timeout(150)
def test_no_page_loads_a_resource_from_untrusted_text(qtbot, make_window, detectors,
                                                      monkeypatch, tmp_path):
    listener, watch, evil = detectors
    monkeypatch.setenv("QUANTDESK_CACHE_DIR", str(tmp_path / "cache"))
    stored_comparison(evil)
    daemon = hostile_daemon(evil)
    try:
        window = make_window(daemon.url, only_pages=None, registry=daemon.url,
                             machine=fake_machine())
        window.resize(1280, 800)
        services = window.services
        qtbot.waitUntil(lambda: services.connection.is_connected, timeout=10_000)
        qtbot.waitUntil(lambda: bool(services.installed.models), timeout=10_000)
        names = [m.name for m in services.installed.models]
        name = next(n for n in names if n != TAME)
        assert evil in name  # the daemon's name reached the app as it was sent
        assert evil in services.connection.state.version
        services.notifier.notify(evil, evil)  # a toast quoting the daemon
        services.pulls.pull(name, 0)  # a download whose error quotes the daemon
        visited = []
        for key in window.pages:
            window.show_page(key)
            page = window.pages[key]
            if key == "variants":
                with qtbot.waitSignal(page.service.failed, timeout=20_000):
                    page.show_model(name)
                assert evil in page.message.text()
            if key == "compare":
                history = page.history_panel
                qtbot.waitUntil(lambda h=history: "cmp-evil" in h.ids(), timeout=10_000)
                with qtbot.waitSignal(services.compare_history.opened, timeout=10_000):
                    services.compare_history.open("cmp-evil")
            if key == "chat":
                qtbot.waitUntil(lambda p=page: p.picker.findText(TAME) >= 0, timeout=10_000)
                page.picker.setCurrentText(TAME)
                page.input.setPlainText(f"Say {evil}")
                page.send()
                qtbot.waitUntil(
                    lambda p=page: p.conv is not None and p.conv.turns[-1].answer is not None
                    and p.conv.turns[-1].answer.state == "done", timeout=10_000)
                assert evil in page.conv.turns[-1].answer.text  # the answer as the model sent it
            qtbot.wait(300)
            window.grab()  # paints every visible label, cell and header
            asked = hover_everything(window)
            visited.append((key, asked))
            assert raw_rich_text(window) == [], key
            assert (listener.hits, watch.opens) == (0, 0), f"{key} loaded {evil}"
        assert {k for k, _ in visited} >= {"library", "variants", "downloads", "running",
                                           "compare", "machine", "chat"}
        assert all(asked > 0 for _, asked in visited)
        assert services.pulls.state(name).phase == "failed"  # its error row was shown
        qtbot.wait(300)
        assert listener.hits == 0
        assert watch.opens == 0, f"a widget read {watch.path} from rich text"
    finally:
        daemon.stop()

    # The detectors themselves: a label told to render rich text opens the file, and the
    # structural check names it.
    control = QLabel()
    control.setTextFormat(Qt.TextFormat.RichText)
    control.setText(evil)
    qtbot.addWidget(control)
    control.show()
    control.grab()
    qtbot.waitUntil(lambda: watch.opens > 0, timeout=5000)
    assert raw_rich_text(control)
    control.close()


def _in_next_box(seen: list[tuple[str, Qt.TextFormat]],
                 button: QMessageBox.StandardButton) -> None:
    """Note the next modal box's label texts and formats, then press ``button``."""
    def note(box: QMessageBox) -> None:
        seen.extend((lb.text(), lb.textFormat()) for lb in box.findChildren(QLabel)
                    if lb.text())
        box.button(button).click()

    on_next_box(note)


def test_helpers_show_outside_text_as_itself(qtbot):
    from quantdesk.ui.plain_text import ask, message_box, plain_label, set_tip, tip

    label = plain_label('<img src="/dev/zero"> x\x1b[2J')
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == '<img src="/dev/zero"> x\\x1b[2J'  # the escape is shown, not run
    box = message_box(None, QMessageBox.Icon.Warning, "Failed", '<img src="/dev/zero">')
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText and box.text() == '<img src="/dev/zero">'
    set_tip(label, '<img src="/dev/zero">\nnext')
    assert label.toolTip() == "<qt>&lt;img src=&quot;/dev/zero&quot;&gt;<br>next</qt>"
    assert tip("a\x1b]0;pwned\x07b") == "<qt>a\\x1b]0;pwned\\x07b</qt>"
    assert tip("") == "" and tip(None) == ""
    # Read as rich text (as Qt reads a tip), the escaped tip is the original characters.
    doc = QTextDocument()
    doc.setHtml(tip("<b>x</b> & y"))
    assert doc.toPlainText() == "<b>x</b> & y"

    seen: list[tuple[str, Qt.TextFormat]] = []
    _in_next_box(seen, QMessageBox.StandardButton.Yes)
    assert ask(None, "Delete", '<img src="/dev/zero"> gone?') is True
    _in_next_box(seen, QMessageBox.StandardButton.No)
    assert ask(None, "Delete", "<b>kept</b>?") is False
    assert ('<img src="/dev/zero"> gone?', Qt.TextFormat.PlainText) in seen
    assert ("<b>kept</b>?", Qt.TextFormat.PlainText) in seen


def test_no_application_wide_text_filter(qtbot, make_services, sim):
    """Plain text is set where each widget is built: building the services installs no
    event filter, so a label nobody set up keeps Qt's own default."""
    make_services(sim.host)
    label = QLabel("<b>ours</b>")
    qtbot.addWidget(label)
    label.show()
    assert label.textFormat() == Qt.TextFormat.AutoText


def test_dialogs_and_the_banner_show_outside_text_plainly(qtbot, detectors):
    """What the every-page test does not open: the details and copy dialogs of a model and
    the banner of an unreachable daemon, each quoting the hostile text."""
    from quantdesk.core.ollama import ShowResponse
    from quantdesk.ui.services.states import ConnectionState
    from quantdesk.ui.widgets.banner import DaemonBanner
    from quantdesk.ui.widgets.library_copy import CopyDialog
    from quantdesk.ui.widgets.library_details import DetailsDialog

    listener, watch, evil = detectors
    show = ShowResponse.from_json({
        "details": {"format": evil, "family": evil, "parameter_size": evil,
                    "quantization_level": evil},
        "model_info": {"general.architecture": evil}, "capabilities": [evil],
        "license": evil, "template": evil, "parameters": f"stop {evil}"})
    details = DetailsDialog(f"evil{evil}:latest", show)
    copy = CopyDialog(f"evil{evil}:latest", [])
    copy.edit.setText(f"{evil}/x")  # the hint quotes what was typed
    banner = DaemonBanner(which=lambda _name: None)
    banner.show_state(ConnectionState(f"http://{evil}", "unreachable", reason=evil,
                                      retry_in_ms=5000))
    for widget in (details, copy, banner):
        qtbot.addWidget(widget)
        widget.show()
        widget.grab()
        hover_everything(widget)
    quoted = [lb for w in (details, copy, banner) for lb in w.findChildren(QLabel)
              if evil in lb.text()]
    assert len(quoted) >= 3  # the hostile text did reach labels of each
    assert [f for w in (details, copy, banner) for f in raw_rich_text(w)] == []
    qtbot.wait(100)
    assert (listener.hits, watch.opens) == (0, 0)


def test_desktop_notifications_carry_outside_text_escaped(qtbot, monkeypatch):
    """Freedesktop notification servers may read a body as markup: a model name with an
    ``<img>`` must reach them as text."""
    from PySide6.QtWidgets import QSystemTrayIcon, QWidget

    from quantdesk.ui.widgets import download_notice

    sent: list[tuple[str, str]] = []

    class Tray(QSystemTrayIcon):
        def isVisible(self) -> bool:  # noqa: N802
            return True

        def showMessage(self, title, text, *args):  # noqa: N802
            sent.append((title, text))

    monkeypatch.setattr(QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    window = QWidget()
    qtbot.addWidget(window)
    tray = Tray()
    hostile = 'evil<img src="/dev/zero">:latest'
    assert download_notice.notify(window, tray, f"Pulled {hostile}", f"{hostile} is ready") is None
    assert sent == [("Pulled evil&lt;img src=&quot;/dev/zero&quot;&gt;:latest",
                     "evil&lt;img src=&quot;/dev/zero&quot;&gt;:latest is ready")]
