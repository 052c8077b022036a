"""Numbers read from results: the EU leverage, from the ledger or from the model's rows."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from wecsim.results import eu_leverage_of


def test_eu_leverage_by_hand():
    # project 1: EU 10, EBRD 25, local 5 -> 30 other euros; project 2 has no EU money
    rows = [(1, "eu_grant", 10.0), (1, "ebrd", 25.0), (1, "local", 5.0), (2, "ebrd", 100.0)]
    assert eu_leverage_of(rows) == 3.0
    # a release of EU money counts against the EU, not as a new project
    rows.append((1, "eu_grant", -2.0))
    assert eu_leverage_of(rows) == (38.0 - 8.0) / 8.0
    assert math.isnan(eu_leverage_of([(2, "ebrd", 100.0)]))


rows = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(["eu_grant", "ebrd", "national", "local"]),
        st.floats(0.001, 1e4, allow_nan=False),
    ),
    min_size=1,
    max_size=40,
)


@given(rows, st.randoms(use_true_random=False))
def test_eu_leverage_does_not_depend_on_row_order(rs, rnd):
    shuffled = list(rs)
    rnd.shuffle(shuffled)
    a = eu_leverage_of(rs)
    b = eu_leverage_of(shuffled)
    assert a == b or (math.isnan(a) and math.isnan(b))
