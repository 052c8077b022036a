"""Batch experiments: many runs of wecsim across levers and uncertainties, reproducibly.

Experimenting is kept apart from analysing, as in EMA Workbench:

``spec``          experiment files (YAML), validated against ``wecsim/data/levers.csv``
``outcomes``      tables kept besides the national one, derived outcomes (DuckDB SQL)
``design``        full factorial, Latin hypercube, Sobol (Saltelli), Morris, policies x scenarios; seeds
``worker``        runs one chunk of runs (in any process)
``executors``     serial, local process pool, Dask (LocalCluster or a scheduler address)
``store``         Parquet dataset + manifest, resume, DuckDB queries, pandas loading
``batch``         :func:`run_batch`, what ``wecsim batch`` calls
``analysis``      sensitivity (SALib), scenario discovery (PRIM, CART), robustness on plain data
``ema``           wecsim as a model in EMA Workbench

>>> from wecsim.experiments import run_batch, load_results, query
>>> run_batch("experiments/quick_lhs.yaml", "results/quick", executor="pool")  # doctest: +SKIP
>>> query("results/quick", "SELECT count(*) FROM runs")                          # doctest: +SKIP
"""

from wecsim.experiments.batch import BatchSummary, run_batch
from wecsim.experiments.design import design_points, run_seed, salib_problem
from wecsim.experiments.spec import Experiment, ExperimentError, load_experiment
from wecsim.experiments.store import ExperimentResults, connect, load_results, query

__all__ = [
    "BatchSummary",
    "Experiment",
    "ExperimentError",
    "ExperimentResults",
    "connect",
    "design_points",
    "load_experiment",
    "load_results",
    "query",
    "run_batch",
    "run_seed",
    "salib_problem",
]
