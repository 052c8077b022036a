"""Roles in play: which of the model's agents a team plays, what it may decide and how that becomes a policy.

A role is ``kind:id``: ``funder:ebrd`` (a funder of ``funders.csv``), ``delegation:eu`` (all
the instruments of one institution), ``region:KZ-47`` (an akimat), ``utility:KZ-75`` (a
region's water utility) or ``firm:eu_water_nl`` (every firm of one ``firms.csv`` kind). A
team's decision is a JSON object (see :data:`DECISION_FORMS`), checked at the door against
``decision_fields.csv`` and turned into a policy object of :mod:`wecsim.workshop.policies`;
the agents of a role without a decision for the round keep their default rule.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd

from wecsim.agents.firm import DEFAULT_MARKUP_POLICY
from wecsim.agents.policy import DEFAULT_FUNDER_POLICY, ByRegion, use_policy
from wecsim.agents.region import RegionPolicy
from wecsim.agents.utility import TariffPolicy
from wecsim.i18n import N_, _
from wecsim.model_data import model_data
from wecsim.projects.market import SECTORS
from wecsim.scenario.levers import registry
from wecsim.workshop.errors import WorkshopError
from wecsim.workshop.policies import (
    REGION_PROPOSALS,
    TeamAllocation,
    TeamCofinance,
    TeamMarkup,
    TeamProposals,
    TeamTariff,
)

if TYPE_CHECKING:
    from wecsim.model import WECModel

KINDS = ("funder", "delegation", "region", "utility", "firm")
#: Funder instruments a team may play: the pooled regional money and the private markets are no one's seat.
FUNDER_INSTRUMENTS_IN_PLAY = ("grant", "loan", "budget", "preparation", "blending", "guarantee")
SUPPORT_INSTRUMENTS = ("preparation", "blending", "guarantee")
#: Longest decision accepted, as JSON text [characters] (a form's answer is a few hundred).
MAX_PAYLOAD_CHARS = 4_000

#: What each kind of role decides: the JSON object a team submits (a delegation's is built from its instruments).
DECISION_FORMS = {
    "funder": '{"sector_weight": {"water": 1, "energy": 0.5, "circular": 0, "resilience": 1}, "envelope_share": 0.9}',
    "support funder": '{"envelope_share": 0.5}',
    "region": '{"propose": ["canal_lining", "drip", "flood_warning"], "priority": ["drip", "canal_lining", '
    '"flood_warning"], "cofinance_share": 0.15}',
    "utility": '{"tariff_growth_pct": 3, "accept_eu_condition": true, "renewal_share": 1}',
    "firm": '{"markup_share": 0.1}',
}


@dataclass(frozen=True)
class Role:
    """One seat at the table: ``kind:agent_id`` and a label for people."""

    kind: str
    agent_id: str
    label: str
    support: bool = False

    @property
    def role_id(self) -> str:
        """Return the role's id, ``kind:agent_id``."""
        return f"{self.kind}:{self.agent_id}"

    @property
    def form(self) -> str:
        """Return an example of the decision this role submits (JSON)."""
        if self.kind == "delegation":
            shares = ", ".join(f'"{f}": 1' for f in delegation_funders(self.agent_id))
            return '{"sector_weight": {"water": 1, "energy": 0.5, "circular": 0.5, "resilience": 1}, ' + (
                f'"envelope_share": {{{shares}}}}}'
            )
        if self.kind == "firm":
            techs = ", ".join(f'"{t}"' for t in firm_technologies(self.agent_id))
            return DECISION_FORMS["firm"][:-1] + f', "technologies": [{techs}]}}'
        return DECISION_FORMS["support funder" if self.support else self.kind]


@cache
def all_roles() -> dict[str, Role]:
    """Return every role the model offers, by role id."""
    d = model_data()
    roles = [
        Role("funder", f["funder_id"], f["name"], f["instrument"] in SUPPORT_INSTRUMENTS)
        for f in d.funder_records
        if f["instrument"] in FUNDER_INSTRUMENTS_IN_PLAY
    ]
    roles += [
        Role("delegation", inst, f"{inst.upper()} delegation: " + "; ".join(names))
        for inst, names in _institutions().items()
        if len(names) > 1
    ]
    roles += [Role("region", r["region_id"], f"akimat of {r['name']}") for r in d.region_records]
    roles += [Role("utility", r["region_id"], f"water utility of {r['name']}") for r in d.region_records]
    roles += [Role("firm", f["firm_id"], f["name"]) for f in d.firm_records]
    return {r.role_id: r for r in roles}


