"""Glue between a results folder and the analysis functions (plain data in, tables out).

``wecsim sensitivity`` and ``wecsim discover`` call these; so can a notebook.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wecsim.errors import WecsimError, check_number
from wecsim.experiments.analysis import Box, cart_boxes, morris_indices, plot_indices, prim_boxes, sobol_indices
from wecsim.experiments.design import salib_problem
from wecsim.experiments.store import ExperimentResults, connect, load_results
from wecsim.outputs import check_file_target, write_file


def sensitivity(
    results: ExperimentResults | str | Path,
    output: str,
    year: int | None = None,
    method: str = "auto",
    *,
    seed: int = 0,
) -> tuple[pd.DataFrame, str]:
    """Return the sensitivity indices of one output (averaged over replicates) and the method.

    Parameters
    ----------
    results
        Loaded results or a results folder.
    output
        Indicator name.
    year
        Year of the indicator (optional when one year is stored).
    method
        ``"sobol"``, ``"morris"`` or ``"auto"`` (the one the design was drawn for).
    seed
        Seed of the bootstrap confidence intervals.
    """
    res = results if isinstance(results, ExperimentResults) else load_results(results)
    exp = res.experiment
    kind = exp.design.kind
    if method == "auto":
        method = kind if kind in {"sobol", "morris"} else "sobol"
    if method not in {"sobol", "morris"}:
        raise WecsimError(f"--method: expected sobol, morris or auto, got {method!r}")
    if kind != method:
        raise WecsimError(
            f"{method} indices need a {method} design; this experiment's design is {kind} "
            f"(set `design: {{kind: {method}, n: ...}}` in the experiment file)"
        )
    problem = salib_problem(exp.parameters)
    y = res.by_point(output, year)
    if method == "sobol":
        return sobol_indices(problem, y, second_order=exp.design.second_order, seed=seed), method
    if res.sample is None:  # pragma: no cover - morris designs always store their sample
        raise WecsimError("the results folder has no sample.parquet; rerun the batch")
    return morris_indices(problem, res.sample, y, num_levels=exp.design.levels, seed=seed), method


def write_sensitivity_chart(
    table: pd.DataFrame,
    method: str,
    output: str,
    year: int | None,
    out_prefix: str | Path,
    *,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write the chart of :func:`sensitivity` as ``<prefix>.png`` and ``<prefix>.html``.

    Both files are checked before either is written, and each is written atomically;
    existing files are replaced only with ``overwrite`` (see :mod:`wecsim.outputs`).
    """
    prefix = Path(out_prefix)
    png, page = Path(f"{prefix}.png"), Path(f"{prefix}.html")
    for p in (png, page):
        check_file_target(p, overwrite=overwrite, option="--chart")
    when = f" in {year}" if year else ""
    title = f"{method.capitalize()} sensitivity of {output}{when}"

    def write_png(tmp_png: Path) -> None:
        def write_page(tmp_page: Path) -> None:
            plot_indices(table, method, title, tmp_png, tmp_page)

        write_file(page, write_page, overwrite=overwrite, option="--chart")

    write_file(png, write_png, overwrite=overwrite, option="--chart")
    return png, page


def cases_of_interest(
    root: str | Path, condition: str, year: int | None = None, inputs: str = "all"
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Return (x, y, n_failed): inputs of each successful run and whether ``condition`` holds.

    Parameters
    ----------
    root
        A results folder.
    condition
        A SQL boolean expression over the output columns, e.g. ``recycling_rate < 0.4``.
    year
        Evaluate it in this year; without a year a run is of interest if it holds in any kept year.
    inputs
        ``"all"`` varied parameters, only ``"uncertainties"`` or only ``"levers"``.
    """
    res = load_results(root)
    params = res.experiment.parameters
    kinds = {"all": None, "uncertainties": "uncertainty", "levers": "lever"}
    if inputs not in kinds:
        raise WecsimError(f"--inputs: expected all, uncertainties or levers, got {inputs!r}")
    names = [p.name for p in params if kinds[inputs] is None or p.kind == kinds[inputs]]
    if not names:
        raise WecsimError(f"the experiment varies no {inputs}")
    con = connect(root)
    try:
        where = f"WHERE year = {int(year)}" if year is not None else ""
        sql = f"SELECT run_id, bool_or(({condition})) AS hit FROM outputs {where} GROUP BY run_id"
        try:
            hits = con.execute(sql).df()
        except Exception as exc:
            raise WecsimError(
                f"the condition {condition!r} is not a valid SQL expression over the outputs: {exc}"
            ) from None
    finally:
        con.close()
    if hits.empty:
        raise WecsimError(f"no stored output for year {year}" if year is not None else "no stored output")
    ok = res.runs[res.runs["status"] == "ok"].set_index("run_id")
    hit = hits.set_index("run_id")["hit"].reindex(ok.index)
    keep = hit.notna().to_numpy()
    x = ok.loc[keep, names].reset_index(drop=True)
    return x, hit[keep].astype(bool).to_numpy(), int((res.runs["status"] != "ok").sum())


def discover(
    root: str | Path,
    condition: str,
    year: int | None = None,
    *,
    method: str = "prim",
    inputs: str = "all",
    threshold: float = 0.8,
    max_boxes: int = 3,
) -> tuple[list[Box], int, int, int]:
    """Find boxes of inputs where ``condition`` holds; return (boxes, n_runs, n_of_interest, n_failed).

    ``threshold`` (PRIM's density to reach) must be in (0, 1], ``max_boxes`` from 1 to 100.
    """
    check_number("--threshold", threshold, 0.0, 1.0, integer=False, low_open=True)
    check_number("--boxes", max_boxes, 1, 100)
    if method not in {"prim", "cart"}:
        raise WecsimError(f"--method: expected prim or cart, got {method!r}")
    if not condition.strip():
        raise WecsimError("the condition is empty; give a SQL condition on the outputs, e.g. 'recycling_rate < 0.4'")
    x, y, n_failed = cases_of_interest(root, condition, year, inputs)
    if len(y) == 0:
        raise WecsimError(f"no successful run to analyse ({n_failed} failed run(s)); see the runs table's error column")
    if method == "prim":
        boxes = prim_boxes(x, y, threshold=threshold, max_boxes=max_boxes)
    elif method == "cart":
        boxes = cart_boxes(x, y, max_boxes=max_boxes)
    else:
        raise WecsimError(f"--method: expected prim or cart, got {method!r}")
    for box in boxes:  # labelled for both methods: a box that misses the density asked for is not a finding
        box.extra["below_threshold"] = box.density < threshold
    return boxes, len(y), int(y.sum()), n_failed
