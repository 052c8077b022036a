"""Reading ``wecsim batch`` results folders: fan charts and sensitivity rankings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecsim.app.batch_results import BatchError, fan, find_batches, load_batch, ranking


def write_batch(root: Path, n: int = 30, seed: int = 0) -> Path:
    """Write a small results folder in the documented layout (format wecsim-experiment-results/1).

    The deficit depends strongly on ``drought_probability_south``, weakly on the EU budget,
    and not at all on ``noise_parameter``; the pathway shifts it.
    """
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("runs", "outputs", "timings"):
        (root / sub).mkdir(exist_ok=True)
    drought = rng.uniform(0.1, 0.35, n)
    eu = rng.uniform(0, 200, n)
    noise = rng.uniform(0, 1, n)
    path = rng.choice(["SSP1-2.6", "SSP5-8.5"], n)
    runs = pd.DataFrame(
        {
            "run_id": np.arange(n),
            "point": np.arange(n),
            "replicate": 0,
            "seed": rng.integers(0, 2**31, n),
            "drought_probability_south": drought,
            "budget_eu_grant_meur": eu,
            "noise_parameter": noise,
            "climate_pathway": path,
            "status": ["ok"] * (n - 1) + ["error"],
            "error": [None] * (n - 1) + ["boom"],
        }
    )
    rows = []
    for i in range(n):
        for y in (2026, 2028, 2030):
            deficit = 4 * drought[i] - 0.002 * eu[i] + (0.3 if path[i] == "SSP5-8.5" else 0) + 0.01 * (y - 2026)
            rows.append({"run_id": i, "year": y, "water_deficit_km3": deficit, "res_share": 0.05 + 0.001 * eu[i]})
    runs.to_parquet(root / "runs" / "chunk-000000.parquet")
    pd.DataFrame(rows).to_parquet(root / "outputs" / "chunk-000000.parquet")
    runs[["point", "drought_probability_south", "budget_eu_grant_meur"]].to_parquet(root / "design.parquet")
    manifest = {
        "format": "wecsim-experiment-results/1",
        "experiment": {"name": "demo", "resolved": {"name": "demo_lhs"}},
        "versions": {"wecsim": "0.1.0"},
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_load_and_summarise(tmp_path):
    b = load_batch(write_batch(tmp_path / "demo"))
    assert b.name == "demo_lhs"
    assert b.parameters == ["drought_probability_south", "budget_eu_grant_meur", "noise_parameter", "climate_pathway"]
    assert b.indicators == ["water_deficit_km3", "res_share"]
    assert b.years == [2026, 2028, 2030]
    assert len(b.ok_runs) == 29
    s = b.summary()
    assert s["runs"] == 30 and s["failed runs"] == 1


def test_fan_quantiles_are_ordered(tmp_path):
    b = load_batch(write_batch(tmp_path / "demo"))
    q = fan(b, "water_deficit_km3")
    assert list(q["year"]) == [2026, 2028, 2030]
    assert (q["q05"] <= q["q25"]).all() and (q["q25"] <= q["q50"]).all()
    assert (q["q50"] <= q["q75"]).all() and (q["q75"] <= q["q95"]).all()
    by = fan(b, "water_deficit_km3", "climate_pathway")
    assert set(by["climate_pathway"]) == {"SSP1-2.6", "SSP5-8.5"}
    hot = by[by["climate_pathway"] == "SSP5-8.5"]["q50"].mean()
    mild = by[by["climate_pathway"] == "SSP1-2.6"]["q50"].mean()
    assert hot > mild


def test_ranking_finds_the_parameter_that_matters(tmp_path):
    b = load_batch(write_batch(tmp_path / "demo"))
    r = ranking(b, "water_deficit_km3", 2030)
    assert r.index[0] == "drought_probability_south"
    assert r["noise_parameter"] < r["drought_probability_south"]
    assert ((r >= 0) & (r <= 1)).all()
    assert ranking(b, "res_share", 2030).index[0] == "budget_eu_grant_meur"


def test_finding_folders_and_clear_errors(tmp_path):
    write_batch(tmp_path / "results" / "experiments" / "a")
    assert find_batches(tmp_path / "results") == [tmp_path / "results" / "experiments" / "a"]
    assert find_batches(tmp_path / "nothing_here") == []
    with pytest.raises(BatchError, match="not a batch results folder"):
        load_batch(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(BatchError, match="no finished runs yet"):
        load_batch(empty)


def test_reads_a_real_batch_folder(tmp_path):
    experiments = pytest.importorskip("wecsim.experiments")
    exp = tmp_path / "tiny.yaml"
    exp.write_text(
        "name: tiny\nbase: baseline\noverrides:\n  end_year: 2027\nseed: 1\nreplicates: 1\n"
        "design:\n  kind: latin_hypercube\n  n: 4\n"
        "parameters:\n  budget_eu_grant_meur: range\n  drought_probability_south: range\n"
        "outputs:\n  indicators: [water_deficit_km3, res_share]\n  years: [2026, 2027]\n",
        encoding="utf-8",
    )
    experiments.run_batch(exp, tmp_path / "out", executor="serial")
    b = load_batch(tmp_path / "out")
    assert len(b.ok_runs) == 4
    assert {"budget_eu_grant_meur", "drought_probability_south"} <= set(b.parameters)
    assert set(b.indicators) == {"water_deficit_km3", "res_share"}
    assert len(fan(b, "res_share")) == 2
    assert len(ranking(b, "water_deficit_km3", 2027)) == 2


# --- which folders the Batch page may open (issue 14, item 9) ---------------------------------

from wecsim.app.batch_results import REFUSED, RESULTS_ENV, allowed_roots, check_folder  # noqa: E402


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with ``results/demo`` as the working directory; no WECSIM_RESULTS."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    write_batch(tmp_path / "results" / "demo")
    return tmp_path


def test_results_folder_under_the_project_opens(project):
    assert allowed_roots() == [(project / "results").resolve()]
    assert check_folder("results/demo") == (project / "results" / "demo").resolve()
    assert check_folder(project / "results" / "demo") == (project / "results" / "demo").resolve()
    assert load_batch(check_folder("results/demo")).name == "demo_lhs"


@pytest.mark.parametrize(
    "path",
    ["/etc", "/proc/self", "/", "..", "results/../..", "results/demo/../../", "/tmp", "~", "results_other"],
)
def test_folders_outside_the_results_are_refused(project, path):
    with pytest.raises(BatchError) as exc:
        check_folder(path)
    assert str(exc.value) == REFUSED


def test_symlinks_out_of_the_results_are_refused(project, tmp_path_factory):
    outside = write_batch(tmp_path_factory.mktemp("elsewhere") / "secret")
    (project / "results" / "link").symlink_to(outside)
    with pytest.raises(BatchError, match="outside"):
        check_folder("results/link")
    # the folder list does not offer it either
    roots = allowed_roots()
    assert find_batches(roots[0], roots=roots) == [(project / "results" / "demo")]


@pytest.mark.parametrize("path", ["", "   ", "results/\x00demo", "a" * 5000])
def test_malformed_paths_get_a_plain_message(project, path):
    with pytest.raises(BatchError) as exc:
        check_folder(path)
    assert "Traceback" not in str(exc.value) and len(str(exc.value)) < 200


def test_a_folder_named_at_start_is_allowed(project, tmp_path_factory, monkeypatch):
    extra = tmp_path_factory.mktemp("runs")
    folder = write_batch(extra / "big")
    with pytest.raises(BatchError, match="outside"):
        check_folder(folder)
    monkeypatch.setenv(RESULTS_ENV, str(extra))
    assert check_folder(folder) == folder.resolve()
    assert (project / "results").resolve() in allowed_roots()


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
def test_the_batch_page_refuses_etc_and_opens_results(project, monkeypatch, app_in_thread, solara_patched):
    import solara
    from test_app_components import by_class, new_tab, walk

    from wecsim.app.pages import batch as batch_page

    with new_tab():
        batch_page.folder.set("/etc")
        _box, rc = solara.render(batch_page.BatchPage(), handle_error=False)
        try:
            (err,) = by_class(rc, "wecsim-batch-error")
            shown = " ".join(str(getattr(w, "children", "")) for w in walk(err))
            assert "outside" in shown and "passwd" not in shown
            assert not by_class(rc, "wecsim-table-batch_summary")
            batch_page.folder.set("results/../../../proc/self")
            assert by_class(rc, "wecsim-batch-error")
            batch_page.folder.set(str(project / "results" / "demo"))
            assert not by_class(rc, "wecsim-batch-error")
            assert by_class(rc, "wecsim-table-batch_summary")
        finally:
            rc.close()
            batch_page.folder.set("")
