"""The EU card and the map's additionality layer: what EU money adds, against the same run without it.

Runs happen in the calling thread (``WECSIM_APP_WORKERS=0``) unless a test needs the workers.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
import solara
from test_app_components import by_class, new_tab, wait_until, walk

import wecsim
from wecsim import additionality
from wecsim.app import runs, state
from wecsim.app.components.cards import card_row_html, eu_card_html
from wecsim.app.indicators import (
    EU_OUTCOMES,
    REFUSAL_TEXT,
    eu_card,
    region_indicators,
    region_values,
)
from wecsim.datasets import data_path
from wecsim.scenario import load_scenario

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("app_in_thread", "solara_patched"),
]


@pytest.fixture(scope="module")
def baseline_view():
    """The baseline on screen against itself, with its counterfactual (seed 42)."""
    sc = load_scenario("baseline")
    return state.compute(sc, sc, [sc.seed])


def text_of(fragment: str) -> str:
    """Return the visible text of an HTML fragment."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def eu_values(fragment: str) -> dict[str, str]:
    """Return the numbers the EU card shows, by outcome key."""
    return dict(re.findall(r'class="wecsim-eu-value wecsim-eu-(\w+)[^"]*"[^>]*>([^<]*)<', fragment))


def test_the_eu_card_shows_what_eu_money_adds_in_the_baseline(baseline_view):
    view = baseline_view
    assert view.without_eu is not None and view.without_eu is not view.current
    assert view.without_eu.scenario.value("budget_eu_grant_meur") == 0  # the counterfactual has no EU money
    assert view.without_eu.seeds == view.current.seeds  # same seed, so the same weather
    card = eu_card(view.current.runs, view.without_eu.runs, 2050)
    assert card.has_eu_money and card.eu_money_meur > 50
    assert any(abs(card.values[o.key][0]) > 0 for o in EU_OUTCOMES), "EU money added nothing at all"
    fragment = eu_card_html(view, 2050)
    assert "wecsim-eu-ready" in fragment
    shown = eu_values(fragment)
    assert set(shown) == {o.key for o in EU_OUTCOMES}
    assert any(v not in ("±0", "–") for v in shown.values())
    words = text_of(fragment)
    assert "What EU money adds, 2025-2050" in words
    assert "without EU money (same seed, same weather)" in words
    assert "million m³" in words and "Mt/yr" in words and "pt" in words
    assert "Net mobilisation" in words and "displaces" in words  # the definition is written out
    assert "leverage" not in words.lower()
    # the numbers are those of the two runs' tables
    a, b = view.current.first.national.set_index("year"), view.without_eu.first.national.set_index("year")
    added = a.loc[2050, "projects_built"] - b.loc[2050, "projects_built"]
    assert card.values["projects_added"][0] == pytest.approx(added)
    deficit = 1000 * (b["water_deficit_km3"] - a["water_deficit_km3"]).sum()
    assert card.values["water_deficit_avoided_mm3"][0] == pytest.approx(deficit)


def test_no_eu_money_says_so_and_runs_no_counterfactual():
    sc, ref = load_scenario("no_eu_finance"), load_scenario("baseline")
    assert state.counterfactual_for(sc, "eu") is None
    view = state.compute(sc, ref, [sc.seed])
    assert view.without_eu is view.current  # nothing to remove: the run is its own counterfactual
    card = eu_card(view.current.runs, view.without_eu.runs, 2050)
    assert not card.has_eu_money and card.eu_money_meur == 0
    assert all(card.values[o.key][0] == 0 for o in EU_OUTCOMES)
    fragment = eu_card_html(view, 2050)
    assert "wecsim-eu-none" in fragment and not eu_values(fragment)
    assert "No EU money in this scenario" in text_of(fragment)


def test_more_eu_money_spends_more_and_the_card_compares_with_the_reference(baseline_view):
    sc, ref = load_scenario("team_europe_accelerated"), load_scenario("baseline")
    view = state.compute(sc, ref, [sc.seed])
    team = eu_card(view.current.runs, view.without_eu.runs, 2050)
    base = eu_card(baseline_view.current.runs, baseline_view.without_eu.runs, 2050)
    assert team.eu_money_meur > 3 * base.eu_money_meur
    assert team.money["preparation"] > base.money["preparation"] and team.money["guarantees"] > 0
    fragment = eu_card_html(view, 2050)
    refs = re.findall(r'class="wecsim-eu-reference"[^>]*>([^<]*)<', fragment)
    assert len(refs) == len(EU_OUTCOMES) and all(r.startswith("baseline: ") for r in refs)
    # the reference column holds the baseline's own additionality
    shown = html.unescape(refs[[o.key for o in EU_OUTCOMES].index("projects_added")])
    assert shown.endswith(f"{base.values['projects_added'][0]:+.0f}".replace("-", "−"))


