"""Map: regions coloured by an indicator in a year; a click opens the region's detail."""

from __future__ import annotations

import pandas as pd
import solara

from wecsim.app import state
from wecsim.app.charts import region_balance_figure
from wecsim.app.components.chart import ChartImage
from wecsim.app.components.prose import Prose
from wecsim.app.components.tables import Table
from wecsim.app.components.tilemap import TileMap
from wecsim.app.indicators import (
    EU_SCOPES,
    fmt,
    region_decisions,
    region_indicators,
    region_names,
    region_values,
    stage_label,
    year_text,
)
from wecsim.results import Results

indicator_key = solara.reactive("water_deficit_pct")
map_year = solara.reactive(2030)
selected_region = solara.reactive("KZ-47")


def region_projects(res: Results, region_id: str) -> pd.DataFrame:
    """Return a region's projects for the detail panel: what, stage, funders, firm, cost, years."""
    p = res.project[res.project["region_id"] == region_id]
    cost = p["contract_cost_meur"].fillna(p["capex_estimate_meur"])
    out = pd.DataFrame(
        {
            "project": p["name"],
            "stage": p["stage"].map(stage_label),
            "size": p["size"].round(1).astype(str) + " " + p["unit"].astype(str),
            "largest funder": p["largest_funder"].fillna("–"),
            "funders": p["funders"].fillna(""),
            "firm": p["firm_id"].fillna("–"),
            "cost [EUR M]": cost.round(2),
            "proposed": p["proposed_year"],
            "operating from": year_text(p["operating_year"]),
            "latest reason": p["last_reason"],
        }
    )
    return out.sort_values(["proposed", "project"], ascending=[False, True]).reset_index(drop=True)


@solara.component
def RegionDetail(res: Results, region_id: str, year: int) -> None:
    """Show a region's water balance, its projects and the decisions taken about them, with reasons."""
    name = region_names().get(region_id, region_id)
    reg = res.region[(res.region["region_id"] == region_id) & (res.region["year"] == year)]
    with solara.Card(f"{name} ({region_id})", margin=0, classes=["wecsim-region-detail"]):
        if len(reg):
            r = reg.iloc[0]
            facts = [
                ("Population", f"{r['population'] / 1e6:.2f} million"),
                ("Basin", str(r["basin_id"]).replace("_", " ")),
                (f"Water demand {year}", f"{fmt(r['water_demand_mm3'], 0)} million m³"),
                (f"Deficit {year}", f"{fmt(r['water_deficit_mm3'], 1)} million m³"),
                (f"Losses {year}", f"{fmt(r['water_losses_mm3'], 0)} million m³"),
                (f"Recycling {year}", f"{100 * r['recycling_rate']:.1f}%"),
            ]
            with solara.Row(gap="18px", style={"flex-wrap": "wrap"}):
                for k, v in facts:
                    with solara.Column(gap="0px"):
                        solara.Text(k, style={"font-size": "11px", "color": "#757575"})
                        solara.Text(v, style={"font-size": "15px", "font-weight": "500"})
        ChartImage(
            lambda: region_balance_figure(res, region_id, name),
            key=("balance", region_id, res.meta.get("scenario_hash"), res.meta.get("seed")),
            name=f"water_balance_{region_id}",
            width="min(100%, 720px)",
        )
        projects = region_projects(res, region_id)
        counts = projects["stage"].value_counts()
        Prose(f"**Projects** ({len(projects)}: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")")
        Table(projects, items_per_page=8, name=f"projects_{region_id}")
        decisions = region_decisions(res, region_id)
        decisions = decisions[decisions["year"] <= year]
        Prose(
            f"**Decisions and reasons** up to {year} (move the year slider), newest first: every step of the "
            "region's projects (who proposed, the appraisal, who financed, which firm won, delays, cancellations)."
        )
        Table(decisions, items_per_page=10, name=f"decisions_{region_id}")


@solara.component
def MapPage() -> None:
    """Choose an indicator and a year; click a region for its detail."""
    view = state.shown.value
    cur = view.current
    if cur is None:
        solara.Text("Running the baseline…")
        return
    res = cur.first
    inds = region_indicators(res, eu=True, scope=view.scope)
    by_key = {i.key: i for i in inds}
    ind = by_key.get(indicator_key.value, inds[0])
    years = res.region["year"]
    y0, y1 = int(years.min()), int(years.max())
    year = min(max(map_year.value, y0), y1)
    without = view.without_eu.first if view.without_eu is not None else None
    vals = region_values(res, ind.key, year, without, view.scope)
    who = EU_SCOPES[view.scope]
    with solara.Column(gap="10px", classes=["wecsim-page-map"]):
        with solara.Row(gap="16px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select(
                "Colour regions by",
                values=[i.title for i in inds],
                value=ind.title,
                on_value=lambda t: indicator_key.set(next(i.key for i in inds if i.title == t)),
                style={"min-width": "420px"},
                classes=["wecsim-map-indicator"],
            )
            with solara.Column(gap="0px", style={"min-width": "300px"}):
                solara.SliderInt(
                    f"Year: {year}", value=year, min=y0, max=y1, on_value=map_year.set, thumb_label="always"
                )
        if cur.n > 1:
            solara.Info(f"The map and tables show the run with seed {cur.seeds[0]} of {cur.n}.", dense=True)
        if ind.key.startswith("eu_") and ind.key != "eu_committed_cum_meur":
            if without is None:
                solara.Info(f"Working out what {who} changes: the same run without it is on its way…", dense=True)
            elif without is res:
                solara.Info(f"No {who} in this scenario: nothing to attribute to it (every region: 0).", dense=True)
            else:
                Prose(
                    f"What {who} adds in each region: this scenario minus the same run without {who} (same seed, "
                    "same weather). Green: better with it; red: worse with it (money and projects can move to "
                    "other regions, or the state's budget goes elsewhere); white: no difference. "
                    "The map shows one run, and which project gets built where varies from run to run: "
                    "for the national picture read the EU card on Explore with several replicates."
                )
        with solara.Row(gap="20px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            TileMap(
                vals,
                ind.better,
                ind.title,
                selected_region.value,
                selected_region.set,
                digits=0 if vals.abs().max() >= 100 else 1,
            )
            with solara.Column(gap="4px", style={"min-width": "220px", "flex": "1 1 220px"}):
                top = vals.sort_values(ascending=False).head(5)
                Prose(f"**Highest five in {year}**")
                for rid, v in top.items():
                    solara.Text(f"{region_names().get(rid, rid)}: {fmt(float(v), 1)}", style={"display": "block"})
                Prose("Click a region to see its water balance, projects and decisions below.")
        RegionDetail(res, selected_region.value, year)
