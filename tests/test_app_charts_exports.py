"""Charts render offline to PNG/SVG with titles and units; downloads hold what they promise."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from wecsim.app.charts import (
    EXPLORE_CHARTS,
    compare_figure,
    fan_figure,
    funder_figure,
    money_by,
    ranking_figure,
    region_balance_figure,
    render,
)
from wecsim.app.exports import charts_zip, report_html, results_excel, results_zip
from wecsim.app.runs import Ensemble
from wecsim.results import TABLE_NAMES
from wecsim.scenario import load_scenario


@pytest.fixture(scope="module")
def ens(baseline):
    return Ensemble(load_scenario("baseline"), [baseline], "baseline")


@pytest.mark.parametrize("spec", EXPLORE_CHARTS, ids=lambda s: s.key)
def test_every_explore_chart_has_title_units_and_renders(spec, ens):
    fig = spec.build(ens, ens)
    ax = fig.axes[0]
    assert ax.get_title(loc="left")
    assert ax.get_ylabel(), f"{spec.key} has no unit on its axis"
    png = render(fig, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = render(fig, "svg")
    assert b"<svg" in svg[:500]


def test_other_charts_render(baseline, ens):
    for fig in (
        compare_figure([ens, ens], "res_share"),
        region_balance_figure(baseline, "KZ-47", "Mangystau"),
        funder_figure(baseline, "eu_grant"),
        fan_figure(
            pd.DataFrame(
                {"year": [2026, 2028], "q05": [0, 1], "q25": [1, 2], "q50": [2, 3], "q75": [3, 4], "q95": [4, 5]}
            ),
            "t",
            "u",
        ),
        ranking_figure(pd.Series({"a": 0.9, "b": 0.1}), "drivers"),
    ):
        assert render(fig)[:4] == b"\x89PNG"


def test_money_by_funder_sums_the_ledger(baseline):
    wide = money_by(baseline, "commitment", "funder_id")
    led = baseline.ledger.query("kind == 'commitment'")
    assert wide.to_numpy().sum() == pytest.approx(led["amount_meur"].sum())
    assert list(wide.index) == list(baseline.national["year"])


def test_results_zip_and_excel_hold_every_table(baseline):
    z = zipfile.ZipFile(io.BytesIO(results_zip(baseline)))
    names = set(z.namelist())
    assert {f"{t}.csv" for t in TABLE_NAMES} <= names
    assert {"meta.json", "scenario.yaml"} <= names
    assert json.loads(z.read("meta.json"))["scenario_hash"] == baseline.meta["scenario_hash"]
    nat = pd.read_csv(z.open("national.csv"))
    assert len(nat) == len(baseline.national)
    xl = pd.read_excel(io.BytesIO(results_excel(baseline)), sheet_name=None)
    assert set(xl) == {"about", *TABLE_NAMES}
    assert len(xl["project"]) == len(baseline.project)


def test_charts_zip_has_png_and_svg(ens):
    z = zipfile.ZipFile(io.BytesIO(charts_zip(ens, None)))
    assert {f"{c.key}.png" for c in EXPLORE_CHARTS} <= set(z.namelist())
    assert {f"{c.key}.svg" for c in EXPLORE_CHARTS} <= set(z.namelist())


def test_report_states_its_provenance(ens, baseline):
    html = report_html(ens, ens)
    for text in (
        "scenario hash",
        baseline.meta["scenario_hash"],
        "wecsim version",
        "seeds",
        "42",
        "EU investment grants",
        "Renewable share of power",
        "levers:",
    ):
        assert text in html, text
    assert html.count("data:image/png;base64,") == len(EXPLORE_CHARTS)


def test_water_demand_chart_stacks_the_three_sectors_to_the_total(ens, baseline):
    from matplotlib.collections import PolyCollection

    from wecsim.app.charts import chart_by_key

    ax = chart_by_key("water_by_sector").build(ens, None).axes[0]
    assert ax.get_title(loc="left") == "Water demand by sector" and ax.get_ylabel() == "km³ per year"
    stacks = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [c.get_label() for c in stacks] == ["Irrigation", "Industry", "Towns (municipal)"]
    nat = baseline.national
    # the top of the stack is the sum of the three sector columns, which is the total demand line
    xy = stacks[-1].get_paths()[0].vertices
    upper = pd.Series(xy[:, 1]).groupby(xy[:, 0]).max()  # upper edge of the top band, by year
    assert list(upper.index) == list(nat["year"])
    sectors = nat[["water_demand_irrigation_km3", "water_demand_industry_km3", "water_demand_municipal_km3"]]
    np.testing.assert_allclose(upper, sectors.sum(axis=1), rtol=1e-12)
    (total,) = [line for line in ax.lines if line.get_label() == "Total demand"]
    np.testing.assert_allclose(total.get_ydata(), nat["water_demand_km3"], rtol=1e-12)
    np.testing.assert_allclose(upper, total.get_ydata(), rtol=1e-12)
