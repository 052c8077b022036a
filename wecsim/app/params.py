"""Controls for every lever and uncertainty, derived from the scenario schema.

Nothing here lists levers by name: the registry (``wecsim/data/levers.csv``) gives each
parameter's type, unit, range, default and help text, and this module turns that into what a
slider needs (a group heading, a step, a formatted value). A lever added to the registry
appears in the app without any change here; one whose name matches no group rule lands in
"Other levers".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from wecsim.i18n import N_, _
from wecsim.scenario import Parameter, Scenario, Schedule, levers, registry, uncertainties

#: Group headings for levers, tried in order: the first whose keywords occur in the lever's
#: name wins. Uncertainties all go to :data:`WORLD_GROUP`.
GROUP_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("EU and Team Europe instruments"), ("eu_", "secca", "horizon_europe", "green_central_asia")),
    (N_("Co-finance"), ("cofinance", "local_budget")),
    (N_("Funders' envelopes"), ("budget_",)),
    (N_("Water"), ("water", "irrigation", "canal", "aktau", "transboundary")),
    (N_("Energy"), ("res_", "wind", "solar", "coal", "gas")),
    (N_("Circular economy"), ("epr", "landfill", "recycl", "waste")),
    (N_("Climate resilience"), ("flood", "drought")),
    (N_("Firms and tenders"), ("content", "tender")),
)
#: Order in which the groups are shown.
GROUP_ORDER = (
    N_("EU and Team Europe instruments"),
    N_("Co-finance"),
    N_("Funders' envelopes"),
    N_("Water"),
    N_("Energy"),
    N_("Circular economy"),
    N_("Climate resilience"),
    N_("Firms and tenders"),
)
OTHER_GROUP = N_("Other levers")
WORLD_GROUP = N_("The world (uncertainties)")


@dataclass(frozen=True)
class Control:
    """What the app needs to draw one lever or uncertainty.

    Attributes
    ----------
    param
        The declared parameter (name, unit, range, default, help, source).
    group
        Heading the control is shown under.
    step
        Slider step, a power of ten near 1/200 of the range (1 for integers).
    """

    param: Parameter
    group: str
    step: float

    @property
    def name(self) -> str:
        """Return the parameter's name (its key in the scenario file)."""
        return self.param.name

    @property
    def label(self) -> str:
        """Return the label with its unit, e.g. ``EU grants (Team Europe) [EUR M/yr]``, in the language in use.

        Labels and units come from ``wecsim/data/levers.csv`` (collected for the catalogs by ``babel.cfg``).
        """
        unit = self.param.unit
        name = _(self.param.label)
        return f"{name} [{_(unit)}]" if unit and unit != "-" else name

    def clip(self, value: Any) -> Any:
        """Return ``value`` cast to the parameter's type and clipped to its range."""
        p = self.param
        if p.type == "categorical":
            return value if value in p.choices else p.default
        x = float(value)
        x = min(max(x, float(p.low)), float(p.high))  # type: ignore[arg-type]
        return round(x) if p.type == "int" else x

    def format(self, value: Any) -> str:
        """Return ``value`` as short text with the unit, e.g. ``60 EUR M/yr``."""
        return format_value(self.param, value)

    def box_text(self, value: Any) -> str:
        """Return ``value`` as a number box shows it: digits and a point, no unit, no separators."""
        if isinstance(value, Schedule) or self.param.type == "categorical":
            return str(value)
        x = float(value)
        return str(round(x)) if self.param.type == "int" else f"{x:.10g}"

    def parse(self, text: Any) -> int | float:
        """Return what was typed in the number box as a value, or raise :class:`BadValue` saying why.

        Accepted: a plain decimal number (``120``, ``-0.5``, ``2.5e3``) inside the parameter's
        range, and for whole-number parameters (years, counts) a whole number. Refused with a
        message: text (``abc``), ``nan``, ``inf``, thousands separators or a decimal comma
        (``1,100`` is ambiguous), values outside the range (nothing is clipped silently).
        """
        return parse_number(self.param, text)


class BadValue(ValueError):
    """A typed value a number box cannot take; ``str()`` is the message shown next to the box."""


#: What a number box accepts: a plain decimal number, optionally with an exponent. Python's
#: ``float()`` would also take ``nan``, ``inf``, ``1_000`` and surrounding text such as ``\t``.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?")
#: Longest text looked at (a design choice: no real value needs more; longer input is refused).
MAX_TYPED_CHARS = 40


