"""The page's settings as a link: page, scenario, reference, seed, replicates and changed levers.

The app keeps what a planner has set in the address bar's query string, so a reload restores
it and a copied link opens the same view in another browser, e.g.::

    /?page=map&scenario=team_europe_accelerated&ref=baseline&seed=7&budget_eu_grant_meur=120&year=2040

Only levers changed against the picked scenario are written. :func:`read_link` checks every
value of a link with the same rules as a typed value (:func:`wecsim.app.params.parse_number`):
a bad one is left out with a message saying which setting, what was wrong and what was kept,
never a traceback, and the rest of the link still applies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from wecsim.app.params import BadValue, Control, changed, controls
from wecsim.i18n import LANGUAGES, _, number
from wecsim.scenario import Schedule

#: Query keys that are not levers (a lever may not be named like one: see the tests).
PAGE_KEY, SCENARIO_KEY, REFERENCE_KEY, SEED_KEY, REPLICATES_KEY = "page", "scenario", "ref", "seed", "replicates"
#: The map's own settings (written only on the map page).
YEAR_KEY, REGION_KEY, LAYER_KEY = "year", "region", "layer"
#: The page's language (written only when the person chose one: otherwise it follows the browser).
LANG_KEY = "lang"
RESERVED_KEYS = (
    PAGE_KEY,
    SCENARIO_KEY,
    REFERENCE_KEY,
    SEED_KEY,
    REPLICATES_KEY,
    YEAR_KEY,
    REGION_KEY,
    LAYER_KEY,
    LANG_KEY,
)
#: Longest query string read [characters]: every lever changed needs about 1,500 (a design limit,
#: so a pasted text cannot make the server parse megabytes).
MAX_QUERY_CHARS = 4000
#: Largest seed a link may carry (numpy's SeedSequence takes any non-negative integer; this keeps
#: it to what a person types).
MAX_SEED = 2**32 - 1
#: What a map layer's key looks like (a region-table column or a derived indicator's key).
_LAYER = re.compile(r"[a-z][a-z0-9_]{0,60}")


@dataclass
class Link:
    """The settings a link asks for (None: not in the link) and what could not be taken, in words."""

    page: str | None = None
    scenario: str | None = None
    reference: str | None = None
    seed: int | None = None
    replicates: int | None = None
    levers: dict[str, Any] = field(default_factory=dict)
    year: int | None = None
    region: str | None = None
    layer: str | None = None
    language: str | None = None
    problems: list[str] = field(default_factory=list)


def _controls() -> dict[str, Control]:
    return {c.name: c for c in controls()}


def _whole(text: str, low: int, high: int) -> int:
    """Return ``text`` as a whole number in [low, high], or raise :class:`BadValue` saying why."""
    raw = text.strip()
    if not raw.isdigit() and not (raw.startswith("-") and raw[1:].isdigit()):
        raise BadValue(_("'{text}' is not a whole number").format(text=raw[:12]))
    x = int(raw[:12])
    if x < low:
        raise BadValue(_("{shown} is below the lowest allowed, {low}").format(shown=x, low=low))
    if x > high:
        raise BadValue(_("{shown} is above the highest allowed, {high}").format(shown=x, high=high))
    return x


def read_link(
    query: str,
    pages: Sequence[str],
    scenarios: Sequence[str],
    max_replicates: int,
    regions: Sequence[str] = (),
    layers: Sequence[str] = (),
    years: tuple[int, int] | None = None,
) -> Link:
    """Return the settings of a query string (without ``?``), each checked like a typed value.

    ``pages``, ``scenarios``, ``regions`` and ``layers`` are the values allowed for those keys
    (no ``layers``: any key-like text, checked by the map against the run's columns);
    ``years`` the map's first and last year. A value that is not allowed, an unknown key or a
    key given twice is left out and described in :attr:`Link.problems`.
    """
    link = Link()
    query = (query or "").lstrip("?")
    if len(query) > MAX_QUERY_CHARS:
        link.problems.append(
            _("The link is too long ({n} characters, at most {limit}); ignored").format(
                n=number(len(query)), limit=number(MAX_QUERY_CHARS)
            )
        )
        return link
    pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=500)
    by_control = _controls()
    seen: set[str] = set()
    for key, text in pairs:
        if key in seen:
            link.problems.append(_("'{key}' is given twice in the link; the first value is used").format(key=key[:40]))
            continue
        seen.add(key)
        try:
            _take(link, key, text, pages, scenarios, max_replicates, regions, layers, years, by_control)
        except BadValue as exc:
            label = by_control[key].label if key in by_control else key
            link.problems.append(_("{setting} in the link: {problem}").format(setting=label, problem=exc))
    return link


def _take(
    link: Link,
    key: str,
    text: str,
    pages: Sequence[str],
    scenarios: Sequence[str],
    max_replicates: int,
    regions: Sequence[str],
    layers: Sequence[str],
    years: tuple[int, int] | None,
    by_control: Mapping[str, Control],
) -> None:
    def one_of(allowed: Sequence[str], what: str) -> str:
        if text not in allowed:
            raise BadValue(_("'{text}' is not a {what} of this app").format(text=text[:40], what=what))
        return text

    if key == PAGE_KEY:
        link.page = one_of(pages, _("page"))
    elif key == SCENARIO_KEY:
        link.scenario = one_of(scenarios, _("shipped scenario"))
    elif key == REFERENCE_KEY:
        link.reference = one_of(scenarios, _("shipped scenario"))
    elif key == SEED_KEY:
        link.seed = _whole(text, 0, MAX_SEED)
    elif key == REPLICATES_KEY:
        link.replicates = _whole(text, 1, max_replicates)
    elif key == YEAR_KEY:
        lo, hi = years if years is not None else (0, 9999)
        link.year = _whole(text, lo, hi)
    elif key == REGION_KEY:
        link.region = one_of(regions, _("region code"))
    elif key == LANG_KEY:
        link.language = one_of(list(LANGUAGES), _("language"))
    elif key == LAYER_KEY:
        if layers:
            link.layer = one_of(layers, _("map layer"))
        elif _LAYER.fullmatch(text):  # the map says so when the run has no such column
            link.layer = text
        else:
            raise BadValue(_("'{text}' is not a {what} of this app").format(text=text[:40], what=_("map layer")))
    elif key in by_control:
        c = by_control[key]
        if c.param.type == "categorical":
            link.levers[key] = one_of([str(x) for x in c.param.choices], _("choice for {lever}").format(lever=c.label))
        else:
            link.levers[key] = c.parse(text)
    else:
        raise BadValue(_("not a setting of this app; ignored"))


def write_link(
    page: str,
    scenario: str,
    reference: str,
    seed: int,
    replicates: int,
    values: Mapping[str, Any],
    scenario_values: Mapping[str, Any],
    map_view: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> str:
    """Return the query string (without ``?``) for the settings on screen.

    ``values`` are the levers as set, ``scenario_values`` the picked scenario's: only the levers
    that differ are written (a schedule by year is the scenario's own and never differs), as a
    number box would show them. ``map_view`` (year, region, layer) is added on the map page,
    ``language`` when the person chose one.
    """
    by_control = _controls()
    pairs: list[tuple[str, str]] = [(PAGE_KEY, page), (SCENARIO_KEY, scenario), (REFERENCE_KEY, reference)]
    pairs.append((SEED_KEY, str(int(seed))))
    if replicates != 1:
        pairs.append((REPLICATES_KEY, str(int(replicates))))
    for name, v in changed(dict(values), dict(scenario_values)).items():
        if name not in by_control or isinstance(v, Schedule):
            continue
        if isinstance(v, float) and not math.isfinite(v):
            continue
        pairs.append((name, by_control[name].box_text(v)))
    for key in (YEAR_KEY, REGION_KEY, LAYER_KEY):
        if map_view and map_view.get(key) is not None:
            pairs.append((key, str(map_view[key])))
    if language is not None:
        pairs.append((LANG_KEY, language))
    return urlencode(pairs)