def test_team_europe_scope_counts_member_states_and_the_eib(baseline_view):
    sc = load_scenario("baseline")
    view = state.compute(sc, sc, [sc.seed], scope="team_europe")
    assert view.scope == "team_europe"
    assert view.without_eu.scenario.value("budget_eib_meur") == 0
    assert view.without_eu.scenario.value("budget_eu_grant_meur") == 0
    card = eu_card(view.current.runs, view.without_eu.runs, 2050, "team_europe")
    eu_only = eu_card(baseline_view.current.runs, baseline_view.without_eu.runs, 2050)
    assert card.money["member_states"] > 0 and card.money["eib"] > 0
    assert card.eu_money_meur > eu_only.eu_money_meur
    assert "What Team Europe money adds" in text_of(eu_card_html(view, 2050))


def test_the_eu_card_waits_for_its_counterfactual_and_says_so(baseline_view):
    pending = state.Shown(baseline_view.current, baseline_view.reference)
    assert pending.eu_pending
    row = card_row_html(pending, 2050)
    assert row.count('class="wecsim-card-value"') == 5  # the headline cards do not wait
    assert "wecsim-eu-pending" in row and "Working out what EU money changes" in text_of(row)


def test_headline_cards_come_first_then_the_eu_card(monkeypatch):
    """With workers, the cards are written with the scenario's run; the EU card when its counterfactual lands."""
    monkeypatch.setenv("WECSIM_APP_WORKERS", "1")
    runs.clear_cache()
    try:
        runs.pool().submit(int).result(timeout=180)  # the worker is up
        sc = load_scenario("baseline", ["end_year=2030", "res_auction_mw_per_yr=750"])
        ref = load_scenario("baseline", ["end_year=2030"])
        seen = []
        view = state.compute(sc, ref, [5], on_headline=seen.append)
        assert [v.eu_pending for v in seen] == [True, False], "the EU card did not come second"
        assert seen[1].current is seen[0].current or seen[1].current.first.national.equals(
            seen[0].current.first.national
        )
        assert view.without_eu is not None and not view.eu_pending
        assert all(not r.meta.get("partial") for r in view.current.runs)
        # runs without EU money are light: only the tables the EU card, topic and map read
        light = set(runs.LIGHT_TABLES)
        assert all(light <= set(r.meta.get("partial", light)) for r in view.without_eu.runs)
    finally:
        runs.shutdown()
        runs.clear_cache()


def test_the_map_shows_additionality_per_region(baseline_view):
    view = baseline_view
    res, without = view.current.first, view.without_eu.first
    keys = [i.key for i in region_indicators(res, eu=True)]
    assert {"eu_water_deficit_avoided_mm3", "eu_projects_added", "eu_committed_cum_meur"} <= set(keys)
    assert not any(k.startswith("eu_") for k in (i.key for i in region_indicators(res)))
    titles = {i.key: i.title for i in region_indicators(res, eu=True)}
    assert titles["eu_water_deficit_avoided_mm3"].endswith("[million m³]")
    ids = set(pd.unique(res.region["region_id"]))
    for year in (2030, 2050):
        for key in ("eu_water_deficit_avoided_mm3", "eu_water_deficit_avoided_year_mm3", "eu_projects_added"):
            vals = region_values(res, key, year, without)
            assert set(vals.index) == ids and np.isfinite(vals.to_numpy()).all(), key
        # the regions add up to the national number on the card
        card = eu_card(view.current.runs, view.without_eu.runs, year)
        deficit = region_values(res, "eu_water_deficit_avoided_mm3", year, without).sum()
        assert deficit == pytest.approx(card.values["water_deficit_avoided_mm3"][0], abs=1e-6)
    projects = region_values(res, "eu_projects_added", 2050, without)
    assert projects.abs().sum() > 0
    # EU money per region is the ledger's EU rows
    money = region_values(res, "eu_committed_cum_meur", 2050)
    led = res.ledger[res.ledger["funder_id"].isin(additionality.scope_funders("eu"))]
    assert money.sum() == pytest.approx(led.loc[led["kind"].isin(["commitment", "support"]), "amount_meur"].sum())
    # without the counterfactual the layer is empty (grey), not zero
    assert region_values(res, "eu_projects_added", 2050, None).isna().all()
    assert (region_values(res, "eu_projects_added", 2050, res) == 0).all()


