"""The data tables: every parameter is used by the code, and the tables agree with each other."""

import re
from pathlib import Path

import pandas as pd

from wecsim.datasets import table

CODE = "\n".join(p.read_text() for p in (Path(__file__).parents[1] / "wecsim").rglob("*.py"))


def test_every_parameter_is_used_by_the_code():
    unused = [n for n in table("parameters")["name"] if f'"{n}"' not in CODE]
    assert not unused, f"parameters.csv holds numbers no code reads: {unused}"


def test_every_lever_reaches_the_model():
    funder_levers = set(table("funders")["budget_lever"])
    learning = {f"learning_rate_{t}_pct" for t in set(table("technologies")["learning"]) - {"none"}}
    for name in table("levers")["name"]:
        assert name in funder_levers | learning or f'"{name}"' in CODE, name


def test_regions_and_basins_are_consistent():
    regions, basins = table("regions"), table("basins")
    assert len(regions) == 20 and len(basins) == 8
    assert set(regions["basin_id"]) == set(basins["basin_id"])
    assert regions["region_id"].str.match(r"^KZ-\d{2}$").all()
    assert regions["population_k"].sum() == pd.Series([20286.0]).iloc[0]
    tiles = list(zip(regions["tile_row"], regions["tile_col"], strict=True))
    assert len(set(tiles)) == len(tiles), "two regions share a map tile"


CITED = re.compile(r"\[V|\[E|assumption|LEVERS\.md|source brief|data sheet|\(.*\d{4}.*\)|\.(kz|com|org)")


def test_sources_cite_or_say_assumption():
    for name in ("parameters", "technologies", "funders", "firms", "levers", "basins"):
        src = table(name)["source"].astype(str)
        assert src.map(lambda s: bool(CITED.search(s))).all(), name
