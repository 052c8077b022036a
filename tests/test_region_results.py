"""A region's ``results``: its row of the region table for the latest year (read when asked)."""

from wecsim.model import WECModel
from wecsim.scenario import load_scenario


def test_region_results_are_its_row_of_the_latest_year():
    model = WECModel(load_scenario("baseline"), seed=3)
    assert all(r.results == {} for r in model.region_agents)  # nothing recorded yet
    for _ in range(3):
        model.step()
    table = model.datacollector.tables["region"]
    last = max(table["year"])
    rows = [i for i, y in enumerate(table["year"]) if y == last]
    assert len(rows) == len(model.region_agents)
    for row in rows:
        region = model.region_by_id[table["region_id"][row]]
        results = region.results
        assert results, region.region_id
        assert set(results) <= set(table)
        assert results == {k: table[k][row] for k in results}
    # the year after, the regions report that year's numbers (drip adoption grows)
    before = {r.region_id: r.results["water_saving_irrigation_share"] for r in model.region_agents}
    model.step()
    after = {r.region_id: r.results["water_saving_irrigation_share"] for r in model.region_agents}
    assert after != before
