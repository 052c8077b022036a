"""A workshop page draws a table again only when its numbers change, and keeps its widgets when other parts come and go.

Each redraw of a table costs the server its widgets' messages (issue 15: every screen within
2 s of the advance, on one 2-core server for ten pages). These tests count the tables drawn
in-process and check that the widgets on screen are updated rather than made anew.
"""

from __future__ import annotations

import collections

import pytest
import solara
from test_workshop_advance import DECISIONS, _wait_for
from test_workshop_page import by_class, new_tab, text_of, walk

from wecsim.workshop import service
from wecsim.workshop.replay import SNAPSHOTS
from wecsim.workshop.service import Workshops

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("solara_patched"),
]

TEAM, OTHER = "utility:KZ-75", "funder:ebrd"


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """The page module with every table it draws counted by name; a workshop of two teams with round 1 played."""
    from wecsim.app.pages import workshop as page

    drawn: collections.Counter[str] = collections.Counter()
    real = page.Table

    @solara.component
    def Table(df, items_per_page: int = 15, name: str = "table"):
        drawn[name] += 1
        real(df, items_per_page=items_per_page, name=name)

    monkeypatch.setattr(page, "Table", Table)
    monkeypatch.setenv(page.DB_ENV, str(tmp_path / "w.db"))
    SNAPSHOTS.clear()
    ws = Workshops(tmp_path / "w.db", create=True)
    made = ws.create("baseline", [TEAM, OTHER], 3, 2)
    ws.open_round(made.workshop_id, made.facilitator_key)
    ws.advance(made.workshop_id, made.facilitator_key)
    yield page, drawn, ws, made
    ws.close()
    SNAPSHOTS.clear()


def _widgets(rc, table: str) -> list[int]:
    """Return the ids of the widgets that show the table ``table`` (its column and everything in it)."""
    return [id(w) for w in walk(by_class(rc, f"wecsim-table-{table}")[0])]


def test_a_team_page_keeps_its_tables_when_its_form_comes_and_goes_and_redraws_them_only_for_new_numbers(counted):
    page, drawn, ws, made = counted
    wid, key = made.workshop_id, made.facilitator_key
    with new_tab():
        _, rc = solara.render(page.TeamPanel(wid, made.team_codes[TEAM]), handle_error=False)
        assert drawn == {"ws-mine": 1, "ws-national": 1} and "Kazakhstan in 2026" in text_of(rc)
        mine = _widgets(rc, "ws-mine")

        ws.open_round(wid, key)  # the form appears above the tables
        assert _wait_for(lambda: bool(by_class(rc, "ws-submit"))), text_of(rc)
        ws.submit(wid, made.team_codes[OTHER], OTHER, DECISIONS[1][OTHER])  # another team: nothing to show
        by_class(rc, "ws-submit")[0].fire_event("click", {})  # its own decision: a message appears
        assert _wait_for(lambda: bool(by_class(rc, "ws-message"))), text_of(rc)
        assert drawn == {"ws-mine": 1, "ws-national": 1}, "no table drawn again: their numbers did not change"
        assert _widgets(rc, "ws-mine") == mine, "the same widgets, not new ones for the same table"

        ws.advance(wid, key)  # new numbers, and the form goes away
        assert _wait_for(lambda: "Kazakhstan in 2028" in text_of(rc)), text_of(rc)
        assert drawn == {"ws-mine": 2, "ws-national": 2}
        assert not by_class(rc, "ws-submit")
        assert _widgets(rc, "ws-mine")[0] == mine[0], "the table's widgets are updated, not made anew"
        rc.close()


def test_the_first_advance_updates_the_tables_a_team_page_drew_when_it_opened(counted):
    page, drawn, ws, _ = counted
    made = ws.create("baseline", [TEAM, OTHER], 3, 2)  # a second workshop: no round played yet
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    with new_tab():
        _, rc = solara.render(page.TeamPanel(wid, made.team_codes[TEAM]), handle_error=False)
        assert drawn == {"ws-mine": 1, "ws-national": 1}, "both tables are there before any round is played"
        mine, national = _widgets(rc, "ws-mine"), _widgets(rc, "ws-national")
        grid = _data_table(rc, "ws-mine")
        assert "after the first round" in str(grid.items)

        ws.advance(wid, key)
        assert _wait_for(lambda: "Kazakhstan in 2026" in text_of(rc)), text_of(rc)
        assert drawn == {"ws-mine": 2, "ws-national": 2}
        assert _widgets(rc, "ws-mine")[0] == mine[0] and _widgets(rc, "ws-national")[0] == national[0]
        assert _data_table(rc, "ws-mine") is grid, "the first advance puts its numbers into the same table widget"
        assert "2026" in str(grid.items) and "after the first round" not in str(grid.items), "it holds round 1 now"
        rc.close()


