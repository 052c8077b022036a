"""Run a chunk of runs, in whatever process the executor chose: the one function of a batch.

A chunk is a list of run rows (``run_id, point, replicate, seed`` and the values of the
varied parameters, :func:`wecsim.experiments.design.run_rows`). :func:`run_chunk` runs
each, keeps the chosen outputs, and returns three Arrow tables whose schemas depend only
on the experiment, so chunks written by any executor concatenate into one dataset:

``runs``     one row per run: the row it was given, ``status`` (``ok``/``error``), ``error``
             (``Type: message``) and ``traceback``
``outputs``  one row per run and year: ``run_id, year`` and one float column per indicator
``timings``  one row per run: ``run_id, elapsed_s, worker`` (kept apart: they differ between
             executors while ``runs`` and ``outputs`` are identical bit for bit)

and, when the experiment keeps them, ``region``, ``basin``, ``funder`` and ``additionality``
(:mod:`wecsim.experiments.outcomes`): ``run_id, year``, key columns, one float column per
indicator.

A run that raises is recorded with its error and the batch goes on.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from wecsim.experiments.outcomes import TABLE_KEYS
from wecsim.experiments.spec import POLICY, WECSIM_MODEL, ParameterSpec, resolve_function

#: Name of the column holding each run's outcome.
STATUS_OK, STATUS_ERROR = "ok", "error"


@dataclass(frozen=True)
class RunContext:
    """What every worker needs besides the run rows; small and picklable.

    Attributes
    ----------
    model
        ``"wecsim"`` or ``"package.module:function"``.
    base_scenario
        The base scenario as JSON data (wecsim model only).
    parameters
        The varied parameters.
    indicators
        Output columns kept.
    years
        Years kept (``None``: all).
    tables
        Other tables kept (``region``, ``basin``, ``funder``, ``additionality``) and their indicators.
    additionality_scope
        ``eu`` or ``team_europe`` (:mod:`wecsim.additionality`).
    policies
        Policies x scenarios: the lever settings of each policy.
    """

    model: str
    base_scenario: dict[str, Any] | None
    parameters: tuple[ParameterSpec, ...]
    indicators: tuple[str, ...]
    years: tuple[int, ...] | None
    tables: tuple[tuple[str, tuple[str, ...]], ...] = ()
    additionality_scope: str = "eu"
    policies: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()


@dataclass
class RunTables:
    """One wecsim run's national table and the other tables an experiment keeps."""

    national: pd.DataFrame
    extra: dict[str, pd.DataFrame]


def arrow_type(p: ParameterSpec) -> pa.DataType:
    """Return the Arrow type of a parameter's column."""
    if p.type == "categorical" or (p.discrete and not all(isinstance(v, int | float) for v in p.values)):
        return pa.string()
    return pa.int64() if p.type == "int" else pa.float64()


def schemas(context: RunContext) -> dict[str, pa.Schema]:
    """Return the Arrow schemas of the ``runs``, ``outputs`` and ``timings`` tables."""
    runs = pa.schema(
        [
            ("run_id", pa.int64()),
            ("point", pa.int64()),
            ("replicate", pa.int64()),
            ("seed", pa.int64()),
            *[(p.name, arrow_type(p)) for p in context.parameters],
            ("status", pa.string()),
            ("error", pa.string()),
            ("traceback", pa.string()),
        ]
    )
    outputs = pa.schema(
        [("run_id", pa.int64()), ("year", pa.int64()), *[(name, pa.float64()) for name in context.indicators]]
    )
    timings = pa.schema([("run_id", pa.int64()), ("elapsed_s", pa.float64()), ("worker", pa.string())])
    out = {"runs": runs, "outputs": outputs, "timings": timings}
    for name, indicators in context.tables:
        keys = [(k, pa.string()) for k in TABLE_KEYS[name]]
        out[name] = pa.schema(
            [("run_id", pa.int64()), ("year", pa.int64()), *keys, *[(c, pa.float64()) for c in indicators]]
        )
    return out


@cache
def _base_scenario(base_json: str):
    """Validate the base scenario once per process (cached by its JSON text)."""
    import json

    from wecsim.scenario import Scenario

    return Scenario.model_validate(json.loads(base_json))


def _wecsim_model(context: RunContext) -> Callable[..., Any]:
    import json

    from wecsim.runner import run_national
    from wecsim.scenario import Scenario
    from wecsim.scenario.schedule import scale_value

    base = _base_scenario(json.dumps(context.base_scenario, sort_keys=True))
    sections = {p.name: ("levers" if p.kind == "lever" else "uncertainties") for p in context.parameters}
    scaled = {p.name for p in context.parameters if p.scale}
    policies = {name: dict(levers) for name, levers in context.policies}
    extra = dict(context.tables)

    def model(seed: int, **values: Any) -> pd.DataFrame | RunTables:
        data = base.model_dump(mode="json")
        for name, value in values.items():
            if name == POLICY:
                data["levers"].update(policies[value])
                continue
            section = data[sections[name]]
            section[name] = scale_value(section[name], value) if name in scaled else value
        scenario = Scenario.model_validate(data)
        if not extra:
            return run_national(scenario, seed=seed)
        return _run_tables(scenario, seed, extra, context.additionality_scope)

    return model


