"""Charts of a run (matplotlib, drawn on the server; no JavaScript chart library, no CDN).

Each ``*_figure`` function takes finished runs and returns a :class:`matplotlib.figure.Figure`
with a plain-language title, units on the axes and the reference scenario as a dashed grey
line where a comparison makes sense. :func:`render` turns a figure into PNG or SVG bytes, for
the page and for downloads alike. Figures are built with the object-oriented API (never
``pyplot``), so several can be drawn in background threads.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.ticker import AutoLocator, MaxNLocator

from wecsim.app.indicators import (
    RECYCLING_TARGET_PCT,
    funder_name,
    funder_names,
    keeps_reserves,
    label,
    region_balance,
    scale,
)
from wecsim.app.runs import Ensemble
from wecsim.i18n import N_, _
from wecsim.results import Results
from wecsim.scenario import registry

mpl.use("Agg")

#: Size of a chart on the page [inch] and its resolution [dots per inch].
FIGSIZE = (6.0, 3.5)
DPI = 100

#: Matplotlib is not thread-safe for shared state (fonts, text layout): draw one at a time.
DRAW_LOCK = threading.Lock()

REFERENCE_STYLE = {"color": "#555555", "linestyle": "--", "linewidth": 1.4}
MAIN_COLOR = "#1565c0"

#: Colours of generation sources (dark for fossil, light for renewable).
SOURCE_COLORS = {
    "coal": "#3e3e3e",
    "gas": "#9e7b5b",
    "hydro": "#1e88e5",
    "small_hydro": "#64b5f6",
    "solar": "#fbc02d",
    "wind": "#43a047",
    "waste_to_energy": "#8e24aa",
    "landfill_gas": "#a1887f",
}
SECTOR_COLORS = {"water": "#1e88e5", "energy": "#fbc02d", "circular": "#43a047", "resilience": "#e53935"}
#: Names of the generation sources and sectors in the charts' legends.
SOURCE_NAMES = {
    "coal": N_("Coal"),
    "gas": N_("Gas"),
    "hydro": N_("Hydro"),
    "small_hydro": N_("Small hydro"),
    "solar": N_("Solar"),
    "wind": N_("Wind"),
    "waste_to_energy": N_("Waste to energy"),
    "landfill_gas": N_("Landfill gas"),
}
SECTOR_NAMES = {
    "water": N_("Water"),
    "energy": N_("Energy"),
    "circular": N_("Circular"),
    "resilience": N_("Resilience"),
}
_PALETTE = [
    "#1565c0",
    "#ef6c00",
    "#2e7d32",
    "#c62828",
    "#6a1b9a",
    "#00838f",
    "#9e9d24",
    "#4e342e",
    "#ad1457",
    "#546e7a",
    "#42a5f5",
    "#ffa726",
    "#66bb6a",
    "#ef5350",
    "#ab47bc",
    "#26c6da",
    "#d4e157",
    "#8d6e63",
    "#ec407a",
    "#90a4ae",
]


def funder_colors() -> dict[str, str]:
    """Return a fixed colour per funder id, so every chart uses the same one."""
    return {fid: _PALETTE[i % len(_PALETTE)] for i, fid in enumerate(funder_names())}


def scenario_color(i: int) -> str:
    """Return the colour of the i-th scenario in a comparison."""
    return _PALETTE[i % len(_PALETTE)]


# ----------------------------------------------------------------------------- helpers
def new_figure(title: str, ylabel: str, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, object]:
    """Return a figure with one axes, styled like every wecsim chart."""
    fig = Figure(figsize=figsize, dpi=DPI, layout=ConstrainedLayoutEngine(rect=(0, 0.05, 1, 0.95)))
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.set_ylabel(ylabel, fontsize=10)
    ax.tick_params(labelsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))
    ax.grid(True, color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _legend(ax, ncol: int = 1, loc: str = "upper left") -> None:
    handles, _labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=8.5, ncol=ncol, loc=loc, frameon=True, framealpha=0.85, edgecolor="none")


def _legend_outside(ax) -> None:
    handles, _labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=8.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def note(fig: Figure, text: str) -> None:
    """Write a small grey note under the chart (sources, seeds, what a band means)."""
    fig.text(0.01, 0.008, text, fontsize=7.5, color="#666666", ha="left", va="bottom")


def _band_note(ens: Ensemble) -> str:
    if ens.n > 1:
        return _("Mean of {n} runs (seeds {first}-{last}); band: 10-90%.").format(
            n=ens.n, first=ens.seeds[0], last=ens.seeds[-1]
        )
    return _("One run, seed {seed}.").format(seed=ens.seeds[0])


def line_with_band(ax, ens: Ensemble, column: str, factor: float, color: str, name: str) -> None:
    """Draw an indicator's mean across replicates and, if there are several, its 10-90% band."""
    st = ens.national(column)
    ax.plot(st["year"], factor * st["mean"], color=color, linewidth=2, label=name)
    if ens.n > 1:
        ax.fill_between(st["year"], factor * st["low"], factor * st["high"], color=color, alpha=0.18, linewidth=0)


