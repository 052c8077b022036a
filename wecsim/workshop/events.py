"""Events a facilitator injects into a year of the workshop, on the model's own mechanisms.

==================  ======================================================  ===============================
event               what happens in the chosen year                          where its size comes from
==================  ======================================================  ===============================
drought             a severe drought in every basin that had one in 2021     ``observed_events.csv`` (2021)
flood               a spring flood as rare as the 2024 floods                ``observed_events.csv`` (2024)
tenge_devaluation   the exchange rate at the top of its range (KZT/EUR)      ``levers.csv`` ``kzt_per_eur``
cost_shock          cost overruns at the top of their range                  ``levers.csv`` ``cost_overrun_scale``
==================  ======================================================  ===============================

Droughts and floods replace that year's climate draw (the other years keep theirs, so the
rest of the weather is unchanged); price shocks turn the uncertainty into a schedule of the
scenario with the shocked value in that year only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from wecsim.datasets import table
from wecsim.i18n import N_, _
from wecsim.scenario import load_scenario
from wecsim.scenario.levers import registry
from wecsim.scenario.load import dump_scenario
from wecsim.workshop.errors import WorkshopError

if TYPE_CHECKING:
    from wecsim.model import WECModel
    from wecsim.scenario.schema import Scenario


@dataclass(frozen=True)
class EventKind:
    """One kind of event in the facilitator's list."""

    event_id: str
    #: what happens, in plain words (English; marked for the catalogs, translated where shown)
    label: str
    #: the uncertainty a price shock sets to the top of its range (``None``: a climate event)
    uncertainty: str | None = None
    #: the observed year whose event this one repeats (climate events)
    like_year: int | None = None


EVENTS: dict[str, EventKind] = {
    e.event_id: e
    for e in (
        EventKind("drought", N_("a severe drought in the basins hit in 2021"), like_year=2021),
        EventKind("flood", N_("spring floods as rare as those of 2024"), like_year=2024),
        EventKind(
            "tenge_devaluation", N_("the tenge falls to the weakest rate of its range"), uncertainty="kzt_per_eur"
        ),
        EventKind("cost_shock", N_("cost overruns at the top of their range"), uncertainty="cost_overrun_scale"),
    )
}


@dataclass(frozen=True)
class Injection:
    """An event in one year."""

    event_id: str
    year: int


def check_event(event_id: str, year: int, first_year: int, last_year: int) -> Injection:
    """Return the injection, or a clear error if the event is unknown or the year outside ``first..last``."""
    if event_id not in EVENTS:
        raise WorkshopError(
            _("event {event!r}: unknown; expected one of {events}").format(event=event_id, events=list(EVENTS))
        )
    if not first_year <= year <= last_year:
        raise WorkshopError(
            _("event {event} in {year}: the year must lie in the rounds still to play, {first}-{last}").format(
                event=event_id, year=year, first=first_year, last=last_year
            )
        )
    return Injection(event_id, int(year))


def _observed(kind: str, year: int):
    events = table("observed_events")
    return events.loc[(events["kind"] == kind) & (events["year"] == year)]


def shocked_scenario(scenario: Scenario, injections: list[Injection]) -> Scenario:
    """Return the scenario with every price shock of ``injections`` as a schedule (the scenario itself if none)."""
    shocks = [i for i in injections if EVENTS[i.event_id].uncertainty]
    if not shocks:
        return scenario
    data = yaml.safe_load(dump_scenario(scenario))
    years = range(scenario.start_year, scenario.end_year + 1)
    for name in sorted({EVENTS[i.event_id].uncertainty for i in shocks}):
        top = float(registry()[name].high)
        hit = {i.year for i in shocks if EVENTS[i.event_id].uncertainty == name}
        data["uncertainties"][name] = {y: top if y in hit else float(scenario.value_in(name, y)) for y in years}
    return load_scenario(data)


def impose(model: WECModel, injections: list[Injection]) -> None:
    """Put every drought and flood of ``injections`` into the model's climate (call before the first step)."""
    for inj in injections:
        kind = EVENTS[inj.event_id]
        if kind.event_id == "drought":
            basins = set(_observed("drought", kind.like_year)["where"])
            model.impose_event("drought", inj.year, basins=basins)
        elif kind.event_id == "flood":
            return_period_yr = float(_observed("flood", kind.like_year)["value"].max())
            model.impose_event("flood", inj.year, return_period_yr=return_period_yr)
