"""Projects and agents: every project with filters; each funder's budget use and refusals; firms."""

from __future__ import annotations

import pandas as pd
import solara

from wecsim.app import state
from wecsim.app.charts import funder_figure
from wecsim.app.components.chart import ChartImage
from wecsim.app.components.named_select import NamedSelect
from wecsim.app.components.prose import Prose
from wecsim.app.components.tables import Table
from wecsim.app.indicators import (
    REFUSAL_TEXT,
    firm_name,
    fmt,
    funder_list_names,
    funder_name,
    funder_names,
    keeps_reserves,
    refusal_label,
    stage_label,
    technology_name,
    technology_names,
    year_text,
)
from wecsim.datasets import table
from wecsim.i18n import N_, _, current_language
from wecsim.results import Results

f_tech = solara.reactive([])
f_region = solara.reactive([])
f_stage = solara.reactive([])
f_funder = solara.reactive("any")
f_years = solara.reactive((2025, 2050))
f_text = solara.reactive("")
funder_pick = solara.reactive("eu_grant")
r_reason = solara.reactive("any")
r_region = solara.reactive("any")
r_text = solara.reactive("")


def project_table(res: Results) -> pd.DataFrame:
    """Return the project table with plain column names: type, region, funders, firm, cost, stage, years, effect."""
    p = res.project
    cost = p["contract_cost_meur"].fillna(p["capex_estimate_meur"])
    kind_en = p["technology"].map(lambda t: technology_names().get(t, t))
    # generated projects are called "<type>, <region>" (in English); only named (pinned) ones say more
    named = p["name"].where(p["name"] != kind_en + ", " + p["region"], "")
    kind = p["technology"].map(technology_name)
    return pd.DataFrame(
        {
            N_("id"): p["project_id"],
            N_("type"): kind,
            N_("region"): p["region"].map(lambda r: _(r) if isinstance(r, str) else r),
            N_("stage"): p["stage"].map(stage_label),
            N_("funders (largest first)"): p["funders"].map(funder_list_names),
            N_("firm"): p["firm_id"].map(firm_name),
            N_("cost [EUR M]"): cost.round(2),
            N_("effect (size)"): p["size"].round(1).astype(str) + " " + p["unit"].astype(str),
            N_("proposed"): p["proposed_year"],
            N_("operating from"): year_text(p["operating_year"]),
            N_("committed [EUR M]"): p["committed_meur"].round(2),
            N_("ENPV [EUR M]"): p["enpv_meur"].round(2),
            N_("latest reason"): p["last_reason"],
            N_("sector"): p["sector"],
            N_("largest funder"): p["largest_funder"].map(lambda f: funder_name(f, "–")),
            N_("project"): p["name"],
            N_("named project"): named,
        }
    )


def filter_projects(
    df: pd.DataFrame,
    types: list[str],
    regions: list[str],
    stages: list[str],
    funder: str,
    years: tuple[int, int],
    text: str,
) -> pd.DataFrame:
    """Return the rows of :func:`project_table` matching every filter (empty lists match all)."""
    keep = df["proposed"].between(years[0], years[1])
    if types:
        keep &= df["type"].isin(types)
    if regions:
        keep &= df["region"].isin(regions)
    if stages:
        keep &= df["stage"].isin(stages)
    if funder and funder != "any":
        name = funder_name(funder)
        keep &= df["funders (largest first)"].str.split(", ").map(lambda fs: name in fs)
    if text.strip():
        keep &= df["project"].str.contains(text.strip(), case=False, regex=False)
    return df[keep].reset_index(drop=True)


