"""Headline numbers and map values are read from the Results tables, not computed anew."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wecsim.app.indicators import (
    HEADLINES,
    card_values,
    fmt,
    fmt_delta,
    judge,
    label,
    region_balance,
    region_decisions,
    region_indicators,
    region_values,
    scale,
)
from wecsim.app.tilemap import colors_for, layout, text_color
from wecsim.datasets import table
from wecsim.model import NATIONAL_INDICATORS, REGION_INDICATORS


def test_headlines_equal_the_results_tables(baseline):
    nat = baseline.national.set_index("year")
    cards = {c.headline.key: c for c in card_values([baseline], [baseline], 2050)}
    assert set(cards) == {"deficit", "res", "co2", "recycling", "investment"}
    assert cards["deficit"].value == pytest.approx(nat.loc[2050, "water_deficit_km3"])
    assert cards["res"].value == pytest.approx(100 * nat.loc[2050, "res_share"])
    assert cards["co2"].value == pytest.approx(nat.loc[2050, "co2_total_mt"])
    assert cards["recycling"].value == pytest.approx(100 * nat.loc[2050, "recycling_rate"])
    committed = baseline.ledger.query("kind == 'commitment'")["amount_meur"].sum()
    assert cards["investment"].value == pytest.approx(committed / 1000)
    for c in cards.values():
        assert c.delta == pytest.approx(0.0) and c.verdict == "same"


def test_card_range_across_replicates(baseline):
    import wecsim

    other = wecsim.run("baseline", seed=7)
    cv = next(c for c in card_values([baseline, other], [baseline], 2030) if c.headline.key == "deficit")
    a, b = (r.national.set_index("year").loc[2030, "water_deficit_km3"] for r in (baseline, other))
    assert cv.value == pytest.approx((a + b) / 2)
    assert min(a, b) <= cv.low <= cv.high <= max(a, b)


@pytest.mark.parametrize(
    ("delta", "how", "verdict"),
    [
        (1.0, "up", "better"),
        (-1.0, "up", "worse"),
        (1.0, "down", "worse"),
        (-1.0, "down", "better"),
        (0.001, "up", "same"),
        (1.0, None, "same"),
        (math.nan, "up", "same"),
    ],
)
def test_judge(delta, how, verdict):
    assert judge(delta, how, 1) == verdict


def test_number_formatting():
    assert fmt(17050.123, 1) == "17,050.1"
    assert fmt(math.nan) == "–"
    assert fmt_delta(1.25, 1) == "+1.2" or fmt_delta(1.25, 1) == "+1.3"
    assert fmt_delta(-0.5, 1) == "−0.5"
    assert fmt_delta(0.01, 1) == "±0"


def test_every_model_indicator_has_a_label_with_a_unit():
    for col in NATIONAL_INDICATORS + REGION_INDICATORS:
        text = label(col)
        assert text and "_" not in text, col
    assert label("water_deficit_km3").endswith("[km³/yr]")
    assert scale("res_share") == 100 and scale("co2_total_mt") == 1
    assert label("some_new_thing_twh") == "Some new thing [TWh/yr]"


def test_region_values_cover_all_twenty_regions(baseline):
    ids = set(table("regions")["region_id"])
    for ind in region_indicators(baseline):
        vals = region_values(baseline, ind.key, 2030)
        assert set(vals.index) == ids, ind.key
        assert np.isfinite(vals.to_numpy(float)).all(), ind.key
    money = region_values(baseline, "committed_cum_meur", 2050)
    led = baseline.ledger.query("kind == 'commitment'")
    assert money.sum() == pytest.approx(led["amount_meur"].sum())
    pct = region_values(baseline, "water_deficit_pct", 2030)
    assert ((pct >= 0) & (pct <= 100)).all()


def test_region_detail_tables(baseline):
    bal = region_balance(baseline, "KZ-61")
    assert list(bal.index) == sorted(baseline.national["year"])
    assert np.allclose(bal["demand"], bal["supplied"] + bal["deficit"])
    dec = region_decisions(baseline, "KZ-61")
    assert len(dec) and {"year", "project_id", "name", "step", "reason"} <= set(dec.columns)
    assert dec["year"].is_monotonic_decreasing
    assert dec["name"].str.contains("Turkestan").all()


def test_tile_layout_is_the_twenty_regions_without_overlap():
    tiles = layout()
    assert {t.region_id for t in tiles} == set(table("regions")["region_id"])
    cells = [(t.row + i, t.col + j) for t in tiles for i in range(t.row_span) for j in range(t.col_span)]
    assert len(cells) == len(set(cells))
    north = {t.name: t.row for t in tiles}
    assert north["North Kazakhstan"] < north["Karaganda"] < north["Almaty city"]
    west = {t.name: t.col for t in tiles}
    assert west["Mangystau"] < west["Kyzylorda"] < west["Zhetysu"]


def test_colours_follow_values_and_text_stays_readable():
    import pandas as pd

    vals = pd.Series({"a": 0.0, "b": 5.0, "c": 10.0, "d": np.nan})
    cols = colors_for(vals, "down")
    assert cols["d"] == "#e0e0e0"
    assert len({cols["a"], cols["b"], cols["c"]}) == 3
    assert text_color("#ffffff") == "#000000" and text_color("#000000") == "#ffffff"
    assert all(h.title and h.unit for h in HEADLINES)


def test_every_refusal_reason_has_plain_words():
    from wecsim.agents.funder import REFUSAL_REASONS
    from wecsim.app.indicators import REFUSAL_TEXT, refusal_label

    assert tuple(REFUSAL_TEXT) == REFUSAL_REASONS
    assert all(refusal_label(r) != r and "_" not in refusal_label(r) for r in REFUSAL_REASONS)


def test_funder_refusals_are_the_refusals_table_in_plain_words(baseline):
    from wecsim.app.indicators import refusal_label, technology_names
    from wecsim.app.pages.projects import filter_refusals, funder_refusals, refusal_counts

    ref = baseline.refusals[baseline.refusals["funder_id"] == "eu_grant"]
    df = funder_refusals(baseline, "eu_grant")
    assert list(df.columns) == ["year", "id", "project", "technology", "region", "reason", "stage at the end"]
    assert len(df) == len(ref) and df["year"].is_monotonic_decreasing
    assert sorted(df["reason"]) == sorted(ref["reason"].map(refusal_label))
    one = df.iloc[0]
    p = baseline.project.set_index("project_id").loc[one["id"]]
    assert one["project"] == p["name"] and one["region"] == p["region"]
    assert one["technology"] == technology_names()[p["technology"]]
    # counts by reason add up; projects built with other money are among those refused
    counts = refusal_counts(df).set_index("reason")
    assert counts["refusals"].sum() == len(ref)
    assert (counts["projects"] <= counts["refusals"]).all()
    assert (counts["of which built with other money"] <= counts["projects"]).all()
    used_up = refusal_label("envelope used up")
    assert counts.loc[used_up, "refusals"] == (ref["reason"] == "envelope used up").sum()
    # filters
    region = df["region"].iloc[0]
    shown = filter_refusals(df, used_up, region, "")
    assert len(shown) == ((df["reason"] == used_up) & (df["region"] == region)).sum() > 0
    assert len(filter_refusals(df, "any", "any", "")) == len(df)
    assert filter_refusals(df, "any", "any", "no such project").empty
    assert funder_refusals(baseline, "farmers").empty
