"""The app's components rendered in-process (no browser): cards, levers, tabs, upload, map, funder view.

Runs happen in the calling thread (``WECSIM_APP_WORKERS=0``). Each test works in its own
Solara virtual kernel, as a browser tab would.
"""

from __future__ import annotations

import html
import importlib
import re
import time
import uuid

import ipywidgets
import pytest
import solara
import solara.server.kernel
import solara.server.kernel_context
import solara.server.settings

from wecsim.app import runs, state

# Solara's kernel asks asyncio for an event loop outside of one; harmless in these tests
pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("app_in_thread", "solara_patched"),
]


def new_tab():
    """Return a fresh virtual kernel context: the server's equivalent of one browser tab."""
    kernel = solara.server.kernel.Kernel()
    return solara.server.kernel_context.VirtualKernelContext(
        id=f"tab-{uuid.uuid4().hex[:8]}", kernel=kernel, session_id=f"session-{uuid.uuid4().hex[:8]}"
    )


def wait_until(cond, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def walk(widget):
    """Yield a widget and every widget below it (children and slots)."""
    yield widget
    kids = list(getattr(widget, "children", None) or [])
    for slot in getattr(widget, "v_slots", None) or []:
        kid = slot.get("children")
        kids.extend(kid if isinstance(kid, list) else [kid])
    for kid in kids:
        if isinstance(kid, ipywidgets.Widget):
            yield from walk(kid)


def by_class(rc, token: str) -> list:
    """Return the widgets whose CSS classes include ``token``."""
    return [w for w in walk(rc.container) if token in (getattr(w, "class_", None) or "").split()]


def texts(rc, token: str) -> list[str]:
    return [w.children[0] for w in by_class(rc, token)]


def card_row(rc) -> str:
    """Return the HTML of the headline card row (one widget)."""
    rows = [
        w.unsafe_innerHTML
        for w in walk(rc.container)
        if "wecsim-cards" in ((getattr(w, "attributes", None) or {}).get("class") or "").split()
    ]
    assert len(rows) == 1, f"expected one card row, found {len(rows)}"
    return rows[0]


def card_texts(rc, token: str) -> list[str]:
    """Return the text of every element of the card row with a CSS class, in order."""
    return [html.unescape(t) for t in re.findall(rf'class="[^"]*\b{token}\b[^"]*"[^>]*>([^<]*)<', card_row(rc))]


def render_app():
    from wecsim.app.main import Layout, Page

    return solara.render(Layout(children=[Page()]), handle_error=False)


def landed(scenario_value=None) -> bool:
    view = state.shown.value
    if view.current is None or state.status.value.running:
        return False
    if scenario_value is None:
        return True
    name, value = scenario_value
    return view.current.scenario.value(name) == value


def test_app_module_serves_offline():
    app = importlib.import_module("app")
    assert callable(app.Page) and callable(app.Layout) and app.page is app.Page
    assert [k for k, _, _ in app.PAGES] == ["explore", "map", "projects", "compare", "batch", "history", "share"]
    import solara.checks
    import solara.settings

    assert solara.server.settings.telemetry.mixpanel_enable is False
    assert solara.settings.assets.proxy is True
    assert solara.checks.should_perform_solara_check() is False
    # a closed tab's state is freed after ten minutes, not Solara's default of a day (issue 14, item 3)
    import solara.util

    assert solara.util.parse_timedelta(solara.server.settings.kernel.cull_timeout) == 600


def test_explore_cards_follow_a_lever():
    with new_tab():
        _box, rc = render_app()
        try:
            wait_until(landed)
            before = dict(
                zip(
                    ["deficit", "res", "co2", "recycling", "investment"],
                    card_texts(rc, "wecsim-card-value"),
                    strict=True,
                )
            )
            assert float(before["res"]) > 0
            assert len(card_texts(rc, "wecsim-card-delta")) == 5
            state.set_value("res_auction_mw_per_yr", 900.0)
            wait_until(lambda: landed(("res_auction_mw_per_yr", 900.0)))
            wait_until(lambda: card_texts(rc, "wecsim-card-value")[1] != before["res"], 30)  # redraws are async
            after = card_texts(rc, "wecsim-card-value")
            assert float(after[1]) > float(before["res"])
            better = card_texts(rc, "wecsim-verdict-better")
            assert any("vs baseline" in t for t in better)
            # the reset button brings the lever and the cards back
            state.reset_levers()
            wait_until(lambda: landed(("res_auction_mw_per_yr", 700)))
            wait_until(lambda: card_texts(rc, "wecsim-card-value")[1] == before["res"], 30)
        finally:
            rc.close()


def test_two_tabs_keep_separate_levers_and_runs():
    from wecsim.scenario import load_scenario, registry

    one, two = new_tab(), new_tab()
    with one:
        state.set_value("budget_eu_grant_meur", 120.0)
        assert state.values["budget_eu_grant_meur"].value == 120.0
        wait_until(lambda: landed(("budget_eu_grant_meur", 120.0)))
    default = registry()["budget_eu_grant_meur"].default
    team = load_scenario("team_europe_accelerated").value("budget_eu_grant_meur")
    assert default != 120.0 and team not in (default, 120.0)
    with two:
        assert state.values["budget_eu_grant_meur"].value == default
        assert state.shown.value.current is None
        state.pick("team_europe_accelerated")
        assert state.values["budget_eu_grant_meur"].value == team
    with one:
        assert state.values["budget_eu_grant_meur"].value == 120.0
        assert state.base_label.value == "baseline"


def test_scenario_built_from_the_levers_is_named_after_its_base():
    with new_tab():
        assert state.current_scenario().name == "baseline"
        state.values["landfill_ban_year"].set(2030)
        sc = state.current_scenario()
        assert sc.name == "baseline-edited" and sc.value("landfill_ban_year") == 2030
        assert state.edited() == {"landfill_ban_year": 2030}


def test_upload_shows_the_error_or_loads_the_scenario():
    from wecsim.app.pages import share

    with new_tab():
        share.handle_upload({"name": "bad.yaml", "data": b"name: x\nlevers:\n  res_auction_mw_per_yr: 9000\n"})
        assert "bad.yaml" in share.upload_error.value
        assert "levers.res_auction_mw_per_yr" in share.upload_error.value
        assert state.values["res_auction_mw_per_yr"].value == 700
        share.handle_upload(
            {
                "name": "plan.yaml",
                "data": b"extends: baseline.yaml\nname: plan\nlevers:\n  res_auction_mw_per_yr: 1200\n",
            }
        )
        assert share.upload_error.value == ""
        assert state.values["res_auction_mw_per_yr"].value == 1200
        assert "plan" in state.scenario_names()
        assert state.base_label.value == "plan"


def test_a_chart_out_of_view_is_drawn_only_when_it_comes_into_view():
    """An Explore chart scrolled out of view (the browser says so) is not redrawn for new results until seen again."""
    from matplotlib.figure import Figure

    from wecsim.app.components.chart import ChartImage, InView

    built: list[int] = []
    key = solara.reactive(1)

    def figure(k: int) -> Figure:
        built.append(k)
        fig = Figure(figsize=(2, 1))
        fig.add_subplot().plot([0, k])
        return fig

    other = solara.reactive(0)

    @solara.component
    def Elsewhere():
        solara.Text(str(other.value))  # another part of the page, redrawn on its own

    @solara.component
    def OneChart():
        k = key.value
        ChartImage(lambda: figure(k), key=k, name="one", lazy=True)
        Elsewhere()

    def parts(rc, token: str) -> list:
        return [w for w in walk(rc.container) if token in getattr(w, "_dom_classes", ()) or w in by_class(rc, token)]

    with new_tab():
        _box, rc = solara.render(OneChart(), handle_error=False)
        try:
            wait_until(lambda: built == [1] and parts(rc, "wecsim-chart-img"), 30)
            seen = [w for w in walk(rc.container) if isinstance(w, InView)]
            assert len(seen) == 1
            seen[0].visible = False  # what the browser reports when the chart leaves the screen
            key.set(2)
            time.sleep(1.0)
            assert built == [1], "a chart out of view was redrawn"
            assert parts(rc, "wecsim-chart-updating"), "the old image must say it is not up to date"
            first_png = parts(rc, "wecsim-chart-img")[0].value
            seen[0].visible = True  # scrolled back into view
            wait_until(lambda: built == [1, 2] and not parts(rc, "wecsim-chart-updating"), 30)
            assert parts(rc, "wecsim-chart-img")[0].value != first_png, "the new image must be on screen"
            new_png = parts(rc, "wecsim-chart-img")[0].value
            renders = rc.render_count
            other.set(1)  # a redraw of the page that does not touch the chart keeps its new image
            assert rc.render_count > renders
            assert parts(rc, "wecsim-chart-img")[0].value == new_png, "a redraw put the older image back"
            assert not parts(rc, "wecsim-chart-updating")
            seen[0].visible = False
            seen[0].visible = True
            time.sleep(0.5)
            assert built == [1, 2], "a chart already drawn for its figure is not drawn again when seen again"
        finally:
            rc.close()


def test_a_shared_chart_is_drawn_once_for_every_tab_that_shows_it():
    """Explore's charts are keyed by everything they show: a second tab gets the first tab's PNG, undrawn."""
    from matplotlib.figure import Figure

    from wecsim.app.components.chart import ChartImage

    built: list[str] = []
    key = ("test-shared", uuid.uuid4().hex)

    def figure(tab: str) -> Figure:
        built.append(tab)
        fig = Figure(figsize=(2, 1))
        fig.add_subplot().plot([0, 1])
        return fig

    def image(rc):
        found = [w for w in walk(rc.container) if "wecsim-chart-img" in getattr(w, "_dom_classes", ())]
        return found[0].value if found else None

    pngs = []
    for tab, shared in (("first", True), ("second", True), ("unshared", False)):

        @solara.component
        def OneChart(tab=tab, shared=shared):
            ChartImage(lambda: figure(tab), key=key, name="shared-test", shared=shared)

        with new_tab():
            _box, rc = solara.render(OneChart(), handle_error=False)
            try:
                wait_until(lambda rc=rc: image(rc) is not None, 30)
                pngs.append(image(rc))
            finally:
                rc.close()
    assert built == ["first", "unshared"], "the second tab must show the first tab's drawing"
    assert pngs[0] == pngs[1]


def test_every_page_renders_and_the_map_click_selects_a_region():
    from wecsim.app.pages import map as map_page

    with new_tab():
        _box, rc = render_app()
        try:
            wait_until(landed)
            pages = {
                "map": "wecsim-page-map",
                "projects": "wecsim-page-projects",
                "compare": "wecsim-page-compare",
                "batch": "wecsim-page-batch",
                "history": "wecsim-page-history",
                "share": "wecsim-page-share",
                "explore": "wecsim-page-explore",
            }
            for key, cls in pages.items():
                state.active_page.set(key)
                wait_until(lambda cls=cls: bool(by_class(rc, cls)), 30)
            state.active_page.set("map")
            wait_until(lambda: len(by_class(rc, "wecsim-tile")) == 20, 30)
            (tile,) = by_class(rc, "wecsim-tile-KZ-61")
            tile.fire_event("click", {})
            assert map_page.selected_region.value == "KZ-61"
            wait_until(lambda: by_class(rc, "wecsim-tile-selected") == by_class(rc, "wecsim-tile-KZ-61"), 30)
        finally:
            rc.close()
            runs.clear_cache()


def test_lever_labels_carry_unit_help_range_and_source():
    from wecsim.scenario import registry

    with new_tab():
        _box, rc = render_app()
        try:
            wait_until(landed)
            labels = by_class(rc, "wecsim-lever-label")
            assert labels, "no lever labels"
            p = registry()["budget_eu_grant_meur"]
            eu = next(w for w in labels if w.children[0].startswith(p.label))
            assert eu.children[0] == f"{p.label} [{p.unit}]"
            tip = eu.attributes["title"]
            assert p.help in tip and "0-200 EUR M/yr" in tip and p.source in tip
        finally:
            rc.close()


def rows_shown(rc, table: str) -> int:
    """Return the row count a :func:`~wecsim.app.components.tables.Table` states under itself."""
    (box,) = by_class(rc, f"wecsim-table-{table}")
    text = next(
        w.children[0] for w in walk(box) if type(w).__name__ == "Html" and w.children[0].endswith((" rows", " row"))
    )  # "1 row": ngettext
    return int(text.split()[0].replace(",", ""))


def test_funder_view_counts_and_filters_the_funders_refusals(baseline):
    from wecsim.agents.funder import REFUSAL_REASONS
    from wecsim.app.indicators import refusal_label
    from wecsim.app.pages import projects

    ref = baseline.refusals
    with new_tab():
        _box, rc = solara.render(projects.FunderView(baseline), handle_error=False)
        try:
            assert projects.funder_pick.value == "eu_grant" and by_class(rc, "wecsim-funder-select")
            eu = ref[ref["funder_id"] == "eu_grant"]
            assert rows_shown(rc, "refusals_eu_grant") == len(eu)
            assert rows_shown(rc, "refusal_reasons_eu_grant") == eu["reason"].nunique()
            # the reason filter offers the plain-language reasons of this funder only
            (reason_select,) = [w for w in walk(rc.container) if getattr(w, "label", None) == "Reason"]
            in_rule_order = [refusal_label(r) for r in REFUSAL_REASONS if r in set(eu["reason"])]
            assert reason_select.items == ["any", *in_rule_order]
            projects.r_reason.set(refusal_label("envelope used up"))
            wait_until(lambda: rows_shown(rc, "refusals_eu_grant") == (eu["reason"] == "envelope used up").sum(), 30)
            # a word of the project names: the most common first word among those refused for this reason
            used_up = eu[eu["reason"] == "envelope used up"]
            names = baseline.project.set_index("project_id").loc[used_up["project_id"], "name"]
            counts = names.str.split().str[0].value_counts()
            word = counts[counts < len(used_up)].index[0]  # a word some but not all of them have
            projects.r_text.set(word)
            n_word = (
                (eu["reason"] == "envelope used up")
                & eu["project_id"].isin(
                    baseline.project.loc[
                        baseline.project["name"].str.contains(word, case=False, regex=False), "project_id"
                    ]
                )
            ).sum()
            wait_until(lambda: rows_shown(rc, "refusals_eu_grant") == n_word, 30)
            assert 0 < n_word < len(used_up)
            # another funder: its own refusals; the reason filter stays if that funder has the reason,
            # else it falls back to "any"
            projects.funder_pick.set("private")
            projects.r_text.set("")
            wait_until(lambda: bool(by_class(rc, "wecsim-table-refusals_private")), 30)
            private = ref[ref["funder_id"] == "private"]
            kept = (private["reason"] == "envelope used up").sum()
            assert rows_shown(rc, "refusals_private") == (kept if kept else len(private))
            missing = [r for r in REFUSAL_REASONS if r in set(eu["reason"]) and r not in set(private["reason"])]
            if missing:  # a reason eu_grant has and private has not: private's table falls back to "any"
                projects.funder_pick.set("eu_grant")
                projects.r_reason.set(refusal_label(missing[0]))
                projects.funder_pick.set("private")
                wait_until(lambda: rows_shown(rc, "refusals_private") == len(private), 30)
            # a funder that refused nothing in this run (farmers; support instruments): no refusal tables
            quiet = next(f for f in ("farmers", "eu_preparation") if not (ref["funder_id"] == f).any())
            projects.funder_pick.set(quiet)
            wait_until(lambda: not by_class(rc, "wecsim-table-refusals_private"), 30)
            assert not [w for w in walk(rc.container) if "wecsim-table-refusal" in (getattr(w, "class_", "") or "")]
        finally:
            rc.close()


def _type(rc, text: str) -> None:
    """Type ``text`` into the only number box and press Enter (what the browser sends)."""
    (box,) = by_class(rc, "wecsim-lever-input")
    box.v_model = text
    box.fire_event("keyup.enter", {})


def _box_state(rc, name: str):
    (box,) = by_class(rc, "wecsim-lever-input")
    (slider,) = by_class(rc, "wecsim-lever-slider")
    return box.v_model, slider.v_model, state.values[name].value, texts(rc, "wecsim-lever-error")


def test_number_box_keeps_the_last_valid_value_and_says_why():
    from wecsim.app.components.levers import LeverControl
    from wecsim.app.params import controls

    eu = next(c for c in controls() if c.name == "budget_eu_grant_meur")
    year = next(c for c in controls() if c.name == "coal_retirement_start_year")
    with new_tab():
        state.values[eu.name].set(60.0)
        _box, rc = solara.render(LeverControl(eu), handle_error=False)
        try:
            assert _box_state(rc, eu.name) == ("60", 60.0, 60.0, [])
            for typed, why in [("nan", "not a number"), ("250", "above the highest allowed, 200"), ("abc", "not a")]:
                _type(rc, typed)
                box, slider, model, errors = _box_state(rc, eu.name)
                assert (box, slider, model) == ("60", 60.0, 60.0), typed
                assert len(errors) == 1 and why in errors[0] and "kept 60" in errors[0], errors
            _type(rc, "120")
            assert _box_state(rc, eu.name) == ("120", 120.0, 120.0, [])
            wait_until(lambda: landed() and not state.shown.value.eu_pending)
        finally:
            rc.close()
        state.values[year.name].set(2035)
        _box, rc = solara.render(LeverControl(year), handle_error=False)
        try:
            _type(rc, "2035.5")
            box, slider, model, errors = _box_state(rc, year.name)
            assert (box, model) == ("2035", 2035) and "not a whole number" in errors[0]
            _type(rc, "2040")
            assert _box_state(rc, year.name)[::2] == ("2040", 2040)
            wait_until(lambda: landed() and not state.shown.value.eu_pending)
        finally:
            rc.close()
            runs.clear_cache()


def test_lapsed_money_never_exceeds_what_the_funder_had(baseline):
    """Issue 14: the regional budgets showed 'lapsed unused' as a reserve balance summed over years."""
    from wecsim.app.indicators import keeps_reserves
    from wecsim.app.pages import projects

    assert keeps_reserves("local") and keeps_reserves("utility") and not keeps_reserves("eu_grant")
    for fid in baseline.funder["funder_id"].unique():
        s = projects.funder_summary(baseline, fid)
        assert s["lapsed"] <= s["envelope"] + s["released"] + 1e-6, (fid, s)
        if keeps_reserves(fid):  # every euro it had was committed or is still in reserves
            left = s["envelope"] + s["released"] - s["committed"]
            assert s["lapsed"] + s["reserve_end"] == pytest.approx(left, abs=1e-6), (fid, s)
    local = projects.funder_summary(baseline, "local")
    f = baseline.funder[baseline.funder["funder_id"] == "local"].sort_values("year")
    assert local["lapsed"] == 0 and local["reserve_end"] == pytest.approx(f["unused_meur"].iloc[-1])
    eu = projects.funder_summary(baseline, "eu_grant")
    assert eu["lapsed"] == pytest.approx(baseline.funder.query("funder_id == 'eu_grant'")["unused_meur"].sum())
    with new_tab():
        projects.funder_pick.set("local")
        _box, rc = solara.render(projects.FunderView(baseline), handle_error=False)
        try:
            prose = " ".join(
                str(w.children) for w in walk(rc.container) if "reserves" in str(getattr(w, "children", ""))
            )
            assert "kept in the regions' reserves" in prose and "lapsed unused" not in prose
        finally:
            rc.close()
            projects.funder_pick.set("eu_grant")


def test_deficit_context_line_comes_from_every_replicate(baseline):
    """With replicates the deficit card's "% of demand unmet" is the mean over them, like its number."""
    from dataclasses import replace

    from wecsim.app.components.cards import card_row_html
    from wecsim.app.runs import Ensemble
    from wecsim.scenario import load_scenario

    # a second replicate with three times the deficit: the mean share is twice the first run's
    nat = baseline.national.copy()
    nat["water_deficit_km3"] *= 3
    nat["water_deficit_pct"] *= 3
    worse = replace(baseline, national=nat, derived={})  # its own cache of derived numbers
    sc = load_scenario("baseline")
    view = state.Shown(Ensemble(sc, [baseline, worse], "baseline"), Ensemble(sc, [baseline], "baseline"))
    row = card_row_html(view, 2050)
    deficit_card = re.search(r'wecsim-card-deficit".*?(?=<div class="wecsim-card )', row).group(0)
    text = html.unescape(re.sub(r"<[^>]+>", " ", deficit_card))
    first = baseline.national.set_index("year").loc[2050]
    pct = first["water_deficit_pct"]
    assert f"{pct:.1f}" != f"{2 * pct:.1f}"  # else one decimal could not tell the two apart
    value = 2 * first["water_deficit_km3"]
    assert f"{value:,.2f}" in text  # the card's number: the mean over both runs
    assert f"{2 * first['water_deficit_pct']:.1f}% of demand unmet" in text
    assert f"{first['water_deficit_pct']:.1f}% of demand unmet" not in text


LEVER = "res_auction_mw_per_yr"


def _shows(rc, value) -> bool:
    """Whether the page is settled on ``value``: status "Up to date", and cards, map and charts of that value."""
    from wecsim.app.components.cards import card_row_html

    st = state.status.value
    views = (state.cards.value, state.shown.value, state.charts.value)
    if st.running or st.error or st.elapsed_s is None:
        return False
    if any(v.current is None or v.current.scenario.value(LEVER) != value for v in views):
        return False
    return card_row(rc) == card_row_html(state.cards.value, state.headline_year.value)


def test_rapid_lever_changes_end_on_the_last_value():
    """Five values typed without waiting: the page settles on the last one, and says so only then."""
    with new_tab():
        _box, rc = render_app()
        try:
            wait_until(landed)
            for v in (710.0, 720.0, 730.0, 740.0, 750.0):
                state.set_value(LEVER, v)
                # from the first key press until its runs land, the status never says "Up to date"
                assert state.status.value.running
            wait_until(lambda: _shows(rc, 750.0), 120)
            res_card = float(card_texts(rc, "wecsim-card-value")[1])
            alone = runs.run_one(state.current_scenario(), state.seed.value)
            assert res_card == pytest.approx(100 * alone.national.set_index("year").loc[2050, "res_share"], abs=0.05)
        finally:
            rc.close()


def test_an_older_run_landing_late_never_covers_a_newer_one(monkeypatch):
    """The race of issue 14: a request's cards are being written when a newer request starts and lands.

    The older request must not write its cards over the newer ones, nor may the status say
    "Up to date" while they show the older value.
    """
    import threading

    from wecsim.app.components import cards as cards_module

    real = cards_module.card_row_html
    in_publish, newer_landed = threading.Event(), threading.Event()

    def slow_for_old(view, year):
        if view.current.scenario.value(LEVER) == 800.0 and not in_publish.is_set():
            in_publish.set()
            newer_landed.wait(3.0)  # an older request held up mid-publish (a busy server)
        return real(view, year)

    monkeypatch.setattr(cards_module, "card_row_html", slow_for_old)
    with new_tab():
        _box, rc = render_app()
        try:
            wait_until(landed)
            state.set_value(LEVER, 800.0)
            assert in_publish.wait(60)
            newer = threading.Thread(target=state.set_value, args=(LEVER, 900.0))
            newer.start()
            # before the fix the newer request landed here, during the older one's publish
            try:
                wait_until(lambda: landed((LEVER, 900.0)), 2.5)
                newer_landed.set()
            except AssertionError:
                pass  # the newer request waits for the older one's publish to end (the fix)
            newer.join(60)
            wait_until(lambda: not state.status.value.running and state.shown.value.current is not None, 60)
            time.sleep(0.5)  # let any late write land
            assert state.values[LEVER].value == 900.0
            assert _shows(rc, 900.0), "status or cards are those of an older request"
        finally:
            rc.close()


def test_cards_written_straight_into_their_row_stay_when_the_page_is_redrawn():
    """Cards written into their row ahead of the page's redraw are not put back by a redraw elsewhere.

    The headline cards of a request are written straight into the card row's widget when its
    headline tables land (:func:`~wecsim.app.components.cards.show_at_once`); the page follows
    when every run has landed. A redraw of another part of the page in between (the status
    line, a lever) must leave them: with reacton's default renderer, which sets every widget's
    properties from its element at every redraw, the previous request's cards came back.
    """
    from wecsim.app.components.cards import card_row_html, show_at_once

    with new_tab():
        _box, rc = render_app()
        try:
            wait_until(landed)
            before = card_row(rc)
            year = state.headline_year.value
            newer = state.compute(
                state.scenario_for({**state.current_values(), LEVER: 900.0}),
                state.lookup(state.reference_label.value),
                runs.seeds_for(state.seed.value, 1),
            )
            tab = state.requests()
            with tab.lock:  # as a request's headline does (state.run_explore)
                assert show_at_once(newer, year)
                tab.headline = newer
            written = card_row(rc)
            assert written == card_row_html(newer, year) and written != before
            renders = rc.render_count
            # other parts of the page are redrawn: the status line, a lever and its group
            state.status.set(state.RunStatus(True, 0, 0, 0.2))
            state.values[LEVER].set(905.0)
            state.status.set(state.RunStatus(True, 1, 2, 0.2))
            wait_until(lambda: rc.render_count > renders, 10)
            time.sleep(0.3)
            assert card_row(rc) == written, "a redraw elsewhere put the previous request's cards back"
        finally:
            rc.close()
