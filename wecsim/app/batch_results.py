"""Read a batch results folder (``wecsim batch --out DIR``) for fan charts and rankings.

The folder layout is the one documented in ``wecsim/experiments/store.py``
(format ``wecsim-experiment-results/1``)::

    manifest.json              the experiment, versions, seeds, runs done
    design.parquet             one row per design point
    runs/chunk-*.parquet       one row per run: run_id, point, replicate, seed, parameters, status
    outputs/chunk-*.parquet    one row per run and year: run_id, year, indicators

It is read here with pandas alone, so the app does not depend on the batch engine's code;
the robustness of policies (a policies x scenarios design) uses the plain-data function
:func:`wecsim.experiments.analysis.robustness.robustness`.
The sensitivity ranking is a plain statistic of those tables: the absolute Spearman rank
correlation between each varied number and the outcome (for a categorical parameter, the
correlation ratio eta, which is on the same 0-1 scale). It is a screening measure, not a
variance decomposition; run SALib through the batch tools for Sobol indices.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MANIFEST = "manifest.json"
#: Environment variable naming more folders the Batch page may open (``os.pathsep``-separated),
#: set when the app is started: ``WECSIM_RESULTS=/data/runs uv run solara run app.py``.
RESULTS_ENV = "WECSIM_RESULTS"
#: The project's results folder (``wecsim batch --out results/NAME``), relative to where the app starts.
PROJECT_RESULTS = "results"
#: Longest folder path accepted from the page (a design choice: far above any real results path,
#: it keeps a pasted blob from reaching the file system).
MAX_PATH_CHARS = 1000
REFUSED = (
    "The app opens only results folders under the project's results/ folder "
    "(or a folder named in WECSIM_RESULTS when the app was started); this one is outside them."
)
_ID_COLUMNS = {"run_id", "point", "replicate", "seed", "status", "error", "traceback", "year", "worker", "elapsed_s"}


class BatchError(ValueError):
    """A folder is not a readable batch results folder; ``str()`` says why."""


@dataclass
class Batch:
    """A batch's runs and outputs as pandas tables.

    Attributes
    ----------
    root
        The folder.
    manifest
        The parsed ``manifest.json``.
    runs
        One row per run (ids, seed, parameter values, status).
    outputs
        One row per run and year (indicators).
    """

    root: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    outputs: pd.DataFrame

    @property
    def name(self) -> str:
        """Return the experiment's name (or the folder's)."""
        exp = self.manifest.get("experiment", {})
        resolved = exp.get("resolved", exp) if isinstance(exp, dict) else {}
        return str(resolved.get("name") or self.root.name)

    @property
    def parameters(self) -> list[str]:
        """Return the varied parameters (run-table columns that are not ids or status)."""
        return [c for c in self.runs.columns if c not in _ID_COLUMNS]

    @property
    def indicators(self) -> list[str]:
        """Return the output indicators kept by the experiment."""
        return [c for c in self.outputs.columns if c not in _ID_COLUMNS]

    @property
    def years(self) -> list[int]:
        """Return the years kept."""
        return sorted(int(y) for y in self.outputs["year"].unique()) if len(self.outputs) else []

    @property
    def ok_runs(self) -> pd.DataFrame:
        """Return the runs that finished without error."""
        if "status" in self.runs.columns:
            return self.runs[self.runs["status"].astype(str).isin(["ok", "done", "finished", "success"])]
        return self.runs

    def summary(self) -> dict[str, Any]:
        """Return a few facts for the page: name, runs, failed runs, parameters, years."""
        return {
            "experiment": self.name,
            "folder": str(self.root),
            "runs": len(self.runs),
            "failed runs": len(self.runs) - len(self.ok_runs),
            "parameters varied": ", ".join(self.parameters),
            "years kept": ", ".join(str(y) for y in self.years),
            "wecsim version": str(self.manifest.get("versions", {}).get("wecsim", "?")),
        }


def allowed_roots() -> list[Path]:
    """Return the folders under which the Batch page may open results, resolved (symlinks followed).

    The project's ``results/`` (relative to where the app was started) and every folder listed in
    the ``WECSIM_RESULTS`` environment variable when the app started.
    """
    names = [PROJECT_RESULTS, *(p for p in os.environ.get(RESULTS_ENV, "").split(os.pathsep) if p.strip())]
    roots: list[Path] = []
    for n in names:
        try:
            r = Path(n.strip()).expanduser().resolve()
        except (OSError, ValueError, RuntimeError):
            continue
        if r not in roots:
            roots.append(r)
    return roots


def check_folder(path: str | Path, roots: list[Path] | None = None) -> Path:
    """Return ``path`` resolved if it lies under one of the allowed roots.

    Symlinks and ``..`` are resolved first, so a link or a climb out of a root is refused too.

    Raises
    ------
    BatchError
        A plain message (no server path) when the folder is empty, malformed or outside the roots.
    """
    text = str(path).strip()
    if not text:
        raise BatchError("No folder given.")
    if len(text) > MAX_PATH_CHARS or "\x00" in text:
        raise BatchError(f"That is not a folder path (at most {MAX_PATH_CHARS} characters, no control characters).")
    roots = allowed_roots() if roots is None else roots
    try:
        resolved = Path(text).expanduser().resolve()
    except (OSError, ValueError, RuntimeError):
        raise BatchError("That is not a folder path the app can read.") from None
    if not any(resolved == r or resolved.is_relative_to(r) for r in roots):
        raise BatchError(REFUSED)
    return resolved


def _read_dir(root: Path, sub: str) -> pd.DataFrame:
    files = sorted((root / sub).glob("*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def find_batches(base: str | Path = "results", depth: int = 3, roots: list[Path] | None = None) -> list[Path]:
    """Return the results folders (those with a ``manifest.json``) under ``base``, newest first.

    With ``roots``, folders whose real path (symlinks followed) is outside them are left out.
    """
    base = Path(base)
    if not base.is_dir():
        return []
    found = [p.parent for d in range(1, depth + 1) for p in base.glob("/".join(["*"] * d) + "/" + MANIFEST)]
    if (base / MANIFEST).is_file():
        found.append(base)
    if roots is not None:  # keep only folders that do not lead out of the roots (symlinks)
        kept = []
        for p in found:
            try:
                check_folder(p, roots)
            except BatchError:
                continue
            kept.append(p)
        found = kept
    return sorted(set(found), key=lambda p: (p / MANIFEST).stat().st_mtime, reverse=True)


def load_batch(root: str | Path) -> Batch:
    """Read a batch results folder.

    Raises
    ------
    BatchError
        When the folder has no manifest, no runs or no outputs yet.
    """
    root = Path(root)
    path = root / MANIFEST
    if not path.is_file():
        raise BatchError(f"{root}: not a batch results folder (no {MANIFEST}); make one with `wecsim batch`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BatchError(f"{path}: cannot be read ({exc})") from None
    runs = _read_dir(root, "runs")
    outputs = _read_dir(root, "outputs")
    if runs.empty or outputs.empty:
        raise BatchError(f"{root}: no finished runs yet (runs/ or outputs/ is empty)")
    return Batch(root, manifest, runs, outputs)


def fan(batch: Batch, indicator: str, by: str | None = None) -> pd.DataFrame:
    """Return quantiles of an indicator across runs for each year: ``year, q05, q25, q50, q75, q95``.

    With ``by`` (a parameter name), quantiles are taken within each of its values.
    """
    ok = batch.ok_runs
    out = batch.outputs[batch.outputs["run_id"].isin(ok["run_id"])]
    keys = ["year"]
    if by is not None:
        out = out.merge(ok[["run_id", by]], on="run_id")
        keys = [by, "year"]
    qs = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
    g = out.groupby(keys)[indicator]
    return pd.DataFrame({k: g.quantile(q) for k, q in qs.items()}).reset_index()


def _eta(category: pd.Series, y: pd.Series) -> float:
    """Correlation ratio of a numeric outcome on a categorical input [0..1]."""
    total = ((y - y.mean()) ** 2).sum()
    if total <= 0:
        return 0.0
    between = sum(len(g) * (g.mean() - y.mean()) ** 2 for _, g in y.groupby(category))
    return float(np.sqrt(between / total))


def ranking(batch: Batch, indicator: str, year: int) -> pd.Series:
    """Return each varied parameter's influence on an indicator in a year, largest first.

    Numeric parameters: absolute Spearman rank correlation with the outcome across runs.
    Categorical parameters: the correlation ratio eta. Both lie between 0 and 1.
    """
    ok = batch.ok_runs
    out = batch.outputs[(batch.outputs["year"] == year) & batch.outputs["run_id"].isin(ok["run_id"])]
    df = ok.merge(out[["run_id", indicator]], on="run_id").dropna(subset=[indicator])
    y = df[indicator].astype(float)
    scores = {}
    for p in batch.parameters:
        x = df[p]
        if x.nunique() < 2:
            continue
        if pd.api.types.is_numeric_dtype(x):
            rho = x.rank().corr(y.rank())
            scores[p] = 0.0 if pd.isna(rho) else abs(float(rho))
        else:
            scores[p] = _eta(x.astype(str), y)
    return pd.Series(scores, dtype=float).sort_values(ascending=False)


def policies_x_scenarios(batch: Batch) -> int | None:
    """Return the number of scenarios when the batch crosses policies with scenarios, else ``None``."""
    exp = batch.manifest.get("experiment", {})
    design = (exp.get("resolved") or {}).get("design") or {} if isinstance(exp, dict) else {}
    if design.get("kind") != "policies_x_scenarios" or "policy" not in batch.runs.columns:
        return None
    n = design.get("n")
    return int(n) if isinstance(n, int) and n > 0 else None


def indicator_direction(indicator: str) -> str | None:
    """Return ``min`` or ``max`` for an indicator with a direction (less or more is better), else ``None``."""
    from wecsim.experiments.ema import DIRECTIONS

    return {-1: "min", 1: "max"}.get(DIRECTIONS.get(indicator, 0))


def robustness_table(batch: Batch, indicator: str, year: int, direction: str | None = None) -> pd.DataFrame:
    """Return the robustness of each policy for one indicator in one year (policies x scenarios batches).

    Each (policy, scenario) is the mean over replicates; the metrics are those of
    :func:`wecsim.experiments.analysis.robustness.robustness` (regret against the best
    policy of each scenario, percentiles, share of scenarios where the policy is best).

    Raises
    ------
    BatchError
        When the batch is not a policies x scenarios design, or the indicator has no direction.
    """
    from wecsim.experiments.analysis.robustness import robustness

    n = policies_x_scenarios(batch)
    if n is None:
        raise BatchError("Robustness needs a batch that crosses policies with scenarios (design policies_x_scenarios).")
    direction = direction or indicator_direction(indicator)
    if direction is None:
        raise BatchError(f"{indicator} has no direction (neither less nor more is better): choose one.")
    ok = batch.ok_runs
    out = batch.outputs[(batch.outputs["year"] == year) & batch.outputs["run_id"].isin(ok["run_id"])]
    df = ok[["run_id", "point", "policy"]].merge(out[["run_id", indicator]], on="run_id")
    by_point = df.groupby(["point", "policy"], as_index=False)[indicator].mean()
    by_point["scenario"] = by_point["point"] % n
    return robustness(by_point, {indicator: direction})
