"""The rows of the model palette: fuzzy-matched installed models with their size and the
loaded state the rest of the app shows (one ``LoadedState``, so the palette cannot disagree
with the status bar).

With an empty query the loaded models come first (switching back to one is the common case),
then the rest in the order given; with a query the fuzzy ranking decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quantdesk.core.fit.rules import ps_size_text
from quantdesk.core.fuzzy import fuzzy_filter
from quantdesk.core.loaded_lines import ModelLine, model_line
from quantdesk.core.loaded_state import LoadedState
from quantdesk.core.ollama import LocalModel


@dataclass(frozen=True, slots=True)
class PaletteRow:
    name: str
    size_text: str  # the download size, "4.9 GB"
    line: ModelLine  # loaded, loading … (``line.text`` is "" when idle)
    positions: tuple[int, ...]  # matched characters of ``name``, for bold

    @property
    def loaded(self) -> bool:
        return self.line.running is not None


def palette_rows(query: str, installed: Sequence[LocalModel], state: LoadedState,
                 *, limit: int | None = None) -> list[PaletteRow]:
    models = list(installed)
    if not query.strip():
        models.sort(key=lambda m: state.running(m.name) is None)  # stable: loaded first
    rows = [PaletteRow(m.name, ps_size_text(m.size), model_line(state, m.name), match.positions)
            for m, match in fuzzy_filter(query, models, key=lambda m: m.name)]
    return rows if limit is None else rows[:limit]
