"""The page's settings as a link (issue 14, item 6): written from the page, read back, checked like typed values."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import solara
from test_app_components import by_class, new_tab, wait_until

from wecsim.app import runs, state
from wecsim.app.link import MAX_QUERY_CHARS, RESERVED_KEYS, read_link, write_link
from wecsim.app.params import values_of
from wecsim.app.scenario_io import shipped_scenarios
from wecsim.scenario import load_scenario, registry

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("app_in_thread", "solara_patched"),
]
PAGES = ["explore", "map", "projects", "compare", "batch", "history", "share"]


def read(query: str):
    return read_link(query, PAGES, shipped_scenarios(), max_replicates=50, regions=["KZ-47", "KZ-61"])


def test_no_lever_is_named_like_a_setting_of_the_link():
    assert not set(RESERVED_KEYS) & set(registry())


def test_a_written_link_reads_back_to_the_same_settings():
    base = load_scenario("drought_2030s")
    vals = values_of(base) | {"budget_eu_grant_meur": 120.5, "landfill_ban_year": 2033, "climate_pathway": "SSP1-2.6"}
    query = write_link("map", "drought_2030s", "baseline", 7, 4, vals, values_of(base), {"year": 2040})
    link = read(query)
    assert link.problems == []
    assert (link.page, link.scenario, link.reference, link.seed, link.replicates, link.year) == (
        "map",
        "drought_2030s",
        "baseline",
        7,
        4,
        2040,
    )
    # only what differs from the picked scenario is in the link, each value as typed in its box
    expected = {k: v for k, v in vals.items() if v != base.value(k)}
    assert link.levers == expected
    assert parse_qs(query)["budget_eu_grant_meur"] == ["120.5"]


def test_unchanged_levers_and_one_replicate_stay_out_of_the_link():
    base = load_scenario("baseline")
    query = write_link("explore", "baseline", "baseline", 42, 1, values_of(base), values_of(base))
    assert set(parse_qs(query)) == {"page", "scenario", "ref", "seed"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "budget_eu_grant_meur=250",
            "EU investment grants [EUR M/yr] in the link: 250 is above the highest allowed, 200",
        ),
        ("budget_eu_grant_meur=abc", "'abc' is not a number"),
        ("budget_eu_grant_meur=nan", "'nan' is not a number"),
        ("landfill_ban_year=2030.5", "2030.5 is not a whole number"),
        ("climate_pathway=tropical", "'tropical' is not a choice for"),
        ("seed=-1", "seed in the link: -1 is below the lowest allowed, 0"),
        ("seed=1e3", "'1e3' is not a whole number"),
        ("replicates=999", "999 is above the highest allowed, 50"),
        ("scenario=../../etc/passwd", "is not a shipped scenario of this app"),
        ("page=admin", "'admin' is not a page of this app"),
        ("region=KZ-99", "'KZ-99' is not a region code of this app"),
        ("colour=blue", "colour in the link: not a setting of this app; ignored"),
    ],
)
def test_a_bad_value_in_a_link_is_left_out_with_the_typed_value_message(query, message):
    link = read(f"{query}&seed=9" if not query.startswith("seed") else query)
    assert len(link.problems) == 1 and message in link.problems[0], link.problems
    assert link.levers == {} and link.scenario is None and link.page is None
    if not query.startswith("seed"):
        assert link.seed == 9  # the rest of the link still applies


def test_a_key_given_twice_or_an_overlong_link_is_refused_in_words():
    link = read("seed=3&seed=4")
    assert link.seed == 3 and "given twice" in link.problems[0]
    link = read("seed=3&" + "x" * MAX_QUERY_CHARS)
    assert link.seed is None and "too long" in link.problems[0]


def render_at(query: str):
    """Render the app as the server does for an address with ``query``."""
    from wecsim.app.main import Layout, Page

    app = solara.RoutingProvider(children=[Layout(children=[Page()])], routes=[], pathname=f"/?{query}")
    return solara.render(app, handle_error=False)


def address(rc) -> str:
    (writer,) = [w for w in _walk_all(rc) if type(w).__name__ == "AddressWriter"]
    return writer.query


def _walk_all(rc):
    from test_app_components import walk

    return walk(rc.container)


def test_a_link_opens_its_view_and_the_address_follows_the_page():
    from wecsim.app.pages import map as map_page

    query = "page=map&scenario=circular_economy_40&ref=baseline&seed=5&budget_eu_grant_meur=90&year=2040&region=KZ-61"
    with new_tab():
        _box, rc = render_at(query)
        try:
            wait_until(lambda: state.active_page.value == "map")
            assert state.base_label.value == "circular_economy_40"
            assert state.values["budget_eu_grant_meur"].value == 90
            assert state.seed.value == 5
            assert (map_page.map_year.value, map_page.selected_region.value) == (2040, "KZ-61")
            wait_until(lambda: bool(by_class(rc, "wecsim-tile-selected")), 120)
            assert by_class(rc, "wecsim-tile-selected") == by_class(rc, "wecsim-tile-KZ-61")
            # the address written back holds the same settings (so a reload opens the same view)
            assert read(address(rc)).levers == {"budget_eu_grant_meur": 90.0}
            state.set_value("budget_eu_grant_meur", 110.0)
            wait_until(lambda: parse_qs(address(rc)).get("budget_eu_grant_meur") == ["110"])
            state.active_page.set("projects")
            wait_until(lambda: parse_qs(address(rc))["page"] == ["projects"])
            assert "year" not in parse_qs(address(rc))  # the map's settings only on the map
        finally:
            rc.close()
            runs.clear_cache()


def test_a_bad_link_keeps_the_last_valid_values_and_says_why():
    with new_tab():
        _box, rc = render_at("seed=abc&budget_eu_grant_meur=250&page=share")
        try:
            wait_until(lambda: state.active_page.value == "share")
            wait_until(lambda: bool(by_class(rc, "wecsim-link-problems")), 30)
            assert state.seed.value == 42
            assert state.values["budget_eu_grant_meur"].value == load_scenario("baseline").value("budget_eu_grant_meur")
            assert "budget_eu_grant_meur" not in parse_qs(address(rc))  # the address shows what is used
        finally:
            rc.close()
            runs.clear_cache()
