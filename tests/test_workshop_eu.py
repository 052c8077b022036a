"""EU additionality in a workshop: what EU money added to the rounds played, as the planners' app computes it."""

from __future__ import annotations

import json
import uuid

import pytest
import solara
import solara.server.kernel
import solara.server.kernel_context

from wecsim import additionality
from wecsim.runner import run
from wecsim.workshop.roles import all_roles
from wecsim.workshop.service import Workshops

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
]


@pytest.fixture
def ws(tmp_path):
    w = Workshops(tmp_path / "w.db", create=True)
    yield w
    w.close()


def test_a_rounds_eu_additionality_is_the_planners_apps_for_the_same_years(ws):
    made = ws.create("baseline", ["utility:KZ-61"], 2, 4)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    eu = ws.advance(wid, key)["eu"]  # no team decided: the workshop is the scenario itself
    plan = ws.plan(wid)
    with_eu, without_eu = run(plan.scenario, plan.seed), run(additionality.counterfactual(plan.scenario), plan.seed)
    app = additionality.outcomes_to(with_eu, without_eu, plan.years(1).stop - 1)
    assert json.dumps(eu) == json.dumps({k: float(v) for k, v in app.items()})
    assert eu["eu_money_meur"] > 0 and eu["projects_added"] > 0


def test_a_delegation_that_holds_its_money_back_adds_less_and_replay_agrees(ws):
    made = ws.create("baseline", ["delegation:eu"], 1, 5)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    decision = json.loads(all_roles()["delegation:eu"].form)
    decision["envelope_share"] = dict.fromkeys(decision["envelope_share"], 0.0)
    ws.submit(wid, made.team_codes["delegation:eu"], "delegation:eu", decision)
    held_back = ws.advance(wid, key)["eu"]
    plain = ws.counterfactuals(wid)[-1]["national"]  # the run without the teams: the EU's own rule
    board = ws.projector_view(wid, made.projector_code)
    assert board["eu"] == held_back
    # the default rule's EU money, from the app's computation over the same years
    plan = ws.plan(wid)
    year = plan.years(1).stop - 1
    app = additionality.outcomes_to(
        run(plan.scenario, plan.seed), run(additionality.counterfactual(plan.scenario), plan.seed), year
    )
    assert plain[-1]["year"] == year
    assert held_back["eu_money_meur"] < app["eu_money_meur"]
    assert held_back["projects_added"] < app["projects_added"]
    assert ws.replay(wid, key)


def test_a_round_stored_before_the_eu_numbers_still_replays_and_the_projector_shows_none(ws):
    made = ws.create("baseline", ["funder:ebrd"], 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    ws.advance(wid, key)
    # a file of the previous version: its round has no "eu"
    outcome = ws.outcomes(wid)[0]
    del outcome["eu"]
    with ws.store.write() as c:
        c.execute("UPDATE round SET outcome_json = ? WHERE workshop_id = ? AND round = 1", (json.dumps(outcome), wid))
    assert ws.projector_view(wid, made.projector_code)["eu"] is None
    assert ws.replay(wid, key)
    ws.open_round(wid, key)
    ws.advance(wid, key)
    assert ws.projector_view(wid, made.projector_code)["eu"]["eu_money_meur"] > 0
    assert ws.replay(wid, key)


def test_the_projector_shows_what_eu_money_added(tmp_path, monkeypatch, solara_patched):
    from test_workshop_page import by_class, text_of

    from wecsim.app.pages.workshop import ProjectorPanel
    from wecsim.workshop.shown import eu_added_table

    ws = Workshops(tmp_path / "w.db", create=True)
    try:
        made = ws.create("baseline", ["funder:ebrd"], 1, 3)
        ws.open_round(made.workshop_id, made.facilitator_key)
        ws.advance(made.workshop_id, made.facilitator_key)
        monkeypatch.setenv("WECSIM_WORKSHOP_DB", str(tmp_path / "w.db"))
        kernel = solara.server.kernel.Kernel()
        tab = solara.server.kernel_context.VirtualKernelContext(
            id=f"tab-{uuid.uuid4().hex[:8]}", kernel=kernel, session_id=f"session-{uuid.uuid4().hex[:8]}"
        )
        with tab:
            _, rc = solara.render(ProjectorPanel(made.workshop_id, made.projector_code), handle_error=False)
            text = text_of(rc)
            assert "What EU money added, 2025-2027" in text
            assert by_class(rc, "wecsim-table-ws-board-eu")
            rc.close()
        table = eu_added_table(ws.projector_view(made.workshop_id, made.projector_code)["eu"], 2025, 2027)
        assert list(table.iloc[:, 0])[:3] == [
            "EU money spent, 2025-2027",
            "Other money mobilised, 2025-2027",
            "Net mobilisation",
        ]
        assert "Projects built, by 2027" in list(table.iloc[:, 0])
        assert table.iloc[0, 1] != "0" and table.iloc[0, 2] == "EUR M"
    finally:
        ws.close()


def test_the_debrief_report_has_what_eu_money_added(ws, tmp_path):
    from wecsim.workshop.report import write_report

    made = ws.create("baseline", ["funder:ebrd"], 1, 3)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    ws.advance(wid, key)
    write_report(ws.debrief(wid, key), ws.decision_rows(wid, key), tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "What EU money added, 2025-2027" in page and "Net mobilisation" in page
