"""The small result tables: what pandas makes of the rows the model recorded, built faster."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wecsim.model import WECModel
from wecsim.runner import collect_results, records_frame
from wecsim.scenario import load_scenario


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Equal values, columns and dtypes, and the same hash of every row."""
    return (
        list(a.columns) == list(b.columns)
        and list(a.dtypes) == list(b.dtypes)
        and a.equals(b)
        and pd.util.hash_pandas_object(a, index=False).equals(pd.util.hash_pandas_object(b, index=False))
    )


def test_the_small_tables_are_what_pandas_makes_of_the_recorded_rows():
    sc = load_scenario("baseline").model_copy(update={"end_year": 2031})
    model = WECModel(sc, seed=4)
    model.run()
    res = collect_results(model, defer=True)
    for name in ("national", "region"):
        plain = model.datacollector.get_table_dataframe(name)
        plain["year"] = plain["year"].astype("int64")
        assert same_frame(getattr(res, name), plain), name
    assert same_frame(res.basin, pd.DataFrame(model.basin_records))
    assert same_frame(res.funder, pd.DataFrame(model.money_records))
    assert len(res.national) == 2031 - sc.start_year + 1
    assert {str(res.region[c].dtype) for c in ("region_id", "region", "basin_id")} == {"str"}


def test_records_of_mixed_kinds_and_keys_give_the_table_pandas_gives():
    cases = [
        [],
        [{"year": 2025, "x": 1, "ok": True, "id": "a"}, {"year": 2026, "x": 2.5, "ok": False, "id": "b"}],
        [{"a": 1.0, "b": None}, {"a": np.float64(2.0), "b": 3.0}],
        [{"a": 1, "b": 2}, {"a": 3, "c": 4}],  # the same number of keys, not the same keys
        [{"a": 1, "b": 2}, {"a": 3}],
    ]
    for records in cases:
        assert same_frame(records_frame(records), pd.DataFrame(records)), records