def _institutions() -> dict[str, list[str]]:
    """Return the names of the funders in play of each institution."""
    out: dict[str, list[str]] = {}
    for f in model_data().funder_records:
        if f["instrument"] in FUNDER_INSTRUMENTS_IN_PLAY:
            out.setdefault(f["institution"], []).append(f["name"])
    return out


@cache
def delegation_funders(institution: str) -> tuple[str, ...]:
    """Return the ids of the funders in play a delegation (one institution's instruments) decides for."""
    return tuple(
        f["funder_id"]
        for f in model_data().funder_records
        if f["institution"] == institution and f["instrument"] in FUNDER_INSTRUMENTS_IN_PLAY
    )


def _agent_keys(role: Role) -> set[str]:
    """Return the model agents a role plays, as ``kind:id`` (funders of a delegation count as funders)."""
    if role.kind == "delegation":
        return {f"funder:{f}" for f in delegation_funders(role.agent_id)}
    return {role.role_id}


def parse_roles(role_ids: list[str]) -> list[Role]:
    """Return the roles named (each once), or a clear error listing what exists."""
    known = all_roles()
    unknown = [r for r in role_ids if r not in known]
    if unknown:
        kinds = ", ".join(f"{k}:<id>" for k in KINDS)
        raise WorkshopError(
            _(
                "--roles: unknown role(s) {unknown}; a role is one of {kinds}; `wecsim workshop roles` lists them all"
            ).format(unknown=unknown, kinds=kinds)
        )
    twice = sorted({r for r in role_ids if role_ids.count(r) > 1})
    if twice:
        raise WorkshopError(_("--roles: {roles} named more than once; each role is one team").format(roles=twice))
    roles = [known[r] for r in role_ids]
    seen: dict[str, str] = {}
    for role in roles:
        for agent in sorted(_agent_keys(role)):
            if agent in seen:
                raise WorkshopError(
                    _("--roles: {first} and {second} would both decide for {agent}; keep one of them").format(
                        first=seen[agent], second=role.role_id, agent=agent
                    )
                )
            seen[agent] = role.role_id
    return roles


@cache
def _fields() -> dict[tuple[str, str], tuple[float, float]]:
    """Return the (min, max) of each numeric decision field, by (kind, field), from ``decision_fields.csv``."""
    path = resources.files("wecsim.workshop").joinpath("decision_fields.csv")
    with resources.as_file(path) as p:
        df = pd.read_csv(p)
    if df["source"].isna().any():
        raise WorkshopError("wecsim/workshop/decision_fields.csv: a row has no source; every number needs one")
    levers = registry()
    out = {}
    for row in df.to_dict("records"):
        if isinstance(row["range_of"], str) and row["range_of"].startswith("funders.csv:"):
            # the most is a column of a funder's row (e.g. the akimats' share cap)
            _file, funder_id, column = row["range_of"].split(":")
            funder = next(f for f in model_data().funder_records if f["funder_id"] == funder_id)
            out[(row["kind"], row["field"])] = (float(row["min"]), float(funder[column]))
        elif isinstance(row["range_of"], str):
            lever = levers[row["range_of"]]
            out[(row["kind"], row["field"])] = (float(lever.low), float(lever.high))
        else:
            out[(row["kind"], row["field"])] = (float(row["min"]), float(row["max"]))
    return out


def bounds(kind: str, field: str) -> tuple[float, float]:
    """Return the inclusive range of a numeric decision field."""
    return _fields()[(kind, field)]


class _Problems:
    """Collects what is wrong with a decision, to report everything at once."""

    def __init__(self, role: Role):
        self.role = role
        self.items: list[str] = []

    def number(self, value: Any, field: str, name: str | None = None, kind: str | None = None) -> float:
        lo, hi = bounds(kind or self.role.kind, field)
        shown = name or field
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.items.append(
                _("{field}: expected a number from {low} to {high}, got {value!r}").format(
                    field=shown, low=f"{lo:g}", high=f"{hi:g}", value=value
                )
            )
            return lo
        if not lo <= value <= hi:
            self.items.append(
                _("{field}: {value} is outside {low} to {high}").format(
                    field=shown, value=f"{value:g}", low=f"{lo:g}", high=f"{hi:g}"
                )
            )
        return float(value)

    def check(self) -> None:
        if self.items:
            raise WorkshopError(
                _("decision for {role}: {problems} (expected e.g. {form})").format(
                    role=self.role.role_id, problems="; ".join(self.items), form=self.role.form
                )
            )


