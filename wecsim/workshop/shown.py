"""The workshop's words in the language in use: role names, objectives, indicators, events, table headers.

The service and the scores keep their English texts (they are stored, logged and tested as
such); the page and the debrief report translate them here, where they are shown, with the
catalogs of :mod:`wecsim.i18n`. A text that has no translation is shown as it is.
"""

from __future__ import annotations

import math
import re
from functools import cache

import pandas as pd

from wecsim.i18n import N_, SOURCE_LANGUAGE, _, current_language, number
from wecsim.workshop.events import EVENTS
from wecsim.workshop.roles import OBJECTIVES, Role, all_roles, delegation_funders

#: Table headers as the tables hold them (English ids kept in English, translated in the other languages).
COLUMN_NAMES = {
    "label": N_("indicator"),
    "indicator": N_("indicator"),
    "unit": N_("unit"),
    # TRANSLATORS: a table header: the run of the scenario with the teams' decisions
    "workshop": N_("workshop"),
    # TRANSLATORS: a table header: the same run with every agent on its own rule
    "without_teams": N_("without_teams"),
    "change": N_("change"),
    "target": N_("target"),
    "target_year": N_("target_year"),
    "team": N_("team"),
    "objective": N_("objective"),
    "better": N_("better"),
    "points": N_("points"),
    "decision": N_("decision"),
    "event": N_("event"),
    "year": N_("year"),
    "value": N_("value"),
    "round": N_("round"),
    "years": N_("years"),
    "state": N_("state"),
    "deadline_utc": N_("deadline_utc"),
    "submitted": N_("submitted"),
}
#: Words of the tables' cells: which way is better, round states, the two runs.
CELL_WORDS = (
    N_("higher"),
    N_("lower"),
    N_("open"),
    N_("locked"),
    N_("done"),
    N_("finished"),
    N_("workshop"),
    N_("without teams"),
)
#: Table columns whose cells are words to translate (the rest are numbers, ids or people's text).
WORD_COLUMNS = ("label", "indicator", "unit", "team", "objective", "better", "event", "state", "run")


def role_label(role: Role) -> str:
    """Return a role's name in the language in use (``akimat of Almaty city``, ``акимат города Алматы``)."""
    from wecsim.app.indicators import firm_name, region_name

    if current_language() == SOURCE_LANGUAGE:
        return role.label
    if role.kind == "funder":
        return _(role.label)
    if role.kind == "delegation":
        names = "; ".join(_(n) for n in _delegation_names(role.agent_id))
        return _("{institution} delegation: {funders}").format(institution=role.agent_id.upper(), funders=names)
    if role.kind == "region":
        return _("akimat of {region}").format(region=region_name(role.agent_id))
    if role.kind == "utility":
        return _("water utility of {region}").format(region=region_name(role.agent_id))
    return firm_name(role.agent_id) if role.kind == "firm" else role.label


def _delegation_names(institution: str) -> list[str]:
    from wecsim.model_data import model_data

    names = {f["funder_id"]: f["name"] for f in model_data().funder_records}
    return [names[f] for f in delegation_funders(institution)]


def event_label(event_id: str) -> str:
    """Return an event as the facilitator's list says it (its id in English, where it is the handle)."""
    kind = EVENTS.get(event_id)
    if kind is None or current_language() == SOURCE_LANGUAGE:
        return event_id
    return _(kind.label)


@cache
def _objective_words() -> tuple[str, ...]:
    from wecsim.workshop.scores import NATIONAL_LABELS, objectives

    df = objectives()
    national = [w for label, unit in NATIONAL_LABELS.values() for w in (label, unit)]
    return tuple(dict.fromkeys([*df["label"], *df["unit"], *national]))


@cache
def id_names() -> dict[str, str]:
    """Return the English name of each national indicator's and objective's id (``water_deficit_km3``)."""
    from wecsim.workshop.scores import NATIONAL_LABELS, objectives

    names = {row["objective"]: row["label"] for row in objectives().to_dict("records")}
    return {**names, **{key: label for key, (label, _unit) in NATIONAL_LABELS.items()}}