def reference_line(ax, ref: Ensemble | None, column: str, factor: float, name: str | None = None) -> None:
    """Draw the reference scenario's mean as a dashed grey line."""
    if ref is None:
        return
    st = ref.national(column)
    ax.plot(
        st["year"],
        factor * st["mean"],
        label=name or _("reference: {scenario}").format(scenario=ref.label),
        **REFERENCE_STYLE,
    )


def render(fig: Figure, fmt: str = "png") -> bytes:
    """Return a figure as PNG or SVG bytes."""
    buf = io.BytesIO()
    with DRAW_LOCK:
        fig.savefig(buf, format=fmt, dpi=DPI)
    return buf.getvalue()


# ----------------------------------------------------------------------------- water


def _stack_under_demand(ax, ens: Ensemble, years, series: list[tuple[str, Any, str]], demand_label: str) -> None:
    """Stack ``(label, values, colour)`` series and draw national water demand as a line over them."""
    ax.stackplot(
        years,
        *[values for _, values, _ in series],
        labels=[n for n, _, _ in series],
        colors=[c for _, _, c in series],
        alpha=0.9,
    )
    ax.plot(years, ens.national("water_demand_km3")["mean"], color="black", linewidth=1.2, label=demand_label)
    ax.set_ylim(bottom=0)
    _legend(ax, ncol=2, loc="lower left")


def water_supply_figure(ens: Ensemble, ref: Ensemble | None = None) -> Figure:
    """Water supply by source, stacked to the demand, with the unmet part on top."""
    fig, ax = new_figure(_("Water supply by source"), _("km³ per year"))
    years = ens.national("withdrawal_km3")["year"]
    parts = [
        (_("Rivers and aquifers"), "withdrawal_km3", "#90caf9"),
        (_("Desalination"), "desalination_km3", "#00897b"),
        (_("Wastewater reuse"), "reuse_km3", "#7cb342"),
        (_("Unmet demand (deficit)"), "water_deficit_km3", "#e53935"),
    ]
    _stack_under_demand(ax, ens, years, [(n, ens.national(col)["mean"], c) for n, col, c in parts], _("Demand"))
    note(fig, _("Demand = supply + deficit.") + " " + _band_note(ens))
    return fig


#: Sectors of the water demand chart: (label, national column, colour).
WATER_DEMAND_SECTORS = (
    (N_("Irrigation"), "water_demand_irrigation_km3", "#8d6e63"),
    (N_("Industry"), "water_demand_industry_km3", "#78909c"),
    (N_("Towns (municipal)"), "water_demand_municipal_km3", "#42a5f5"),
)