def _run_tables(scenario, seed: int, extra: dict[str, tuple[str, ...]], scope: str) -> RunTables:
    """Run once and return the national table and the other tables kept (additionality: a second run)."""
    from wecsim.model import WECModel
    from wecsim.runner import collect_results, cycle_collector_paused, run_national

    built = [name for name in extra if name in {"region", "basin", "funder"}]
    with cycle_collector_paused():
        model = WECModel(scenario, seed=seed)
        model.run()
        res = collect_results(model, tables=("national", *built))
        model.close()
    tables = {name: getattr(res, name) for name in built}
    if "additionality" in extra:
        from wecsim.additionality import counterfactual

        without = run_national(counterfactual(scenario, scope), seed=seed)
        cols = list(extra["additionality"])
        with_eu = res.national.set_index("year")[cols]
        diff = with_eu - without.set_index("year")[cols].reindex(with_eu.index)
        tables["additionality"] = diff.reset_index()
    return RunTables(res.national, tables)


def model_function(context: RunContext) -> Callable[..., Any]:
    """Return ``f(seed, **parameters) -> outputs`` for the context's model.

    The wecsim model returns its national table (a DataFrame with a ``year`` column); a
    function model returns a mapping of output names to numbers, or such a DataFrame.
    """
    if context.model == WECSIM_MODEL:
        return _wecsim_model(context)
    return resolve_function(context.model)


def _select(context: RunContext, result: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return (years, {indicator: values}) of one run's result, with the years kept."""
    if isinstance(result, RunTables):
        result = result.national
    if isinstance(result, pd.DataFrame):
        df = result
        if context.years is not None:
            df = df.set_index("year").reindex(list(context.years)).reset_index()
        missing = [c for c in context.indicators if c not in df.columns]
        if missing:
            raise KeyError(f"the model returned no output named {', '.join(missing)}")
        years = df["year"].to_numpy(dtype="int64")
        return years, {c: df[c].to_numpy(dtype="float64") for c in context.indicators}
    if isinstance(result, Mapping):
        missing = [c for c in context.indicators if c not in result]
        if missing:
            raise KeyError(f"the model returned no output named {', '.join(missing)}")
        return np.zeros(1, dtype="int64"), {c: np.array([float(result[c])]) for c in context.indicators}
    raise TypeError(f"a model must return a DataFrame or a mapping of outputs, got {type(result).__name__}")


def _select_table(context: RunContext, name: str, indicators: tuple[str, ...], df: pd.DataFrame) -> dict:
    """Return the columns of one run's ``name`` table kept (years, keys, indicators)."""
    if context.years is not None:
        df = df[df["year"].isin(context.years)]
    keys = TABLE_KEYS[name]
    cols = {"year": df["year"].to_numpy(dtype="int64")}
    cols |= {k: df[k].astype(str).tolist() for k in keys}
    cols |= {c: df[c].to_numpy(dtype="float64") for c in indicators}
    return cols


def _format_error(exc: BaseException) -> tuple[str, str]:
    message = f"{type(exc).__name__}: {exc}"
    return message, "".join(traceback.format_exception(exc)).strip()


def run_chunk(context: RunContext, rows: list[dict[str, Any]]) -> dict[str, pa.Table]:
    """Run every row of a chunk and return its ``runs``, ``outputs`` and ``timings`` tables.

    Parameters
    ----------
    context
        What the runs share.
    rows
        Run rows from :func:`wecsim.experiments.design.run_rows`.
    """
    model = model_function(context)
    names = [p.name for p in context.parameters]
    sch = schemas(context)
    status, errors, tracebacks, elapsed = [], [], [], []
    out_run_ids: list[np.ndarray] = []
    out_years: list[np.ndarray] = []
    out_values: dict[str, list[np.ndarray]] = {c: [] for c in context.indicators}
    extra: dict[str, list[pa.Table]] = {name: [] for name, _ in context.tables}
    for row in rows:
        start = time.perf_counter()
        try:
            result = model(int(row["seed"]), **{n: row[n] for n in names})
            years, values = _select(context, result)
            kept = {}
            for name, indicators in context.tables:
                cols = _select_table(context, name, indicators, result.extra[name])
                cols["run_id"] = np.full(len(cols["year"]), row["run_id"], dtype="int64")
                kept[name] = pa.Table.from_pydict(cols, schema=sch[name])
        except Exception as exc:
            status.append(STATUS_ERROR)
            message, tb = _format_error(exc)
            errors.append(message)
            tracebacks.append(tb)
        else:
            status.append(STATUS_OK)
            errors.append(None)
            tracebacks.append(None)
            out_run_ids.append(np.full(len(years), row["run_id"], dtype="int64"))
            out_years.append(years)
            for c in context.indicators:
                out_values[c].append(values[c])
            for name, table in kept.items():
                extra[name].append(table)
        elapsed.append(time.perf_counter() - start)

    runs = {f.name: [r[f.name] for r in rows] for f in sch["runs"] if f.name not in {"status", "error", "traceback"}}
    runs |= {"status": status, "error": errors, "traceback": tracebacks}

    def cat(parts: list[np.ndarray], dtype: str) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    outputs = {"run_id": cat(out_run_ids, "int64"), "year": cat(out_years, "int64")}
    outputs |= {c: cat(out_values[c], "float64") for c in context.indicators}
    worker = f"{socket.gethostname()}:{os.getpid()}"
    timings = {"run_id": [r["run_id"] for r in rows], "elapsed_s": elapsed, "worker": [worker] * len(rows)}
    tables = {
        "runs": pa.Table.from_pydict(runs, schema=sch["runs"]),
        "outputs": pa.Table.from_pydict(outputs, schema=sch["outputs"]),
        "timings": pa.Table.from_pydict(timings, schema=sch["timings"]),
    }
    for name, parts in extra.items():
        tables[name] = pa.concat_tables(parts) if parts else sch[name].empty_table()
    return tables
