"""The scenario file schema (pydantic), generated in part from the lever registry.

A scenario is what one run needs: levers (policy), uncertainties (world), optional funder
priority overrides, and pinned projects. Unknown keys are errors everywhere
(``extra="forbid"``), and every value is range-checked against its declaration.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    create_model,
    field_validator,
    model_validator,
)

from wecsim.datasets import parameters, table
from wecsim.names import NAME_PATTERN
from wecsim.scenario.levers import Parameter, levers, uncertainties
from wecsim.scenario.schedule import Schedule, is_schedule_input, parse_schedule
from wecsim.stocks import base_years as stock_years


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _field_for(p: Parameter) -> tuple[Any, Any]:
    description = f"{p.help} [{p.unit}]"
    if p.type == "categorical":
        return (Literal[tuple(p.choices)], Field(p.default, description=description))  # type: ignore[valid-type]
    typ = int if p.type == "int" else float
    # strict: YAML gives numbers as numbers; booleans and quoted strings are mistakes
    bounds = Field(ge=p.low, le=p.high, strict=True, allow_inf_nan=False)
    value = Annotated[typ, bounds, WrapValidator(_schedule_or(p, typ)), PlainSerializer(_plain)]
    return (value, Field(p.default, description=description))


def _schedule_or(p: Parameter, typ: type):
    """Return a validator that reads a mapping as a :class:`Schedule` and hands numbers on."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if not is_schedule_input(value):
            return handler(value)
        if not p.schedulable:
            raise ValueError(f"{p.name} cannot change by year ({p.why_not_schedulable}); give one value")
        schedule = parse_schedule(value, typ)
        for year, v in schedule.points:
            if not p.low <= v <= p.high:  # type: ignore[operator]
                raise ValueError(f"year {year}: {v:g} is outside the allowed range {p.describe_range()}")
        return schedule

    return validate


def _plain(value: Any) -> Any:
    return value.to_plain() if isinstance(value, Schedule) else value


def _section_model(name: str, params: list[Parameter]) -> type[BaseModel]:
    fields = {p.name: _field_for(p) for p in params}
    return create_model(name, __base__=_Strict, **fields)  # type: ignore[call-overload]


Levers = _section_model("Levers", levers())
Uncertainties = _section_model("Uncertainties", uncertainties())


def base_years() -> tuple[int, ...]:
    """Return the years for which ``wecsim/data/`` holds the stocks a run starts from."""
    return stock_years()


@cache
def known_ids() -> dict[str, dict[str, str]]:
    """Return the ids a scenario may name: regions (id and name -> id), funders, technologies."""
    regions = table("regions")
    region_ids = {r: r for r in regions["region_id"]}
    region_ids |= {n.lower(): r for n, r in zip(regions["name"], regions["region_id"], strict=True)}
    return {
        "regions": region_ids,
        "funders": {f: f for f in table("funders")["funder_id"] if f != "local"},
        "technologies": {t: t for t in table("technologies")["tech_id"]},
    }


class FunderOverride(_Strict):
    """Overrides of one funder's priorities (the envelope itself is a lever)."""

    priority_water: float | None = Field(None, ge=0, le=1, strict=True)
    priority_energy: float | None = Field(None, ge=0, le=1, strict=True)
    priority_circular: float | None = Field(None, ge=0, le=1, strict=True)
    priority_resilience: float | None = Field(None, ge=0, le=1, strict=True)
    max_share_of_capex: float | None = Field(None, ge=0, le=1, strict=True)


#: the technologies whose projects sell their power under a PPA (the renewables auction's)
PPA_TECHNOLOGIES = ("solar_pv", "wind")


class PinnedProject(_Strict):
    """A named project the scenario puts into the pipeline in a given year.

    A wind or solar project contracted outside the auctions carries its contract's price
    (``ppa_kzt_per_kwh``); it is then set up as an auction award is: the region's capacity
    factor and a private developer's cost of capital.
    """

    name: str = Field(min_length=1, max_length=200)
    technology: str
    region: str
    size: float = Field(gt=0, strict=True, allow_inf_nan=False, description="capacity in the technology's unit")
    year: int = Field(ge=2015, le=2060, strict=True, description="year the project is proposed")
    lead_funder: str | None = None
    ppa_kzt_per_kwh: float | None = Field(
        None,
        gt=0,
        strict=True,
        allow_inf_nan=False,
        description="price of the project's power purchase agreement, in today's tenge (wind and solar only)",
    )

    @field_validator("technology")
    @classmethod
    def _known_technology(cls, v: str) -> str:
        techs = known_ids()["technologies"]
        if v not in techs:
            raise ValueError(f"unknown technology {v!r}; expected one of {sorted(techs)}")
        return v

    @field_validator("region")
    @classmethod
    def _known_region(cls, v: str) -> str:
        regions = known_ids()["regions"]
        key = v if v in regions else v.lower()
        if key not in regions:
            ids = sorted(r for r in regions if r.startswith("KZ-"))
            raise ValueError(f"unknown region {v!r}; expected an ISO code ({', '.join(ids)}) or a region name")
        return regions[key]

    @field_validator("lead_funder")
    @classmethod
    def _known_funder(cls, v: str | None) -> str | None:
        funders = known_ids()["funders"]
        if v is not None and v not in funders:
            raise ValueError(f"unknown funder {v!r}; expected one of {sorted(funders)}")
        return v

    @field_validator("ppa_kzt_per_kwh")
    @classmethod
    def _has_ppa(cls, v: float | None, info: ValidationInfo) -> float | None:
        tech = info.data.get("technology")
        if v is not None and tech is not None and tech not in PPA_TECHNOLOGIES:
            raise ValueError(
                f"a {tech!r} project sells no power under a PPA; ppa_kzt_per_kwh is only for {list(PPA_TECHNOLOGIES)}"
            )
        return v


