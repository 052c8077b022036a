"""Run a scenario and turn the model's state into :class:`~wecsim.results.Results`."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from operator import attrgetter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from wecsim.agents.funder import REFUSAL_REASONS
from wecsim.model import WECModel
from wecsim.projects.pipeline import LEDGER_COLUMNS, TRANSITION_COLUMNS, Project, format_reason
from wecsim.results import DEFERRABLE, REFUSAL_COLUMNS, TABLE_NAMES, Deferred, Results
from wecsim.scenario import Scenario, load_scenario
from wecsim.version import __version__


def columns_frame(values: Sequence[Sequence], columns: Sequence[str]) -> pd.DataFrame:
    """Turn columns of values (as :meth:`Pipeline.ledger_columns` gives) into a table, through Arrow.

    About 2x faster than pandas' row-wise constructor for the ledger's tens of thousands of
    rows, with the same dtypes.
    """
    if not values or not len(values[0]):
        return pd.DataFrame.from_records([], columns=list(columns))
    return pa.table(dict(zip(columns, values, strict=True))).to_pandas()


#: Project attributes read for the project table, in one call per project (``operator.attrgetter``).
_PROJECT_FIELDS = (
    "project_id",
    "name",
    "tech_id",
    "sector",
    "region_id",
    "owner",
    "size",
    "pinned",
    "programme",
    "route",
    "stage",
    "proposed_year",
    "prepared_year",
    "construction_start_year",
    "operating_year",
    "retire_year",
    "capex_estimate_meur",
    "contract_cost_meur",
    "disbursed_meur",
    "firm_id",
    "n_bidders",
    "enpv_meur",
    "fnpv_meur",
    "bcr",
    "commitments",
    "_reason",
)


def _project_table(model: WECModel) -> pd.DataFrame:
    return _project_frame(model.pipeline.projects, *_project_names(model))


def _project_names(model: WECModel) -> tuple[dict[str, str], dict[str, str]]:
    """Return each region's name and each technology's unit."""
    return {r.region_id: r.name for r in model.region_agents}, {t_id: t.unit for t_id, t in model.catalog.items()}


def _project_frame(projects: list[Project], region_name: dict[str, str], unit: dict[str, str]) -> pd.DataFrame:
    if not projects:
        return pd.DataFrame()
    col = dict(zip(_PROJECT_FIELDS, zip(*map(attrgetter(*_PROJECT_FIELDS), projects), strict=True), strict=True))
    committed, largest, funders = [], [], []
    for commitments in col["commitments"]:
        # as Project.committed_meur; funders by money committed, largest first
        committed.append(float(sum(commitments.values())))
        mix = sorted(((a, f) for f, a in commitments.items() if a > 1e-9), reverse=True)
        largest.append(mix[0][1] if mix else None)
        funders.append(", ".join([f for _, f in mix]))
    table = {
        "project_id": col["project_id"],
        "name": col["name"],
        "technology": col["tech_id"],
        "sector": col["sector"],
        "region_id": col["region_id"],
        "region": [region_name[r] for r in col["region_id"]],
        "owner": col["owner"],
        "size": col["size"],
        "unit": [unit[t] for t in col["tech_id"]],
        "pinned": col["pinned"],
        "programme": col["programme"],
        "route": col["route"],
        "stage": [stage.value for stage in col["stage"]],
        **{c: col[c] for c in _PROJECT_FIELDS[11:18]},
        "committed_meur": committed,
        "disbursed_meur": col["disbursed_meur"],
        "largest_funder": largest,
        "funders": funders,
        **{c: col[c] for c in _PROJECT_FIELDS[19:24]},
        "last_reason": [format_reason(*reason) for reason in col["_reason"]],
    }
    # column by column through Arrow, like columns_frame: same dtypes as pandas' row-wise constructor, faster
    return pa.table(table).to_pandas()


def transition_table(model: WECModel) -> pd.DataFrame:
    """Return the transition log, each reason in words (:meth:`Pipeline.transition_rows`), column by column."""
    return _transition_frame(model.pipeline.transition_columns())


def _transition_frame(log: list[list]) -> pd.DataFrame:
    """Build the transition table from the columns of :meth:`Pipeline.transition_columns`."""
    if not log[0]:
        return columns_frame([], TRANSITION_COLUMNS)
    *columns, texts, args = log
    reasons = [format_reason(text, a) for text, a in zip(texts, args, strict=True)]
    return pa.table(dict(zip(TRANSITION_COLUMNS, (*columns, reasons), strict=True))).to_pandas()


def refusal_table(model: WECModel) -> pd.DataFrame:
    """Return every candidate a funder turned down, one row each, in the order the model asked."""
    return _refusals_of(model.refusal_blocks, model.pipeline.projects)


def _refusals_of(blocks: list[tuple[int, str, np.ndarray, np.ndarray]], projects: list[Project]) -> pd.DataFrame:
    return _refusal_frame(blocks, [p.sector for p in projects], [p.region_id for p in projects])


def _refusal_frame(
    blocks: list[tuple[int, str, np.ndarray, np.ndarray]], sectors: list[str], regions: list[str]
) -> pd.DataFrame:
    if not blocks:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c in ("year", "project_id") else object) for c in REFUSAL_COLUMNS}
        )
    ids = np.concatenate([b[2] for b in blocks])
    codes = np.concatenate([b[3] for b in blocks])
    lengths = [len(b[2]) for b in blocks]

    def strings(values) -> pa.Array:
        return pa.array(values, type=pa.large_string())

    # text columns as Arrow arrays taken by index: no Python string per row
    return pa.table(
        {
            "year": np.repeat(np.array([b[0] for b in blocks], dtype=np.int64), lengths),
            "funder_id": strings([b[1] for b in blocks]).take(np.repeat(np.arange(len(blocks)), lengths)),
            "project_id": ids.astype("int64"),
            "sector": strings(sectors).take(ids),
            "region_id": strings(regions).take(ids),
            "reason": strings(REFUSAL_REASONS).take(codes),
        }
    ).to_pandas()


def _number_column(values: list) -> np.ndarray | list:
    """Return a column of numbers as the array pandas makes of it (a list of anything else as it is)."""
    if not values:
        return values
    array = np.array(values)
    return array if array.dtype.kind in "fib" else values


def records_frame(records: list[dict]) -> pd.DataFrame:
    """Return ``pd.DataFrame(records)``, built column by column when all records have the same keys (~1.3 x faster)."""
    n_keys = len(records[0]) if records else 0
    if n_keys and all(len(r) == n_keys for r in records):
        try:  # as many keys as the first and each of its keys: the same keys
            return pd.DataFrame({key: _number_column([r[key] for r in records]) for key in records[0]})
        except KeyError:
            pass
    return pd.DataFrame(records)


def _table_frame(table: dict[str, list]) -> pd.DataFrame:
    """Return a DataCollector table (its columns) as ``get_table_dataframe`` makes it, with ``year`` as int64.

    Each column of numbers goes to pandas as an array (pandas infers a list's dtype more slowly:
    ~1.5 x the time; for the region table's 520 rows of 31 columns ~2 x faster than through Arrow,
    the same dtypes and values).
    """
    frame = pd.DataFrame({column: _number_column(values) for column, values in table.items()})
    frame["year"] = frame["year"].astype("int64")
    return frame


def national_table(model: WECModel) -> pd.DataFrame:
    """Return the national indicators of a finished run, one row per year."""
    return _table_frame(model.datacollector.tables["national"])


#: How each table of :class:`~wecsim.results.Results` is built from a finished model.
TABLE_BUILDERS: dict[str, Callable[[WECModel], pd.DataFrame]] = {
    "national": national_table,
    "basin": lambda m: records_frame(m.basin_records),
    "region": lambda m: _table_frame(m.datacollector.tables["region"]),
    "funder": lambda m: records_frame(m.money_records),
    "project": _project_table,
    "transitions": transition_table,
    "ledger": lambda m: _ledger_frame(m.pipeline.ledger_columns()),
    "refusals": refusal_table,
}


def _ledger_frame(columns: list[list]) -> pd.DataFrame:
    return columns_frame(columns, LEDGER_COLUMNS)


def _built_from(build: Callable[[list[list]], pd.DataFrame], columns: Callable[[], list[list]]) -> pd.DataFrame:
    """Build a table from a log's columns, split from the log only now."""
    return build(columns())


