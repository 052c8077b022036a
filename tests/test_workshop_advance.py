"""An advance answers quickly: the round's own outcome first, its comparison runs after; kept models, same numbers."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from wecsim.scenario import load_scenario
from wecsim.workshop import replay, service
from wecsim.workshop.events import Injection
from wecsim.workshop.replay import SNAPSHOTS, play
from wecsim.workshop.roles import parse_roles
from wecsim.workshop.service import COMPARING_GIVE_UP_S, Workshops

pytestmark = pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")

ROLES = ["funder:ebrd", "utility:KZ-75", "region:KZ-47"]
#: a different decision each round, so that a model kept from the wrong round would show
DECISIONS = [
    {"utility:KZ-75": {"tariff_growth_pct": 8, "accept_eu_condition": False}},
    {
        "funder:ebrd": {
            "sector_weight": {"water": 1, "energy": 0, "circular": 0, "resilience": 0},
            "envelope_share": 0.4,
        },
    },
    {"region:KZ-47": {"propose": ["drip"]}, "utility:KZ-75": {"tariff_growth_pct": 2, "accept_eu_condition": True}},
]


def _play_rounds(ws: Workshops, restart_between: bool = False, inject_in: int | None = None) -> tuple[str, str, str]:
    made = ws.create("baseline", ROLES, 3, 2)
    wid, key = made.workshop_id, made.facilitator_key
    for n, chosen in enumerate(DECISIONS, start=1):
        ws.open_round(wid, key)
        for role, payload in chosen.items():
            ws.submit(wid, made.team_codes[role], role, payload)
        if n == inject_in:
            ws.inject(wid, key, "drought")
        if restart_between:
            SNAPSHOTS.clear()  # as a server restart: nothing kept in memory
        ws.advance(wid, key)
    return wid, key, made.projector_code


def _stored(ws: Workshops, wid: str) -> str:
    return json.dumps([ws.outcomes(wid), ws.counterfactuals(wid)])


@pytest.fixture
def ws(tmp_path):
    SNAPSHOTS.clear()
    w = Workshops(tmp_path / "w.db", create=True)
    yield w
    w.close()
    SNAPSHOTS.clear()


def test_kept_models_play_only_the_new_round_and_give_the_numbers_of_a_run_from_the_start(ws):
    saved = SNAPSHOTS.rounds_saved
    wid, key, _code = _play_rounds(ws)
    # rounds 2 and 3 continued the kept models (workshop, without EU money, without the teams)
    assert SNAPSHOTS.rounds_saved > saved
    kept = _stored(ws, wid)
    # the replay runs from the scenario's start, nothing kept: the same numbers, bit for bit
    assert ws.replay(wid, key)
    plan = ws.plan(wid)
    assert json.dumps(play(plan, DECISIONS, eu=True)) == json.dumps(ws.outcomes(wid))
    assert json.dumps(play(plan, [{}, {}, {}])) == json.dumps(ws.counterfactuals(wid))
    # and a server restarted before every advance (every run from the start) stores the same file content
    again = _play_rounds(ws, restart_between=True)[0]
    assert _stored(ws, again) == kept


def test_an_event_injected_since_the_last_round_runs_from_the_start_and_counts(ws):
    wid, key, _code = _play_rounds(ws, inject_in=3)
    assert ws.replay(wid, key)
    plain = _play_rounds(ws)[0]
    assert ws.outcomes(wid)[:2] == ws.outcomes(plain)[:2]
    # the drought of the third round's first year shows in it
    assert (
        ws.outcomes(wid)[2]["national"][0]["basins_in_drought"]
        > ws.outcomes(plain)[2]["national"][0]["basins_in_drought"]
    )


def test_a_model_kept_for_other_decisions_is_never_continued():
    plan = replay.Plan(load_scenario("baseline"), 42, tuple(parse_roles(ROLES)), 3, 2)
    keys = replay.round_keys(plan, DECISIONS, [])
    other = replay.round_keys(plan, [DECISIONS[0], {}, DECISIONS[2]], [])
    assert keys[0] == other[0] and keys[1] != other[1] and keys[2] != other[2]
    assert replay.round_keys(plan, DECISIONS, [Injection("drought", 2028)])[0] != keys[0]
    assert replay.round_keys(replace(plan, seed=43), DECISIONS, [])[0] != keys[0]


def test_the_screens_get_the_round_before_its_comparison_runs_and_never_an_old_number(ws, tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(service, "_compare_apart", lambda *args: started.append(args))
    made = ws.create("baseline", ROLES, 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    for n in (1, 2):
        ws.open_round(wid, key)
        ws.submit(wid, made.team_codes["utility:KZ-75"], "utility:KZ-75", DECISIONS[0]["utility:KZ-75"])
        before = ws.revision(wid)
        outcome = ws.advance(wid, key, background=True)
        # one change for the screens: the round done with its own numbers
        assert ws.revision(wid) == before + 1 and started[-1][1:3] == (wid, n)
        view = ws.team_view(wid, made.team_codes["utility:KZ-75"])
        assert view["last_outcome"]["national"] == outcome["national"]
        board = ws.projector_view(wid, made.projector_code)
        assert board["comparing"] == [n] and board["eu"] is None and board["scores"].empty
        assert board["national"]["workshop"].notna().all() and board["national"]["without_teams"].isna().all()
        assert int(board["national"]["year"].iloc[0]) == outcome["national"][-1]["year"]
        assert len(board["without_teams"]) == n - 1
        ws.compare(wid, n)
        assert ws.revision(wid) == before + 2
        board = ws.projector_view(wid, made.projector_code)
        assert board["comparing"] == [] and board["eu"]["eu_money_meur"] >= 0 and not board["scores"].empty
        assert board["national"]["without_teams"].notna().all()
    # the same numbers as comparison runs made inline
    assert ws.replay(wid, key)
    inline = Workshops(tmp_path / "w.db")
    other = inline.create("baseline", ROLES, 2, 2)
    for _n in (1, 2):
        inline.open_round(other.workshop_id, other.facilitator_key)
        role = "utility:KZ-75"
        inline.submit(other.workshop_id, other.team_codes[role], role, DECISIONS[0][role])
        inline.advance(other.workshop_id, other.facilitator_key)
    assert _stored(inline, other.workshop_id) == _stored(ws, wid)
    inline.close()


def test_comparison_runs_a_restart_stopped_are_made_by_the_next_reader(tmp_path, monkeypatch):
    monkeypatch.setattr(service, "_compare_apart", lambda *args: None)  # the thread never ran: the server stopped
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    ws = Workshops(tmp_path / "w.db", create=True, clock=lambda: now[0])
    try:
        made = ws.create("baseline", ROLES, 2, 2)
        wid, key = made.workshop_id, made.facilitator_key
        ws.open_round(wid, key)
        ws.advance(wid, key, background=True)
        assert ws.projector_view(wid, made.projector_code)["comparing"] == [1]
        now[0] += timedelta(seconds=COMPARING_GIVE_UP_S + 1)
        board = ws.projector_view(wid, made.projector_code)
        assert board["comparing"] == [] and board["eu"] is not None and len(board["without_teams"]) == 1
        assert ws.replay(wid, key)
        # the debrief never waits: it makes what is missing at once
        ws.open_round(wid, key)
        ws.advance(wid, key, background=True)
        report = ws.debrief(wid, key)
        assert report["comparing"] == [] and len(report["without_teams"]) == 2
        assert not math.isnan(float(report["national"]["without_teams"].iloc[0]))
    finally:
        ws.close()


def test_a_failed_run_leaves_the_round_locked_and_tells_the_screens(ws, monkeypatch):
    made = ws.create("baseline", ROLES, 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    before = ws.revision(wid)

    def broken(*args, **kwargs):
        raise RuntimeError("the model stopped")

    monkeypatch.setattr(service, "play", broken)
    with pytest.raises(RuntimeError):
        ws.advance(wid, key)
    assert ws.status(wid, key)["rounds"][0]["state"] == "locked" and ws.revision(wid) == before + 1


def _wait_for(check, seconds: float = 30.0) -> bool:
    """Poll ``check`` until it holds or ``seconds`` pass (a redraw once took over 10 s on a loaded 2-core machine)."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    return check()