def _keys(payload: dict, expected: set[str], problems: _Problems, optional: frozenset[str] = frozenset()) -> None:
    missing, extra = sorted(expected - set(payload)), sorted(set(payload) - expected - optional)
    if missing:
        problems.items.append(_("missing {fields}").format(fields=missing))
    if extra:
        problems.items.append(_("unknown field(s) {fields}").format(fields=extra))


def parse_decision(role: Role, payload: Any):
    """Return the policy a team's decision (a JSON object or its text) stands for, or a clear error."""
    if isinstance(payload, str | bytes):
        if len(payload) > MAX_PAYLOAD_CHARS:
            raise WorkshopError(
                _("decision for {role}: longer than {most} characters").format(
                    role=role.role_id, most=MAX_PAYLOAD_CHARS
                )
            )
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise WorkshopError(
                _("decision for {role}: not valid JSON ({error}); expected e.g. {form}").format(
                    role=role.role_id, error=exc, form=role.form
                )
            ) from None
    if not isinstance(payload, dict):
        raise WorkshopError(
            _("decision for {role}: expected a JSON object such as {form}").format(role=role.role_id, form=role.form)
        )
    p = _Problems(role)
    if role.kind == "delegation":
        return _parse_delegation(role, payload, p)
    if role.kind == "funder" and role.support:
        _keys(payload, {"envelope_share"}, p)
        share = p.number(payload.get("envelope_share"), "envelope_share")
        p.check()
        return TeamAllocation(tuple(1.0 for _ in SECTORS), share)
    if role.kind == "funder":
        _keys(payload, {"sector_weight", "envelope_share"}, p)
        weights = payload.get("sector_weight")
        if not isinstance(weights, dict) or set(weights) != set(SECTORS):
            p.items.append(
                _("sector_weight: expected a weight for each of {sectors}, got {value!r}").format(
                    sectors=list(SECTORS), value=weights
                )
            )
            weights = {}
        w = tuple(p.number(weights.get(s), "sector_weight", f"sector_weight.{s}") for s in SECTORS) if weights else ()
        share = p.number(payload.get("envelope_share"), "envelope_share")
        p.check()
        return TeamAllocation(w, share)
    if role.kind == "region":
        _keys(payload, {"propose"}, p, REGION_OPTIONAL)
        kinds = _kinds(payload.get("propose"), "propose", p)
        priority = _kinds(payload.get("priority", []), "priority", p)
        if len(set(priority)) < len(priority):
            p.items.append(_("priority: a kind of project is ranked more than once"))
        share = p.number(payload["cofinance_share"], "cofinance_share") if "cofinance_share" in payload else None
        p.check()
        cofinance = TeamCofinance(tuple(priority), share) if REGION_OPTIONAL & set(payload) else None
        return TeamProposals(frozenset(kinds), cofinance)
    if role.kind == "utility":
        _keys(payload, {"tariff_growth_pct", "accept_eu_condition"}, p, frozenset({"renewal_share"}))
        growth = p.number(payload.get("tariff_growth_pct"), "tariff_growth_pct")
        accept = payload.get("accept_eu_condition")
        if not isinstance(accept, bool):
            p.items.append(_("accept_eu_condition: expected true or false, got {value!r}").format(value=accept))
        renewal = p.number(payload["renewal_share"], "renewal_share") if "renewal_share" in payload else None
        p.check()
        return TeamTariff(growth, bool(accept), renewal)
    _keys(payload, {"markup_share"}, p, FIRM_OPTIONAL)
    markup = p.number(payload.get("markup_share"), "markup_share")
    techs = _some_of(payload, "technologies", firm_technologies(role.agent_id), p)
    regions = _some_of(payload, "regions", tuple(r["region_id"] for r in model_data().region_records), p)
    p.check()
    return TeamMarkup(markup, techs, regions)


#: The parts of a firm's decision it may leave out (then it bids for every tender it may enter, as its rule).
FIRM_OPTIONAL = frozenset({"technologies", "regions"})


