"""What EU money changes: each run against the same run without it (same seed, same weather).

A run's *additionality* is the difference between the scenario as it is and its
counterfactual with the EU envelopes set to zero, everything else equal: the same seed,
so the same droughts, floods, sites and project draws (common random numbers). One
counterfactual removes all EU money of the chosen scope; one more per instrument removes
that instrument alone, so each instrument's row says what it adds on top of the others.

The instruments and the levers that make them up are declared in
``wecsim/data/eu_instruments.csv``. Scope ``eu`` is the EU budget's own instruments; scope
``team_europe`` adds the member states and the EIB.

*Net mobilisation* replaces the usual "leverage": other money committed with EU money,
less other money committed without it, per euro of EU money. Money the EU displaces (the
state's budget going elsewhere, or not being spent) counts against it, never for it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from wecsim.datasets import table
from wecsim.errors import WecsimError
from wecsim.names import slug
from wecsim.results import Results
from wecsim.runner import run
from wecsim.scenario import Scenario, load_scenario
from wecsim.scenario.schedule import largest, total_over

#: Outcomes compared, with the direction that is better (+1: more is better, -1: less is better).
OUTCOMES: dict[str, int] = {
    "water_deficit_km3": -1,
    "res_share": 1,
    "co2_total_mt": -1,
    "recycling_rate": 1,
    "flood_damage_meur": -1,
    "wastewater_treated_share": 1,
    "network_loss_share": -1,
    "projects_built": 1,
    "capacity_built_ref_meur": 1,
}
#: Regional outcomes compared.
REGION_OUTCOMES = (
    "water_deficit_mm3",
    "wastewater_treated_share",
    "network_loss_share",
    "water_saving_irrigation_share",
    "flood_damage_meur",
)
SCOPES = ("eu", "team_europe")
#: Envelopes spent on programmes rather than on projects: counted as spent in full each year.
TA_LEVERS = ("secca_meur", "horizon_europe_meur", "green_central_asia_meur")


def instruments(scope: str = "eu") -> pd.DataFrame:
    """Return the EU instruments of a scope, one row each, with their levers as lists."""
    if scope not in SCOPES:
        raise WecsimError(f"scope: expected one of {', '.join(SCOPES)}, got {scope!r}")
    df = table("eu_instruments")
    if scope == "eu":
        df = df[df["scope"] == "eu"]
    df = df.assign(levers=df["levers"].str.split("|"))
    return df.reset_index(drop=True)


def without(scenario: Scenario, levers: Iterable[str], name_suffix: str) -> Scenario:
    """Return the scenario with the given envelope levers set to zero (a counterfactual)."""
    data = scenario.model_dump(mode="json")
    for lever in levers:
        data["levers"][lever] = 0
    data["name"] = slug(f"{scenario.name}{name_suffix}", scenario.name)
    return load_scenario(data)


@dataclass
class Additionality:
    """Outcomes of a run with and without EU money, as tidy tables.

    Attributes
    ----------
    national
        One row per (year, counterfactual, indicator): ``with_eu``, ``without_eu`` and
        ``additional = with_eu - without_eu``. Counterfactual ``all`` removes every
        instrument of the scope; the others remove one instrument each.
    region
        The same per region, for :data:`REGION_OUTCOMES`, counterfactual ``all`` only.
    projects
        Projects commissioned by the end of the run with and without EU money, by
        technology and region (count and cost at reference prices).
    summary
        One row per counterfactual: EU money committed and spent, net mobilisation and the
        cumulative or end-year difference in each outcome.
    meta
        Scenario, seed, scope and the instruments' levers.
    """

    national: pd.DataFrame
    region: pd.DataFrame
    projects: pd.DataFrame
    summary: pd.DataFrame
    meta: dict = field(default_factory=dict)


def eu_money_meur(res: Results, scope_funders: Sequence[str], scope: str = "eu") -> float:
    """Return the EU money a run spent [EUR M].

    Capex money and support (studies, buy-downs, guarantees) net of releases, plus the
    programmes that fund no project (SECCA, Horizon Europe, Green Central Asia).
    """
    led = res.ledger
    rows = led[led["funder_id"].isin(scope_funders) & led["kind"].isin(("commitment", "support"))]
    levers = res.meta.get("scenario_resolved", {}).get("levers", {})
    years = sorted(set(res.national["year"].tolist()))
    programmes = [lv for lvs in instruments(scope)["levers"] for lv in lvs if lv in TA_LEVERS]
    return math.fsum([*rows["amount_meur"].tolist(), *(total_over(levers.get(lv, 0.0), years) for lv in programmes)])


def other_money_meur(res: Results, scope_funders: Sequence[str]) -> float:
    """Capex money committed by everyone else, net of releases [EUR M]."""
    led = res.ledger
    rows = led[~led["funder_id"].isin(scope_funders) & (led["kind"] == "commitment")]
    return math.fsum(rows["amount_meur"].tolist())


def scope_funders(scope: str) -> list[str]:
    """Return the funder ids whose money counts as EU money in a scope."""
    funders = table("funders")
    if scope == "eu":
        return funders.loc[funders["institution"] == "eu", "funder_id"].tolist()
    return funders.loc[
        funders["institution"].isin(["eu", "germany", "netherlands", "finland", "eib"]), "funder_id"
    ].tolist()


def _long(res: Results, cols: Sequence[str], keys: Sequence[str]) -> pd.DataFrame:
    return res.national[["year", *cols]].melt(id_vars=list(keys), var_name="indicator", value_name="value")


def _built(res: Results) -> pd.DataFrame:
    p = res.project[res.project["operating_year"].notna()]
    return p.groupby(["technology", "region_id"]).agg(
        projects=("project_id", "size"), capex_meur=("contract_cost_meur", "sum")
    )


def compare(with_eu: Results, without_eu: Results, label: str) -> pd.DataFrame:
    """Return the national outcomes of two runs side by side, one row per (year, indicator)."""
    cols = [c for c in OUTCOMES if c in with_eu.national.columns]
    a = _long(with_eu, cols, ["year"]).rename(columns={"value": "with_eu"})
    b = _long(without_eu, cols, ["year"]).rename(columns={"value": "without_eu"})
    out = a.merge(b, on=["year", "indicator"])
    out["additional"] = out["with_eu"] - out["without_eu"]
    out.insert(1, "counterfactual", label)
    return out


def additionality(
    scenario: str | Scenario = "baseline",
    seed: int | None = None,
    overrides: list[str] | None = None,
    scope: str = "eu",
    by_instrument: bool = True,
    base: Results | None = None,
) -> Additionality:
    """Run a scenario with and without EU money (same seed) and return what the money changed.

    Parameters
    ----------
    scenario, seed, overrides
        As for :func:`wecsim.run`.
    scope
        ``eu`` (the EU budget's instruments) or ``team_europe`` (adds member states and EIB).
    by_instrument
        Also remove each instrument alone (one more run per instrument).
    base
        The scenario's own run with this seed, if it was made already (saves one run).
    """
    config = load_scenario(scenario, overrides)
    seed = config.seed if seed is None else seed
    inst = instruments(scope)
    funders = scope_funders(scope)
    if base is None:
        base = run(config, seed=seed)
    all_levers = [lever for levers in inst["levers"] for lever in levers]
    counterfactuals = {"all": all_levers}
    if by_instrument:
        counterfactuals |= dict(zip(inst["instrument_id"], inst["levers"], strict=True))
    national, summaries, region, projects = [], [], pd.DataFrame(), pd.DataFrame()
    eu_total = eu_money_meur(base, funders, scope)
    other_with = other_money_meur(base, funders)
    for label, levers in counterfactuals.items():
        alt = run(without(config, levers, f"-without-{label}"), seed=seed)
        national.append(compare(base, alt, label))
        eu_removed = eu_total - eu_money_meur(alt, funders, scope)
        summaries.append(_summary(base, alt, label, eu_removed, other_with - other_money_meur(alt, funders)))
        if label == "all":
            region = _region(base, alt)
            projects = _projects(base, alt)
    return Additionality(
        national=pd.concat(national, ignore_index=True),
        region=region,
        projects=projects,
        summary=pd.DataFrame(summaries),
        meta={
            "scenario": config.name,
            "seed": seed,
            "scope": scope,
            "instruments": {i: list(lv) for i, lv in zip(inst["instrument_id"], inst["levers"], strict=True)},
            "years": [int(base.national["year"].min()), int(base.national["year"].max())],
        },
    )


def _summary(base: Results, alt: Results, label: str, eu_meur: float, other_extra_meur: float) -> dict:
    """One counterfactual's totals: money, net mobilisation and outcome differences."""
    a, b = base.national.set_index("year"), alt.national.set_index("year")
    last = int(a.index.max())
    row = {
        "counterfactual": label,
        "eu_money_meur": eu_meur,
        "other_money_added_meur": other_extra_meur,
        "net_mobilisation": other_extra_meur / eu_meur if eu_meur > 1e-9 else float("nan"),
        "projects_added": float(a.loc[last, "projects_built"] - b.loc[last, "projects_built"]),
        "capacity_added_meur": float(a.loc[last, "capacity_built_ref_meur"] - b.loc[last, "capacity_built_ref_meur"]),
        "water_deficit_avoided_km3": float((b["water_deficit_km3"] - a["water_deficit_km3"]).sum()),
        "co2_avoided_mt": float((b["co2_total_mt"] - a["co2_total_mt"]).sum()),
        "flood_damage_avoided_meur": float((b["flood_damage_meur"] - a["flood_damage_meur"]).sum()),
        "res_share_added_end": float(a.loc[last, "res_share"] - b.loc[last, "res_share"]),
        "recycling_rate_added_end": float(a.loc[last, "recycling_rate"] - b.loc[last, "recycling_rate"]),
        "wastewater_treated_share_added_end": float(
            a.loc[last, "wastewater_treated_share"] - b.loc[last, "wastewater_treated_share"]
        ),
    }
    return row


def _region(base: Results, alt: Results) -> pd.DataFrame:
    keys = ["year", "region_id", "region"]
    cols = [c for c in REGION_OUTCOMES if c in base.region.columns]
    a = base.region[keys + cols].melt(id_vars=keys, var_name="indicator", value_name="with_eu")
    b = alt.region[keys + cols].melt(id_vars=keys, var_name="indicator", value_name="without_eu")
    out = a.merge(b, on=[*keys, "indicator"])
    out["additional"] = out["with_eu"] - out["without_eu"]
    return out


def _projects(base: Results, alt: Results) -> pd.DataFrame:
    a, b = _built(base), _built(alt)
    out = a.merge(b, how="outer", left_index=True, right_index=True, suffixes=("_with_eu", "_without_eu")).fillna(0.0)
    out["projects_added"] = out["projects_with_eu"] - out["projects_without_eu"]
    out["capex_added_meur"] = out["capex_meur_with_eu"] - out["capex_meur_without_eu"]
    return out.reset_index()


#: The per-run outcome differences :func:`compare_instruments` reports (name -> column of a summary row).
COMPARED = (
    "projects_added",
    "capacity_added_meur",
    "water_deficit_avoided_km3",
    "co2_avoided_mt",
    "flood_damage_avoided_meur",
    "res_share_added_end",
    "recycling_rate_added_end",
    "wastewater_treated_share_added_end",
    "other_money_added_meur",
)


def compare_instruments(
    scenario: str | Scenario = "baseline",
    extra_meur: float = 20.0,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    scope: str = "eu",
    overrides: list[str] | None = None,
) -> pd.DataFrame:
    """Which instrument buys the most? Add the same money to each instrument in turn, same seeds.

    For each instrument of the scope, ``extra_meur`` EUR M a year more (split evenly over
    its levers, each kept within its range) is compared with the scenario as it is, seed by
    seed (common random numbers). Returns one row per (instrument, seed) with the EU money
    actually spent in addition, every difference in :data:`COMPARED`, and the same per
    EUR 100 M of extra EU money spent.
    """
    from wecsim.scenario import registry

    config = load_scenario(scenario, overrides)
    inst = instruments(scope)
    funders = scope_funders(scope)
    params = registry()
    rows = []
    for seed in seeds:
        base = run(config, seed=seed)
        eu_base, other_base = eu_money_meur(base, funders, scope), other_money_meur(base, funders)
        for instrument_id, levers in zip(inst["instrument_id"], inst["levers"], strict=True):
            data = config.model_dump(mode="json")
            for lever in levers:
                p = params[lever]
                data["levers"][lever] = min(p.high, data["levers"][lever] + extra_meur / len(levers))
            data["name"] = slug(f"{config.name}-plus-{instrument_id}", config.name)
            alt = run(load_scenario(data), seed=seed)
            spent = eu_money_meur(alt, funders, scope) - eu_base
            row = _summary(alt, base, instrument_id, spent, other_money_meur(alt, funders) - other_base)
            row = {"instrument": instrument_id, "seed": seed, "eu_money_added_meur": spent} | {
                k: row[k] for k in COMPARED
            }
            for k in COMPARED:
                row[f"{k}_per_100meur"] = 100 * row[k] / spent if spent > 1e-9 else float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def in_words(add: Additionality) -> str:
    """Say in one sentence what all EU money of the scope changed in a run (counterfactual ``all``)."""
    row = add.summary.set_index("counterfactual").loc["all"]
    if row["eu_money_meur"] <= 1e-9:
        return "no EU money in this run, so nothing to attribute to it"
    first, last = add.meta["years"]

    def change(avoided: float, text: str) -> str:
        """``text`` formatted with the size of the change, then "less" or "more"."""
        return text.format(abs(avoided), "less" if avoided >= 0 else "more")

    parts = [
        f"{row['projects_added']:+.0f} projects built",
        change(row["water_deficit_avoided_km3"], "{:.2f} km3 {} water deficit over " + f"{first}-{last}"),
        change(row["co2_avoided_mt"], "{:.1f} Mt {} CO2"),
        f"{100 * row['res_share_added_end']:+.2f} points of RES share in {last}",
        change(row["flood_damage_avoided_meur"], "EUR {:.0f} M {} flood damage"),
    ]
    mobilised = row["net_mobilisation"]
    return (
        f"EUR {row['eu_money_meur']:.0f} M of EU money ({add.meta['scope']} scope), against the same run without it "
        f"(same seed and weather): {', '.join(parts)}; net mobilisation {mobilised:.2f} EUR of other money per "
        "EUR of EU money (other money with EU money less other money without it: money the EU displaces counts "
        "against it)"
    )


#: File names an additionality results folder holds.
ADDITIONALITY_TABLES = ("national", "region", "projects", "summary")


def write_tables(add: Additionality, folder: Path) -> None:
    """Write an additionality's tables (Parquet and CSV) and its meta.json into ``folder``."""
    for name in ADDITIONALITY_TABLES:
        df = getattr(add, name)
        df.to_parquet(folder / f"{name}.parquet", index=False)
        df.to_csv(folder / f"{name}.csv", index=False)
    (folder / "meta.json").write_text(json.dumps({"kind": "wecsim additionality", **add.meta}, indent=2))


def combine(runs: Sequence[Additionality]) -> Additionality:
    """Stack the additionality of several seeds into one (a ``seed`` column on every table)."""
    if len(runs) == 1:
        return runs[0]

    def stack(name: str) -> pd.DataFrame:
        return pd.concat([getattr(a, name).assign(seed=a.meta["seed"]) for a in runs], ignore_index=True)

    meta = dict(runs[0].meta) | {"seed": [a.meta["seed"] for a in runs]}
    return Additionality(stack("national"), stack("region"), stack("projects"), stack("summary"), meta)


#: Summary columns shown to a planner: (label, column, factor); ``{first}``/``{last}`` are the run's years.
SUMMARY_COLUMNS = (
    ("EU money spent [EUR M]", "eu_money_meur", 1.0),
    ("projects built", "projects_added", 1.0),
    ("water deficit avoided {first}-{last} [km3]", "water_deficit_avoided_km3", 1.0),
    ("CO2 avoided {first}-{last} [Mt]", "co2_avoided_mt", 1.0),
    ("RES share in {last} [points]", "res_share_added_end", 100.0),
    ("recycling rate in {last} [points]", "recycling_rate_added_end", 100.0),
    ("flood damage avoided {first}-{last} [EUR M]", "flood_damage_avoided_meur", 1.0),
    ("net mobilisation [EUR per EUR]", "net_mobilisation", 1.0),
)


def summary_table(summary: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Return the summary as text, one row per outcome and one column per counterfactual.

    With several seeds each cell is ``mean [lowest, highest]``.
    """
    order = list(dict.fromkeys(summary["counterfactual"]))
    grouped = summary.groupby("counterfactual", sort=False)
    rows = {}
    for label, column, factor in SUMMARY_COLUMNS:
        stats = grouped[column].agg(["mean", "min", "max", "size"]).loc[order] * [factor, factor, factor, 1]
        fmt = "{:,.0f}" if column == "projects_added" else "{:,.2f}"

        def show(x: float, fmt: str = fmt) -> str:
            return fmt.format(0.0 if abs(x) < 5e-3 else x)  # no "-0.00"

        rows[label.format(first=first, last=last)] = [
            show(m) if n == 1 else f"{show(m)} [{show(lo)}, {show(hi)}]"
            for m, lo, hi, n in stats.itertuples(index=False)
        ]
    return pd.DataFrame(rows, index=["all EU money" if c == "all" else c for c in order]).T


# ----------------------------------------------------------------------------- one pair of runs
# The functions below read only the ``national`` and ``funder`` tables and the run's metadata
# (for the programmes' money), so they also work on the partial results the app's workers
# send ahead of the other tables; only :func:`region_outcomes_to` reads the region and project
# tables. They answer "what did EU money add up to a given year" for one run and its
# counterfactual (see :func:`counterfactual`), with the same seed.

#: What the counterfactual of a scenario is called (the scenario's name, then this).
COUNTERFACTUAL_SUFFIX = {"eu": "-without-EU-money", "team_europe": "-without-Team-Europe-money"}


def eu_levers(scope: str = "eu") -> list[str]:
    """Return every envelope lever of the scope's instruments, in the instruments' order."""
    return [lever for levers in instruments(scope)["levers"] for lever in levers]


def has_eu_money(scenario: Scenario, scope: str = "eu") -> bool:
    """Return whether any envelope of the scope's instruments is above zero in a scenario."""
    return any(largest(scenario.value(lever)) > 0 for lever in eu_levers(scope))


def counterfactual(scenario: Scenario, scope: str = "eu") -> Scenario:
    """Return the scenario with every envelope of the scope's instruments at zero.

    :func:`without` with all the scope's levers. The counterfactual does not depend on the
    EU levers' values, so moving one of them leaves it (and a cached run of it) unchanged.
    """
    if scope not in SCOPES:
        raise WecsimError(f"scope: expected one of {', '.join(SCOPES)}, got {scope!r}")
    return without(scenario, eu_levers(scope), COUNTERFACTUAL_SUFFIX[scope])


def _upto(df: pd.DataFrame, year: int | None) -> pd.DataFrame:
    return df if year is None else df[df["year"] <= year]


@cache
def _instrument_money_sources(scope: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """Return ``(instrument, its funders, its programme levers)`` for each instrument of a scope."""
    funders = table("funders")
    by_lever = dict(zip(funders["budget_lever"], funders["funder_id"], strict=True))
    inst = instruments(scope)
    return tuple(
        (i, tuple(by_lever[lv] for lv in lvs if lv in by_lever), tuple(lv for lv in lvs if lv in TA_LEVERS))
        for i, lvs in zip(inst["instrument_id"], inst["levers"], strict=True)
    )


@cache
def _other_capex_funders(scope: str) -> tuple[str, ...]:
    """Return the funders outside a scope whose money pays for capex."""
    from wecsim.agents.funder import CAPEX_INSTRUMENTS

    funders = table("funders")
    inside = set(scope_funders(scope))
    capex = funders.loc[funders["instrument"].isin(CAPEX_INSTRUMENTS), "funder_id"]
    return tuple(f for f in capex if f not in inside)


def _net_committed(res: Results, funder_ids: Sequence[str], up_to_year: int | None) -> float:
    f = res.funder
    keep = f["funder_id"].isin(funder_ids).to_numpy()
    if up_to_year is not None:
        keep = keep & (f["year"].to_numpy() <= up_to_year)
    return math.fsum(f["committed_meur"].to_numpy()[keep].tolist()) - math.fsum(
        f["released_meur"].to_numpy()[keep].tolist()
    )


def money_by_instrument(res: Results, scope: str = "eu", up_to_year: int | None = None) -> dict[str, float]:
    """Return the EU money a run spent per instrument of the scope, up to a year [EUR M].

    Read from the ``funder`` table (committed less released: capex money and support alike)
    plus the programmes that fund no project (SECCA, Horizon Europe, Green Central Asia),
    counted in full each year, as :func:`eu_money_meur` does from the ledger; the sum over
    the instruments equals :func:`eu_money_meur` for the whole run.
    """
    levers = res.meta.get("scenario_resolved", {}).get("levers", {})
    years = sorted(y for y in set(res.national["year"].tolist()) if up_to_year is None or y <= up_to_year)
    out = {}
    for instrument_id, funder_ids, programmes in _instrument_money_sources(scope):
        money = _net_committed(res, funder_ids, up_to_year) if funder_ids else 0.0
        out[instrument_id] = math.fsum([money, *(total_over(levers.get(lv, 0.0), years) for lv in programmes)])
    return out


def other_capex_money_meur(res: Results, scope: str = "eu", up_to_year: int | None = None) -> float:
    """Return the capex money everyone outside the scope committed, net of releases, up to a year [EUR M].

    Read from the ``funder`` table; equals :func:`other_money_meur` (from the ledger) for the
    whole run. Support (studies, buy-downs, guarantees) is not capex and is left out.
    """
    return _net_committed(res, _other_capex_funders(scope), up_to_year)


def outcomes_to(with_eu: Results, without_eu: Results, year: int, scope: str = "eu") -> dict[str, float]:
    """Return what EU money added in a run up to ``year``: the run against its counterfactual.

    ``without_eu`` is the same scenario and seed with the scope's envelopes at zero (see
    :func:`counterfactual`). Differences are *with minus without*, signed so that a positive
    number is more of the named thing:

    ``eu_money_meur``
        EU money spent, 2025 to ``year`` (with EU money less without: zero in the counterfactual) [EUR M].
    ``water_deficit_avoided_mm3``
        Water deficit avoided, summed over 2025 to ``year`` [million m³] (negative: more deficit).
    ``water_deficit_avoided_year_mm3``
        The same in ``year`` alone [million m³/yr].
    ``res_share_added_pt``
        Renewable share of generation in ``year`` [percentage points].
    ``co2_avoided_mt``
        CO2 from power and waste avoided in ``year`` [Mt/yr].
    ``co2_avoided_cum_mt``
        The same summed over 2025 to ``year`` [Mt].
    ``recycling_rate_added_pt``
        Recycling rate in ``year`` [percentage points].
    ``projects_added``
        Projects built by ``year`` [count].
    ``flood_damage_avoided_meur``
        Flood damage avoided, summed over 2025 to ``year`` [EUR M].
    ``other_money_added_meur``
        Capex money of everyone else committed with EU money less without it, to ``year`` [EUR M].
    ``net_mobilisation``
        ``other_money_added_meur / eu_money_meur`` [EUR per EUR]; money the EU displaces
        counts against it. NaN without EU money.
    """
    na, nb = with_eu.national, without_eu.national
    ya, yb = na["year"].to_numpy(), nb["year"].to_numpy()
    if not (len(ya) == len(yb) and (ya == yb).all()):
        raise WecsimError("outcomes_to: the two runs must cover the same years")
    keep = ya <= year
    last = int(ya[keep].max())
    i = int((ya == last).argmax())

    def at(col: str) -> float:
        return float(na[col].to_numpy()[i] - nb[col].to_numpy()[i])

    def total(col: str) -> float:
        return math.fsum((nb[col].to_numpy()[keep] - na[col].to_numpy()[keep]).tolist())

    eu = math.fsum(money_by_instrument(with_eu, scope, year).values()) - math.fsum(
        money_by_instrument(without_eu, scope, year).values()
    )
    other = other_capex_money_meur(with_eu, scope, year) - other_capex_money_meur(without_eu, scope, year)
    return {
        "eu_money_meur": eu,
        "water_deficit_avoided_mm3": 1000 * total("water_deficit_km3"),
        "water_deficit_avoided_year_mm3": -1000 * at("water_deficit_km3"),
        "res_share_added_pt": 100 * at("res_share"),
        "co2_avoided_mt": -at("co2_total_mt"),
        "co2_avoided_cum_mt": total("co2_total_mt"),
        "recycling_rate_added_pt": 100 * at("recycling_rate"),
        "projects_added": at("projects_built"),
        "flood_damage_avoided_meur": total("flood_damage_meur"),
        "other_money_added_meur": other,
        "net_mobilisation": other / eu if eu > 1e-9 else float("nan"),
    }


def region_outcomes_to(with_eu: Results, without_eu: Results, year: int) -> pd.DataFrame:
    """Return what EU money added in each region up to ``year``, one row per region id.

    Columns (with minus without, signed so that positive is more of the named thing):
    ``water_deficit_avoided_mm3`` (summed over 2025 to ``year``, million m³),
    ``water_deficit_avoided_year_mm3`` (in ``year``, million m³/yr),
    ``flood_damage_avoided_meur`` (summed, EUR M) and ``projects_added`` (built by ``year``).
    """
    keys = ["year", "region_id"]
    cols = ["water_deficit_mm3", "flood_damage_meur"]
    a = _upto(with_eu.region, year).set_index(keys)[cols]
    b = _upto(without_eu.region, year).set_index(keys)[cols].reindex(a.index)
    diff = b - a
    total = diff.groupby(level="region_id").sum()
    in_year = diff.xs(int(a.index.get_level_values("year").max()), level="year")

    def built(res: Results) -> pd.Series:
        p = res.project
        return p[p["operating_year"] <= year].groupby("region_id").size()

    regions = total.index
    projects = built(with_eu).reindex(regions, fill_value=0) - built(without_eu).reindex(regions, fill_value=0)
    return pd.DataFrame(
        {
            "water_deficit_avoided_mm3": total["water_deficit_mm3"],
            "water_deficit_avoided_year_mm3": in_year["water_deficit_mm3"].reindex(regions),
            "flood_damage_avoided_meur": total["flood_damage_meur"],
            "projects_added": projects.astype(float),
        }
    )


def without_instrument(scenario: Scenario, instrument_id: str, scope: str = "eu") -> Scenario:
    """Return the scenario with one instrument's envelopes at zero (what it adds on top of the others).

    :func:`without` for that instrument's levers.
    """
    inst = instruments(scope).set_index("instrument_id")
    if instrument_id not in inst.index:
        raise WecsimError(f"instrument: expected one of {', '.join(inst.index)}, got {instrument_id!r}")
    return without(scenario, inst.loc[instrument_id, "levers"], f"-without-{instrument_id}")
