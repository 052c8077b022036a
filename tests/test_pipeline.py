"""The project pipeline: stage moves, their logged reasons, and the money ledger."""

from __future__ import annotations

import gc

import pytest

from wecsim.model import WECModel
from wecsim.projects.pipeline import LEDGER_COLUMNS, TRANSITION_COLUMNS, Pipeline, Project, Stage
from wecsim.runner import columns_frame
from wecsim.scenario import load_scenario


def proposal(pipe: Pipeline):
    return pipe.add(
        2026,
        name="Reuse plant, Astana",
        tech_id="wastewater_reuse",
        sector="water",
        region_id="KZ-71",
        owner="water utility KZ-71",
        size=10_000.0,
        capex_estimate_meur=12.5,
    )


def test_reasons_are_filled_when_read():
    pipe = Pipeline()
    p = proposal(pipe)
    pipe.move(p, Stage.APPRAISED, 2026, "ENPV %.1f M EUR, BCR %.2f", 3.14159, 1.23456)
    assert p.stage is Stage.APPRAISED
    assert p.last_reason == "ENPV 3.1 M EUR, BCR 1.23"
    rows = pipe.transition_rows()
    assert [len(r) for r in rows] == [len(TRANSITION_COLUMNS)] * 2
    assert rows[0] == (p.project_id, 2026, "", "proposed", "proposed by water utility KZ-71")
    assert rows[1] == (p.project_id, 2026, "proposed", "appraised", "ENPV 3.1 M EUR, BCR 1.23")


def test_a_plain_reason_keeps_its_percent_signs():
    pipe = Pipeline()
    p = proposal(pipe)
    p.last_reason = "waiting: 100% of the envelope is used"
    assert p.last_reason == "waiting: 100% of the envelope is used"
    pipe.move(p, Stage.REJECTED, 2026, "share above 50% of cost")
    assert pipe.transition_rows()[-1][-1] == "share above 50% of cost"


def test_the_ledger_rows_columns_and_table_agree():
    pipe = Pipeline()
    p = proposal(pipe)
    pipe.commit(p, "eib", 8.0, 2027, "loan")
    pipe.commit(p, "national", 2.0, 2027, "grant", region_id="KZ-75")
    pipe.add_support(p, "eu", 0.5, 2027, "feasibility_study")
    paid = pipe.disburse(p, 5.0, 2028)
    assert paid == {"eib": 4.0, "national": 1.0}
    assert pipe.ledger == [
        (2027, 0, "eib", "commitment", "loan", 8.0, "water", "KZ-71"),
        (2027, 0, "national", "commitment", "grant", 2.0, "water", "KZ-75"),
        (2027, 0, "eu", "support", "feasibility_study", 0.5, "water", "KZ-71"),
        (2028, 0, "eib", "disbursement", "", 4.0, "water", "KZ-71"),
        (2028, 0, "national", "disbursement", "", 1.0, "water", "KZ-71"),
    ]
    assert [tuple(c) for c in pipe.ledger_columns()] == list(zip(*pipe.ledger, strict=True))
    table = columns_frame(pipe.ledger_columns(), LEDGER_COLUMNS)
    assert list(table.columns) == list(LEDGER_COLUMNS)
    assert list(table.itertuples(index=False, name=None)) == pipe.ledger
    assert str(table["amount_meur"].dtype) == "float64" and str(table["year"].dtype) == "int64"
    assert columns_frame(Pipeline().ledger_columns(), LEDGER_COLUMNS).empty


def test_a_years_payments_at_once_are_the_payments_one_at_a_time():
    """disburse_all: the same ledger rows, payments and project totals as disburse per project, in order."""
    pipes = Pipeline(), Pipeline()
    for pipe in pipes:
        for n, commitments in enumerate(({"eib": 8.0, "national": 2.0}, {"national": 3.0}, {"adb": 1.0, "eib": 2.0})):
            p = proposal(pipe)
            for funder_id, amount in commitments.items():
                pipe.commit(p, funder_id, amount, 2027 + n, "loan")
    amounts = [5.0, 0.7, 1.3]
    one_at_a_time = [
        pair for p, a in zip(pipes[0].projects, amounts, strict=True) for pair in pipes[0].disburse(p, a, 2030).items()
    ]
    at_once = pipes[1].disburse_all(pipes[1].projects, amounts, 2030)
    assert (
        at_once
        == one_at_a_time
        == [("eib", 4.0), ("national", 1.0), ("national", 0.7), ("adb", 1.3 / 3), ("eib", 1.3 * 2 / 3)]
    )
    assert pipes[1].ledger == pipes[0].ledger
    assert [p.disbursed_meur for p in pipes[1].projects] == amounts


def test_the_logs_hold_nothing_the_cycle_collector_tracks():
    # ~40,000 log rows a run: kept as tuples they made the collector run ~2x as often (issue 11 item 8)
    model = WECModel(load_scenario("baseline"), seed=2)
    for _ in range(5):
        model.step()
    pipe = model.pipeline
    assert len(pipe.ledger) > 100 and len(pipe.transitions) > 100
    assert not any(gc.is_tracked(x) for x in pipe._ledger_log)
    *fields, _reason_args = pipe.transition_columns()
    assert not any(gc.is_tracked(x) for column in fields for x in column)


def test_illegal_moves_are_refused():
    pipe = Pipeline()
    p = proposal(pipe)
    with pytest.raises(RuntimeError, match="proposed -> operating is not allowed"):
        pipe.move(p, Stage.OPERATING, 2026, "skipping ahead")
    assert p.stage is Stage.PROPOSED and len(pipe.transitions) == 1


def test_a_project_entered_out_of_turn_is_refused():
    pipe = Pipeline()
    proposal(pipe)
    stray = Project(5, "Reuse plant", "wastewater_reuse", "water", "KZ-71", "utility", 1.0, 1.0, 2026)
    with pytest.raises(ValueError, match="project 5: a new project needs id 1"):
        pipe.enter(stray)
    assert len(pipe.projects) == 1 and len(pipe.transitions) == 1


def test_the_models_proposals_have_each_field_in_its_place():
    # WECModel.propose builds projects by position: a reordered field would land in the wrong place
    model = WECModel(load_scenario("baseline"), seed=2)
    model.step()
    projects = model.pipeline.projects
    assert projects
    regions = {r.region_id for r in model.region_agents}
    for p in projects:
        t = model.tech(p.tech_id)
        assert p.region_id in regions and p.sector == t.sector
        assert p.route == t.route
        assert p.proposed_year == model.base_year and p.ordinal >= 0
        assert isinstance(p.owner, str) and isinstance(p.name, str) and p.name
        assert isinstance(p.size, float) and p.size > 0 and p.capex_estimate_meur > 0
        assert isinstance(p.pinned, bool) and p.site_factor > 0
        assert p.lead_funder is None or p.lead_funder in model.funder_by_id


def test_columns_read_later_are_the_rows_logged_when_asked():
    pipe = Pipeline()
    p = proposal(pipe)
    pipe.commit(p, "eu_grant", 2.0, 2026, "grant")
    transitions, ledger = pipe.transition_columns_later(), pipe.ledger_columns_later()
    before = pipe.transition_columns(), pipe.ledger_columns()
    pipe.move(p, Stage.APPRAISED, 2027, "appraised")
    pipe.commit(p, "national", 8.0, 2027, "budget")
    assert (transitions(), ledger()) == before  # what was logged when asked, not what came after
    assert len(pipe.ledger_columns()[0]) == 2
