"""Scenario discovery on integer, float and categorical inputs: every shipped experiment's design."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.experiments import design_points, load_experiment, query, run_batch
from wecsim.experiments.analysis import cart_boxes, prim_boxes
from wecsim.experiments.reports import discover

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "experiments").glob("*.yaml"))


def _planted(x: pd.DataFrame, exp) -> tuple[str, float, str | None, np.ndarray]:
    """Return a rule "p above its median (and c is its first value)" on the design, and where it holds."""
    ints = [p.name for p in exp.parameters if p.type == "int" and x[p.name].nunique() > 1]
    nums = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c]) and x[c].nunique() > 1]
    cats = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    p = (ints or nums)[0]
    cut = float(np.sort(x[p].unique())[len(x[p].unique()) // 2 - 1])
    y = (x[p] > cut).to_numpy().copy()
    c = cats[0] if cats else None
    if c is not None:
        y &= (x[c] == sorted(x[c].unique())[0]).to_numpy()
    return p, cut, c, y


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_prim_and_cart_find_a_planted_box_in_every_shipped_design(path):
    exp = load_experiment(path)
    x = design_points(exp).reset_index(drop=True).iloc[:1024]  # the first rows: enough, and quick
    p, cut, c, y = _planted(x, exp)
    for boxes in (prim_boxes(x, y, threshold=0.9), cart_boxes(x, y)):
        box = boxes[0]
        by_name = {r.name: r for r in box.restrictions}
        assert p in by_name and by_name[p].high > cut and box.density >= 0.9 and box.coverage >= 0.5, (p, box)
        if any(q.name == p and q.type == "int" for q in exp.parameters):
            assert by_name[p].low == int(by_name[p].low)  # an integer's limits are whole values
        if c is not None and len(x) >= 100:  # in 20 points the numeric limit alone may suffice
            assert by_name[c].categories == (sorted(x[c].unique())[0],)


def test_shipped_experiments_cover_integer_float_and_categorical_inputs():
    types = {p.type for path in SHIPPED for p in load_experiment(path).parameters}
    assert {"int", "float", "categorical"} <= types


def test_discover_cli_on_a_factorial_with_an_integer_lever_labels_boxes_below_the_threshold(tmp_path):
    """The documented finance_factorial command crashed (int64 limits under pandas 3): a short version of it."""
    data = yaml.safe_load((ROOT / "experiments" / "finance_factorial.yaml").read_text())
    data["overrides"] = {"end_year": 2026}
    data["replicates"] = 1
    data["outputs"]["years"] = [2026]
    path = tmp_path / "ff.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    run_batch(path, out, executor="serial")
    median = float(query(out, "SELECT median(co2_total_mt) AS m FROM outputs")["m"].item())
    r = CliRunner().invoke(
        app, ["discover", str(out), f"co2_total_mt > {median}", "--year", "2026", "--threshold", "1"]
    )
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())  # Rich wraps long titles
    assert "Box 1 (prim)" in text
    boxes, *_ = discover(out, f"co2_total_mt > {median}", 2026, threshold=1.0)
    below = [b for b in boxes if b.extra["below_threshold"]]
    assert all((b.density < 1.0) == b.extra["below_threshold"] for b in boxes)
    assert text.count("BELOW THE THRESHOLD") == len(below)
