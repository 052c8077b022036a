"""The sceptic's lever grid (experiments/lever_grid.py): what it flags, and that it runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("lever_grid", ROOT / "experiments" / "lever_grid.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["lever_grid"] = module  # its worker function is sent to the pool by name
    spec.loader.exec_module(module)
    return module


def _table(levels: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"lever": lever, "indicator": "recycling_rate", "year": 2030, "value": float(i), "level": v}
        for lever, values in levels.items()
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_the_grid_flags_a_knife_edge_and_a_turn_but_not_a_smooth_or_an_invisible_response():
    g = _module()
    table = _table(
        {
            "edge": [0.40, 0.40, 0.40, 0.40, 0.49, 0.49],  # 9 points in one step (the EPR fee before 2 Dec)
            "turn": [0.40, 0.43, 0.46, 0.42, 0.38, 0.40],  # up 6 points, then down 8
            "smooth": [0.40, 0.42, 0.44, 0.46, 0.48, 0.50],
            "invisible": [0.400, 0.400, 0.400, 0.400, 0.402, 0.402],  # under 5 visible amounts
        }
    )
    found = g.flags(table).set_index("lever")
    assert set(found.index) == {"edge", "turn"}
    assert found.loc["edge", "largest_step_share"] == 1.0 and not found.loc["edge", "turns"]
    assert found.loc["turn", "turns"]


def test_the_grid_runs_a_lever_over_its_range_with_common_seeds(tmp_path):
    g = _module()
    assert g.grid_values("epr_fee_multiplier", 5) == [0.0, 0.75, 1.5, 2.25, 3.0]
    assert g.main(["--levers", "epr_fee_multiplier", "--points", "3", "--seeds", "1", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "grid.csv")
    assert len(table) == 3 * 2 * len(g.VISIBLE)  # values x years x headlines
    recycling = table[(table["indicator"] == "recycling_rate") & (table["year"] == 2050)].sort_values("value")
    assert recycling["level"].is_monotonic_increasing  # more EPR money, more recycling
    assert (tmp_path / "flags.csv").exists()
