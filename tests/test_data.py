"""The data tables: every parameter is used by the code, and the tables agree with each other."""

import re
from pathlib import Path

import pandas as pd

from wecsim.datasets import table

CODE = "\n".join(p.read_text() for p in (Path(__file__).parents[1] / "wecsim").rglob("*.py"))


def test_every_parameter_is_used_by_the_code():
    # read by name in the code, as a funder's envelope, or through a technology's learning curve
    kinds = set(table("technologies")["learning"]) - {"none"}
    derived = {f"{pattern.format(k)}" for k in kinds for pattern in LEARNING_NAMES}
    named = set(table("funders")["budget_lever"]) | derived
    unused = [n for n in table("parameters")["name"] if f'"{n}"' not in CODE and n not in named]
    assert not unused, f"parameters.csv holds numbers no code reads: {unused}"


#: Names the model builds from a technology's ``learning`` column (``Model.capex_multiplier``).
LEARNING_NAMES = ("global_{}_capacity_2025", "global_{}_additions_per_yr", "learning_rate_{}_pct")


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


CITED = re.compile(
    r"\[V|\[E|assumption|LEVERS\.md|source brief|data sheet|\(.*\d{4}.*\)|\.(kz|com|org)"
    r"|^geography: |^see row source$"
)


def test_every_row_of_every_table_has_a_source():
    """Every row of every bundled table has a non-empty source that cites or says assumption.

    ``region_attributes`` may point to the per-row sources of ``regions.csv`` ("see row source")
    or state a plain geographic fact ("geography: ...").
    """
    from wecsim.datasets import TABLES

    regions = table("regions")["source"].astype(str)
    for name in TABLES:
        src = table(name)["source"]
        assert src.notna().all() and (src.astype(str).str.strip() != "").all(), f"{name}: empty source"
        uncited = [s for s in src.astype(str) if not CITED.search(s)]
        assert not uncited, f"{name}: sources that neither cite nor say assumption: {uncited[:3]}"
        if name == "region_attributes":
            for attribute, s in zip(table(name)["attribute"], src.astype(str), strict=True):
                if s == "see row source":
                    assert regions.str.contains(f"{attribute}:", regex=False).any(), attribute