def cell_words() -> dict[str, str]:
    """Return the English words the workshop's tables hold, each with its text in the language in use."""
    from wecsim.workshop.scores import NATIONAL_LABELS

    words = {w: _(w) for w in (*_objective_words(), *CELL_WORDS)}
    for label, _unit in NATIONAL_LABELS.values():
        words[f"{label} (sum over the years played)"] = _("{indicator} (sum over the years played)").format(
            indicator=_(label)
        )
    words.update({key: _(label) for key, label in id_names().items()})
    words.update({r.label: role_label(r) for r in all_roles().values()})
    words.update({e: event_label(e) for e in EVENTS})
    return words


def shown_table(df: pd.DataFrame) -> pd.DataFrame:
    """Return a table of the workshop with its headers and its word cells in the language in use."""
    if current_language() == SOURCE_LANGUAGE:
        return df
    words = cell_words()
    out = df.copy()
    for col in out.columns:
        if col in WORD_COLUMNS and not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda x: words.get(x, x) if isinstance(x, str) else x)
    names = {key: _(label) for key, label in id_names().items()}
    names.update({key: _(label) for key, label in COLUMN_NAMES.items()})
    if "label" in out.columns:  # the label is the indicator's name; its id keeps its own header
        names.pop("indicator")
    return out.rename(columns={c: names[c] for c in out.columns if c in names})


#: The headers of :func:`eu_added_table`.
EU_COLUMNS = (N_("indicator"), N_("with EU money − without"), N_("unit"))


def eu_added_table(eu: dict, first: int, year: int) -> pd.DataFrame:
    """Return what EU money added to the workshop up to ``year``, as the planners' app's EU card shows it.

    ``eu`` is a round's ``"eu"`` (:func:`wecsim.workshop.replay.play`); the numbers are formatted
    for the language in use, as on the EU card. Shown by the projector and the debrief report.
    """
    from wecsim.app.indicators import EU_OUTCOMES, fmt, fmt_delta

    rows = [
        (_("EU money spent, {first}-{year}").format(first=first, year=year), fmt(eu["eu_money_meur"], 0), _("EUR M")),
        (
            _("Other money mobilised, {first}-{year}").format(first=first, year=year),
            fmt_delta(eu["other_money_added_meur"], 0),
            _("EUR M"),
        ),
        (_("Net mobilisation"), fmt(eu["net_mobilisation"], 2), _("EUR per EUR of EU money")),
    ]
    rows += [(f"{_(o.title)}, {o.period(year, first)}", fmt_delta(eu[o.key], o.digits), _(o.unit)) for o in EU_OUTCOMES]
    return pd.DataFrame(rows, columns=[_(c) for c in EU_COLUMNS])