def _deferred(model: WECModel, name: str) -> Deferred:
    """Return the recipe of a heavy table: the rows it needs, built into a table when first read.

    The logs are read as they are now (they only grow); the project and refusal tables read the
    projects themselves: the model must not run on (:func:`run` closes it).
    """
    if name == "basin":
        return Deferred(partial(records_frame, list(model.basin_records)))
    if name == "funder":
        return Deferred(partial(records_frame, list(model.money_records)))
    if name == "region":
        table = model.datacollector.tables["region"]
        return Deferred(partial(_table_frame, {column: list(values) for column, values in table.items()}))
    if name == "project":
        return Deferred(partial(_project_frame, list(model.pipeline.projects), *_project_names(model)))
    if name == "transitions":
        return Deferred(partial(_built_from, _transition_frame, model.pipeline.transition_columns_later()))
    if name == "ledger":
        return Deferred(partial(_built_from, _ledger_frame, model.pipeline.ledger_columns_later()))
    return Deferred(partial(_refusals_of, list(model.refusal_blocks), list(model.pipeline.projects)))


def collect_results(
    model: WECModel, elapsed_s: float | None = None, tables: Collection[str] = TABLE_NAMES, defer: bool = False
) -> Results:
    """Build the tidy tables of a finished model run.

    ``tables`` names the tables to build; the others are left empty and ``meta["partial"]``
    lists what was built (the app's headline cards need only a few, and need them fast).
    ``defer``: build every table but ``national`` (:data:`~wecsim.results.DEFERRABLE`) only when
    first read; the results keep the rows they need, not the model.
    """
    frames = {
        name: (_deferred(model, name) if defer and name in DEFERRABLE else TABLE_BUILDERS[name](model))
        if name in tables
        else pd.DataFrame()
        for name in TABLE_NAMES
    }
    meta = {
        "scenario": model.config.name,
        "scenario_hash": model.config.scenario_hash(),
        "seed": model.seed_used,
        "wecsim_version": __version__,
        "years": [int(model.base_year), int(model.end_year)],
        "elapsed_s": elapsed_s,
        "scenario_resolved": model.config.model_dump(mode="json"),
    }
    if set(tables) != set(TABLE_NAMES):
        meta["partial"] = [name for name in TABLE_NAMES if name in tables]
    return Results(**frames, meta=meta)


