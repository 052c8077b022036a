"""The one declaration of every lever (policy) and uncertainty (world).

Read from ``wecsim/data/levers.csv`` (name, kind, type, unit, range, default, help, source),
as EMA Workbench declares its XLRM parameters once. The scenario schema, the CLI's
``wecsim list``, the app's sliders and the experiment designs are all derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd

from wecsim.datasets import table

Kind = Literal["lever", "uncertainty"]


@dataclass(frozen=True)
class Parameter:
    """One declared lever or uncertainty.

    Attributes
    ----------
    name
        Key in the scenario's ``levers:`` or ``uncertainties:`` section.
    kind
        ``"lever"`` (policy controls it) or ``"uncertainty"`` (the world decides).
    type
        ``"float"``, ``"int"`` or ``"categorical"``.
    unit, label, help, source
        Text for people: unit of the value, short label, one-line help, citation.
    low, high
        Inclusive range for numbers (``None`` for categorical parameters).
    default
        Value in the baseline.
    choices
        Allowed values of a categorical parameter.
    """

    name: str
    kind: Kind
    type: Literal["float", "int", "categorical"]
    unit: str
    low: float | None
    high: float | None
    default: float | int | str
    choices: tuple[str, ...]
    label: str
    help: str
    source: str

    @property
    def section(self) -> str:
        """Return the scenario section the parameter lives in (``levers`` or ``uncertainties``)."""
        return "levers" if self.kind == "lever" else "uncertainties"

    @property
    def why_not_schedulable(self) -> str:
        """Return why the parameter cannot be a schedule by year, or ``""`` if it can."""
        if self.type == "categorical":
            return "it is a choice among whole paths, not a number"
        if self.unit == "year":
            return "it is itself a year"
        return ""

    @property
    def schedulable(self) -> bool:
        """Whether a scenario may give the parameter as a schedule by year."""
        return not self.why_not_schedulable

    def describe_range(self) -> str:
        """Return the allowed values as text, e.g. ``0-200 EUR M/yr``."""
        if self.type == "categorical":
            return " | ".join(self.choices)
        return f"{_fmt(self.low)}-{_fmt(self.high)} {self.unit}".strip()


def _fmt(x: float | None) -> str:
    return "" if x is None else (f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}")


def _row_to_parameter(row: pd.Series) -> Parameter:
    typ = row["type"]
    if typ == "categorical":
        choices = tuple(str(row["choices"]).split("|"))
        return Parameter(
            row["name"],
            row["kind"],
            typ,
            str(row["unit"]),
            None,
            None,
            str(row["default"]),
            choices,
            row["label"],
            row["help"],
            row["source"],
        )
    cast = int if typ == "int" else float
    return Parameter(
        row["name"],
        row["kind"],
        typ,
        str(row["unit"]),
        cast(row["low"]),
        cast(row["high"]),
        cast(row["default"]),
        (),
        row["label"],
        row["help"],
        row["source"],
    )


@cache
def registry() -> dict[str, Parameter]:
    """Return every declared parameter by name, levers first, in file order."""
    df = table("levers").rename(columns={"min": "low", "max": "high"})
    return {row["name"]: _row_to_parameter(row) for _, row in df.iterrows()}


def levers() -> list[Parameter]:
    """Return the policy levers."""
    return [p for p in registry().values() if p.kind == "lever"]


def uncertainties() -> list[Parameter]:
    """Return the uncertainties."""
    return [p for p in registry().values() if p.kind == "uncertainty"]
