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
    firm_name,
    fmt,
    funder_list_names,
    funder_name,
    region_decisions,
    region_indicators,
    region_name,
    region_names,
    region_values,
    scope_name,
    stage_label,
    year_text,
)
from wecsim.i18n import _, current_language
from wecsim.results import Results
from wecsim.scenario import Scenario

indicator_key = solara.reactive("water_deficit_pct")
map_year = solara.reactive(2030)
selected_region = solara.reactive("KZ-47")


def _year_bound(field: str, kind: str) -> int:
    return next(getattr(m, kind) for m in Scenario.model_fields[field].metadata if hasattr(m, kind))


#: The earliest and latest year any scenario can simulate (the scenario schema's limits): a
#: link's ``year`` must lie in between; the map then keeps it within the run's own years.
YEAR_RANGE = (_year_bound("start_year", "ge"), _year_bound("end_year", "le"))


def steps_in(res: Results, year: int) -> pd.DataFrame:
    """Return each project's last lifecycle step up to the end of ``year`` (stage and reason), by project id.

    Projects proposed after ``year`` are left out: the map's detail describes the year on the
    map's slider, not the end of the run.
    """
    t = res.transitions[res.transitions["year"] <= year].sort_values("year", kind="stable")
    return t.groupby("project_id")[["to_stage", "reason"]].last()


#: Stages from which a project has its funders (financed) and its firm (tendered).
FINANCED_STAGES = ("financed", "tendered", "under_construction", "operating", "retired")
TENDERED_STAGES = FINANCED_STAGES[1:]


def region_projects(res: Results, region_id: str, year: int) -> pd.DataFrame:
    """Return a region's projects as they stood at the end of ``year``: what, stage, funders, firm, cost, years.

    Only projects proposed by then, each at its stage and with its latest reason in that year;
    funders and firm only once the project was financed or tendered.
    """
    steps = steps_in(res, year)
    p = res.project[(res.project["region_id"] == region_id) & res.project["project_id"].isin(steps.index)]
    step = steps.reindex(p["project_id"])
    stage = pd.Series(step["to_stage"].to_numpy(), index=p.index)
    reason = pd.Series(step["reason"].to_numpy(), index=p.index)
    financed, tendered = stage.isin(FINANCED_STAGES), stage.isin(TENDERED_STAGES)
    cost = p["contract_cost_meur"].where(tendered).fillna(p["capex_estimate_meur"])
    operating = p["operating_year"].where(p["operating_year"] <= year)
    out = pd.DataFrame(
        {
            _("project"): p["name"],
            stage_column(year): stage.map(stage_label),
            _("size"): p["size"].round(1).astype(str) + " " + p["unit"].astype(str),
            _("largest funder"): p["largest_funder"].where(financed).map(lambda f: funder_name(f, "–")),
            _("funders"): p["funders"].where(financed).map(funder_list_names),
            _("firm"): p["firm_id"].where(tendered).map(firm_name),
            _("cost [EUR M]"): cost.round(2),
            _("proposed"): p["proposed_year"],
            _("operating from"): year_text(operating),
            _("latest reason, {year}").format(year=year): reason,
        }
    )
    return out.sort_values([_("proposed"), _("project")], ascending=[False, True]).reset_index(drop=True)


def stage_column(year: int) -> str:
    """Return the heading of the projects table's stage column (the stage in the map's year)."""
    return _("stage {year}").format(year=year)


@solara.component
def RegionSummary(res: Results, region_id: str, year: int) -> None:
    """Show a region's facts in the map's year and its water balance over time (next to the map)."""
    name = region_name(region_id)
    reg = res.region[(res.region["region_id"] == region_id) & (res.region["year"] == year)]
    with solara.Card(f"{name} ({region_id}), {year}", margin=0, classes=["wecsim-region-detail"]):
        if len(reg):
            r = reg.iloc[0]
            facts = [
                (_("Population"), _("{n} million").format(n=fmt(r["population"] / 1e6, 2))),
                (_("Basin"), str(r["basin_id"]).replace("_", " ")),
                (
                    _("Water demand {year}").format(year=year),
                    _("{n} million m³").format(n=fmt(r["water_demand_mm3"], 0)),
                ),
                (_("Deficit {year}").format(year=year), _("{n} million m³").format(n=fmt(r["water_deficit_mm3"], 1))),
                (_("Losses {year}").format(year=year), _("{n} million m³").format(n=fmt(r["water_losses_mm3"], 0))),
                (_("Recycling {year}").format(year=year), f"{fmt(100 * r['recycling_rate'], 1)}%"),
            ]
            with solara.Row(gap="16px", style={"flex-wrap": "wrap"}, classes=["wecsim-region-facts"]):
                for k, v in facts:
                    with solara.Column(gap="0px"):
                        solara.Text(k, style={"font-size": "12px", "color": "#616161"})
                        solara.Text(v, style={"font-size": "15px", "font-weight": "500"})
        ChartImage(
            lambda: region_balance_figure(res, region_id, name),
            key=("balance", region_id, res.meta.get("scenario_hash"), res.meta.get("seed"), current_language()),
            name=f"water_balance_{region_id}",
            width="100%",
        )


