"""Tender rules that the speed work must keep: who may bid and who localises (D3, local content)."""

from wecsim.model import WECModel
from wecsim.scenario import load_scenario


def _localisation_after(years: int, local_content: float) -> tuple[dict[str, float], dict[str, float]]:
    model = WECModel(load_scenario("baseline", overrides=[f"local_content_share={local_content}"]), seed=3)
    before = {f.firm_id: f.localisation for f in model.firms}
    for _ in range(years):
        model.step()
    return before, {f.firm_id: f.localisation for f in model.firms}


def test_firms_shut_out_by_the_local_content_rule_localise_and_no_others():
    before, after = _localisation_after(6, 0.6)
    moved = [fid for fid in before if after[fid] != before[fid]]
    assert moved, "a rule most foreign firms fail should make some of them localise"
    # only firms the rule shut out localise, and never past full localisation
    assert all(before[fid] + 1e-9 < 0.6 for fid in moved)
    assert all(before[fid] < after[fid] <= 1.0 for fid in moved)


def test_without_a_local_content_rule_no_firm_localises():
    before, after = _localisation_after(6, 0.0)
    assert after == before
