"""The Batch results page shows the robustness of policies for a policies x scenarios batch (issue 13, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_app_batch import write_batch

from wecsim.app.batch_results import RESULTS_ENV, BatchError, load_batch, policies_x_scenarios, robustness_table

POLICIES = ("status_quo", "grants", "canals")


def write_px_batch(root: Path, n: int = 12, replicates: int = 2, seed: int = 0) -> Path:
    """Write a policies x scenarios results folder: ``canals`` lowers the deficit in every scenario."""
    rng = np.random.default_rng(seed)
    for sub in ("runs", "outputs", "timings"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    drought = rng.uniform(0.1, 0.35, n)
    runs, rows = [], []
    for p, policy in enumerate(POLICIES):
        for s in range(n):
            point = p * n + s
            for r in range(replicates):
                run_id = point * replicates + r
                runs.append(
                    {
                        "run_id": run_id,
                        "point": point,
                        "replicate": r,
                        "seed": r,
                        "policy": policy,
                        "drought_probability_south": drought[s],
                        "status": "ok",
                        "error": None,
                    }
                )
                for y in (2026, 2030):
                    deficit = 4 * drought[s] - {"status_quo": 0, "grants": 0.05, "canals": 0.3}[policy] + 0.01 * r
                    rows.append({"run_id": run_id, "year": y, "water_deficit_km3": deficit, "population_m": 20.0})
    pd.DataFrame(runs).to_parquet(root / "runs" / "chunk-0.parquet")
    pd.DataFrame(rows).to_parquet(root / "outputs" / "chunk-0.parquet")
    manifest = {
        "format": "wecsim-experiment-results/1",
        "experiment": {
            "name": "px",
            "resolved": {"name": "px_demo", "design": {"kind": "policies_x_scenarios", "n": n}},
        },
        "versions": {"wecsim": "0.1.0"},
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_robustness_of_a_policies_x_scenarios_batch(tmp_path):
    b = load_batch(write_px_batch(tmp_path / "px"))
    assert policies_x_scenarios(b) == 12
    t = robustness_table(b, "water_deficit_km3", 2030).set_index("policy")
    assert t.loc["canals", "rank"] == 1 and t.loc["canals", "regret_max"] == 0
    assert t.loc["canals", "best_in_share"] == 1
    assert t.loc["status_quo", "regret_mean"] == pytest.approx(0.3)
    assert (t["scenarios"] == 12).all() and (t[["regret_mean", "regret_max"]] >= 0).all().all()
    # an indicator without a direction needs one chosen
    with pytest.raises(BatchError, match="has no direction"):
        robustness_table(b, "population_m", 2030)
    assert robustness_table(b, "population_m", 2030, "max")["regret_max"].max() == 0


def test_other_designs_have_no_robustness(tmp_path):
    b = load_batch(write_batch(tmp_path / "lhs"))
    assert policies_x_scenarios(b) is None
    with pytest.raises(BatchError, match="crosses policies with scenarios"):
        robustness_table(b, "water_deficit_km3", 2030)


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
def test_the_batch_page_renders_robustness_for_policies_x_scenarios(
    tmp_path, monkeypatch, app_in_thread, solara_patched
):
    import solara
    from test_app_components import by_class, new_tab, walk

    from wecsim.app.pages import batch as batch_page

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    write_px_batch(tmp_path / "results" / "px")
    write_batch(tmp_path / "results" / "lhs")
    with new_tab():
        batch_page.folder.set(str(tmp_path / "results" / "px"))
        batch_page.b_indicator.set("water_deficit_km3")
        _box, rc = solara.render(batch_page.BatchPage(), handle_error=False)
        try:
            (section,) = by_class(rc, "wecsim-batch-robustness")
            assert by_class(rc, "wecsim-table-batch_robustness")
            assert not by_class(rc, "wecsim-batch-robustness-error")
            shown = " ".join(str(getattr(w, "children", "")) for w in walk(section))
            assert "Robustness of the policies" in shown and "Less is better" in shown
            # no direction: the page says so instead of ranking
            batch_page.b_indicator.set("population_m")
            assert by_class(rc, "wecsim-batch-robustness-error")
            batch_page.b_direction.set("more is better")
            assert not by_class(rc, "wecsim-batch-robustness-error")
            assert by_class(rc, "wecsim-table-batch_robustness")
            # a Latin hypercube batch has no robustness section
            batch_page.folder.set(str(tmp_path / "results" / "lhs"))
            batch_page.b_indicator.set("water_deficit_km3")
            assert by_class(rc, "wecsim-table-batch_summary")
            assert not by_class(rc, "wecsim-batch-robustness")
        finally:
            rc.close()
            batch_page.folder.set("")
            batch_page.b_indicator.set("")
            batch_page.b_direction.set("auto")