@cache
def firm_technologies(kind: str) -> tuple[str, ...]:
    """Return the technologies the firms of one ``firms.csv`` kind build (the tenders they may bid for)."""
    row = next(f for f in model_data().firm_records if f["firm_id"] == kind)
    return tuple(str(row["technologies"]).split("|"))


def _some_of(payload: dict, field: str, allowed: tuple[str, ...], p: _Problems) -> frozenset[str] | None:
    """Return the ids a firm team picked for ``field`` (``None``: left out, so all), noting what is wrong."""
    if field not in payload:
        return None
    picked = payload[field]
    if not isinstance(picked, list) or not all(isinstance(x, str) for x in picked):
        p.items.append(_("{field}: expected a list of ids from {ids}").format(field=field, ids=list(allowed)))
        return None
    unknown = sorted(set(picked) - set(allowed))
    if unknown:
        p.items.append(
            _("{field}: unknown id(s) {unknown}; expected some of {ids}").format(
                field=field, unknown=unknown, ids=list(allowed)
            )
        )
    return frozenset(picked)


#: The parts of an akimat's decision it may leave out (then its money follows the default rule, F7).
REGION_OPTIONAL = frozenset({"priority", "cofinance_share"})


def _kinds(kinds: Any, field: str, p: _Problems) -> list[str]:
    """Return a list of the kinds of project an akimat proposes, noting what is wrong with it."""
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        p.items.append(
            _("{field}: expected a list of project kinds from {kinds}").format(
                field=field, kinds=list(REGION_PROPOSALS)
            )
        )
        return []
    unknown = sorted(set(kinds) - set(REGION_PROPOSALS))
    if unknown:
        p.items.append(
            _("{field}: unknown kind(s) {unknown}; expected some of {kinds}").format(
                field=field, unknown=unknown, kinds=list(REGION_PROPOSALS)
            )
        )
    return kinds


def _parse_delegation(role: Role, payload: dict, p: _Problems) -> dict[str, TeamAllocation]:
    """Return each instrument's policy from a delegation's decision: shared sector weights, a share per instrument."""
    funders = delegation_funders(role.agent_id)
    _keys(payload, {"sector_weight", "envelope_share"}, p)
    weights = payload.get("sector_weight")
    if not isinstance(weights, dict) or set(weights) != set(SECTORS):
        p.items.append(
            _("sector_weight: expected a weight for each of {sectors}, got {value!r}").format(
                sectors=list(SECTORS), value=weights
            )
        )
        weights = dict.fromkeys(SECTORS, 0.0)
    w = tuple(p.number(weights.get(s), "sector_weight", f"sector_weight.{s}", kind="funder") for s in SECTORS)
    shares = payload.get("envelope_share")
    if not isinstance(shares, dict) or set(shares) != set(funders):
        p.items.append(
            _("envelope_share: expected a share for each of {funders}, got {value!r}").format(
                funders=list(funders), value=shares
            )
        )
        shares = dict.fromkeys(funders, 0.0)
    share = {f: p.number(shares.get(f), "envelope_share", f"envelope_share.{f}", kind="funder") for f in funders}
    p.check()
    support = {f["funder_id"] for f in model_data().funder_records if f["instrument"] in SUPPORT_INSTRUMENTS}
    return {f: TeamAllocation(tuple(1.0 for _ in SECTORS) if f in support else w, share[f]) for f in funders}


def agents_of(model: WECModel, role: Role) -> list:
    """Return the model's agents a role plays."""
    if role.kind == "funder":
        return [model.funder_by_id[role.agent_id]]
    if role.kind == "delegation":
        return [model.funder_by_id[f] for f in delegation_funders(role.agent_id)]
    if role.kind == "region":
        return [model.region_by_id[role.agent_id]]
    if role.kind == "utility":
        return [model.water_utilities[model.region_index[role.agent_id]]]
    return [f for f in model.firms if f.firm_id.rsplit("-", 1)[0] == role.agent_id]


def default_policy(role: Role):
    """Return the default rule of a role's agents (what a team that did not submit gets)."""
    return {
        "funder": DEFAULT_FUNDER_POLICY,
        "delegation": DEFAULT_FUNDER_POLICY,
        "region": RegionPolicy(),
        "utility": TariffPolicy(),
        "firm": DEFAULT_MARKUP_POLICY,
    }[role.kind]