def water_by_sector_figure(ens: Ensemble, ref: Ensemble | None = None) -> Figure:
    """Gross water demand by sector, stacked to the total demand."""
    fig, ax = new_figure(_("Water demand by sector"), _("km³ per year"))
    years = ens.national("water_demand_km3")["year"]
    series = [(_(n), ens.national(col)["mean"], c) for n, col, c in WATER_DEMAND_SECTORS]
    _stack_under_demand(ax, ens, years, series, _("Total demand"))
    note(fig, _("Demand includes the water lost in town networks and irrigation canals.") + " " + _band_note(ens))
    return fig


def water_deficit_figure(ens: Ensemble, ref: Ensemble | None = None) -> Figure:
    """Unmet water demand over time, against the reference scenario."""
    fig, ax = new_figure(_("Water deficit (demand not met)"), _("km³ per year"))
    line_with_band(ax, ens, "water_deficit_km3", 1.0, "#e53935", ens.label)
    reference_line(ax, ref, "water_deficit_km3", 1.0)
    ax.set_ylim(bottom=0)
    _legend(ax)
    note(fig, _("Drought years differ by seed.") + " " + _band_note(ens))
    return fig


# ----------------------------------------------------------------------------- energy
def generation_figure(ens: Ensemble, ref: Ensemble | None = None) -> Figure:
    """Electricity generation by source, stacked."""
    fig, ax = new_figure(_("Electricity generation by source"), _("TWh per year"))
    cols = [c for c in ens.first.national.columns if c.startswith("generation_") and c != "generation_twh"]
    years = ens.national(cols[0])["year"]
    names = [c.removeprefix("generation_").removesuffix("_twh") for c in cols]
    ax.stackplot(
        years,
        *[ens.national(c)["mean"] for c in cols],
        labels=[_(SOURCE_NAMES[n]) if n in SOURCE_NAMES else n.replace("_", " ").capitalize() for n in names],
        colors=[SOURCE_COLORS.get(n, "#bdbdbd") for n in names],
        alpha=0.92,
    )
    ax.set_ylim(bottom=0)
    _legend_outside(ax)
    note(fig, _band_note(ens))
    return fig


def co2_figure(ens: Ensemble, ref: Ensemble | None = None) -> Figure:
    """CO2 from power and waste, against the reference scenario."""
    fig, ax = new_figure(_("CO₂ emissions from power and waste"), _("Mt CO₂ per year"))
    line_with_band(ax, ens, "co2_total_mt", 1.0, "#424242", _("{scenario}: total").format(scenario=ens.label))
    line_with_band(ax, ens, "co2_power_mt", 1.0, "#ef6c00", _("power"))
    line_with_band(ax, ens, "co2_waste_mt", 1.0, "#6d4c41", _("waste"))
    reference_line(
        ax, ref, "co2_total_mt", 1.0, _("reference ({scenario}): total").format(scenario=ref.label) if ref else None
    )
    ax.set_ylim(bottom=0)
    _legend(ax, loc="center left")
    note(fig, _band_note(ens))
    return fig


# ----------------------------------------------------------------------------- waste
def recycling_figure(ens: Ensemble, ref: Ensemble | None = None) -> Figure:
    """Recycling rate against the 40% national target (one target line, the one the card uses)."""
    fig, ax = new_figure(_("Municipal waste recycling rate"), _("% of waste generated"))
    line_with_band(ax, ens, "recycling_rate", 100.0, "#2e7d32", ens.label)
    reference_line(ax, ref, "recycling_rate", 100.0)
    # one target line: the national goal the recycling card compares against
    ax.axhline(RECYCLING_TARGET_PCT, color="#c62828", linewidth=1.2, linestyle=":", label=_("40% national target"))
    ax.set_ylim(0, max(60.0, float(100 * ens.national("recycling_rate")["high"].max()) + 5))
    _legend(ax, loc="lower right")
    note(fig, _band_note(ens))
    return fig


