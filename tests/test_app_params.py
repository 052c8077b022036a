"""Lever controls are generated from the registry, never from a hand-written list."""

from __future__ import annotations

import pytest

from wecsim.app.params import (
    OTHER_GROUP,
    WORLD_GROUP,
    changed,
    controls,
    defaults,
    format_value,
    group_of,
    grouped_controls,
    step_for,
    values_of,
)
from wecsim.scenario import Parameter, load_scenario, registry


def test_every_registered_parameter_has_exactly_one_control():
    names = [c.name for c in controls()]
    assert sorted(names) == sorted(registry())
    assert len(names) == len(set(names))
    grouped = [c.name for cs in grouped_controls().values() for c in cs]
    assert sorted(grouped) == sorted(names)


def test_uncertainties_go_to_the_world_group_and_levers_do_not():
    for c in controls():
        assert (c.group == WORLD_GROUP) == (c.param.kind == "uncertainty")


def test_a_new_lever_with_an_unknown_name_still_gets_a_group():
    p = Parameter("brand_new_policy", "lever", "float", "x", 0, 1, 0.5, (), "New", "help", "source")
    assert group_of(p) == OTHER_GROUP
    assert group_of(registry()["budget_eu_grant_meur"]) == "EU and Team Europe instruments"
    assert group_of(registry()["budget_ebrd_meur"]) == "Funders' envelopes"
    assert group_of(registry()["local_budget_eur_per_capita"]) == "Co-finance"


def test_steps_put_defaults_on_the_slider_grid():
    for c in controls():
        p = c.param
        if p.type == "categorical":
            continue
        assert c.step > 0
        positions = (p.high - p.low) / c.step
        assert positions <= 201, (p.name, positions)
        if p.type == "float":
            assert positions >= 20, (p.name, positions)
        k = (p.default - p.low) / c.step
        assert abs(k - round(k)) < 1e-6, (p.name, p.default, c.step)


def test_step_and_label_examples():
    assert step_for(registry()["budget_eu_grant_meur"]) == 1.0
    assert step_for(registry()["landfill_ban_year"]) == 1
    eu = next(c for c in controls() if c.name == "budget_eu_grant_meur")
    assert eu.label == "EU investment grants [EUR M/yr]"
    assert eu.format(60) == "60 EUR M/yr"
    assert format_value(registry()["climate_pathway"], "SSP5-8.5") == "SSP5-8.5"


@pytest.mark.parametrize(("value", "expected"), [(-5, 0.0), (250, 200.0), (60, 60.0)])
def test_clip_keeps_values_in_range(value, expected):
    eu = next(c for c in controls() if c.name == "budget_eu_grant_meur")
    assert eu.clip(value) == expected


def test_clip_of_int_and_categorical():
    ban = next(c for c in controls() if c.name == "landfill_ban_year")
    assert ban.clip(2030.4) == 2030 and isinstance(ban.clip(2030.4), int)
    path = next(c for c in controls() if c.name == "climate_pathway")
    assert path.clip("SSP1-2.6") == "SSP1-2.6"
    assert path.clip("no such pathway") == path.param.default


def test_values_of_a_scenario_and_what_changed():
    team = load_scenario("team_europe_accelerated")
    vals = values_of(team)
    assert set(vals) == set(registry())
    diff = changed(vals, defaults())
    assert diff["budget_eu_grant_meur"] == 30
    assert diff["res_auction_mw_per_yr"] == 1500
    assert "climate_pathway" not in diff
    assert changed(defaults(), defaults()) == {}


# --- what a number box accepts (issue 14, item 4) -----------------------------------------------

from wecsim.app.params import BadValue  # noqa: E402

EU = "budget_eu_grant_meur"  # 0-200 EUR M/yr, a float lever
YEAR = "coal_retirement_start_year"  # a year: whole numbers only


def _control(name):
    return next(c for c in controls() if c.name == name)


@pytest.mark.parametrize(
    ("text", "value"),
    [("60", 60.0), (" 120 ", 120.0), ("0", 0.0), ("200", 200.0), ("2.5e1", 25.0), ("+.5", 0.5), ("199.99", 199.99)],
)
def test_number_box_accepts_plain_numbers_in_range(text, value):
    assert _control(EU).parse(text) == value


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("nan", "not a number"),
        ("NaN", "not a number"),
        ("inf", "not a number"),
        ("-infinity", "not a number"),
        ("abc", "not a number"),
        ("1_000", "not a number"),
        ("0x10", "not a number"),
        ("1,100", "no commas"),
        ("", "Type a number"),
        ("   ", "Type a number"),
        ("9" * 400, "not a number"),
        ("1e999", "too large"),
        ("250", "above the highest allowed, 200"),
        ("200.0001", "above the highest allowed, 200"),
        ("-1", "below the lowest allowed, 0"),
    ],
)
def test_number_box_refuses_with_a_message(text, why):
    with pytest.raises(BadValue, match=why):
        _control(EU).parse(text)


def test_year_box_takes_whole_numbers_only():
    c = _control(YEAR)
    low, high = int(c.param.low), int(c.param.high)
    assert c.parse(str(low)) == low and isinstance(c.parse(str(low)), int)
    assert c.parse(f"{low}.0") == low
    with pytest.raises(BadValue, match=rf"{low}.5 is not a whole number; type e.g. {low}"):
        c.parse(f"{low}.5")
    with pytest.raises(BadValue, match=f"above the highest allowed, {high}$"):
        c.parse(str(high + 1))
    assert c.box_text(2030) == "2030" and _control(EU).box_text(60.0) == "60"
