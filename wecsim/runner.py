"""Run a scenario and turn the model's state into :class:`~wecsim.results.Results`."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from wecsim.agents.funder import REFUSAL_REASONS
from wecsim.model import WECModel
from wecsim.projects.pipeline import LEDGER_COLUMNS, TRANSITION_COLUMNS
from wecsim.results import REFUSAL_COLUMNS, TABLE_NAMES, Results
from wecsim.scenario import Scenario, load_scenario
from wecsim.version import __version__


def records_frame(rows: list[tuple], columns: Sequence[str]) -> pd.DataFrame:
    """Turn row tuples into a table, column by column through Arrow.

    About 2x faster than pandas' row-wise constructor for the ledger's tens of thousands of
    rows, with the same dtypes.
    """
    if not rows:
        return pd.DataFrame.from_records(rows, columns=list(columns))
    return pa.table(dict(zip(columns, zip(*rows, strict=True), strict=True))).to_pandas()


def _project_table(model: WECModel) -> pd.DataFrame:
    rows = []
    for p in model.pipeline.projects:
        mix = sorted(((a, f) for f, a in p.commitments.items() if a > 1e-9), reverse=True)
        rows.append(
            {
                "project_id": p.project_id,
                "name": p.name,
                "technology": p.tech_id,
                "sector": p.sector,
                "region_id": p.region_id,
                "region": model.region_by_id[p.region_id].name,
                "owner": p.owner,
                "size": p.size,
                "unit": model.tech(p.tech_id).unit,
                "pinned": p.pinned,
                "programme": p.programme,
                "route": p.route,
                "stage": str(p.stage),
                "proposed_year": p.proposed_year,
                "prepared_year": p.prepared_year,
                "construction_start_year": p.construction_start_year,
                "operating_year": p.operating_year,
                "retire_year": p.retire_year,
                "capex_estimate_meur": p.capex_estimate_meur,
                "contract_cost_meur": p.contract_cost_meur,
                "committed_meur": p.committed_meur,
                "disbursed_meur": p.disbursed_meur,
                "largest_funder": mix[0][1] if mix else None,
                "funders": ", ".join(f for _, f in mix),
                "firm_id": p.firm_id,
                "n_bidders": p.n_bidders,
                "enpv_meur": p.enpv_meur,
                "fnpv_meur": p.fnpv_meur,
                "bcr": p.bcr,
                "last_reason": p.last_reason,
            }
        )
    # through Arrow, like records_frame: same dtypes as pandas' row-wise constructor, faster
    return pa.Table.from_pylist(rows).to_pandas() if rows else pd.DataFrame(rows)


def refusal_table(model: WECModel) -> pd.DataFrame:
    """Return every candidate a funder turned down, one row each, in the order the model asked."""
    blocks = model.refusal_blocks
    if not blocks:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c in ("year", "project_id") else object) for c in REFUSAL_COLUMNS}
        )
    ids = np.concatenate([b[2] for b in blocks])
    codes = np.concatenate([b[3] for b in blocks])
    lengths = [len(b[2]) for b in blocks]
    projects = model.pipeline.projects
    return pd.DataFrame(
        {
            "year": np.repeat([b[0] for b in blocks], lengths).astype("int64"),
            "funder_id": np.repeat([b[1] for b in blocks], lengths),
            "project_id": ids.astype("int64"),
            "sector": [projects[i].sector for i in ids.tolist()],
            "region_id": [projects[i].region_id for i in ids.tolist()],
            "reason": np.asarray(REFUSAL_REASONS, dtype=object)[codes],
        }
    )


def national_table(model: WECModel) -> pd.DataFrame:
    """Return the national indicators of a finished run, one row per year."""
    national = model.datacollector.get_table_dataframe("national")
    national["year"] = national["year"].astype("int64")
    return national


def _region_table(model: WECModel) -> pd.DataFrame:
    region = model.datacollector.get_table_dataframe("region")
    region["year"] = region["year"].astype("int64")
    return region


#: How each table of :class:`~wecsim.results.Results` is built from a finished model.
TABLE_BUILDERS: dict[str, Callable[[WECModel], pd.DataFrame]] = {
    "national": national_table,
    "basin": lambda m: pd.DataFrame(m.basin_records),
    "region": _region_table,
    "funder": lambda m: pd.DataFrame(m.money_records),
    "project": _project_table,
    "transitions": lambda m: records_frame(m.pipeline.transition_rows(), TRANSITION_COLUMNS),
    "ledger": lambda m: records_frame(m.pipeline.ledger, LEDGER_COLUMNS),
    "refusals": refusal_table,
}


def collect_results(model: WECModel, elapsed_s: float | None = None, tables: Collection[str] = TABLE_NAMES) -> Results:
    """Build the tidy tables of a finished model run.

    ``tables`` names the tables to build; the others are left empty and ``meta["partial"]``
    lists what was built (the app's headline cards need only a few, and need them fast).
    """
    frames = {name: TABLE_BUILDERS[name](model) if name in tables else pd.DataFrame() for name in TABLE_NAMES}
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
    start = time.perf_counter()
    model = WECModel(config, seed=seed)
    model.run()
    res = collect_results(model, elapsed_s=time.perf_counter() - start)
    model.close()
    return res


def settle_worker() -> None:
    """Exempt everything alive now (imports, data caches) from Python's cycle collector.

    For worker processes that run many models, called once they are set up. A full
    collection then scans only what was made since: 1-3 ms instead of 40-70 ms per
    collection on a 2-core machine (see ``docs/model.md``, "Speed").
    """
    gc.collect()
    gc.freeze()


def run_national(scenario: Scenario, seed: int) -> pd.DataFrame:
    """Run a validated scenario and return only its national table (the fast path for batches).

    Identical to ``run(scenario, seed).national`` without building the other tables.
    """
    model = WECModel(scenario, seed=seed)
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
