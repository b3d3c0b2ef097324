"""Deleting one or more installed models: what it frees, which are loaded, and buttons named
for what they do ("Delete 3 models" / "Keep them")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from quantdesk.core.fit.rules import ps_size_text
from quantdesk.core.loaded_state import LoadedState
from quantdesk.core.ollama import LocalModel


@dataclass(frozen=True, slots=True)
class DeletePlan:
    names: tuple[str, ...]
    freed_bytes: int  # files no remaining model points at (a copy shares all of them)
    loaded: tuple[str, ...]  # selected models in memory now: unloaded first

    @property
    def button_text(self) -> str:
        n = len(self.names)
        return f"Delete {self.names[0]}" if n == 1 else f"Delete {n} models"

    @property
    def text(self) -> str:
        n = len(self.names)
        what = self.names[0] if n == 1 else f"these {n} models: " + ", ".join(self.names)
        parts = [f"Delete {what}?"]
        if self.freed_bytes > 0:
            parts.append(f"This frees up to {ps_size_text(self.freed_bytes)} of disk space; "
                         "files another model shares stay.")
        else:
            parts.append("This frees no disk space: another installed model uses the same "
                         "files.")
        if self.loaded:
            verb = "is" if len(self.loaded) == 1 else "are"
            parts.append(f"{', '.join(self.loaded)} {verb} loaded now and will be unloaded "
                         "first.")
        parts.append("Pulling a deleted model again downloads it in full.")
        return "\n\n".join(parts)


def delete_plan(selected: Sequence[LocalModel], installed: Sequence[LocalModel],
                state: LoadedState) -> DeletePlan:
    names = tuple(m.name for m in selected)
    chosen = set(names)
    kept = {m.digest for m in installed if m.name not in chosen and m.digest}
    freed: dict[str, int] = {}
    for m in selected:
        if m.is_remote or (m.digest and m.digest in kept):
            continue
        freed[m.digest or m.name] = m.size
    loaded = tuple(n for n in names if state.running(n) is not None)
    return DeletePlan(names, sum(freed.values()), loaded)


def confirm_delete(parent: QWidget | None, plan: DeletePlan) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, "Delete models" if len(plan.names) > 1
                      else "Delete model", plan.text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # model names are the daemon's data
    box.setObjectName("deleteQuestion")
    delete: QPushButton = box.addButton(plan.button_text, QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep them" if len(plan.names) > 1 else "Keep it",
                         QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is delete
