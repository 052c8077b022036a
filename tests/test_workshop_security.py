"""No one acts for another: codes act only for their own role and workshop, the facilitator's key guards the rounds.

Every refusal is checked twice: the action fails with a clear message, and the attempt is in
the audit table (without the code that was tried).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from wecsim.workshop import codes
from wecsim.workshop.errors import AccessRefused
from wecsim.workshop.service import ACTIONS, Workshops

ROLES = ["funder:ebrd", "utility:KZ-75"]
TARIFF = {"tariff_growth_pct": 4, "accept_eu_condition": True}
EBRD = {"sector_weight": {"water": 1, "energy": 1, "circular": 1, "resilience": 1}, "envelope_share": 1}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def setup(tmp_path):
    clock = Clock()
    ws = Workshops(tmp_path / "w.db", create=True, clock=clock)
    a = ws.create("baseline", ROLES, 2, 2)
    b = ws.create("baseline", ROLES, 2, 2)
    ws.open_round(a.workshop_id, a.facilitator_key)
    ws.open_round(b.workshop_id, b.facilitator_key)
    yield ws, a, b, clock
    ws.close()


def _audit(ws, made):
    return ws.audit(made.workshop_id, made.facilitator_key)


def _refused(ws, made, match, func, *args):
    before = len(_audit(ws, made))
    with pytest.raises(AccessRefused, match=match):
        func(*args)
    log = _audit(ws, made)
    assert len(log) == before + 1, "a refused attempt must be logged"
    return log[-1]


def test_a_team_cannot_act_for_another_team(setup):
    ws, a, _, _ = setup
    entry = _refused(
        ws,
        a,
        "belongs to utility:KZ-75, not funder:ebrd",
        ws.submit,
        a.workshop_id,
        a.team_codes["utility:KZ-75"],
        "funder:ebrd",
        EBRD,
    )
    assert entry["actor"] == "team utility:KZ-75" and entry["action"] == "submit for funder:ebrd"
    assert ws.decisions(a.workshop_id, 1) == [{}]
    ws.submit(a.workshop_id, a.team_codes["funder:ebrd"], "funder:ebrd", EBRD)  # its own code works
    assert list(ws.decisions(a.workshop_id, 1)[0]) == ["funder:ebrd"]


def test_a_code_of_another_workshop_is_refused_even_for_the_same_role(setup):
    ws, a, b, _ = setup
    entry = _refused(
        ws,
        a,
        "a code of another workshop",
        ws.submit,
        a.workshop_id,
        b.team_codes["utility:KZ-75"],
        "utility:KZ-75",
        TARIFF,
    )
    assert entry["actor"] == f"team of workshop {b.workshop_id}"
    _refused(ws, a, "another workshop", ws.team_view, a.workshop_id, b.team_codes["funder:ebrd"])
    assert ws.decisions(a.workshop_id, 1) == [{}] and ws.decisions(b.workshop_id, 1) == [{}]


def test_an_unknown_or_malformed_code_is_refused(setup):
    ws, a, _, _ = setup
    for code in ["", "x" * 22, codes.new_code(), a.facilitator_key, None]:
        _refused(ws, a, "no team of this workshop has this code", ws.team, a.workshop_id, code)


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("status", ()),
        ("open", ()),
        ("lock", ()),
        ("extend", (5,)),
        ("inject", ("drought", 2027)),
        ("advance", ()),
        ("replay", ()),
        ("export", ()),
        ("audit", ()),
    ],
)
def test_facilitator_actions_need_the_facilitators_key(setup, action, args):
    ws, a, b, _ = setup
    method = {
        "status": ws.status,
        "open": ws.open_round,
        "lock": ws.lock,
        "extend": ws.extend,
        "inject": ws.inject,
        "advance": ws.advance,
        "replay": ws.replay,
        "export": ws.decision_rows,
        "audit": ws.audit,
    }[action]
    wrong_keys = [codes.new_code(), b.facilitator_key, a.team_codes["funder:ebrd"], ""]
    for key in wrong_keys:
        entry = _refused(ws, a, f"{ACTIONS[action]}: wrong facilitator key", method, a.workshop_id, key, *args)
        assert entry["action"] == action
    assert ws.status(a.workshop_id, a.facilitator_key)["current_round"] == 1, "nothing happened"
    assert ws.injections(a.workshop_id) == []


def test_submissions_outside_an_open_round_are_refused_and_logged(setup):
    ws, a, _, clock = setup
    code = a.team_codes["utility:KZ-75"]
    ws.lock(a.workshop_id, a.facilitator_key)
    _refused(ws, a, "round 1 is locked", ws.submit, a.workshop_id, code, "utility:KZ-75", TARIFF)
    ws.open_round(a.workshop_id, a.facilitator_key, minutes=10)
    clock.now += timedelta(minutes=9)
    ws.submit(a.workshop_id, code, "utility:KZ-75", TARIFF)
    clock.now += timedelta(minutes=2)
    _refused(ws, a, "round 1 closed at", ws.submit, a.workshop_id, code, "utility:KZ-75", TARIFF)
    ws.extend(a.workshop_id, a.facilitator_key, 5)  # the facilitator gives more time
    ws.submit(a.workshop_id, code, "utility:KZ-75", {**TARIFF, "tariff_growth_pct": 5})
    assert ws.decisions(a.workshop_id, 1)[0]["utility:KZ-75"]["tariff_growth_pct"] == 5, "the last decision counts"
    ws.advance(a.workshop_id, a.facilitator_key)
    _refused(ws, a, "round 2 is locked", ws.submit, a.workshop_id, code, "utility:KZ-75", TARIFF)


def test_codes_are_random_stored_only_as_hashes_and_never_logged(setup, tmp_path):
    ws, a, b, _ = setup
    secrets_shown = [a.facilitator_key, b.facilitator_key, *a.team_codes.values(), *b.team_codes.values()]
    assert len(set(secrets_shown)) == len(secrets_shown)
    assert all(len(c) >= 22 for c in secrets_shown), "at least 128 random bits each"
    _refused(ws, a, "another workshop", ws.team, a.workshop_id, b.team_codes["funder:ebrd"])
    _refused(ws, a, "wrong facilitator key", ws.status, a.workshop_id, b.facilitator_key)
    raw = (tmp_path / "w.db").read_bytes()
    for wal in tmp_path.glob("w.db-wal"):
        raw += wal.read_bytes()
    for secret in secrets_shown:
        assert secret.encode() not in raw, "a code must never be stored in clear"
    with sqlite3.connect(tmp_path / "w.db") as c:
        hashes = {r[0] for r in c.execute("SELECT code_hash FROM team")}
    assert codes.digest(a.team_codes["funder:ebrd"]) in hashes


def test_a_team_sees_its_own_role_and_decision_only(setup):
    ws, a, _, _ = setup
    ws.submit(a.workshop_id, a.team_codes["funder:ebrd"], "funder:ebrd", EBRD)
    ws.submit(a.workshop_id, a.team_codes["utility:KZ-75"], "utility:KZ-75", TARIFF)
    view = ws.team_view(a.workshop_id, a.team_codes["utility:KZ-75"])
    assert view["role"] == "utility:KZ-75" and view["my_decision"] == TARIFF
    ws.advance(a.workshop_id, a.facilitator_key)
    view = ws.team_view(a.workshop_id, a.team_codes["utility:KZ-75"])
    assert view["round"] == 2 and view["my_decision"] is None
    assert [row["year"] for row in view["last_outcome"]["mine"]] == [2025, 2026]
    assert "water_tariff_eur_per_m3" in view["last_outcome"]["mine"][0]
    assert "funder:ebrd" not in json.dumps(view) and "envelope_share" not in json.dumps(view)
