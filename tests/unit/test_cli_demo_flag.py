"""The top-level ``--demo`` opens the app; given to a daemon command it is refused, not
silently ignored (``quantdesk --demo ls`` used to list the real daemon's models)."""

from __future__ import annotations

import pytest

from quantdesk.cli.main import build_parser, main


@pytest.mark.parametrize("command", [["ls"], ["ps", "--json"], ["fit", "llama3.1"]])
def test_demo_with_a_daemon_command_is_refused(command, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--demo", *command])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--demo opens the desktop app" in err and "quantdesk sim" in err


def test_demo_before_gui_reaches_the_gui_command(monkeypatch):
    seen = {}
    from quantdesk.cli.commands import gui

    monkeypatch.setattr(gui, "run", lambda args: seen.setdefault("demo", args.demo) and 0)
    assert main(["--demo", "gui"]) == 0
    assert seen == {"demo": True}
    assert build_parser().parse_args(["gui"]).demo is False