def test_a_team_page_is_not_redrawn_for_another_teams_submission_but_is_for_its_own_round(
    tmp_path, monkeypatch, solara_patched
):
    import solara
    from test_workshop_page import new_tab, text_of

    from wecsim.app.pages import workshop as page

    draws = []
    roles = page.all_roles
    monkeypatch.setattr(page, "all_roles", lambda: draws.append(1) or roles())  # the team's page calls it to draw
    monkeypatch.setenv(page.DB_ENV, str(tmp_path / "w.db"))
    ws = Workshops(tmp_path / "w.db", create=True)
    made = ws.create("baseline", ["utility:KZ-75", "funder:ebrd"], 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    try:
        with new_tab():
            _, rc = solara.render(page.TeamPanel(wid, made.team_codes["utility:KZ-75"]), handle_error=False)
            time.sleep(4 * page.POLL_S)  # its poll has started
            drawn = len(draws)
            ws.submit(wid, made.team_codes["funder:ebrd"], "funder:ebrd", DECISIONS[1]["funder:ebrd"])
            time.sleep(6 * page.POLL_S)
            assert len(draws) == drawn, "another team's submission changes nothing on this page"
            ws.lock(wid, key)
            assert _wait_for(lambda: "<strong>locked</strong>" in text_of(rc)), text_of(rc)
            assert len(draws) > drawn
            rc.close()
    finally:
        ws.close()


def test_the_projector_page_says_the_comparison_is_being_computed_then_shows_it(tmp_path, monkeypatch, solara_patched):
    import solara
    from test_workshop_page import by_class, new_tab, text_of, walk

    from wecsim.app.pages import workshop as page

    monkeypatch.setattr(service, "_compare_apart", lambda *args: None)
    monkeypatch.setenv(page.DB_ENV, str(tmp_path / "w.db"))
    ws = Workshops(tmp_path / "w.db", create=True)
    made = ws.create("baseline", ROLES, 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    ws.advance(wid, key, background=True)
    try:
        with new_tab():
            _, rc = solara.render(page.ProjectorPanel(wid, made.projector_code), handle_error=False)
            assert by_class(rc, "ws-comparing") and "Kazakhstan in 2026" in text_of(rc)
            (eu,) = by_class(rc, "wecsim-table-ws-board-eu")  # there already, waiting for its numbers
            grid = next(w for w in walk(eu) if hasattr(w, "items"))
            assert "being computed" in str(grid.items) and "EU money spent" not in str(grid.items)
            ws.compare(wid, 1)  # the thread's work: the page follows by itself
            assert _wait_for(lambda: "EU money spent" in str(grid.items)), text_of(rc)
            assert not by_class(rc, "ws-comparing") and by_class(rc, "wecsim-table-ws-board-eu") == [eu]
            rc.close()
    finally:
        ws.close()


def test_a_change_made_on_a_page_of_this_server_wakes_the_other_pages_at_once(tmp_path, monkeypatch, solara_patched):
    import solara
    from test_workshop_page import by_class, new_tab, text_of

    from wecsim.app.pages import workshop as page

    monkeypatch.setenv(page.DB_ENV, str(tmp_path / "w.db"))
    ws = Workshops(tmp_path / "w.db", create=True)
    made = ws.create("baseline", ["utility:KZ-75"], 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    try:
        with new_tab():
            _, team = solara.render(page.TeamPanel(wid, made.team_codes["utility:KZ-75"]), handle_error=False)
            time.sleep(0.5)  # its poll has started
            monkeypatch.setattr(page, "POLL_S", 60.0)  # from its next wait on, only a wake-up brings the change
            time.sleep(2 * 0.25)
            with new_tab():
                _, fac = solara.render(page.FacilitatorPanel(wid, key), handle_error=False)
                by_class(fac, "ws-lock")[0].fire_event("click", {})
                fac.close()
            assert _wait_for(lambda: "<strong>locked</strong>" in text_of(team), 5.0), text_of(team)
            team.close()
    finally:
        ws.close()


def test_the_comparison_thread_stores_the_runs_and_then_says_so(ws):
    import threading

    made = ws.create("baseline", ROLES, 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    stored = threading.Event()
    ws.advance(wid, key, background=True, then=stored.set)
    assert stored.wait(120), "the thread of the comparison runs never finished"
    board = ws.projector_view(wid, made.projector_code)
    assert board["comparing"] == [] and board["eu"] is not None and len(board["without_teams"]) == 1
    assert ws.replay(wid, key)