# ----------------------------------------------------------------------------- money
def money_by(res: Results, kind: str = "commitment", by: str = "funder_id") -> pd.DataFrame:
    """Return money per year (rows) by funder or sector (columns) from the ledger [EUR M].

    Commitments are net: money released by cancelled or cheaper projects counts negative.
    """
    led = res.ledger[res.ledger["kind"] == kind]
    wide = led.pivot_table(index="year", columns=by, values="amount_meur", aggfunc="sum", fill_value=0.0)
    years = res.national["year"]
    wide = wide.reindex(years, fill_value=0.0)
    return wide[wide.abs().sum().sort_values(ascending=False).index]


def _stacked_bars(ax, wide: pd.DataFrame, colors: dict[str, str], names: dict[str, str], width: float = 0.8) -> None:
    """Stacked bars (negatives stacked downwards), one PolyCollection per series: fast to draw."""
    x = wide.index.to_numpy(float)
    pos = np.zeros(len(wide))
    neg = np.zeros(len(wide))
    for col in wide.columns:
        v = wide[col].to_numpy(float)
        bottom = np.where(v >= 0, pos, neg)
        top = bottom + v
        left, right = x - width / 2, x + width / 2
        verts = np.stack(
            [
                np.column_stack([left, bottom]),
                np.column_stack([right, bottom]),
                np.column_stack([right, top]),
                np.column_stack([left, top]),
            ],
            axis=1,
        )
        color = colors.get(col, "#9e9e9e")
        ax.add_collection(PolyCollection(verts[v != 0], facecolors=color, edgecolors="none"))
        ax.add_patch(Rectangle((0, 0), 0, 0, color=color, label=names.get(col, col)))  # legend entry
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    ax.set_xlim(x.min() - 1, x.max() + 1)
    lo, hi = float(neg.min()), float(pos.max())
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    ax.set_ylim(lo - pad if lo < 0 else 0, hi + pad)


def money_figure(ens: Ensemble, ref: Ensemble | None = None, kind: str = "commitment", by: str = "funder_id") -> Figure:
    """Money committed or disbursed per year, stacked by funder or by sector."""
    titles = {
        ("commitment", True): _("Money committed per year, by funder"),
        ("commitment", False): _("Money committed per year, by sector"),
        ("disbursement", True): _("Money disbursed per year, by funder"),
        ("disbursement", False): _("Money disbursed per year, by sector"),
    }
    title = titles[("commitment" if kind == "commitment" else "disbursement", by == "funder_id")]
    fig, ax = new_figure(title, _("EUR million per year"))
    wide = money_by(ens.first, kind, by)
    if by == "funder_id":
        _stacked_bars(ax, wide, funder_colors(), {f: funder_name(f) for f in funder_names()})
    else:
        _stacked_bars(ax, wide, SECTOR_COLORS, {s: _(SECTOR_NAMES[s]) for s in SECTOR_COLORS})
    ax.axhline(0, color="black", linewidth=0.6)
    _legend_outside(ax)
    extra = " " + _("Seed {seed} (money tables show one run).").format(seed=ens.seeds[0]) if ens.n > 1 else ""
    net = " " + _("Net of money released by cancelled or cheaper projects.") if kind == "commitment" else ""
    note(fig, _("From the run's money ledger.") + net + extra)
    return fig


# ----------------------------------------------------------------------------- EU money
#: The panels of :func:`eu_figure`: column, title and unit.
EU_PANELS = (
    ("water_deficit_km3", N_("Water deficit"), N_("km³/yr")),
    ("res_share", N_("Renewable share of power"), "%"),
    ("co2_total_mt", N_("CO₂ from power and waste"), N_("Mt/yr")),
    ("projects_built", N_("Projects built, cumulative"), N_("count")),
)


