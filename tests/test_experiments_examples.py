"""The shipped sensitivity examples give answers a water-energy modeller would accept (small versions)."""

from __future__ import annotations

from pathlib import Path

import yaml

from wecsim.experiments import run_batch
from wecsim.experiments.reports import sensitivity_report

ROOT = Path(__file__).resolve().parents[1]
#: Levers and uncertainties that act on water (the rest act on finance, waste or power).
WATER_CLIMATE = {
    "drought_probability_south",
    "flow_change_scale",
    "upstream_withdrawal_growth_pct",
    "canal_lining_km_per_yr",
    "water_tariff_growth_pct",
    "irrigation_subsidy_share",
}


def shipped(name: str, tmp_path: Path, **design) -> Path:
    data = yaml.safe_load((ROOT / "experiments" / f"{name}.yaml").read_text())
    data["design"].update(design)  # fewer sample rows; the same parameters, replicates and weather rule
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_water_sobol_ranks_water_and_climate_first(tmp_path):
    """The full example (n = 64, 2,048 runs) gives canal lining (ST 0.71) and drought probability (0.44) far ahead
    of the rest; their order depends on the replicates' weather (the other way round on the draws before 2 Dec)."""
    out = tmp_path / "out"
    run_batch(shipped("water_sobol", tmp_path, n=8), out, executor="pool", workers=2)  # 256 runs
    rep = sensitivity_report(out, "water_deficit_km3", 2030)
    assert rep.crn and rep.replicates == 4
    t = rep.table
    assert set(t.index[:2]) == {"drought_probability_south", "canal_lining_km_per_yr"}, t
    assert (t.loc[~t.index.isin(WATER_CLIMATE), "ST"] < 0.05).all(), t
    assert not [c for c in rep.warnings if c.kind in {"impossible", "noise"}], [c.text for c in rep.warnings]
    recycling = sensitivity_report(out, "recycling_rate", 2030).table
    assert recycling.index[0] == "epr_fee_multiplier"  # the waste lever drives recycling, not the water ones


def test_policy_morris_ranks_water_levers_first_for_the_water_deficit(tmp_path):
    out = tmp_path / "out"
    run_batch(shipped("policy_morris", tmp_path, n=4), out, executor="pool", workers=2)  # 176 runs
    rep = sensitivity_report(out, "water_deficit_km3", 2030)
    assert rep.crn and rep.method == "morris"
    top = rep.table.index[0]
    assert top in WATER_CLIMATE, rep.table
