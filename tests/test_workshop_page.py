"""The workshop page rendered in-process (no browser): a team decides through it, the facilitator advances."""

from __future__ import annotations

import uuid

import ipywidgets
import pytest
import solara
import solara.server.kernel
import solara.server.kernel_context

from wecsim.workshop.service import Workshops

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("solara_patched"),
]


def new_tab():
    kernel = solara.server.kernel.Kernel()
    return solara.server.kernel_context.VirtualKernelContext(
        id=f"tab-{uuid.uuid4().hex[:8]}", kernel=kernel, session_id=f"session-{uuid.uuid4().hex[:8]}"
    )


def walk(widget):
    yield widget
    kids = list(getattr(widget, "children", None) or [])
    for slot in getattr(widget, "v_slots", None) or []:
        kid = slot.get("children")
        kids.extend(kid if isinstance(kid, list) else [kid])
    for kid in kids:
        if isinstance(kid, ipywidgets.Widget):
            yield from walk(kid)


def by_class(rc, token):
    return [w for w in walk(rc.container) if token in (getattr(w, "class_", None) or "").split()]


def text_of(rc) -> str:
    parts = []
    for w in walk(rc.container):
        for attr in ("value", "label", "unsafe_innerHTML"):
            v = getattr(w, attr, None)
            if isinstance(v, str):
                parts.append(v)
        if isinstance(getattr(w, "children", None), list | tuple):
            parts += [c for c in w.children if isinstance(c, str)]
    return "\n".join(parts)


@pytest.fixture
def workshop(tmp_path, monkeypatch):
    db = tmp_path / "w.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", ["utility:KZ-75", "funder:ebrd"], 2, 2)
    ws.open_round(made.workshop_id, made.facilitator_key)
    monkeypatch.setenv("WECSIM_WORKSHOP_DB", str(db))
    yield ws, made
    ws.close()


def test_a_team_submits_through_the_page_and_sees_its_own_consequences(workshop):
    from wecsim.app.pages.workshop import FacilitatorPanel, TeamPanel

    ws, made = workshop
    wid, code = made.workshop_id, made.team_codes["utility:KZ-75"]
    with new_tab():
        _, rc = solara.render(TeamPanel(wid, code), handle_error=False)
        assert "water utility of Almaty city" in text_of(rc) and "funder:ebrd" not in text_of(rc)
        sliders = [w for w in walk(rc.container) if getattr(w, "label", None) == "Real tariff growth [%/yr]"]
        sliders[0].v_model = 6.5
        by_class(rc, "ws-submit")[0].fire_event("click", {})
        assert ws.decisions(wid, 1)[0]["utility:KZ-75"] == {"tariff_growth_pct": 6.5, "accept_eu_condition": True}
        assert "saved" in text_of(rc)
        rc.close()
    with new_tab():
        _, rc = solara.render(FacilitatorPanel(wid, made.facilitator_key), handle_error=False)
        assert "Submitted: utility:KZ-75 (1 of 2)" in text_of(rc)
        by_class(rc, "ws-advance")[0].fire_event("click", {})
        assert ws.current_round(wid) == 2
        rc.close()
    with new_tab():
        _, rc = solara.render(TeamPanel(wid, code), handle_error=False)
        text = text_of(rc)
        assert "Last round: your objectives" in text and "Round <strong>2</strong> is <strong>locked</strong>" in text
        assert by_class(rc, "wecsim-table-ws-mine"), "the team's own objectives"
        assert not by_class(rc, "ws-submit"), "no form while the round is locked"
        rc.close()


def test_the_page_refuses_a_wrong_code_or_key_and_logs_it(workshop):
    from wecsim.app.pages.workshop import FacilitatorPanel, TeamPanel

    ws, made = workshop
    with new_tab():
        _, rc = solara.render(TeamPanel(made.workshop_id, "guessed-code"), handle_error=False)
        assert "refused" in text_of(rc)
        rc.close()
    with new_tab():
        _, rc = solara.render(FacilitatorPanel(made.workshop_id, made.team_codes["funder:ebrd"]), handle_error=False)
        assert "wrong facilitator key" in text_of(rc)
        assert not by_class(rc, "ws-advance")
        rc.close()
    assert [e["action"] for e in ws.audit(made.workshop_id, made.facilitator_key)] == ["view", "status"]


@pytest.mark.parametrize(
    ("role_id", "n_sliders"),
    [("delegation:eu", 8), ("funder:ebrd", 5), ("funder:eu_blending", 1), ("region:KZ-61", 0), ("firm:intl_epc", 1)],
)
def test_every_kind_of_form_submits_a_valid_decision(role_id, n_sliders):
    import json

    from wecsim.app.pages.workshop import DecisionForm
    from wecsim.workshop.roles import all_roles, parse_decision

    role = all_roles()[role_id]
    got = []
    with new_tab():
        _, rc = solara.render(DecisionForm(role_id, json.loads(role.form), got.append), handle_error=False)
        sliders = [
            w for w in walk(rc.container) if hasattr(w, "thumb_label") and getattr(w, "v_model", None) != "!!disabled!!"
        ]
        assert len(sliders) == n_sliders
        for s in sliders:
            s.v_model = 0.0  # every slider to its low end
        by_class(rc, "ws-submit")[0].fire_event("click", {})
        rc.close()
    assert len(got) == 1
    parse_decision(role, got[0])  # accepted as it stands
    if sliders:
        numbers = [v for v in json.dumps(got[0]).replace("{", " ").replace("}", " ").split() if v[0].isdigit()]
        assert numbers and all(float(v.strip(",")) == 0.0 for v in numbers), got[0]
