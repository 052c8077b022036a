"""The workshop page: a team joins with its code and decides for its role; the facilitator runs the rounds.

A Solara app of its own (teams must not see the planners' levers): ``wecsim workshop serve
--db FILE`` runs ``solara run wecsim.app.pages.workshop`` with ``WECSIM_WORKSHOP_DB=FILE``.
A team opens the link ``wecsim workshop new`` printed (``?w=<workshop>&code=<code>``) and sees only its role:
its decision form, its last decision, the round's state and deadline, and the last round's
consequences for its own objectives. The facilitator enters the workshop id and key (never
in a link) to open, lock, extend and advance rounds and to inject events. Every action goes
through :class:`wecsim.workshop.service.Workshops` (codes checked, refusals logged); the page
holds no state of its own besides what the person typed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import solara

from wecsim.app.components.prose import Heading, Prose
from wecsim.app.components.tables import Table
from wecsim.app.main import configure_offline
from wecsim.errors import WecsimError
from wecsim.projects.market import SECTORS
from wecsim.workshop.events import EVENTS
from wecsim.workshop.policies import REGION_PROPOSALS
from wecsim.workshop.replay import HEADLINE
from wecsim.workshop.roles import all_roles, bounds, delegation_funders
from wecsim.workshop.service import Workshops

#: The environment variable naming the workshop database the page serves.
DB_ENV = "WECSIM_WORKSHOP_DB"

configure_offline()  # served on its own (``wecsim workshop serve``): no CDN, no telemetry


def _db() -> Path:
    path = os.environ.get(DB_ENV, "")
    if not path:
        raise WecsimError(f"the workshop page needs the database: set {DB_ENV}=FILE before `solara run`")
    return Path(path)


def _call(func, *args):
    """Run one action on the workshop database; return ``(result, error message)``."""
    try:
        ws = Workshops(_db())
    except WecsimError as exc:
        return None, str(exc)
    try:
        return func(ws, *args), ""
    except WecsimError as exc:
        return None, str(exc)
    finally:
        ws.close()


def _default_decision(role_id: str) -> dict:
    return json.loads(all_roles()[role_id].form)


def _slider(label: str, value: float, low: float, high: float, step: float, on_value) -> None:
    """One decision slider, its value shown on the thumb."""
    solara.SliderFloat(label, value=float(value), min=low, max=high, step=step, thumb_label="always", on_value=on_value)


@solara.component
def SectorWeights(decision: dict, put) -> None:
    """Show a funder's weight of each sector, one slider each (0: finance none of it, 1: first)."""
    weights = dict(decision.get("sector_weight", {}))
    Prose("**Weight of each sector** (0: finance none of it, 1: first)")
    for sector in SECTORS:
        _slider(
            sector,
            weights.get(sector, 0.0),
            0.0,
            1.0,
            0.05,
            lambda v, sector=sector: put("sector_weight", {**weights, sector: v}),
        )


@solara.component
def DecisionForm(role_id: str, start: dict, on_submit) -> None:
    """Show one input per field of the role's decision (within its range) and the submit button."""
    role = all_roles()[role_id]
    decision, set_decision = solara.use_state(dict(start), key=role_id)

    def put(field, value):
        set_decision({**decision, field: value})

    if role.kind == "delegation":
        shares = dict(decision.get("envelope_share", {}))
        SectorWeights(decision, put)
        lo, hi = bounds("funder", "envelope_share")
        Prose("**Share of each instrument's envelope to commit**")
        for f in delegation_funders(role.agent_id):
            _slider(f, shares.get(f, hi), lo, hi, 0.05, lambda v, f=f: put("envelope_share", {**shares, f: v}))
    elif role.kind == "funder":
        if not role.support:
            SectorWeights(decision, put)
        lo, hi = bounds("funder", "envelope_share")
        _slider(
            "Share of the envelope to commit",
            decision.get("envelope_share", hi),
            lo,
            hi,
            0.05,
            lambda v: put("envelope_share", v),
        )
    elif role.kind == "utility":
        lo, hi = bounds("utility", "tariff_growth_pct")
        _slider(
            "Real tariff growth [%/yr]",
            decision.get("tariff_growth_pct", lo),
            lo,
            hi,
            0.5,
            lambda v: put("tariff_growth_pct", v),
        )
        solara.Checkbox(
            label="Accept EU money tied to a faster tariff path",
            value=bool(decision.get("accept_eu_condition", False)),
            on_value=lambda v: put("accept_eu_condition", v),
        )
    elif role.kind == "region":
        chosen = set(decision.get("propose", []))
        Prose("**Projects the akimat proposes this round**")
        for kind in REGION_PROPOSALS:
            solara.Checkbox(
                label=kind.replace("_", " "),
                value=kind in chosen,
                on_value=lambda v, k=kind: put("propose", sorted(chosen | {k} if v else chosen - {k})),
            )
    else:
        lo, hi = bounds("firm", "markup_share")
        _slider(
            "Bid markup over cost", decision.get("markup_share", lo), lo, hi, 0.01, lambda v: put("markup_share", v)
        )
    solara.Button("Submit decision", color="primary", on_click=lambda: on_submit(decision), classes=["ws-submit"])


