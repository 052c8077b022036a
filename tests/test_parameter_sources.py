"""Sources of the model's numbers (issue 11, item 7).

Every number in ``wecsim/data/`` cites a source or says why it is an assumption, and most of
the fixed parameters that move a headline indicator are sourced. The share is counted by
``wecsim.experiments.parameter_sources`` (``docs/model.md``, section 10.3).
"""

import re

import pytest

from wecsim.datasets import TABLES, table
from wecsim.experiments.parameter_sources import VISIBLE, driver_summary, source_kind, sweep_parameters
from wecsim.runner import run_national
from wecsim.scenario import load_scenario

#: The sourced share of headline drivers: issue 11's bar, 85%. Measured: 86 of 100 (86.0%) on
#: 2 Dec 2026 (recyclers' site costs, year-by-year draws, overruns raised over the wait,
#: `canal_min_km` sourced); 89 of 100 (89.0%) after the third sourcing round (1 Dec 2026); 85
#: of 99 before it; 80 of 91, 85 of 102 and 83 of 104 before. The floor was 87% (two drivers
#: below the 1 Dec count) until the driver set, measured on one seed, showed how far it moves
#: near its threshold with any change: 100 -> 110 drivers (93 sourced, 84.5%) with the new
#: draws and site costs, back to 100 when one value (`canal_min_km`) was re-sourced.
SOURCED_SHARE_FLOOR = 0.85


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[E] derived from 51 kha in 2019-22 (inform.kz 2023)", "sourced"),
        ("Caldera & Breyer 2017, Water Resources Research", "sourced"),
        ("[V] Ministry of Ecology figure", "sourced"),
        ("assumption: plants >65% worn (news.mail.ru 2026) [V]; range 10-30", "assumption"),
        ("Assumption for the size; the behaviour is documented (el.kz 2024)", "assumption"),
        ("plausible 0.5-0.8", "assumption"),
        ("longer projects have larger overruns (Ansar et al. 2014) [V]; rho ~0.5: assumption", "assumption"),
        ("[E] 0.73-0.75 (BNS via mgorod.kz 2025) [V], was 0.3 (an assumption)", "sourced"),
    ],
)
def test_source_kind_tells_a_citation_from_an_assumption(text, kind):
    """An entry that starts with 'assumption' is one whatever it cites; otherwise a citation makes it sourced."""
    assert source_kind(text) == kind


def test_every_assumption_in_the_data_says_why():
    """No bare 'assumption': each one gives its reason or its bounds (issue 11, item 7)."""
    bare = []
    for name in TABLES:
        for s in table(name)["source"].astype(str):
            t = s.strip()
            if t.lower().startswith("assumption"):
                reason = re.sub(r"^assumptions?\W*", "", t, flags=re.IGNORECASE)
                if len(reason.split()) < 3:
                    bare.append((name, t))
    assert not bare, bare[:5]


def test_a_changed_data_year_stock_parameter_reaches_the_run():
    """The sweep moves starting stocks that ``parameters.csv`` holds (e.g. 2025 electricity demand)."""
    config = load_scenario("baseline")

    def co2(changes):
        return run_national(config, 42, changes)["co2_total_mt"].to_numpy(float)

    base, more = co2(None), co2({"electricity_demand_twh_2025": 118 * 1.25})
    assert more[0] > base[0] * 1.1 and more.mean() > base.mean() * 1.1


@pytest.mark.slow
def test_most_fixed_parameters_that_move_a_headline_are_sourced():
    """Move every parameter of ``parameters.csv`` by +25% and count the sourced share of those that matter."""
    sweep = sweep_parameters("baseline", seed=42, factor=1.25)
    summary = driver_summary(sweep)
    assert summary["drivers"] >= 50, summary  # the sweep finds drivers at all
    moved = sweep.loc[sweep["parameter"] == "electricity_demand_twh_2025", list(VISIBLE)]
    assert float(moved["co2_total_mt"].iloc[0]) > 1.0  # starting stocks are swept too
    assert summary["sourced_share"] >= SOURCED_SHARE_FLOOR, summary["assumption_drivers"]