def test_the_projector_draws_its_tables_before_the_first_round_and_the_first_advance_updates_them(counted):
    page, drawn, ws, _ = counted
    made = ws.create("baseline", [TEAM, OTHER], 3, 2)  # no round played yet
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    tables = ("ws-board-national", "ws-board-scores", "ws-board-regions", "ws-board-eu", "ws-board-decisions")
    with new_tab():
        _, rc = solara.render(page.ProjectorPanel(wid, made.projector_code), handle_error=False)
        assert set(tables) <= set(drawn), "every table is there before any round is played"
        grids = {t: _data_table(rc, t) for t in tables}
        assert all("after the first round" in str(grids[t].items) for t in tables if t != "ws-board-national")

        ws.advance(wid, key)  # round 1 and its comparison runs, at once
        assert _wait_for(lambda: "EU money spent" in str(grids["ws-board-eu"].items)), text_of(rc)
        assert "Kazakhstan in 2026" in text_of(rc)
        assert {t: _data_table(rc, t) for t in tables} == grids, "the same table widgets, holding round 1 now"
        assert not any("after the first round" in str(g.items) for g in grids.values())
        rc.close()


def _data_table(rc, table: str):
    """Return the widget of the grid of rows of the table ``table``."""
    return next(w for w in walk(by_class(rc, f"wecsim-table-{table}")[0]) if hasattr(w, "items"))


def test_the_projector_draws_for_a_submission_only_who_submitted_and_for_the_comparison_only_what_needs_it(
    counted, monkeypatch
):
    page, drawn, ws, made = counted
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    with new_tab():
        _, rc = solara.render(page.ProjectorPanel(wid, made.projector_code), handle_error=False)
        first = dict(drawn)
        assert {"ws-board-national", "ws-board-scores", "ws-board-regions", "ws-board-eu", "ws-board-decisions"} <= set(
            first
        )
        decisions = _widgets(rc, "ws-board-decisions")

        ws.submit(wid, made.team_codes[OTHER], OTHER, DECISIONS[1][OTHER])
        assert _wait_for(lambda: "(1 of 2)" in text_of(rc)), text_of(rc)
        assert drawn == first, "a submission changes no number: no table drawn again"

        monkeypatch.setattr(service, "_compare_apart", lambda *args: None)  # the comparison runs: by the test
        ws.advance(wid, key, background=True)
        assert _wait_for(lambda: bool(by_class(rc, "ws-comparing"))), text_of(rc)
        assert drawn["ws-board-decisions"] == first["ws-board-decisions"] + 1, "round 2's decisions"
        played = dict(drawn)

        ws.compare(wid, 2)
        assert _wait_for(lambda: not by_class(rc, "ws-comparing")), text_of(rc)
        assert drawn["ws-board-national"] == played["ws-board-national"] + 1, "the columns without the teams"
        assert drawn["ws-board-decisions"] == played["ws-board-decisions"], "the decisions did not change"
        assert _widgets(rc, "ws-board-decisions")[0] == decisions[0], "the same table, updated in place"
        rc.close()


def test_a_table_drawn_with_new_numbers_keeps_its_csv_button_and_the_csv_holds_the_new_numbers():
    import pandas as pd

    from wecsim.app.components.tables import Table

    before, after = pd.DataFrame({"x": [1, 2]}), pd.DataFrame({"x": [3, 4, 5]})

    def button(rc):
        return next(w for w in walk(rc.container) if type(w).__name__ == "FileDownloadWidget")

    with new_tab():
        _, rc = solara.render(Table(before, name="t"), handle_error=False)
        download = button(rc)
        rc.render(Table(after, name="t"))
        assert "3 rows" in text_of(rc)
        assert button(rc) is download
        download.request_download = True  # what the browser sets when the button is pressed
        assert _wait_for(lambda: download.bytes is not None)
        assert download.bytes.decode() == after.to_csv(index=False)
        rc.close()


def test_a_change_made_before_the_page_poll_starts_reading_is_not_missed(counted, monkeypatch):
    """A change between the page's draw and its poll thread's first read (a slow start under load) still redraws it."""
    import threading

    page, _, ws, made = counted
    wid, key = made.workshop_id, made.facilitator_key
    late = threading.Event()
    real = Workshops.revision

    def revision(self, workshop_id):  # the poll thread reads only once the change below is made
        if threading.current_thread() is not threading.main_thread():
            late.wait(10)
        return real(self, workshop_id)

    monkeypatch.setattr(Workshops, "revision", revision)
    with new_tab():
        _, rc = solara.render(page.TeamPanel(wid, made.team_codes[TEAM]), handle_error=False)
        ws.open_round(wid, key)  # before the poll thread has read the counter
        late.set()
        assert _wait_for(lambda: bool(by_class(rc, "ws-submit")), seconds=10), text_of(rc)
        rc.close()