def seat(model: WECModel, roles: list[Role], decisions: dict[str, Any]) -> None:
    """Give each role's agents the team's policy for the round (``decisions`` by role id) or the default rule."""
    cofinance = {}
    for role in roles:
        payload = decisions.get(role.role_id)
        policy = default_policy(role) if payload is None else parse_decision(role, payload)
        for agent in agents_of(model, role):
            # a delegation's decision is one policy per instrument
            use_policy(agent, policy[agent.funder_id] if isinstance(policy, dict) else policy)
        if isinstance(policy, TeamProposals) and policy.cofinance is not None:
            cofinance[model.region_index[role.agent_id]] = policy.cofinance
    # the akimats' money is one funder: each team's co-finance binds its own region's reserve only
    use_policy(model.local, ByRegion(cofinance) if cofinance else DEFAULT_FUNDER_POLICY)


#: What each kind of role sees of its own objectives after a round (per year).
OBJECTIVES = {
    "funder": ("envelope_meur", "committed_meur", "unused_meur"),
    "delegation": ("envelope_meur", "committed_meur", "unused_meur"),
    "region": (
        "water_deficit_mm3",
        "irrigation_deficit_mm3",
        "water_saving_irrigation_share",
        "flood_damage_meur",
        "ews_coverage",
        "cofinance_reserve_meur",
    ),
    "utility": (
        "water_tariff_eur_per_m3",
        "revenue_meur",
        "cash_meur",
        "municipal_deficit_mm3",
        "network_loss_share",
        "water_network_wear",
    ),
    "firm": ("contracts_won", "contracts_active", "contracts_completed", "localisation_share"),
}


def consequences(model: WECModel, role: Role) -> dict[str, float]:
    """Return the year's numbers of the role's own objectives (:data:`OBJECTIVES`), just after the year ran."""
    if role.kind in ("funder", "delegation"):
        ids = {f.funder_id for f in agents_of(model, role)}
        rows = [r for r in model.money_records if r["year"] == model.year - 1 and r["funder_id"] in ids]
        return {k: float(sum(r[k] for r in rows)) for k in OBJECTIVES["funder"]}
    if role.kind == "region":
        results = model.region_by_id[role.agent_id].results
        return {k: float(results[k]) for k in OBJECTIVES["region"]}
    if role.kind == "utility":
        u = agents_of(model, role)[0]
        results = u.region.results
        return {
            "water_tariff_eur_per_m3": float(u.tariff),
            "revenue_meur": float(u.revenue_meur),
            "cash_meur": float(u.cash_meur),
            **{k: float(results[k]) for k in OBJECTIVES["utility"][3:]},
        }
    firms = agents_of(model, role)
    return {
        "contracts_won": float(sum(f.won for f in firms)),
        "contracts_active": float(sum(f.active_contracts for f in firms)),
        "contracts_completed": float(sum(f.completed for f in firms)),
        "localisation_share": float(sum(f.localisation for f in firms) / len(firms)),
    }


#: What the projector shows of every region after a round (the region table's columns, its last year).
REGIONAL = (
    "water_demand_mm3",
    "water_deficit_mm3",
    "recycling_rate",
    "water_saving_irrigation_share",
    "network_loss_share",
    "ews_coverage",
    "flood_damage_meur",
)


def regional_results(model: WECModel) -> dict[str, dict[str, float]]:
    """Return every region's :data:`REGIONAL` numbers, just after the year ran, by region id."""
    return {r.region_id: {k: float(r.results[k]) for k in REGIONAL} for r in model.region_agents}


def open_tenders(model: WECModel) -> list[dict[str, Any]]:
    """Return the tenders the next year opens: the projects financed and not yet tendered, by technology and region.

    The model tenders at the start of a year what was financed the year before, so at the end
    of a round these are the first tenders of the next one: what a firm team can see before it
    decides (the later years' tenders depend on what the round's years finance).
    """
    from wecsim.projects.pipeline import Stage

    groups: dict[tuple[str, str], list[float]] = {}
    for p in model.pipeline.in_stage(Stage.FINANCED):
        groups.setdefault((p.tech_id, p.region_id), []).append(float(p.capex_estimate_meur))
    return [
        {"tech_id": tech, "region_id": region, "tenders": len(costs), "estimate_meur": sum(costs)}
        for (tech, region), costs in sorted(groups.items())
    ]