class Scenario(_Strict):
    """One validated scenario: everything a run needs besides the seed."""

    #: names the default results folder, ``results/<name>``: a safe name, never a path
    name: str = Field(min_length=1, max_length=80, pattern=NAME_PATTERN)
    description: str = Field("", max_length=10_000)
    start_year: int = Field(2025, ge=2015, le=2059, strict=True, description="first simulated year (the stocks' year)")
    end_year: int = Field(2050, ge=2016, le=2060, strict=True, description="last simulated year")
    observed_weather_until: int | None = Field(
        None, strict=True, description="replay observed droughts and floods up to this year, then draw"
    )
    seed: int = Field(42, ge=0, lt=2**63, strict=True, description="default random seed")
    levers: Levers = Field(default_factory=Levers)  # type: ignore[valid-type]
    uncertainties: Uncertainties = Field(default_factory=Uncertainties)  # type: ignore[valid-type]
    funders: dict[str, FunderOverride] = Field(default_factory=dict)
    projects: list[PinnedProject] = Field(default_factory=list, max_length=1_000)

    @field_validator("funders")
    @classmethod
    def _known_funders(cls, v: dict[str, FunderOverride]) -> dict[str, FunderOverride]:
        funders = known_ids()["funders"]
        unknown = sorted(set(v) - set(funders))
        if unknown:
            raise ValueError(f"unknown funder(s) {unknown}; expected one of {sorted(funders)}")
        return v

    @model_validator(mode="after")
    def _in_horizon(self) -> Scenario:
        first, last = self.start_year, self.end_year
        if first not in base_years():
            have = ", ".join(map(str, base_years()))
            raise ValueError(
                f"start_year: no starting stocks for {first}; wecsim's data hold the stocks a run starts "
                f"from (population, power fleet, irrigated area, waste...) only for {have}"
            )
        if last <= first:
            raise ValueError(f"end_year: {last} must come after start_year {first}")
        until = self.observed_weather_until
        if until is not None:
            P = parameters()
            observed = (int(P["observed_weather_first_year"]), int(P["observed_weather_last_year"]))
            if not (observed[0] <= first <= until <= min(observed[1], last)):
                raise ValueError(
                    f"observed_weather_until: {until} must lie between start_year {first} and the last observed "
                    f"year {observed[1]} (observed weather covers {observed[0]}-{observed[1]})"
                )
        # a project after end_year is simply not reached (a shorter run of a scenario keeps its
        # parent's projects, as the baseline's wind deals); one before start_year never could be
        for p in self.projects:
            if p.year < first:
                raise ValueError(f"projects: {p.name!r} is proposed in {p.year}, before start_year {first}")
        for name, schedule in self.schedules().items():
            outside = [y for y in schedule.years if not first <= y <= last]
            if outside:
                section = "levers" if hasattr(self.levers, name) else "uncertainties"
                raise ValueError(
                    f"{section}.{name}: schedule year {outside[0]} is outside the simulated years {first}-{last}"
                )
        return self

    def value(self, name: str) -> Any:
        """Return the value of a lever or uncertainty by name: a constant or a :class:`Schedule`."""
        section = self.levers if hasattr(self.levers, name) else self.uncertainties
        return getattr(section, name)

    def value_in(self, name: str, year: int) -> Any:
        """Return the value of a lever or uncertainty in ``year`` (a schedule's value that year)."""
        value = self.value(name)
        return value.at(year) if isinstance(value, Schedule) else value

    def schedules(self) -> dict[str, Schedule]:
        """Return the levers and uncertainties given as schedules, by name."""
        values = {**dict(self.levers), **dict(self.uncertainties)}
        return {k: v for k, v in values.items() if isinstance(v, Schedule)}

    def scenario_hash(self) -> str:
        """Return a short SHA-256 of the resolved scenario (for provenance)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]