@solara.component
def RegionTables(res: Results, region_id: str, year: int) -> None:
    """Show a region's projects as they stood in the map's year, and the decisions taken up to then, with reasons."""
    name = region_name(region_id)
    projects = region_projects(res, region_id, year)
    counts = projects[stage_column(year)].value_counts()
    with solara.Column(gap="6px", classes=["wecsim-region-tables"]):
        Prose(
            _(
                "**Projects in {region}, {year}** ({n} proposed by then: {stages}); "
                "each at its stage in that year (move the year slider)"
            ).format(region=name, year=year, n=len(projects), stages=", ".join(f"{n} {s}" for s, n in counts.items()))
        )
        Table(projects, items_per_page=8, name=f"projects_{region_id}")
        decisions = region_decisions(res, region_id)
        decisions = decisions[decisions["year"] <= year]
        Prose(
            _(
                "**Decisions and reasons** up to {year}, newest first: every step of the "
                "region's projects (who proposed, the appraisal, who financed, which firm won, delays, cancellations)."
            ).format(year=year)
        )
        Table(decisions, items_per_page=10, name=f"decisions_{region_id}")


@solara.component
def MapPage() -> None:
    """Choose an indicator and a year; click a region (or press Enter on it) for its detail."""
    view = state.shown.value
    cur = view.current
    if cur is None:
        solara.Text(_("Running the baseline…"))
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
    who = scope_name(view.scope)
    region = selected_region.value if selected_region.value in region_names() else next(iter(region_names()))
    with solara.Column(gap="10px", classes=["wecsim-page-map"]):
        with solara.Row(
            gap="16px", style={"align-items": "center", "flex-wrap": "wrap"}, classes=["wecsim-map-controls"]
        ):
            solara.Select(
                _("Colour regions by"),
                values=[i.title for i in inds],
                value=ind.title,
                on_value=lambda t: indicator_key.set(next(i.key for i in inds if i.title == t)),
                style={"min-width": "380px", "flex": "1 1 380px", "max-width": "640px"},
                classes=["wecsim-map-indicator"],
            )
            with solara.Column(gap="0px", style={"min-width": "280px", "flex": "1 1 280px"}):
                solara.SliderInt(
                    _("Year: {year}").format(year=year),
                    value=year,
                    min=y0,
                    max=y1,
                    on_value=map_year.set,
                    thumb_label="always",
                )
        if indicator_key.value not in by_key:
            solara.Info(
                _("This run has no map layer '{layer}'; showing {shown}.").format(
                    layer=indicator_key.value, shown=ind.title
                ),
                dense=True,
            )
        if map_year.value != year:
            solara.Info(
                _("The run covers {first}-{last}; showing {year}.").format(first=y0, last=y1, year=year), dense=True
            )
        if cur.n > 1:
            solara.Info(
                _("The map and tables show the run with seed {seed} of {n}.").format(seed=cur.seeds[0], n=cur.n),
                dense=True,
            )
        if ind.key.startswith("eu_") and ind.key != "eu_committed_cum_meur":
            if without is None:
                solara.Info(
                    _("Working out what {who} changes: the same run without it is on its way…").format(who=who),
                    dense=True,
                )
            elif without is res:
                solara.Info(
                    _("No {who} in this scenario: nothing to attribute to it (every region: 0).").format(who=who),
                    dense=True,
                )
            else:
                Prose(
                    _(
                        "What {who} adds in each region: this scenario minus the same run without {who} (same seed, "
                        "same weather). Green: better with it; red: worse with it (money and projects can move to "
                        "other regions, or the state's budget goes elsewhere); white: no difference. "
                        "The map shows one run, and which project gets built where varies from run to run: "
                        "for the national picture read the EU card on Explore with several replicates."
                    ).format(who=who)
                )
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            TileMap(
                vals,
                ind.better,
                ind.title,
                region,
                selected_region.set,
                digits=0 if vals.abs().max() >= 100 else 1,
            )
            # the selected region's summary sits next to the map, so it is in view without scrolling
            with solara.Column(
                gap="8px", classes=["wecsim-map-side"], style={"min-width": "340px", "flex": "1 1 340px"}
            ):
                RegionSummary(res, region, year)
                top = vals.sort_values(ascending=False).head(5)
                Prose(
                    _(
                        "**Highest five in {year}**: {regions}. "
                        "Click a region, or move to it with Tab and press Enter, for its detail."
                    ).format(
                        year=year, regions="; ".join(f"{region_name(rid)} {fmt(float(v), 1)}" for rid, v in top.items())
                    )
                )
        RegionTables(res, region, year)
