"""Plain words on the app's pages (issue 14, item 7): names, abbreviations, cumulative, one target, the map's year."""

from __future__ import annotations

import pandas as pd
import pytest

from wecsim.app.charts import recycling_figure
from wecsim.app.components.tables import table_abbreviations
from wecsim.app.indicators import (
    ABBREVIATIONS,
    explain_abbreviations,
    firm_name,
    funder_list_names,
    headline_by_key,
    scenario_title,
    scenario_titles,
)
from wecsim.app.pages.map import region_projects
from wecsim.app.runs import Ensemble
from wecsim.app.scenario_io import shipped_scenarios
from wecsim.datasets import table
from wecsim.scenario import load_scenario


def test_every_shipped_scenario_has_a_plain_title_with_a_source():
    from importlib import resources

    with resources.files("wecsim.app").joinpath("data", "scenario_titles.csv").open() as fh:
        df = pd.read_csv(fh)
    assert df["source"].str.strip().astype(bool).all()
    assert set(shipped_scenarios()) <= set(scenario_titles())
    assert scenario_title("team_europe_accelerated") == "Team Europe accelerated"
    assert scenario_title("my upload") == "my upload"  # no title: the name as it is


def test_firms_and_funders_are_named_as_people_say_them():
    firms = table("firms")
    archetype, name = firms["firm_id"].iloc[0], firms["name"].iloc[0]
    assert firm_name(f"{archetype}-06") == f"{name} no. 6"
    assert firm_name(None) == "–" and firm_name("unknown-x") == "unknown-x"
    assert funder_list_names("eu_grant, isdb") == "EU investment grants (Team Europe), Islamic Development Bank"


def test_abbreviations_are_explained_on_hover_and_under_tables():
    out = explain_abbreviations("ENPV 3.1, FNPV -2, BCR 1.2 under EPR")
    for abbr in ("ENPV", "FNPV", "BCR", "EPR"):
        assert f'title="{ABBREVIATIONS[abbr]}">{abbr}</abbr>'.replace("'", "&#x27;") in out
    assert "<abbr" not in explain_abbreviations("RESERVE and BCRs")  # whole words only
    df = pd.DataFrame({"reason": ["ENPV 3 M EUR, FNPV 1 M EUR, BCR 1.4"], "n": [1]})
    assert list(table_abbreviations(df)) == ["ENPV", "FNPV", "BCR"]


def test_the_investment_card_says_it_is_cumulative():
    assert headline_by_key("investment").period(2050, 2025) == "2025-2050, cumulative"
    assert headline_by_key("deficit").period(2050, 2025) == "2050"


def test_the_recycling_chart_has_one_target_line(baseline):
    fig = recycling_figure(Ensemble(load_scenario("baseline"), [baseline], "baseline"))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert sum("target" in t for t in labels) == 1, labels


def test_the_map_detail_shows_projects_as_they_stood_in_the_maps_year(baseline):
    p = baseline.project
    region = p.groupby("region_id").size().idxmax()
    early, late = region_projects(baseline, region, 2027), region_projects(baseline, region, 2050)
    mine = p[p["region_id"] == region]
    # projects proposed after the year are not listed yet
    assert len(early) == (mine["proposed_year"] <= 2027).sum() < len(late)
    # in the last year each project is at its end-of-run stage; earlier, fewer are operating
    assert (late["stage 2050"] == "operating").sum() == (mine["stage"] == "operating").sum()
    assert (early["stage 2027"] == "operating").sum() < (late["stage 2050"] == "operating").sum()
    # a firm only once tendered
    not_tendered = early["stage 2027"].isin(["proposed", "appraised", "financed", "rejected", "cancelled"])
    assert (early.loc[not_tendered, "firm"] == "–").all()


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
def test_a_table_shows_as_many_rows_as_its_footer_says():
    import solara
    from solara.components.datatable import DataTableWidget
    from test_app_components import new_tab, walk

    from wecsim.app.components.tables import Table

    df = pd.DataFrame({"project": [f"p{i}" for i in range(25)]})
    with new_tab():
        _box, rc = solara.render(Table(df, items_per_page=15), handle_error=False)
        try:
            (widget,) = [w for w in walk(rc.container) if isinstance(w, DataTableWidget)]
            assert widget.items_per_page == 20  # "Rows per page" offers 10, 20, 50, 100
            assert len(widget.items) == 20
        finally:
            rc.close()


def test_a_table_with_missing_text_cells_still_lists_its_abbreviations():
    """A text column with a missing value (a round's deadline not set) must not break the table."""
    import pandas as pd

    from wecsim.app.components.tables import table_abbreviations

    df = pd.DataFrame({"round": [1, 2], "state": ["open", "done"], "deadline_utc": ["2026-12-01", None]})
    df["note"] = pd.Series(["BCR above 1", None], dtype="string")
    assert "BCR" in table_abbreviations(df)