def funder_summary(res: Results, funder_id: str) -> dict[str, float]:
    """Return a funder's totals over the run [EUR M].

    ``envelope``, ``committed``, ``released``, ``disbursed``: sums over the years; ``net``:
    committed less released; ``lapsed``: unused money that lapsed at year ends (the sum of the
    yearly leftovers; 0 for funds kept in reserves); ``reserve_end``: what such funds still hold
    at the end of the run (0 for the others).
    """
    f = res.funder[res.funder["funder_id"] == funder_id].sort_values("year")
    out = {k: float(f[f"{k}_meur"].sum()) for k in ("envelope", "committed", "released", "disbursed")}
    out["net"] = out["committed"] - out["released"]
    if keeps_reserves(funder_id):
        out["lapsed"] = 0.0
        out["reserve_end"] = float(f["unused_meur"].iloc[-1]) if len(f) else 0.0
    else:
        out["lapsed"] = float(f["unused_meur"].sum())
        out["reserve_end"] = 0.0
    return out


def funder_by_sector(res: Results, funder_id: str) -> pd.DataFrame:
    """Return a funder's net commitments by sector [EUR M] (for support instruments: studies, buy-downs, guarantees)."""
    led = res.ledger[res.ledger["kind"].isin(("commitment", "support")) & (res.ledger["funder_id"] == funder_id)]
    g = led.groupby("sector")["amount_meur"].agg(["sum", "count"]).reset_index()
    g.columns = [N_("sector"), N_("committed [EUR M]"), N_("ledger entries")]
    g["committed [EUR M]"] = g["committed [EUR M]"].round(1)
    return g.sort_values("committed [EUR M]", ascending=False)


#: The model's sectors, in words (a funder's priorities and mandate name them).
SECTOR_WORDS = (N_("water"), N_("energy"), N_("circular"), N_("resilience"))

#: What a funder's instrument does, in words (``instrument`` column of ``wecsim/data/funders.csv``).
INSTRUMENT_TEXT = {
    "grant": N_("grants towards a project's cost"),
    "loan": N_("loans towards a project's cost"),
    "cofinance": N_("the region's own co-finance"),
    "own_funds": N_("the water utility's own funds (what tariffs leave)"),
    "budget": N_("the national budget"),
    "equity": N_("equity and commercial debt for projects that pay for themselves"),
    "farm_equity": N_("farmers' own money and farm credit"),
    "preparation": N_("feasibility studies to IFI standard (pays no construction)"),
    "blending": N_("interest buy-downs of IFI loans (pays no construction)"),
    "guarantee": N_("guarantees for private renewables at the auction (pays no construction)"),
}
#: A funder's focus (``focus`` column), in words.
FOCUS_TEXT = {
    "water_stress": N_("regions under water stress"),
    "transboundary": N_("transboundary rivers"),
    "coastal_flood": N_("the Caspian coast and flood risk"),
    "wastewater": N_("wastewater treatment"),
    "south_irrigation": N_("irrigation in the south"),
    "climate": N_("climate mitigation"),
}


def funder_mandate(funder_id: str) -> str:
    """Return a funder's decision rules in words (from ``wecsim/data/funders.csv``)."""
    row = table("funders").set_index("funder_id").loc[funder_id]
    prios = {s: float(row[f"priority_{s}"]) for s in ("water", "energy", "circular", "resilience")}
    outside = [s for s, w in prios.items() if w <= 0]
    inst = str(row["instrument"])
    parts = [
        _("instrument: {text}").format(text=_(INSTRUMENT_TEXT[inst]) if inst in INSTRUMENT_TEXT else inst),
        _("for {routes} projects").format(routes=", ".join(str(row["routes"]).split("|"))),
        _("priorities {weights}").format(weights=", ".join(f"{_(s)} {fmt(w, 2)}" for s, w in prios.items())),
    ]
    if inst not in ("preparation", "blending", "guarantee"):
        parts.insert(
            1,
            _("at most {pct}% of a project's cost").format(pct=fmt(100 * float(row["max_share_of_capex"]), 0)),
        )
    if isinstance(row["focus"], str) and row["focus"]:
        focus = _(FOCUS_TEXT[row["focus"]]) if row["focus"] in FOCUS_TEXT else row["focus"].replace("_", " ")
        parts.append(_("favours {focus}").format(focus=focus))
    if bool(row["requires_enpv"]):
        parts.append(_("refuses projects whose economic NPV is below zero"))
    if bool(row["requires_fnpv"]):
        parts.append(_("refuses projects that do not pay for themselves (financial NPV < 0)"))
    if bool(row["needs_preparation"]):
        parts.append(_("only finances projects with a feasibility study to its standard"))
    if float(row["min_project_meur"]) > 0 and inst not in ("preparation",):
        parts.append(_("no projects under EUR {amount} M").format(amount=f"{float(row['min_project_meur']):g}"))
    if bool(row["conditional"]):
        parts.append(_("water utilities must accept the EU tariff condition (when the scenario sets one)"))
    if inst == "loan":
        parts.append(
            _("loans at {rate}% over {tenor} years, {grace} years of grace").format(
                rate=f"{float(row['loan_rate_pct']):g}", tenor=int(row["tenor_yr"]), grace=int(row["grace_yr"])
            )
        )
    if outside:
        parts.append(
            _("does not fund {sectors} (outside its mandate)").format(sectors=", ".join(_(s) for s in outside))
        )
    return "; ".join(parts) + "."


