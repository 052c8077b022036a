"""The akimat's and the utility's decisions a team takes: co-finance, the ranking of needs, network renewal."""

from __future__ import annotations

import collections
import json

import pytest

from wecsim.agents.policy import DEFAULT_FUNDER_POLICY, ByRegion
from wecsim.model import WECModel
from wecsim.model_data import model_data
from wecsim.scenario import load_scenario
from wecsim.workshop.errors import WorkshopError
from wecsim.workshop.policies import REGION_PROPOSALS
from wecsim.workshop.replay import Plan, play
from wecsim.workshop.roles import all_roles, bounds, describe_decision, parse_decision, parse_roles, seat

ALL_KINDS = list(REGION_PROPOSALS)


def _local_money(region_id: str, decision: dict | None, years: int = 5) -> tuple[dict[str, float], float]:
    """Run the baseline with an akimat team; return its money by technology and its reserve at the end [EUR M]."""
    role = f"region:{region_id}"
    model = WECModel(load_scenario("baseline"), 42)
    try:
        seat(model, parse_roles([role]), {role: decision} if decision else {})
        for _ in range(years):
            model.step()
        money: dict[str, float] = collections.defaultdict(float)
        for p in model.pipeline.projects:
            if p.region_id == region_id and p.commitments.get("local", 0) > 0:
                money[p.tech_id] += p.commitments["local"]
        return dict(money), float(model.local.reserve_meur[model.region_index[region_id]])
    finally:
        model.close()


def test_an_akimat_that_refuses_to_cofinance_keeps_its_reserve_and_pays_nothing():
    paid, reserve = _local_money("KZ-61", {"propose": ALL_KINDS, "cofinance_share": 0})
    paid_default, reserve_default = _local_money("KZ-61", None)
    assert sum(paid_default.values()) > 0, "by its own rule the akimat co-finances its projects"
    assert paid == {}
    assert reserve > reserve_default


def test_a_smaller_cofinance_share_pays_less_per_project_than_the_cap():
    low, _reserve = _local_money("KZ-47", {"propose": ALL_KINDS, "cofinance_share": 0.05})
    full, _reserve = _local_money(
        "KZ-47", {"propose": ALL_KINDS, "cofinance_share": bounds("region", "cofinance_share")[1]}
    )
    assert 0 < sum(low.values()) < sum(full.values())


def test_the_akimats_ranking_sends_its_money_to_its_first_need():
    first, _ = _local_money("KZ-61", {"propose": ALL_KINDS, "priority": ["canal_lining", "reservoir"]})
    last, _ = _local_money("KZ-61", {"propose": ALL_KINDS, "priority": ALL_KINDS[::-1]})
    assert first.get("canal_lining", 0) > last.get("canal_lining", 0)
    # with its own needs ranked, the utility's projects in the region come after them
    assert set(first) <= {"canal_lining", "reservoir"}


def test_cofinance_share_is_bounded_by_the_akimats_share_cap_in_funders_csv():
    cap = next(f for f in model_data().funder_records if f["funder_id"] == "local")["max_share_of_capex"]
    assert bounds("region", "cofinance_share") == (0.0, float(cap))
    role = all_roles()["region:KZ-47"]
    with pytest.raises(WorkshopError, match=rf"cofinance_share: 0.5 is outside 0 to {float(cap):g}"):
        parse_decision(role, {"propose": [], "cofinance_share": 0.5})
    with pytest.raises(WorkshopError, match="priority: unknown kind"):
        parse_decision(role, {"propose": [], "priority": ["stadium"]})
    with pytest.raises(WorkshopError, match="ranked more than once"):
        parse_decision(role, {"propose": [], "priority": ["drip", "drip"]})


def test_only_the_teams_region_gets_a_cofinance_rule_and_it_is_reset_each_round():
    model = WECModel(load_scenario("baseline"), 42)
    try:
        roles = parse_roles(["region:KZ-47", "region:KZ-61"])
        seat(model, roles, {"region:KZ-47": {"propose": ["drip"], "cofinance_share": 0.1}, "region:KZ-61": None})
        assert isinstance(model.local.policy, ByRegion)
        assert set(model.local.policy.by_region) == {model.region_index["KZ-47"]}
        seat(model, roles, {})  # the next round, nobody submitted: the akimats' own rule again
        assert model.local.policy is DEFAULT_FUNDER_POLICY
    finally:
        model.close()


def _utility_end(renewal_share: float | None) -> dict:
    role = "utility:KZ-61"
    decision = {"tariff_growth_pct": 2, "accept_eu_condition": True}
    if renewal_share is not None:
        decision["renewal_share"] = renewal_share
    plan = Plan(load_scenario("baseline"), 42, tuple(parse_roles([role])), 2, 5)
    return play(plan, [{role: decision}, {role: decision}])[-1]["roles"][role][-1]


def test_a_utility_that_skips_renewal_wears_its_network_and_loses_more_water():
    none, path, fast, default = (_utility_end(s) for s in (0, 1, 2, None))
    assert none["water_network_wear"] > path["water_network_wear"]
    assert none["network_loss_share"] > path["network_loss_share"]
    assert fast["water_network_wear"] <= path["water_network_wear"]
    # following the national path is the default rule, number for number
    assert json.dumps(path) == json.dumps(default)


def test_old_decisions_without_the_new_fields_still_mean_the_default_rule():
    region, utility = all_roles()["region:KZ-47"], all_roles()["utility:KZ-75"]
    assert parse_decision(region, {"propose": ["drip"]}).cofinance is None
    assert parse_decision(utility, {"tariff_growth_pct": 2, "accept_eu_condition": True}).renewal_share is None
    with pytest.raises(WorkshopError, match=r"renewal_share: 3 is outside 0 to 2"):
        parse_decision(utility, {"tariff_growth_pct": 2, "accept_eu_condition": True, "renewal_share": 3})


def test_the_new_decisions_read_in_plain_words():
    words = describe_decision(
        all_roles()["region:KZ-47"], {"propose": ["drip"], "priority": ["drip", "reservoir"], "cofinance_share": 0.1}
    )
    assert "co-finances drip, then reservoir first" in words and "at most 10% of a project's cost" in words
    words = describe_decision(
        all_roles()["utility:KZ-75"], {"tariff_growth_pct": 2, "accept_eu_condition": False, "renewal_share": 0.5}
    )
    assert "renews its networks at 50% of the national path" in words
