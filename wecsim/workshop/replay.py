"""Run a workshop's rounds on the model: rebuilt from scenario and seed, every stored decision replayed.

The numbers depend only on what SQLite holds: a round's outcome is what a run from the
scenario's start with the stored decisions and events gives, so a restarted server loses
nothing and a replay gives the same numbers bit for bit. To answer an advance quickly the
server keeps, in memory, the model of each run after its last round (:class:`Snapshots`,
keyed by everything the run depends on) and plays only the new round's years on it; that is
the same sequence of steps on the same objects as a run from the start, so the numbers are
the same. With no model kept (a restart, another process, an event injected since) the run
starts from the scenario again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from wecsim.scenario.schema import Scenario
from wecsim.workshop.errors import WorkshopError
from wecsim.workshop.events import Injection, impose, shocked_scenario
from wecsim.workshop.roles import Role, consequences, open_tenders, regional_results, seat

if TYPE_CHECKING:
    from wecsim.model import WECModel
    from wecsim.results import Results

#: Models kept in memory at most (each about 14 MB after 25 years): an advance continues three
#: per workshop (the workshop, without EU money, without the teams), so two workshops at once.
MOST_KEPT_MODELS = 6


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


@dataclass
class _Kept:
    """A model after its last round, and the outcomes of the rounds it played."""

    model: WECModel
    outcomes: list[dict[str, Any]]


class Snapshots:
    """Models kept in memory after a round, so that the next round plays only its own years.

    A model is kept under the key of what its run depends on (:func:`round_keys`); taking it
    removes it, so no two runs ever share one. The oldest beyond ``most`` are dropped.
    """

    def __init__(self, most: int = MOST_KEPT_MODELS):
        self.most = most
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        #: rounds a run did not replay because a kept model had played them (tests and benchmarks read it)
        self.rounds_saved = 0

    def take(self, key: str) -> _Kept | None:
        """Return the model kept under ``key`` (no longer kept), or ``None``."""
        with self._lock:
            kept = self._kept.pop(key, None)
            self.rounds_saved += len(kept.outcomes) if kept is not None else 0
        return kept

    def keep(self, key: str, kept: _Kept) -> None:
        """Keep a model under ``key``; drop (and free) the oldest beyond :attr:`most`."""
        with self._lock:
            old = self._kept.pop(key, None)
            self._kept[key] = kept
            dropped = [self._kept.popitem(last=False)[1] for _ in range(len(self._kept) - self.most)]
        for k in [*dropped, *([old] if old is not None and old is not kept else [])]:
            k.model.close()

    def clear(self) -> None:
        """Drop every kept model (as a server restart does)."""
        with self._lock:
            dropped, self._kept = list(self._kept.values()), OrderedDict()
        for k in dropped:
            k.model.close()

    def __len__(self) -> int:
        return len(self._kept)


#: The server's kept models (one process, every workshop of it).
SNAPSHOTS = Snapshots()


def round_keys(plan: Plan, decisions: Sequence[Mapping[str, Any]], injections: Sequence[Injection]) -> list[str]:
    """Return, for each round ``k``, a key of everything the model after round ``k`` depends on.

    The scenario (all of it), the seed, the roles, the years per round, every event injected
    (events change the scenario from the start) and the decisions of rounds 1 to ``k``.
    """
    h = hashlib.sha256(
        json.dumps(
            [
                plan.scenario.model_dump(mode="json"),
                plan.seed,
                [r.role_id for r in plan.roles],
                plan.years_per_round,
                [[i.event_id, i.year] for i in injections],
            ],
            sort_keys=True,
        ).encode()
    )
    keys = []
    for chosen in decisions:
        h.update(b"\0" + json.dumps(chosen, sort_keys=True).encode())
        keys.append(h.copy().hexdigest())
    return keys


def play(
    plan: Plan,
    decisions: Sequence[Mapping[str, Any]],
    injections: Sequence[Injection] = (),
    eu: bool = False,
    snapshots: Snapshots | None = None,
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

    ``snapshots``: continue a model kept there after an earlier round of the same run, and
    keep the model after the last round there (the numbers are the same either way).
    """
    outcomes, with_eu = _play(plan, decisions, injections, tables=eu, snapshots=snapshots)
    if eu:
        no_eu = _play(_without_eu(plan), decisions, injections, tables=True, snapshots=snapshots)[1]
        for round_no, outcome in enumerate(outcomes, start=1):
            outcome["eu"] = _eu_added(plan, round_no, with_eu, no_eu)
    return outcomes


def eu_added(
    plan: Plan,
    decisions: Sequence[Mapping[str, Any]],
    injections: Sequence[Injection] = (),
    snapshots: Snapshots | None = None,
) -> dict[str, float]:
    """Return the last round's ``"eu"`` of :func:`play` (``eu=True``), continuing kept models where there are."""
    with_eu = _play(plan, decisions, injections, tables=True, snapshots=snapshots)[1]
    no_eu = _play(_without_eu(plan), decisions, injections, tables=True, snapshots=snapshots)[1]
    return _eu_added(plan, len(decisions), with_eu, no_eu)


def _without_eu(plan: Plan) -> Plan:
    from wecsim import additionality

    return replace(plan, scenario=additionality.counterfactual(plan.scenario, EU_SCOPE))


def _eu_added(plan: Plan, round_no: int, with_eu: Results | None, no_eu: Results | None) -> dict[str, float]:
    from wecsim import additionality

    added = additionality.outcomes_to(
        cast("Results", with_eu), cast("Results", no_eu), plan.years(round_no).stop - 1, EU_SCOPE
    )
    return {k: float(v) for k, v in added.items()}


#: Whose money the projector's EU additionality counts (the EU budget's instruments, as the app's default).
EU_SCOPE = "eu"
#: The tables of a run :func:`wecsim.additionality.outcomes_to` reads.
EU_TABLES = ("national", "funder")


def _play(
    plan: Plan,
    decisions: Sequence[Mapping[str, Any]],
    injections: Sequence[Injection],
    tables: bool,
    snapshots: Snapshots | None = None,
) -> tuple[list[dict[str, Any]], Results | None]:
    """Run the rounds (see :func:`play`); return the outcomes and, if ``tables``, the national and money tables."""
    from wecsim.model import WECModel
    from wecsim.runner import collect_results

    keys = round_keys(plan, decisions, injections) if snapshots is not None else []
    kept = next((k for k in map(snapshots.take, reversed(keys)) if k is not None), None) if snapshots else None
    if kept is None:
        model = WECModel(shocked_scenario(plan.scenario, list(injections)), plan.seed)
        outcomes: list[dict[str, Any]] = []
    else:
        model, outcomes = kept.model, [dict(o) for o in kept.outcomes]
    try:
        if kept is None:
            impose(model, list(injections))
        for round_no in range(len(outcomes) + 1, len(decisions) + 1):
            seat(model, list(plan.roles), dict(decisions[round_no - 1]))
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
        results = collect_results(model, tables=EU_TABLES) if tables else None
    except BaseException:
        model.close()
        raise
    if snapshots is not None and keys:
        snapshots.keep(keys[-1], _Kept(model, [dict(o) for o in outcomes]))
    else:
        model.close()
    return outcomes, results


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