def eu_figure(ens: Ensemble, without: Ensemble, who: str | None = None) -> Figure:
    """Four outcomes with EU money (the scenario) and without it (its counterfactual, same seeds)."""
    fig = Figure(figsize=(9.0, 5.6), dpi=DPI, layout=ConstrainedLayoutEngine(rect=(0, 0.04, 1, 0.96)))
    axes = fig.subplots(2, 2)
    who = who if who is not None else _("EU money")
    fig.suptitle(_("With and without {who}").format(who=who), x=0.01, ha="left", fontsize=12, fontweight="bold")
    for ax, (col, title, unit) in zip(axes.flat, EU_PANELS, strict=True):
        f = scale(col)
        line_with_band(ax, ens, col, f, "#1565c0", _("with {who}").format(who=who))
        st = without.national(col)
        ax.plot(
            st["year"],
            f * st["mean"],
            color="#ef6c00",
            linestyle="--",
            linewidth=1.6,
            label=_("without {who}").format(who=who),
        )
        if without.n > 1:
            ax.fill_between(st["year"], f * st["low"], f * st["high"], color="#ef6c00", alpha=0.12, linewidth=0)
        ax.set_title(_(title), loc="left", fontsize=10)
        ax.set_ylabel(unit, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(True, color="#e0e0e0", linewidth=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    _legend(axes.flat[0])
    note(fig, _("Same seeds, so the same weather and chance events.") + " " + _band_note(ens))
    return fig


# ----------------------------------------------------------------------------- explore set
@dataclass(frozen=True)
class ChartSpec:
    """One chart of the Explore page.

    Attributes
    ----------
    key
        File-name friendly identifier.
    topic
        Heading the chart is grouped under (Water, Energy, Waste, Money).
    build
        ``build(ensemble, reference)`` -> Figure.
    """

    key: str
    topic: str
    build: Callable[[Ensemble, Ensemble | None], Figure]


EXPLORE_CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("water_supply", "Water", water_supply_figure),
    ChartSpec("water_by_sector", "Water", water_by_sector_figure),
    ChartSpec("water_deficit", "Water", water_deficit_figure),
    ChartSpec("generation_mix", "Energy", generation_figure),
    ChartSpec("co2", "Energy", co2_figure),
    ChartSpec("recycling", "Waste", recycling_figure),
    ChartSpec("committed_by_funder", "Money", lambda e, r: money_figure(e, r, "commitment", "funder_id")),
    ChartSpec("disbursed_by_funder", "Money", lambda e, r: money_figure(e, r, "disbursement", "funder_id")),
    ChartSpec("committed_by_sector", "Money", lambda e, r: money_figure(e, r, "commitment", "sector")),
    ChartSpec("disbursed_by_sector", "Money", lambda e, r: money_figure(e, r, "disbursement", "sector")),
)


def chart_by_key(key: str) -> ChartSpec:
    """Return the Explore chart with this key."""
    return next(c for c in EXPLORE_CHARTS if c.key == key)


# ----------------------------------------------------------------------------- other pages
def compare_figure(ensembles: Sequence[Ensemble], column: str) -> Figure:
    """One indicator for several scenarios, each with its 10-90% band when it has replicates."""
    unit = label(column).split("[")[-1].rstrip("]") if "[" in label(column) else ""
    fig, ax = new_figure(label(column), unit, figsize=(8.6, 4.0))
    f = scale(column)
    for i, ens in enumerate(ensembles):
        line_with_band(ax, ens, column, f, scenario_color(i), ens.label)
    _legend(ax)
    n = max(e.n for e in ensembles) if ensembles else 1
    note(
        fig,
        _("Line: mean of {n} run(s) per scenario; band: 10th-90th percentile.").format(n=n)
        if n > 1
        else _("One run per scenario."),
    )
    return fig


def region_balance_figure(res: Results, region_id: str, region_name: str) -> Figure:
    """Draw a region's water balance over time: supply, deficit, losses and new sources."""
    bal = region_balance(res, region_id)
    fig, ax = new_figure(
        _("Water balance, {region}").format(region=region_name), _("million m³ per year"), figsize=(7.2, 3.4)
    )
    ax.stackplot(
        bal.index,
        bal["supplied"],
        bal["deficit"],
        labels=[_("Supplied"), _("Unmet (deficit)")],
        colors=["#90caf9", "#e53935"],
        alpha=0.9,
    )
    ax.plot(bal.index, bal["demand"], color="black", linewidth=1.2, label=_("Demand"))
    ax.plot(
        bal.index, bal["losses"], color="#ef6c00", linewidth=1.4, linestyle="--", label=_("Losses in canals and pipes")
    )
    if (bal["desalination"] + bal["reuse"]).max() > 0:
        ax.plot(
            bal.index,
            bal["desalination"] + bal["reuse"],
            color="#00897b",
            linewidth=1.6,
            label=_("Desalination + reuse"),
        )
    ax.set_ylim(bottom=0)
    _legend(ax, ncol=2, loc="lower left")
    note(fig, _("Seed {seed}.").format(seed=res.meta.get("seed")))
    return fig


def funder_figure(res: Results, funder_id: str) -> Figure:
    """Draw a funder's yearly envelope against what it committed, disbursed and left unused."""
    f = res.funder[res.funder["funder_id"] == funder_id].set_index("year")
    name = funder_name(funder_id)
    fig, ax = new_figure(_("Budget use: {funder}").format(funder=name), _("EUR million per year"), figsize=(7.0, 3.4))
    x = f.index.to_numpy()
    ax.bar(x - 0.2, f["committed_meur"], width=0.4, color="#1565c0", label=_("Committed"))
    ax.bar(x + 0.2, f["disbursed_meur"], width=0.4, color="#90caf9", label=_("Disbursed"))
    ax.plot(x, f["envelope_meur"], color="black", linewidth=1.5, label=_("Envelope (incl. money released)"))
    reserves = keeps_reserves(funder_id)
    unused_label = _("In reserves at year end (carried over)") if reserves else _("Unused, lapsed")
    ax.plot(x, f["unused_meur"], color="#e53935", linewidth=1.2, linestyle="--", label=unused_label)
    ax.set_ylim(bottom=0)
    _legend_outside(ax)
    why = (
        _("Unused money stays in each region's reserve.")
        if reserves
        else _("Unused money lapses at the end of each year.")
    )
    note(fig, _("Seed {seed}.").format(seed=res.meta.get("seed")) + " " + why)
    return fig


def fan_figure(quantiles: pd.DataFrame, title: str, ylabel: str, by: str | None = None) -> Figure:
    """Draw an ensemble fan chart: median line and nested 5-95% and 25-75% bands.

    ``quantiles`` has columns ``year, q05, q25, q50, q75, q95`` (and ``by`` for groups).
    """
    fig, ax = new_figure(title, ylabel)
    groups = [(None, quantiles)] if by is None else list(quantiles.groupby(by))
    for i, (name, q) in enumerate(groups):
        c = scenario_color(i)
        ax.fill_between(q["year"], q["q05"], q["q95"], color=c, alpha=0.15, linewidth=0)
        ax.fill_between(q["year"], q["q25"], q["q75"], color=c, alpha=0.3, linewidth=0)
        ax.plot(q["year"], q["q50"], color=c, linewidth=2, label=str(name) if name is not None else _("median"))
    _legend(ax)
    note(fig, _("Line: median across experiments; dark band 25-75%, light band 5-95%."))
    return fig


def ranking_figure(scores: pd.Series, title: str) -> Figure:
    """Horizontal bars of sensitivity scores, largest on top."""
    s = scores.sort_values()
    fig, ax = new_figure(title, "", figsize=(6.4, max(2.4, 0.28 * len(s) + 1)))
    ax.xaxis.set_major_locator(AutoLocator())
    names = {name: p.label for name, p in registry().items()}
    ax.barh([names.get(str(i), str(i)) for i in s.index], s.to_numpy(float), color="#1565c0")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel(_("sensitivity score"), fontsize=9)
    return fig
