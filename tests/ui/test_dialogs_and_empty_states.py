"""What a user meets at the edges: dialogs that read whole, tables that say why they are
empty, labels without noise. The pages run against the simulator over loopback sockets."""

from __future__ import annotations

from shell_support import wait_connected

from PySide6.QtWidgets import QDialogButtonBox, QLabel

from quantdesk.ui.dialogs.settings import SettingsDialog
from quantdesk.ui.pages import library as library_page
from quantdesk.ui.pages import running as running_page
from quantdesk.ui.pages.library import LibraryPage
from quantdesk.ui.services.config_store import ConfigStore
from quantdesk.ui.services.pulls import PullState
from quantdesk.ui.widgets.download_row import DownloadRow
from quantdesk.ui.widgets.library_copy import CopyDialog
from quantdesk.ui.widgets.library_details import MAX_LIST_ITEMS, metadata_value


def _open_library(qtbot, make_services, host: str) -> LibraryPage:
    services = make_services(host)
    page = LibraryPage(services)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    with qtbot.waitSignal(page.ready, timeout=5000):
        services.start()
    return page


def test_copy_dialog_is_wide_labelled_and_says_copy(qtbot):
    dialog = CopyDialog("llama3.1:8b", ["llama3.1:8b", "llama3.1:8b-instruct-q8_0"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Copy"
    buddies = [lb for lb in dialog.findChildren(QLabel) if lb.buddy() is dialog.edit]
    assert buddies and "name" in buddies[0].text().lower()
    assert dialog.width() >= 460
    intro = dialog.findChildren(QLabel)[0]
    before = intro.height()
    dialog.edit.setText("llama3.1:8b-instruct-q8_0")  # a two-line "will be replaced" hint
    qtbot.wait(20)
    assert "replaced" in dialog.hint.text()
    # The hint appearing must not squeeze the intro into a clipped box.
    assert intro.height() >= intro.heightForWidth(intro.width())
    assert intro.height() == before


def test_settings_context_field_shows_its_unit():
    dialog = SettingsDialog(ConfigStore())
    try:
        dialog.default_context.setValue(8192)
        assert dialog.default_context.text().endswith("tokens")
        dialog.default_context.setValue(0)  # 0 still reads as "automatic", not "0 tokens"
        assert dialog.default_context.text().startswith("automatic")
    finally:
        dialog.deleteLater()


def test_metadata_shortens_vocabulary_arrays_but_keeps_short_values():
    long = list(range(128_256))
    text = metadata_value(long)
    assert text.startswith("[0, 1, 2") and "128,256 values" in text
    assert text.split("…")[0].count(",") == MAX_LIST_ITEMS  # the first items, then a cut
    assert len(text) < 200
    assert metadata_value([1, 2, 3]) == "[1, 2, 3]"
    assert metadata_value("llama") == "'llama'"


def test_details_parameters_are_read_only_and_numbers_are_grouped(qtbot, sim_factory,
                                                                  make_services):
    from PySide6.QtWidgets import QAbstractItemView, QTableView, QTableWidget

    sim = sim_factory(installed=["llama3.1:8b"])
    page = _open_library(qtbot, make_services, sim.host)
    assert page.select("llama3.1:8b")
    page.show_details()
    qtbot.waitUntil(lambda: page.details_dialog is not None, timeout=5000)
    dialog = page.details_dialog
    qtbot.addWidget(dialog)
    params = dialog.findChild(QTableWidget)
    assert params.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert not params.verticalHeader().isVisible()
    assert dialog.overview["Embedding length"].text() == "4,096"
    tensors = [v for v in dialog.findChildren(QTableView) if v.model() is dialog.tensor_model]
    assert tensors and not tensors[0].wordWrap()


def test_library_says_why_it_is_empty(qtbot, sim_factory, make_services):
    sim = sim_factory(installed=[])
    page = _open_library(qtbot, make_services, sim.host)
    assert page.empty_hint.isVisible()
    assert page.empty_hint.text() == library_page.EMPTY_NONE
    assert page.count_label.text() == "0 models"


def test_library_says_when_the_filter_hides_everything(qtbot, sim_factory, make_services):
    sim = sim_factory(installed=["llama3.2:3b"])
    page = _open_library(qtbot, make_services, sim.host)
    assert not page.empty_hint.isVisible()
    assert page.count_label.text() == "1 model"
    page.filter_edit.setText("zzz")
    page.apply_filter()
    assert page.empty_hint.isVisible() and "“zzz”" in page.empty_hint.text()
    page.filter_edit.setText("llama")
    page.apply_filter()
    assert not page.empty_hint.isVisible()


def test_running_page_guides_when_nothing_is_loaded(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.2:3b"], loaded=[])
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    window.show_page("running")
    page = window.pages["running"]
    qtbot.waitUntil(lambda: page.empty_hint.isVisible(), timeout=5000)
    assert page.empty_hint.text() == running_page.EMPTY_HINT
    # The installed list arrives on its own poll; the button waits for it.
    qtbot.waitUntil(page.switch_button.isEnabled, timeout=5000)
    page.switch_to_chosen()
    qtbot.waitUntil(lambda: not page.empty_hint.isVisible(), timeout=10_000)
    assert sim.loaded_names() == ["llama3.2:3b"]


def test_switch_button_waits_for_something_to_switch_to(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=[], loaded=[])
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    page = window.pages["running"]
    with qtbot.waitSignal(window.services.installed.changed, timeout=5000):
        window.services.installed.refresh()  # the daemon has answered: nothing installed
    assert page.switch_combo.count() == 0
    assert not page.switch_button.isEnabled()


def test_download_row_does_not_repeat_the_layer_digest(qtbot):
    row = DownloadRow(PullState("llama3.2:3b", "pulling", "pulling 0a8c26691023",
                                completed=10, total=100))
    qtbot.addWidget(row)
    assert row.phase.text() == "Downloading"
    row.set_state(PullState("llama3.2:3b", "pulling", "verifying sha256 digest",
                            completed=100, total=100))
    assert row.phase.text() == "Downloading: verifying sha256 digest"