@solara.component
def TeamPanel(workshop_id: str, code: str) -> None:
    """Show a team its own role only: round, decision form, last decision, its own consequences."""
    tick, set_tick = solara.use_state(0)
    message, set_message = solara.use_state("")
    view, error = _call(lambda ws: ws.team_view(workshop_id, code))
    if error:
        solara.Error(error, classes=["ws-error"])
        return

    def submit(decision: dict) -> None:
        result, err = _call(lambda ws: ws.submit(workshop_id, code, view["role"], decision))
        set_message(err or f"Decision {result} saved; the last one before the round locks counts.")
        set_tick(tick + 1)

    with solara.Column(classes=["ws-team"]):
        Heading(view["label"], level=2)
        Prose(f"`{view['role']}`")
        if view["round"] is None:
            solara.Info("The workshop is over: every round has been played.")
        else:
            deadline = f", closes at {view['deadline_utc']} UTC" if view["deadline_utc"] else ""
            Prose(f"Round **{view['round']}** is **{view['state']}**{deadline}.", classes=["ws-round"])
            if view["state"] == "open":
                DecisionForm(view["role"], view["my_decision"] or _default_decision(view["role"]), submit)
        if message:
            solara.Info(message, classes=["ws-message"])
        solara.Button("Refresh", on_click=lambda: set_tick(tick + 1), text=True)
        outcome = view["last_outcome"]
        if outcome:
            Heading("Last round: your objectives")
            Table(pd.DataFrame(outcome["mine"]), name="ws-mine")
            last = outcome["national"][-1]
            Heading(f"Kazakhstan in {last['year']}")
            Table(pd.DataFrame([{"indicator": k, "value": last[k]} for k in HEADLINE]), name="ws-national")


@solara.component
def FacilitatorPanel(workshop_id: str, key: str) -> None:
    """Show the facilitator's controls (open, extend, lock, advance, inject) and who has submitted."""
    tick, set_tick = solara.use_state(0)
    message, set_message = solara.use_state("")
    minutes, set_minutes = solara.use_state(15.0)
    event, set_event = solara.use_state(next(iter(EVENTS)))
    status, error = _call(lambda ws: ws.status(workshop_id, key))
    if error:
        solara.Error(error, classes=["ws-error"])
        return

    def act(func) -> None:
        _, err = _call(func)
        set_message(err or "done")
        set_tick(tick + 1)

    with solara.Column(classes=["ws-facilitator"]):
        Heading(f"Workshop {status['workshop_id']} ({status['scenario']}, seed {status['seed']})", level=2)
        Prose(
            f"Current round: **{status['current_round'] or 'finished'}**; refused attempts: "
            f"{status['refused_attempts']}"
        )
        Table(pd.DataFrame(status["rounds"]), name="ws-rounds")
        done = [role for role, sent in status["teams"].items() if sent]
        Prose(f"Submitted: {', '.join(done) or 'nobody yet'} ({len(done)} of {len(status['teams'])})")
        solara.InputFloat("Minutes", value=minutes, on_value=set_minutes)
        with solara.Row():
            solara.Button(
                "Open",
                on_click=lambda: act(lambda ws: ws.open_round(workshop_id, key, minutes or None)),
                classes=["ws-open"],
            )
            solara.Button("Extend", on_click=lambda: act(lambda ws: ws.extend(workshop_id, key, minutes)))
            solara.Button("Lock", on_click=lambda: act(lambda ws: ws.lock(workshop_id, key)), classes=["ws-lock"])
            solara.Button(
                "Advance",
                color="primary",
                on_click=lambda: act(lambda ws: ws.advance(workshop_id, key)),
                classes=["ws-advance"],
            )
        with solara.Row():
            solara.Select("Event", values=list(EVENTS), value=event, on_value=set_event)
            solara.Button(
                "Inject in the next year it may strike",
                on_click=lambda: act(lambda ws: ws.inject(workshop_id, key, event)),
            )
        if message:
            solara.Info(message, classes=["ws-message"])


@solara.component
def Page() -> None:
    """Join as a team (from the link) or sign in as the facilitator."""
    router = solara.use_router()
    query = {k: v[0] for k, v in parse_qs(router.search or "").items()}
    workshop_id = solara.use_reactive(query.get("w", ""))
    code = solara.use_reactive(query.get("code", ""))
    key = solara.use_reactive("")
    joined = solara.use_reactive(bool(query.get("w") and query.get("code")))
    signed_in = solara.use_reactive(False)
    solara.Title("wecsim workshop")
    if joined.value:
        TeamPanel(workshop_id.value, code.value)
        return
    if signed_in.value:
        FacilitatorPanel(workshop_id.value, key.value)
        return
    with solara.Card("Join your team"):
        solara.InputText("Workshop", value=workshop_id)
        solara.InputText("Join code", value=code, password=True)
        solara.Button("Join", on_click=lambda: joined.set(True))
    with solara.Card("Facilitator"):
        solara.InputText("Workshop", value=workshop_id)
        solara.InputText("Facilitator key", value=key, password=True)
        solara.Button("Sign in", on_click=lambda: signed_in.set(True))


page = Page