def run(
    scenario: str | Path | Scenario | dict = "baseline", seed: int | None = None, overrides: list[str] | None = None
) -> Results:
    """Run one scenario and return its results.

    Parameters
    ----------
    scenario
        A scenario file path, a shipped scenario name, a mapping or a :class:`Scenario`.
    seed
        Random seed, a whole number from 0 to 2**63 - 1 (default: the scenario's ``seed``).
    overrides
        ``PATH=VALUE`` items, as ``--set`` on the command line.

    Examples
    --------
    >>> from wecsim import run
    >>> res = run("baseline", seed=1)
    >>> float(res.at(2025)["recycling_rate"]) > 0
    True
    """
    from wecsim.errors import check_number

    check_number("seed", seed, 0, 2**63 - 1)
    config = load_scenario(scenario, overrides)
    with cycle_collector_paused():
        start = time.perf_counter()
        model = WECModel(config, seed=seed)
        model.run()
        # the project, transitions, ledger and refusals tables are built when first read (most runs never read them)
        res = collect_results(model, elapsed_s=time.perf_counter() - start, defer=True)
        model.close()
    return res


_pause_lock = threading.Lock()
#: runs in progress in :func:`cycle_collector_paused`, and whether the collector was on before the first
_pause_state = {"runs": 0, "was_enabled": False}


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a model runs and is closed (the run's own objects need none of it).

    A run makes ~50,000 objects that the collector would scan again and again (~4% of a
    run's time, and a full collection of ~70 ms every few runs in a long-lived process);
    ``WECModel.close()`` breaks the model-agent cycles, so reference counting frees the run and
    it leaves no cyclic garbage behind. Runs in several threads share one pause: the
    collector is switched back on (if it was on) when the last of them ends.
    """
    with _pause_lock:
        if _pause_state["runs"] == 0:
            _pause_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _pause_state["runs"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_state["runs"] -= 1
            if _pause_state["runs"] == 0 and _pause_state["was_enabled"]:
                _age_young_objects()
                gc.enable()


#: Objects Python itself keeps frozen (3.12 keeps a few hundred static tuples there, and puts them
#: back after any full collection); more than this means someone froze objects (see below).
_FROZEN_BY_PYTHON = gc.get_freeze_count()


def _age_young_objects() -> None:
    """Move every object the collector tracks into its oldest generation, and reset the young count.

    The objects a run hands back (its results' projects and logs, ~20,000 objects holding
    ~200,000 references) are all young when the pause ends, and the first allocation after
    ``gc.enable()`` would scan them: 8-17 ms a run (measured 2 Dec 2026 on 2 cores, ~4% of a
    run). ``gc.freeze()`` then ``gc.unfreeze()`` moves them into the oldest generation at no
    cost: they are freed by reference counting when dropped (a run leaves no cyclic garbage:
    ``tests/test_runner_gc.py``), and anything cyclic is still found by the next full collection.
    Only in a process of one thread (a script, the command line, a batch worker): other threads
    (a web server's, a notebook's) allocate while the collector is paused, and their young
    garbage would then wait for a full collection. Skipped too when more objects are frozen than
    Python itself freezes (by :func:`settle_worker`, or by the caller): unfreezing would thaw them.
    """
    if threading.active_count() > 1 or gc.get_freeze_count() > _FROZEN_BY_PYTHON:
        return
    gc.freeze()
    gc.unfreeze()


def settle_worker() -> None:
    """Exempt everything alive now (imports, data caches) from Python's cycle collector.

    For worker processes that run many models, called once they are set up. A full
    collection then scans only what was made since: 1-3 ms instead of 40-70 ms per
    collection on a 2-core machine (see ``docs/model.md``, "Speed").
    """
    gc.collect()
    gc.freeze()


def run_national(scenario: Scenario, seed: int, parameter_changes: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Run a validated scenario and return only its national table (the fast path for batches).

    Identical to ``run(scenario, seed).national`` without building the other tables.
    ``parameter_changes``: fixed parameters changed for this run, as :class:`WECModel` takes them.
    """
    with cycle_collector_paused():
        model = WECModel(scenario, seed=seed, parameter_changes=parameter_changes)
        model.run()
        national = national_table(model)
        model.close()
    return national


def tables_equal(a: Results, b: Results) -> bool:
    """Whether two runs produced identical tables, bit for bit (NaNs compare equal)."""
    for name, left in a.tables().items():
        right = b.tables()[name]
        if left.shape != right.shape or list(left.columns) != list(right.columns):
            return False
        for col in left.columns:
            x, y = left[col].to_numpy(), right[col].to_numpy()
            if x.dtype.kind == "f" and y.dtype.kind == "f":
                if not np.array_equal(x, y, equal_nan=True):
                    return False
            elif not (pd.Series(x, dtype=object).fillna("<NA>") == pd.Series(y, dtype=object).fillna("<NA>")).all():
                return False
    return True