def parse_number(p: Parameter, text: Any) -> int | float:
    """Return ``text`` as a value of the number parameter ``p``; raise :class:`BadValue` if it cannot be one.

    Examples
    --------
    >>> from wecsim.scenario import registry
    >>> parse_number(registry()["budget_eu_grant_meur"], " 60 ")
    60.0
    >>> parse_number(registry()["budget_eu_grant_meur"], "250")
    Traceback (most recent call last):
    ...
    wecsim.app.params.BadValue: 250 is above the highest allowed, 200
    """
    raw = "" if text is None else str(text).strip()
    shown = raw if len(raw) <= 12 else raw[:12] + "…"
    if not raw:
        raise BadValue(_("Type a number"))
    if len(raw) > MAX_TYPED_CHARS or not _NUMBER.fullmatch(raw):
        if "," in raw:
            raise BadValue(
                _("'{shown}' is not a number: use digits and a point, no commas (e.g. 1100 or 2.5)").format(shown=shown)
            )
        raise BadValue(_("'{shown}' is not a number").format(shown=shown))
    x = float(raw)
    if not math.isfinite(x):
        raise BadValue(_("'{shown}' is too large").format(shown=shown))
    if p.type == "int" and x != round(x):
        raise BadValue(
            _("{shown} is not a whole number; type e.g. {example}").format(shown=shown, example=math.floor(x))
        )
    if p.low is not None and x < float(p.low):
        raise BadValue(_("{shown} is below the lowest allowed, {low}").format(shown=shown, low=_plain(p.low)))
    if p.high is not None and x > float(p.high):
        raise BadValue(_("{shown} is above the highest allowed, {high}").format(shown=shown, high=_plain(p.high)))
    return round(x) if p.type == "int" else x


def _plain(x: float) -> str:
    return f"{float(x):.10g}"


def group_of(p: Parameter) -> str:
    """Return the heading a parameter is shown under (see :data:`GROUP_RULES`)."""
    if p.kind != "lever":
        return WORLD_GROUP
    for heading, keywords in GROUP_RULES:
        if any(k in p.name for k in keywords):
            return heading
    return OTHER_GROUP


def step_for(p: Parameter) -> float:
    """Return a slider step: 1 for integers, else the smallest power of ten >= range/200.

    A slider then has between 20 and 200 positions; the number box next to it takes any
    value in the range. When the default falls between two positions (2.5 on a grid of 1,
    say), the step is halved, quartered or fifthed until it lands on one (at most 1,000
    positions), so the slider can always go back to the default.

    Examples
    --------
    >>> from wecsim.scenario import registry
    >>> step_for(registry()["budget_eu_grant_meur"])   # 0-200
    1.0
    >>> step_for(registry()["res_auction_mw_per_yr"])  # 0-3000
    100.0
    >>> step_for(registry()["green_central_asia_meur"])  # 0-30, default 2.5
    0.5
    """
    if p.type == "int":
        return 1
    if p.type == "categorical" or p.low is None or p.high is None or p.high <= p.low:
        return 0.0
    step = float(10 ** math.ceil(math.log10((p.high - p.low) / 200)))
    for divisor in (1, 2, 4, 5):
        finer = step / divisor
        k = (float(p.default) - p.low) / finer
        if abs(k - round(k)) < 1e-6 and (p.high - p.low) / finer <= 1000:
            return finer
    return step


def format_value(p: Parameter, value: Any) -> str:
    """Return a parameter value as text with its unit (no unit for categorical ones)."""
    if p.type == "categorical":
        return str(value)
    if isinstance(value, Schedule):
        return value.describe(p.unit)
    x = float(value)
    if p.type == "int":
        text = f"{round(x)}"
    elif abs(x) >= 1000:
        text = f"{x:,.0f}"
    else:
        text = f"{x:.3g}" if abs(x) < 10 else f"{x:.4g}"
    unit = "" if p.unit in ("", "-") else f" {_(p.unit)}"
    return text + unit


def controls() -> list[Control]:
    """Return a control for every lever, then every uncertainty, in registry order."""
    return [Control(p, group_of(p), step_for(p)) for p in [*levers(), *uncertainties()]]


def grouped_controls() -> dict[str, list[Control]]:
    """Return the controls by group heading, headings in :data:`GROUP_ORDER` order."""
    order = [*GROUP_ORDER, OTHER_GROUP, WORLD_GROUP]
    out: dict[str, list[Control]] = {g: [] for g in order}
    for c in controls():
        out[c.group].append(c)
    return {g: cs for g, cs in out.items() if cs}


def values_of(scenario: Scenario) -> dict[str, Any]:
    """Return every lever and uncertainty value of a scenario by name."""
    return {name: scenario.value(name) for name in registry()}


def defaults() -> dict[str, Any]:
    """Return every parameter's declared default by name."""
    return {name: p.default for name, p in registry().items()}


def changed(values: dict[str, Any], against: dict[str, Any]) -> dict[str, Any]:
    """Return the entries of ``values`` that differ from ``against`` (numbers to 1e-9)."""
    out = {}
    for name, v in values.items():
        w = against.get(name)
        if isinstance(v, int | float) and isinstance(w, int | float):
            if not math.isclose(float(v), float(w), rel_tol=1e-9, abs_tol=1e-12):
                out[name] = v
        elif v != w:
            out[name] = v
    return out
