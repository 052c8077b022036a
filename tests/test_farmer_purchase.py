"""Farmers buy their drip and sprinkler systems from a supplier: no public tender, watering the next season."""

from __future__ import annotations

import pytest

from wecsim.model import WECModel
from wecsim.projects.pipeline import Stage
from wecsim.scenario import load_scenario

YEARS = 4
TOL = 1e-9


@pytest.fixture(scope="module")
def history_run():
    """The history scenario's first years (observed weather, a 50% subsidy)."""
    model = WECModel(load_scenario("history_2015"), seed=3)
    for _ in range(YEARS):
        model.step()
    yield model
    model.close()


def _drip(model: WECModel) -> list:
    return [p for p in model.pipeline.projects if p.tech_id == "drip_irrigation"]


def _stages(model: WECModel) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = {}
    for pid, year, _, to, *_ in model.pipeline.transition_rows():
        out.setdefault(pid, []).append((year, to))
    return out


def test_a_drip_project_financed_in_a_year_waters_fields_the_next_season_without_a_tender(history_run):
    m = history_run
    stages = _stages(m)
    financed = [p for p in _drip(m) if any(to == "financed" for _, to in stages[p.project_id])]
    assert len(financed) >= 5, "the history run should finance drip projects in its first years"
    for p in financed:
        steps = stages[p.project_id]
        year_financed = next(y for y, to in steps if to == "financed")
        if year_financed == m.year - 1:  # financed in the last year run: bought at the start of the next
            assert p.stage is Stage.FINANCED
            continue
        assert p.stage is Stage.OPERATING
        # the old path (tender the next year, build a year) watered two seasons later
        assert p.operating_year == year_financed + 1
        assert [to for y, to in steps if y == p.operating_year] == ["under_construction", "operating"]
        assert p.firm_id is None and p.n_bidders == 0
    # no drip project is ever tendered or left under construction
    assert not [p for p in _drip(m) if p.stage in (Stage.TENDERED, Stage.UNDER_CONSTRUCTION)]
    assert not [
        r for r in m.pipeline.transition_rows() if r[3] == "tendered" and r[0] in {p.project_id for p in _drip(m)}
    ]


def test_the_farmer_and_the_subsidy_pay_the_supplier_in_full_the_year_of_purchase(history_run):
    m = history_run
    share = m.value("irrigation_subsidy_share")
    ledger = m.pipeline.ledger
    for p in (p for p in _drip(m) if p.stage is Stage.OPERATING):
        rows = [r for r in ledger if r[1] == p.project_id]
        paid = sum(r[5] for r in rows if r[3] == "disbursement")
        assert {r[0] for r in rows if r[3] == "disbursement"} == {p.operating_year}
        assert paid == pytest.approx(p.contract_cost_meur, rel=TOL)
        # the supplier's price: the estimate, the contingency for a contract's overrun given back
        assert p.contract_cost_meur == pytest.approx(p.capex_estimate_meur, rel=TOL)
        assert sum(p.commitments.values()) == pytest.approx(p.contract_cost_meur, rel=TOL)
        assert set(p.commitments) <= {"national", "farmers"}
        # the subsidy reimburses its share of the price (when the budget had room for it); the farmer the rest
        subsidy = p.commitments.get("national", 0.0)
        assert subsidy == pytest.approx(share * p.contract_cost_meur, rel=TOL) or subsidy == 0.0


def test_bought_hectares_count_in_the_water_saving_area_of_the_year(history_run):
    m = history_run
    s = m.state
    operating = {r.region_id: 0.0 for r in m.region_agents}
    for p in _drip(m):
        if p.stage is Stage.OPERATING:
            operating[p.region_id] += p.size
    bought = [operating[r.region_id] for r in m.region_agents]
    expected = [min(base + b, irr) for base, b, irr in zip(s.saving_ha_base, bought, s.irrigated_ha, strict=True)]
    assert s.saving_ha_total.tolist() == pytest.approx(expected, rel=TOL)
    assert sum(bought) > 0
