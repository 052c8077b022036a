"""Glue between a results folder and the analysis functions (plain data in, tables out).

``wecsim sensitivity`` and ``wecsim discover`` call these; so can a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wecsim.errors import WecsimError, check_number
from wecsim.experiments.analysis import Box, cart_boxes, morris_indices, plot_indices, prim_boxes
from wecsim.experiments.analysis.sensitivity import (
    Check,
    _check_finite,
    moment_free_checks,
    moment_free_indices,
    morris_checks,
    noise_checks,
    sobol_analysis,
    sobol_checks,
    sobol_convergence,
)
from wecsim.experiments.design import salib_problem
from wecsim.experiments.store import ExperimentResults, connect, load_results
from wecsim.outputs import check_file_target, write_file

#: Methods of ``wecsim sensitivity`` and the designs they need (``None``: any design with a sample).
METHODS = {"sobol": "sobol", "morris": "morris", "delta": None, "pawn": None, "rbd_fast": None}


@dataclass
class SensitivityReport:
    """Everything ``wecsim sensitivity`` prints and charts for one output.

    Attributes
    ----------
    method
        ``sobol``, ``morris``, ``delta``, ``pawn`` or ``rbd_fast``.
    table
        The indices, ranked (one row per parameter).
    second_order
        Sobol second-order indices (pairs), when the design sampled for them.
    convergence, convergence_summary
        Sobol: indices against the sample size, and the ranking's stability
        (:func:`~wecsim.experiments.analysis.sensitivity.sobol_convergence`).
    checks
        The self-checks, in plain words.
    n_rows, n_runs, replicates, crn
        Sample rows analysed, runs behind them, replicates per row, common random numbers.
    noise
        ``replicate_share`` and ``noise_share`` (:func:`~wecsim.experiments.analysis.sensitivity.noise_checks`).
    """

    method: str
    table: pd.DataFrame
    second_order: pd.DataFrame | None
    convergence: pd.DataFrame | None
    convergence_summary: dict | None
    checks: list[Check]
    n_rows: int
    n_runs: int
    replicates: int
    crn: bool
    noise: dict

    @property
    def warnings(self) -> list[Check]:
        """Return the checks that failed."""
        return [c for c in self.checks if c.level == "warning"]


def _method(method: str, kind: str, has_sample: bool) -> str:
    if method == "auto":
        method = kind if kind in {"sobol", "morris"} else "delta"
    if method not in METHODS:
        raise WecsimError(f"--method: expected auto, {', '.join(METHODS)}, got {method!r}")
    need = METHODS[method]
    if need is not None and kind != need:
        raise WecsimError(
            f"{method} indices need a {method} design; this experiment's design is {kind} "
            f"(set `design: {{kind: {method}, n: ...}}` in the experiment file, or use --method delta, pawn or "
            "rbd_fast, which take any sampled design)"
        )
    if need is None and not has_sample:
        raise WecsimError(
            f"{method} needs the sample rows of a latin_hypercube, sobol or morris design; a full factorial "
            "or a policies x scenarios design has none (for the latter, see `wecsim robustness`)"
        )
    return method


def sensitivity_report(
    results: ExperimentResults | str | Path,
    output: str,
    year: int | None = None,
    method: str = "auto",
    *,
    seed: int = 0,
) -> SensitivityReport:
    """Return the sensitivity indices of one output (the mean over replicates), checked.

    Parameters
    ----------
    results
        Loaded results or a results folder.
    output
        Indicator name.
    year
        Year of the indicator (optional when one year is stored).
    method
        ``"auto"`` (the design's: sobol, morris, else delta), ``"sobol"``, ``"morris"``,
        ``"delta"``, ``"pawn"`` or ``"rbd_fast"``.
    seed
        Seed of the bootstrap confidence intervals.
    """
    res = results if isinstance(results, ExperimentResults) else load_results(results)
    exp = res.experiment
    method = _method(method, exp.design.kind, res.sample is not None)
    problem = salib_problem(exp.parameters)
    y = res.by_point(output, year)
    per_run = pd.DataFrame(
        {"point": res.runs["point"].to_numpy(), "y": res.outcome(output, year).to_numpy(dtype=float)}
    ).dropna()
    checks, noise = noise_checks(per_run, exp.replicates, exp.common_random_numbers)
    second = conv = summary = None
    if method == "sobol":
        table, second = sobol_analysis(problem, y, second_order=exp.design.second_order, seed=seed)
        conv, summary = sobol_convergence(problem, y, second_order=exp.design.second_order, seed=seed)
        checks = sobol_checks(table, second, summary) + checks
    elif method == "morris":
        if res.sample is None:  # pragma: no cover - morris designs always store their sample
            raise WecsimError("the results folder has no sample.parquet; rerun the batch")
        y = _check_finite(y, "Morris analysis")
        table = morris_indices(problem, res.sample, y, num_levels=exp.design.levels, seed=seed)
        checks = morris_checks(table, y) + checks
    else:
        table = moment_free_indices(method, problem, res.sample, y, seed=seed)
        checks = moment_free_checks(method, table, y) + checks
    order = {"warning": 0, "note": 1, "ok": 2}
    checks.sort(key=lambda c: order.get(c.level, 3))
    return SensitivityReport(
        method=method,
        table=table,
        second_order=second,
        convergence=conv,
        convergence_summary=summary,
        checks=checks,
        n_rows=len(y),
        n_runs=len(res.runs),
        replicates=exp.replicates,
        crn=exp.common_random_numbers,
        noise=noise,
    )


def sensitivity(
    results: ExperimentResults | str | Path,
    output: str,
    year: int | None = None,
    method: str = "auto",
    *,
    seed: int = 0,
) -> tuple[pd.DataFrame, str]:
    """Return the ranked indices of :func:`sensitivity_report` and the method used."""
    rep = sensitivity_report(results, output, year, method, seed=seed)
    return rep.table, rep.method


def write_sensitivity_chart(
    report: SensitivityReport,
    output: str,
    year: int | None,
    out_prefix: str | Path,
    *,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write the chart of a :class:`SensitivityReport` as ``<prefix>.png`` and ``<prefix>.html``.

    The HTML page also holds the checks, the second-order indices and the convergence chart.
    Both files are checked before either is written, and each is written atomically;
    existing files are replaced only with ``overwrite`` (see :mod:`wecsim.outputs`).
    """
    prefix = Path(out_prefix)
    png, page = Path(f"{prefix}.png"), Path(f"{prefix}.html")
    for p in (png, page):
        check_file_target(p, overwrite=overwrite, option="--chart")
    when = f" in {year}" if year else ""
    title = f"{report.method.capitalize()} sensitivity of {output}{when}"

    def write_png(tmp_png: Path) -> None:
        def write_page(tmp_page: Path) -> None:
            plot_indices(
                report.table,
                report.method,
                title,
                tmp_png,
                tmp_page,
                checks=report.checks,
                second_order=report.second_order,
                convergence=report.convergence,
            )

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
        A SQL boolean expression over the output columns and derived outcomes (the view
        ``outcomes``), e.g. ``recycling_rate < 0.4`` or ``deficit_cum_km3 > 2``.
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
    from wecsim.experiments.spec import POLICY

    def kind(p) -> str:  # a policies x scenarios design's policy is a choice of levers
        return "lever" if p.kind == POLICY else p.kind

    names = [p.name for p in params if kinds[inputs] is None or kind(p) == kinds[inputs]]
    if not names:
        raise WecsimError(f"the experiment varies no {inputs}")
    con = connect(root)
    try:
        where = f"WHERE year = {int(year)}" if year is not None else ""
        sql = f"SELECT run_id, bool_or(({condition})) AS hit FROM outcomes {where} GROUP BY run_id"
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


def outcome_direction(experiment, outcome: str) -> str | None:
    """Return ``min`` or ``max`` for an indicator or derived outcome (:data:`~wecsim.experiments.ema.DIRECTIONS`).

    A derived outcome (cumulative, mean, max, min, value, additionality) keeps the direction
    of the indicator it is made of. ``None`` when the indicator has no direction.
    """
    from wecsim.experiments.ema import DIRECTIONS
    from wecsim.experiments.outcomes import TABLE_DIRECTIONS

    indicator = next((d.indicator for d in experiment.derived if d.name == outcome), outcome)
    sign = DIRECTIONS.get(indicator) or TABLE_DIRECTIONS.get(indicator, 0)
    return {-1: "min", 1: "max"}.get(sign)


def policy_outcomes(res: ExperimentResults, outcomes: list[str], year: int | None = None) -> pd.DataFrame:
    """Return one row per (policy, scenario) with each outcome averaged over replicates.

    Raises
    ------
    WecsimError
        If the results are not of a policies x scenarios design.
    """
    from wecsim.experiments.design import scenario_of
    from wecsim.experiments.spec import POLICIES_X_SCENARIOS, POLICY

    exp = res.experiment
    if exp.design.kind != POLICIES_X_SCENARIOS:
        raise WecsimError(
            f"robustness needs a policies x scenarios design; this experiment's design is {exp.design.kind} "
            f"(set `design: {{kind: {POLICIES_X_SCENARIOS}, n: SCENARIOS}}` and `policies:` in the experiment file)"
        )
    points = np.arange(len(res.design))
    table = pd.DataFrame({"policy": res.design[POLICY].to_numpy(), "scenario": scenario_of(exp, points)}, index=points)
    for name in outcomes:
        table[name] = res.by_point(name, year)
    return table.reset_index(drop=True)


def robustness_report(
    results: ExperimentResults | str | Path,
    outcomes: list[str],
    year: int | None = None,
    directions: dict[str, str] | None = None,
    thresholds: dict[str, tuple[str, float]] | None = None,
) -> pd.DataFrame:
    """Return the robustness metrics of each policy (:func:`~wecsim.experiments.analysis.robustness.robustness`).

    Parameters
    ----------
    results
        Loaded results or a results folder of a policies x scenarios design.
    outcomes
        Indicators (of ``year``) or derived outcomes.
    year
        Year of the indicators (optional when one year is kept; unused for derived outcomes).
    directions
        ``min`` or ``max`` per outcome, overriding the indicator's own direction.
    thresholds
        ``(operator, value)`` per outcome for the satisficing share.
    """
    from wecsim.experiments.analysis.robustness import robustness

    res = results if isinstance(results, ExperimentResults) else load_results(results)
    if not outcomes:
        raise WecsimError("give at least one --outcome")
    directions = dict(directions or {})
    for name, d in directions.items():
        if name not in outcomes:
            raise WecsimError(f"--direction {name}={d}: {name!r} is not an --outcome")
        if d not in {"min", "max"}:
            raise WecsimError(f"--direction {name}={d}: expected min or max")
    for name in thresholds or {}:
        if name not in outcomes:
            raise WecsimError(f"--threshold: {name!r} is not an --outcome")
    table = policy_outcomes(res, outcomes, year)  # unknown outcomes and other designs are refused here
    resolved = {}
    for name in outcomes:
        d = directions.get(name) or outcome_direction(res.experiment, name)
        if d is None:
            raise WecsimError(
                f"{name} has no direction (neither more nor less is better by default); "
                f"say --direction {name}=min or max"
            )
        resolved[name] = d
    return robustness(table, resolved, thresholds)
