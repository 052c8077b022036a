"""Run a workshop's rounds on the model: rebuild from scenario and seed, replay every stored decision.

The model is never kept between rounds. On each advance the whole workshop so far is
re-run from the scenario and seed with the decisions and events of every round played, so
the numbers depend only on what SQLite holds (a restarted server loses nothing), and a
replay gives the same numbers bit for bit (a full run takes about 0.3 s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from wecsim.scenario.schema import Scenario
from wecsim.workshop.errors import WorkshopError
from wecsim.workshop.events import Injection, impose, shocked_scenario
from wecsim.workshop.roles import Role, consequences, open_tenders, regional_results, seat

if TYPE_CHECKING:
    from wecsim.results import Results


@dataclass(frozen=True)
class Plan:
    """What a workshop runs: the scenario, the seed, the roles in play and the years per round."""

    scenario: Scenario
    seed: int
    roles: tuple[Role, ...]
    rounds: int
    years_per_round: int

    def years(self, round_no: int) -> range:
        """Return the years round ``round_no`` (from 1) simulates."""
        first = self.scenario.start_year + (round_no - 1) * self.years_per_round
        return range(first, first + self.years_per_round)


def play(
    plan: Plan, decisions: Sequence[Mapping[str, Any]], injections: Sequence[Injection] = (), eu: bool = False
) -> list[dict[str, Any]]:
    """Run rounds 1 to ``len(decisions)`` from the start; return each round's outcome.

    ``decisions[r]`` holds round ``r + 1``'s decisions by role id (a role without one gets its
    default rule). A round's outcome is ``{"national": rows, "roles": {role id: rows}, "regions":
    {region id: numbers}}``, a row a year: the national indicators, and each role's own objectives
    (:data:`~wecsim.workshop.roles.OBJECTIVES`); and every region's
    :data:`~wecsim.workshop.roles.REGIONAL` numbers in the round's last year, and ``"tenders"``,
    the tenders the next year opens (:func:`~wecsim.workshop.roles.open_tenders`); as plain
    numbers (JSON keeps them exactly).

    ``eu``: also run the same rounds without EU money (the same decisions, events and seed)
    and add to each round ``"eu"``: what EU money added up to the round's last year, as the
    planners' app's EU card computes it (:func:`wecsim.additionality.outcomes_to`).
    """
    outcomes, with_eu = _play(plan, decisions, injections, tables=eu)
    if eu:
        from wecsim import additionality

        no_eu_plan = replace(plan, scenario=additionality.counterfactual(plan.scenario, EU_SCOPE))
        _outcomes, no_eu = _play(no_eu_plan, decisions, injections, tables=True)
        for round_no, outcome in enumerate(outcomes, start=1):
            last = plan.years(round_no).stop - 1
            added = additionality.outcomes_to(with_eu, no_eu, last, EU_SCOPE)
            outcome["eu"] = {k: float(v) for k, v in added.items()}
    return outcomes


#: Whose money the projector's EU additionality counts (the EU budget's instruments, as the app's default).
EU_SCOPE = "eu"
#: The tables of a run :func:`wecsim.additionality.outcomes_to` reads.
EU_TABLES = ("national", "funder")


def _play(
    plan: Plan, decisions: Sequence[Mapping[str, Any]], injections: Sequence[Injection], tables: bool
) -> tuple[list[dict[str, Any]], Results | None]:
    """Run the rounds (see :func:`play`); return the outcomes and, if ``tables``, the national and money tables."""
    from wecsim.model import WECModel
    from wecsim.runner import collect_results

    model = WECModel(shocked_scenario(plan.scenario, list(injections)), plan.seed)
    try:
        impose(model, list(injections))
        outcomes = []
        for round_no, chosen in enumerate(decisions, start=1):
            seat(model, list(plan.roles), dict(chosen))
            national: list[dict] = []
            roles: dict[str, list[dict]] = {r.role_id: [] for r in plan.roles}
            for year in plan.years(round_no):
                if model.year != year:
                    raise WorkshopError(
                        f"round {round_no}: the model is in {model.year}, the round plays {year}; "
                        "the rounds must follow each other from the scenario's start year"
                    )
                model.step()
                national.append({"year": year, **{k: float(v) for k, v in model.ind.items()}})
                for r in plan.roles:
                    roles[r.role_id].append({"year": year, **consequences(model, r)})
            # every region in the round's last year (the projector's table), and the next year's tenders (firm teams)
            outcomes.append(
                {
                    "national": national,
                    "roles": roles,
                    "regions": regional_results(model),
                    "tenders": open_tenders(model),
                }
            )
        return outcomes, collect_results(model, tables=EU_TABLES) if tables else None
    finally:
        model.close()


#: The national indicators shown after an advance (the issue's targets: deficit, recycling, RES, CO2, money).
HEADLINE = (
    "water_deficit_km3",
    "recycling_rate",
    "res_share",
    "co2_total_mt",
    "committed_meur",
    "eu_committed_meur",
    "water_tariff_eur_per_m3",
    "basins_in_drought",
    "flood_damage_meur",
)