def funder_refusals(res: Results, funder_id: str) -> pd.DataFrame:
    """Return each time a funder refused a project, newest first, in plain words.

    Columns: year, project id and name, technology, region, reason, and the project's stage at
    the end of the run (a refused project may still be financed by other funders).
    """
    r = res.refusals[res.refusals["funder_id"] == funder_id]
    p = res.project.set_index("project_id")
    ids = r["project_id"]
    out = pd.DataFrame(
        {
            N_("year"): r["year"],
            N_("id"): ids,
            N_("project"): ids.map(p["name"]),
            N_("technology"): ids.map(p["technology"]).map(technology_name),
            N_("region"): ids.map(p["region"]).map(lambda r: _(r) if isinstance(r, str) else r),
            N_("reason"): r["reason"].map(refusal_label),
            N_("stage at the end"): ids.map(p["stage"]).map(stage_label),
        }
    )
    return out.sort_values(["year", "id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def refusal_counts(refused: pd.DataFrame) -> pd.DataFrame:
    """Count a funder's refusals by reason (rows of :func:`funder_refusals`), in the order the rules are checked.

    Columns: reason, refusals (times asked and refused), projects (distinct projects refused)
    and how many of those projects were built all the same, with other money.
    """
    built = refused["stage at the end"].isin([stage_label("operating"), stage_label("retired")])
    g = refused.assign(built_id=refused["id"].where(built)).groupby("reason")
    out = pd.DataFrame(
        {
            N_("refusals"): g.size(),
            N_("projects"): g["id"].nunique(),
            N_("of which built with other money"): g["built_id"].nunique(),
        }
    )
    order = [refusal_label(k) for k in REFUSAL_TEXT]
    out = out.reindex([r for r in order if r in out.index] + [r for r in out.index if r not in order])
    return out.rename_axis(N_("reason")).reset_index()


def filter_refusals(df: pd.DataFrame, reason: str, region: str, text: str) -> pd.DataFrame:
    """Return the rows of :func:`funder_refusals` with a reason and region ("any": all) and ``text`` in the name."""
    keep = pd.Series(True, index=df.index)
    if reason and reason != "any":
        keep &= df["reason"] == reason
    if region and region != "any":
        keep &= df["region"] == region
    if text.strip():
        keep &= df["project"].str.contains(text.strip(), case=False, regex=False)
    return df[keep].reset_index(drop=True)


def firm_table(res: Results) -> pd.DataFrame:
    """Return each firm's contracts: number won, value, and how many are built."""
    p = res.project[res.project["firm_id"].notna()]
    cost = p["contract_cost_meur"]
    g = p.assign(cost=cost, built=p["operating_year"].notna()).groupby("firm_id")
    out = pd.DataFrame(
        {
            N_("contracts won"): g.size(),
            N_("contract value [EUR M]"): g["cost"].sum().round(1),
            N_("built"): g["built"].sum(),
            N_("mean bidders"): g["n_bidders"].mean().round(1),
        }
    ).reset_index(names=N_("firm code"))
    firms = table("firms").set_index("firm_id")
    base = out["firm code"].str.replace(r"-\d+$", "", regex=True)
    out.insert(0, N_("firm"), out["firm code"].map(firm_name))
    out.insert(1, N_("origin"), base.map(firms["origin"]).fillna(""))
    return out.sort_values("contract value [EUR M]", ascending=False)


@solara.component
def ProjectsTable(res: Results) -> None:
    """All projects, with filters on type, region, stage, funder, year and name."""
    df = solara.use_memo(lambda: project_table(res), [id(res)])
    y0, y1 = int(df["proposed"].min()), int(df["proposed"].max())
    years = (max(f_years.value[0], y0), min(f_years.value[1], y1))
    shown = filter_projects(df, f_tech.value, f_region.value, f_stage.value, f_funder.value, years, f_text.value)
    with solara.Row(gap="10px", style={"flex-wrap": "wrap"}):
        solara.SelectMultiple(
            _("Type"),
            f_tech.value,
            sorted(df["type"].unique()),
            on_value=f_tech.set,
            style={"min-width": "220px"},
            dense=True,
        )
        solara.SelectMultiple(
            _("Region"),
            f_region.value,
            sorted(df["region"].unique()),
            on_value=f_region.set,
            style={"min-width": "200px"},
            dense=True,
        )
        solara.SelectMultiple(
            _("Stage"),
            f_stage.value,
            sorted(df["stage"].unique()),
            on_value=f_stage.set,
            style={"min-width": "180px"},
            dense=True,
        )
        NamedSelect(
            _("Funder"),
            {"any": _("any"), **{f: funder_name(f) for f in funder_names()}},
            f_funder.value,
            f_funder.set,
            style="max-width: 260px",
            dense=True,
        )
        solara.InputText(_("Name contains"), value=f_text, continuous_update=True, style={"max-width": "200px"})
    with solara.Row(style={"margin-top": "44px", "max-width": "720px"}):
        solara.SliderRangeInt(
            _("Proposed between"), value=years, min=y0, max=y1, on_value=f_years.set, thumb_label="always"
        )
    total = shown["cost [EUR M]"].sum()
    Prose(
        _(
            "**{shown} of {total} projects**, cost {cost} EUR bn. "
            "Cost is the contract price once tendered, else the estimate; effect is the size built "
            "(km of canal, ha of drip irrigation, MW, m³/day, t/yr, systems)."
        ).format(shown=fmt(len(shown), 0), total=fmt(len(df), 0), cost=fmt(total / 1000, 2))
    )
    Table(shown.drop(columns=["project"]), items_per_page=15, name="projects")


@solara.component
def FunderView(res: Results) -> None:
    """One funder: budget use per year, money by sector, and what it refused and why."""
    ids = [f for f in funder_names() if f in set(res.funder["funder_id"])]
    fid = funder_pick.value if funder_pick.value in ids else ids[0]
    s = funder_summary(res, fid)
    with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
        names = {f: f"{funder_name(f)} ({f})" for f in ids}
        solara.Select(
            _("Funder"),
            values=list(names.values()),
            value=names[fid],
            on_value=lambda v: funder_pick.set(next(f for f, n in names.items() if n == v)),
            style={"min-width": "360px"},
            classes=["wecsim-funder-select"],
        )
    if fid in table("funders")["funder_id"].to_numpy():
        solara.Text(funder_mandate(fid), style={"font-size": "13px", "color": "#424242"})
    used = 100 * s["net"] / s["envelope"] if s["envelope"] > 0 else float("nan")
    Prose(
        _(
            "Over the run (EUR M): envelope **{envelope}**; committed **{committed}**, of "
            "which {released} came back from cancelled or cheaper projects, so **{net}** "
            "stayed committed ({used}% of the envelope); disbursed **{disbursed}**; "
        ).format(
            envelope=fmt(s["envelope"], 0),
            committed=fmt(s["committed"], 0),
            released=fmt(s["released"], 0),
            net=fmt(s["net"], 0),
            used=fmt(used, 0),
            disbursed=fmt(s["disbursed"], 0),
        )
        + (
            _(
                "kept in the regions' reserves at the end of the run **{reserve}** "
                "(this money carries over from year to year; none lapses)."
            ).format(reserve=fmt(s["reserve_end"], 0))
            if keeps_reserves(fid)
            else _("lapsed unused at year ends **{lapsed}**.").format(lapsed=fmt(s["lapsed"], 0))
        )
    )
    with solara.Columns([3, 2]):
        ChartImage(
            lambda: funder_figure(res, fid),
            key=("funder", fid, res.meta.get("scenario_hash"), res.meta.get("seed"), current_language()),
            name=f"budget_{fid}",
        )
        Table(funder_by_sector(res, fid), items_per_page=6, name=f"sectors_{fid}")
    RefusalsView(res, fid)


@solara.component
def RefusalsView(res: Results, fid: str) -> None:
    """Show what one funder refused and why: counts by reason and a filterable list of the projects."""
    refused = solara.use_memo(lambda: funder_refusals(res, fid), [id(res), fid])
    if refused.empty:
        Prose(_("**Refused**: none; this funder made an offer to every project it was asked to finance in this run."))
        return
    n_projects = refused["id"].nunique()
    n_built = refused.loc[
        refused["stage at the end"].isin([stage_label("operating"), stage_label("retired")]), "id"
    ].nunique()
    Prose(
        _(
            "**Refused**: {times} times this funder was asked for money and said no, "
            "for {projects} projects; {built} of them were built all the same, with money from "
            "other funders. A project still waiting for money is asked again the next year, so it can "
            "be refused more than once."
        ).format(times=fmt(len(refused), 0), projects=fmt(n_projects, 0), built=fmt(n_built, 0))
    )
    Table(refusal_counts(refused), items_per_page=6, name=f"refusal_reasons_{fid}")
    reasons = [refusal_label(k) for k in REFUSAL_TEXT if refusal_label(k) in set(refused["reason"])]
    regions = sorted(refused["region"].dropna().unique())
    reason = r_reason.value if r_reason.value in reasons else "any"
    region = r_region.value if r_region.value in regions else "any"
    anything = _("any")
    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Select(
            _("Reason"),
            values=[anything, *reasons],
            value=anything if reason == "any" else reason,
            on_value=lambda v: r_reason.set("any" if v == anything else v),
            style={"min-width": "360px"},
        )
        solara.Select(
            _("Region"),
            values=[anything, *regions],
            value=anything if region == "any" else region,
            on_value=lambda v: r_region.set("any" if v == anything else v),
            style={"min-width": "200px"},
        )
        solara.InputText(_("Project name contains"), value=r_text, continuous_update=True, style={"max-width": "200px"})
    Table(filter_refusals(refused, reason, region, r_text.value), items_per_page=10, name=f"refusals_{fid}")


@solara.component
def ProjectsPage() -> None:
    """Tabs: all projects, funders, firms."""
    cur = state.shown.value.current
    if cur is None:
        solara.Text(_("Running the baseline…"))
        return
    res = cur.first
    with solara.Column(gap="8px", classes=["wecsim-page-projects"]):
        if cur.n > 1:
            solara.Info(
                _("Tables show the run with seed {seed} of {n}.").format(seed=cur.seeds[0], n=cur.n), dense=True
            )
        with solara.lab.Tabs():
            with solara.lab.Tab(_("All projects")):
                ProjectsTable(res)
            with solara.lab.Tab(_("Funders")):
                FunderView(res)
            with solara.lab.Tab(_("Firms")):
                Prose(_("Firms bid in tenders; the lowest price wins. Contracts won over the run:"))
                Table(firm_table(res), items_per_page=15, name="firms")
