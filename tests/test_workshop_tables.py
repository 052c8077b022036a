"""What the workshop shows in tables: every region on the projector; numbers and headers people read (issue 15)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
import solara
from test_workshop_page import by_class, new_tab, text_of, walk

from wecsim.i18n import use_language
from wecsim.model_data import model_data
from wecsim.workshop.replay import HEADLINE
from wecsim.workshop.scores import REGION_COLUMNS, regions_against_targets
from wecsim.workshop.service import Workshops
from wecsim.workshop.shown import figure, national_table, objectives_table, regions_table

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("solara_patched"),
]
REGION_IDS = {r["region_id"] for r in model_data().region_records}


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """A workshop of an akimat and a utility after one round of two years, both teams decided."""
    db = tmp_path_factory.mktemp("tables") / "w.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", ["region:KZ-47", "utility:KZ-75", "firm:loc_water_1"], 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    ws.submit(wid, made.team_codes["region:KZ-47"], "region:KZ-47", {"propose": ["drip", "canal_lining"]})
    ws.submit(
        wid, made.team_codes["utility:KZ-75"], "utility:KZ-75", {"tariff_growth_pct": 8, "accept_eu_condition": False}
    )
    ws.advance(wid, key)
    yield ws, made, db
    ws.close()


def test_every_region_is_stored_with_the_round_and_the_projector_table_has_all_20(played):
    ws, made, _db = played
    outcomes, without = ws.outcomes(made.workshop_id), ws.counterfactuals(made.workshop_id)
    assert set(outcomes[-1]["regions"]) == REGION_IDS == set(without[-1]["regions"])
    df = regions_against_targets(outcomes, without)
    assert list(df.columns) == REGION_COLUMNS and set(df["region_id"]) == REGION_IDS and len(df) == 20
    assert df["water_deficit_pct"].is_monotonic_decreasing, "the largest deficit share first"
    mine, base = outcomes[-1]["regions"], without[-1]["regions"]
    for row in df.to_dict("records"):
        r = row["region_id"]
        assert row["deficit_change_mm3"] == mine[r]["water_deficit_mm3"] - base[r]["water_deficit_mm3"]
    target = outcomes[-1]["national"][-1]["recycling_target"]
    assert 0 < target < 1
    assert df["recycling_gap_pp"].tolist() == pytest.approx((100 * (df["recycling_rate"] - target)).tolist())
    assert ws.replay(made.workshop_id, made.facilitator_key) is True


def test_while_the_run_without_the_teams_is_computed_the_change_is_blank_not_an_older_rounds(played):
    ws, made, _db = played
    outcomes, without = ws.outcomes(made.workshop_id), ws.counterfactuals(made.workshop_id)
    # a second round stored, its comparison not yet (Workshops.advance stores it in a second step)
    second = {**outcomes[-1], "regions": {r: dict(v) for r, v in outcomes[-1]["regions"].items()}}
    df = regions_against_targets([*outcomes, second], without)
    assert len(df) == 20 and df["deficit_change_mm3"].isna().all()
    assert df["water_deficit_mm3"].notna().all(), "the round's own numbers are shown at once"
    assert regions_against_targets(outcomes, [])["deficit_change_mm3"].isna().all()


def test_rounds_stored_before_the_regions_still_replay_and_show_no_region_table(played):
    ws, made, db = played
    with sqlite3.connect(db) as c:
        (text,) = c.execute("SELECT outcome_json FROM round WHERE workshop_id = ?", (made.workshop_id,)).fetchone()
        old = json.loads(text)
        del old["regions"]
        c.execute("UPDATE round SET outcome_json = ? WHERE workshop_id = ?", (json.dumps(old), made.workshop_id))
    try:
        assert ws.replay(made.workshop_id, made.facilitator_key) is True
        assert regions_against_targets(ws.outcomes(made.workshop_id), ws.counterfactuals(made.workshop_id)).empty
    finally:
        with sqlite3.connect(db) as c:
            c.execute("UPDATE round SET outcome_json = ? WHERE workshop_id = ?", (text, made.workshop_id))


def test_the_projector_shows_all_20_regions_in_plain_words(played):
    from wecsim.app.pages.workshop import ProjectorPanel

    _ws, made, db = played
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WECSIM_WORKSHOP_DB", str(db))
        with new_tab():
            _, rc = solara.render(ProjectorPanel(made.workshop_id, made.projector_code), handle_error=False)
            text = text_of(rc)
            table = by_class(rc, "wecsim-table-ws-board-regions")
            frame = next(w for w in walk(table[0]) if hasattr(w, "items") and isinstance(w.items, list))
            rc.close()
    assert "The regions in 2026: the water deficit and the targets" in text
    assert len(frame.items) == 20, "every region on one page, not only those in play"
    names = {item["region"] for item in frame.items}
    assert {"Mangystau", "Almaty city", "Turkestan"} <= names


@pytest.mark.parametrize(
    ("x", "en", "kk"),
    [
        (0.28090000000000004, "0.281", "0,281"),
        (1807.3, "1,807", "1\xa0807"),
        (12.345, "12.3", "12,3"),
        (0.00994, "0.0099", "0,0099"),
        (-0.00001, "0", "0"),
        (0, "0", "0"),
        (float("nan"), "", ""),
    ],
)
def test_numbers_are_shown_to_three_significant_digits_in_the_language(x, en, kk):
    with use_language("en"):
        assert figure(x) == en
    with use_language("kk"):
        assert figure(x) == kk
    assert figure("KZ-47") == "KZ-47" and figure(None) == ""


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_team_tables_show_named_columns_and_readable_numbers(played, lang):
    ws, made, _db = played
    view = ws.team_view(made.workshop_id, made.team_codes["utility:KZ-75"])
    firm = ws.team_view(made.workshop_id, made.team_codes["firm:loc_water_1"])
    with use_language(lang):
        tables = [
            objectives_table(view["last_outcome"]["mine"]),
            objectives_table(firm["last_outcome"]["mine"]),
            national_table(view["last_outcome"]["national"][-1], HEADLINE),
            regions_table(regions_against_targets(ws.outcomes(made.workshop_id), ws.counterfactuals(made.workshop_id))),
        ]
    for df in tables:
        for header in df.columns:
            assert "_" not in header, f"a column id shown to people: {header}"
            if lang != "en":
                assert not any(w in header for w in ("Revenue", "Cash", "wear", "Contracts", "deficit")), header
        for cell in df.to_numpy().ravel():
            assert isinstance(cell, str)
            assert not re.search(r"\d[.,]\d{5,}", cell), f"a raw float shown to people: {cell}"
    water = tables[0]
    assert len(water) == 2 and water.iloc[:, 0].tolist() == ["2025", "2026"]