def figure(x: object) -> object:
    """Return a number as people read it: 3 significant digits (whole from 100; at most 4 decimals), the language's way.

    ``0.28090000000000004`` -> ``0.281`` (``0,281`` in ru and kk); a blank for a missing number;
    anything that is not a number is returned as it is.
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        return "" if x is None else x
    if math.isnan(x):
        return ""
    digits = 0 if x == 0 or abs(x) >= 100 else max(0, 2 - math.floor(math.log10(abs(x))))
    text = number(x, min(digits, 4))
    return "0" if text.strip("-−0.,") == "" else text  # no "-0"


#: Names (with units) of the objectives a team sees year by year that the app's indicator names lack.
OBJECTIVE_NAMES = {
    "envelope_meur": N_("Envelope [EUR M/yr]"),
    "committed_meur": N_("Money committed [EUR M/yr]"),
    "unused_meur": N_("Money left unused [EUR M/yr]"),
    "revenue_meur": N_("Revenue [EUR M/yr]"),
    "cash_meur": N_("Cash [EUR M]"),
    "water_network_wear": N_("Water network past its service life [%]"),
    "contracts_won": N_("Contracts won, in all [count]"),
    "contracts_active": N_("Contracts in hand [count]"),
    "contracts_completed": N_("Contracts completed, in all [count]"),
    "localisation_share": N_("Local content [%]"),
}
#: Objectives shown in percent (their values are shares).
PERCENT = re.compile(r"_share$|_coverage$|_wear$|_rate$")


def indicator_name(key: str) -> str:
    """Return an objective's or region indicator's name with its unit, in the language in use."""
    from wecsim.app.indicators import label

    return _(OBJECTIVE_NAMES[key]) if key in OBJECTIVE_NAMES else label(key)


def _in_units(key: str, value: float) -> float:
    return 100 * value if PERCENT.search(key) else value


def objectives_table(rows: list[dict]) -> pd.DataFrame:
    """Return a team's objectives year by year (``team_view``'s ``mine``), named and formatted for people."""
    df = pd.DataFrame(rows)
    out = pd.DataFrame({_("year"): df["year"].astype(int).astype(str)}) if "year" in df else pd.DataFrame()
    for key in df.columns.drop("year", errors="ignore"):
        out[indicator_name(key)] = [figure(_in_units(key, v)) for v in df[key]]
    return out


#: What a table's one row says before its numbers exist: a page draws its tables when it opens, so that the
#: first advance updates their widgets instead of making every table of every page at once (issue 15: every
#: screen within 2 s of the advance).
AFTER_FIRST_ROUND = N_("after the first round")
#: ... and while the round's comparison runs (without the teams, without EU money) are being computed.
BEING_COMPUTED = N_("being computed")


def waiting_table(columns: list[str], why: str = AFTER_FIRST_ROUND) -> pd.DataFrame:
    """Return a table of these columns with one row saying why it has no numbers yet (``why``, translated)."""
    return pd.DataFrame([[_(why)] + [""] * (len(columns) - 1)], columns=columns)


def objectives_waiting(kind: str) -> pd.DataFrame:
    """Return a team's objectives table (:func:`objectives_table`'s columns) before the first round is played."""
    return waiting_table([_("year"), *(indicator_name(key) for key in OBJECTIVES[kind])])


def national_table(last: dict | None, keys: tuple[str, ...]) -> pd.DataFrame:
    """Return the national headline indicators of one year (a ``national`` row), named, with units, formatted.

    ``last=None`` (no round played yet): the same rows with the values blank.
    """
    from wecsim.workshop.scores import NATIONAL_LABELS

    rows = []
    for key in keys:
        label, unit = NATIONAL_LABELS.get(key, (key, ""))
        value = float(last[key]) if last is not None else math.nan
        if unit == "share":
            value, unit = 100 * value, "%"
        rows.append({_("indicator"): _(label), _("value"): figure(value), _("unit"): _(unit) if unit else ""})
    return pd.DataFrame(rows, columns=[_("indicator"), _("value"), _("unit")])


#: The headers of the regions' table (:func:`wecsim.workshop.scores.regions_against_targets`) not named by the app.
REGION_HEADERS = {
    "region_id": N_("region"),
    "deficit_change_mm3": N_("Water deficit: the teams' change [million m³/yr]"),
    "recycling_gap_pp": N_("Recycling against the national target path [percentage points]"),
}


def regions_table(df: pd.DataFrame) -> pd.DataFrame:
    """Return the regions' table for the projector and the report: region names, headers with units, numbers."""
    from wecsim.app.indicators import label, region_name

    out = pd.DataFrame()
    for key in df.columns:
        if key == "region_id":
            out[_(REGION_HEADERS[key])] = [region_name(r) for r in df[key]]
        elif key == "water_deficit_pct":
            out[_("Water deficit [% of demand]")] = [figure(v) for v in df[key]]
        else:
            name = _(REGION_HEADERS[key]) if key in REGION_HEADERS else label(key)
            out[name] = [figure(_in_units(key, v)) for v in df[key]]
    return out


def open_tenders_table(tenders: list[dict]) -> pd.DataFrame:
    """Return the tenders a round opens (:meth:`~wecsim.workshop.service.Workshops.open_tenders`) for a firm team."""
    from wecsim.app.indicators import region_name, technology_name

    columns = [_("technology"), _("region"), _("tenders"), _("estimated cost [EUR M]")]
    rows = [
        (technology_name(t["tech_id"]), region_name(t["region_id"]), str(t["tenders"]), figure(t["estimate_meur"]))
        for t in tenders
    ]
    return pd.DataFrame(rows, columns=columns)