def test_map_page_draws_the_additionality_layer_with_legend_and_units():
    from test_app_components import render_app

    from wecsim.app.pages import map as map_page

    with new_tab():
        map_page.indicator_key.set("eu_water_deficit_avoided_mm3")
        map_page.map_year.set(2050)
        state.active_page.set("map")
        _box, rc = render_app()
        try:
            wait_until(lambda: state.shown.value.current is not None and not state.status.value.running)
            wait_until(lambda: len(by_class(rc, "wecsim-tile")) == 20, 60)
            (legend,) = by_class(rc, "wecsim-map-legend")
            words = " ".join(str(w.children[0]) for w in walk(legend) if getattr(w, "children", None))
            assert "EU money: water deficit avoided, summed to the year [million m³]" in words
            assert "better" in words  # how to read the colours
            tiles = by_class(rc, "wecsim-tile")
            assert all("–" not in t.attributes["title"] for t in tiles), "a region has no value"
        finally:
            rc.close()


def test_every_refusal_reason_has_its_own_sentence():
    from wecsim.agents.funder import REFUSAL_REASONS

    assert set(REFUSAL_TEXT) == set(REFUSAL_REASONS)
    sentences = list(REFUSAL_TEXT.values())
    assert len(set(sentences)) == len(sentences)
    assert all(s[0].isupper() and len(s.split()) >= 5 and "_" not in s for s in sentences)


def test_every_lever_in_levers_csv_is_in_the_panel():
    from wecsim.app.components.levers import LeverPanel

    names = pd.read_csv(data_path("levers.csv"))["name"].tolist()
    with new_tab():
        _box, rc = solara.render(LeverPanel(), handle_error=False)
        try:
            (panels,) = by_class(rc, "wecsim-lever-panel")
            panels.v_model = list(range(len(panels.children)))  # open every group
            wait_until(lambda: len(by_class(rc, "wecsim-lever")) == len(names), 30)
            shown = {c.removeprefix("wecsim-lever-") for w in by_class(rc, "wecsim-lever") for c in w.class_.split()}
            assert set(names) <= shown, set(names) - shown
        finally:
            rc.close()


def test_the_report_has_what_eu_money_adds():
    from wecsim.app.exports import report_html

    sc = load_scenario("baseline", ["end_year=2030"])
    ens = runs.Ensemble(sc, [wecsim.run(sc, seed=4)], sc.name)
    text = text_of(report_html(ens, ens))
    assert "What EU money adds" in text and "Water deficit avoided" in text and "Net mobilisation" in text
    assert "2025-2050" not in text.split("What EU money adds")[1].split("Charts")[0]  # the run ends in 2030
    none = load_scenario("no_eu_finance", ["end_year=2030"])
    ens = runs.Ensemble(none, [wecsim.run(none, seed=4)], none.name)
    assert "No EU money in this scenario" in text_of(report_html(ens, None))


def test_each_instrument_alone_and_the_eu_money_topic(baseline_view):
    from wecsim.app.components.eu import InstrumentRuns, inst_runs, instrument_table, instruments_in, view_key
    from wecsim.app.pages.explore import EU_TOPIC, ExplorePage, chart_topic

    cur = baseline_view.current
    present = instruments_in(cur.scenario, "eu")
    assert present == ["grants", "preparation", "blending", "guarantees", "technical_assistance"]
    alone = {
        i: [wecsim.run(additionality.without_instrument(cur.scenario, i), seed=s)]
        for i, s in ((i, cur.seeds[0]) for i in present)
    }
    table = instrument_table(cur, alone, 2050, "eu")
    assert len(table) == len(present)
    money = table.set_index("instrument")["money 2025-2050 [EUR M]"]
    spent = additionality.money_by_instrument(cur.first, "eu")
    # the guarantees' own money, give or take what other instruments spend differently without
    # them (a few EUR M: small against all EU money, not against guarantees' own EUR 9 M)
    assert money["guarantees"] == pytest.approx(spent["guarantees"], abs=0.02 * sum(spent.values()))
    assert (money > 0).all()
    with new_tab():
        state.charts.set(baseline_view)
        chart_topic.set(EU_TOPIC)
        inst_runs.set(InstrumentRuns(view_key(cur, "eu"), alone))
        _box, rc = solara.render(ExplorePage(), handle_error=False)
        try:
            for cls in (
                "wecsim-eu-detail",
                "wecsim-table-eu_outcomes",
                "wecsim-table-eu_money",
                "wecsim-table-eu_instruments_added",
            ):
                assert by_class(rc, cls), cls
        finally:
            rc.close()