def _pct(x: float) -> str:
    return f"{100 * float(x):.0f}%"


def describe_decision(role: Role, payload: Any) -> str:
    """Return a team's decision in plain words (``None``: it did not submit and its agents kept their rule).

    The words are in the language in use (:mod:`wecsim.i18n`): the projector's and the report's.
    """
    if payload is None:
        return _("no decision: the agent's own rule")
    if isinstance(payload, str):
        payload = json.loads(payload)
    if role.kind in ("funder", "delegation"):
        parts = []
        weights = payload.get("sector_weight")
        if weights:
            ranked = sorted(SECTORS, key=lambda s: -float(weights.get(s, 0)))  # stable: ties in SECTORS' order
            first = [_(s) for s in ranked if float(weights[s]) > 0]
            none = [_(s) for s in ranked if float(weights[s]) == 0]
            parts.append(
                _("favours {sectors}").format(sectors=_(", then ").join(first)) if first else _("favours no sector")
            )
            if none:
                parts.append(_("finances no {sectors}").format(sectors=_(" or ").join(none)))
        share = payload.get("envelope_share")
        if isinstance(share, dict):
            shares = ", ".join(f"{f} {_pct(v)}" for f, v in share.items())
            parts.append(_("commits {shares} of the envelopes").format(shares=shares))
        elif share is not None:
            parts.append(_("commits up to {share} of its envelope").format(share=_pct(share)))
        return "; ".join(parts)
    if role.kind == "region":
        kinds = payload.get("propose", [])
        if not kinds:
            parts = [_("proposes no project")]
        else:
            parts = [_("proposes {projects}").format(projects=", ".join(proposal_name(k) for k in kinds))]
        if payload.get("priority"):
            first = _(", then ").join(proposal_name(k) for k in payload["priority"])
            parts.append(_("co-finances {projects} first").format(projects=first))
        if "cofinance_share" in payload:
            share = _pct(payload["cofinance_share"])
            parts.append(_("pays at most {share} of a project's cost").format(share=share))
        return "; ".join(parts)
    if role.kind == "utility":
        growth = float(payload["tariff_growth_pct"])
        if payload["accept_eu_condition"]:
            text = _("raises the real tariff {growth}% a year; accepts EU money tied to a faster tariff path")
        else:
            text = _("raises the real tariff {growth}% a year; refuses EU money tied to a faster tariff path")
        text = text.format(growth=f"{growth:g}")
        if "renewal_share" in payload:
            renewal = _pct(payload["renewal_share"])
            text += "; " + _("renews its networks at {share} of the national path").format(share=renewal)
        return text
    return _describe_bids(role, payload)


def _describe_bids(role: Role, payload: dict) -> str:
    """Return a firm team's bids in plain words: which tenders (if not all it may enter), where, at what markup."""
    from wecsim.app.indicators import region_name, technology_name

    techs, regions = payload.get("technologies"), payload.get("regions")
    if techs == [] or regions == []:
        return _("bids for no tender this round")
    parts = [_("bids at {markup} over cost").format(markup=_pct(payload["markup_share"]))]
    if techs is not None and set(techs) != set(firm_technologies(role.agent_id)):
        parts.append(_("only for {technologies}").format(technologies=", ".join(technology_name(t) for t in techs)))
    if regions is not None:
        parts.append(_("only in {regions}").format(regions=", ".join(region_name(r) for r in regions)))
    return "; ".join(parts)


#: The projects an akimat may propose, in plain words (:data:`~wecsim.workshop.policies.REGION_PROPOSALS`).
PROPOSAL_NAMES = {
    "canal_lining": N_("canal lining"),
    "hydraulic_rehabilitation": N_("hydraulic rehabilitation"),
    "reservoir": N_("reservoir"),
    "drip": N_("drip"),
    "flood_warning": N_("flood warning"),
    "flood_protection": N_("flood protection"),
}


def proposal_name(kind: str) -> str:
    """Return a project an akimat may propose in plain words, in the language in use."""
    return _(PROPOSAL_NAMES[kind]) if kind in PROPOSAL_NAMES else kind.replace("_", " ")


#: The sectors' names in plain words (for the catalogs; :data:`~wecsim.projects.market.SECTORS` are the ids).
SECTOR_NAMES = (N_("water"), N_("energy"), N_("circular"), N_("resilience"))
