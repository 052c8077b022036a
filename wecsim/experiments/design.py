r"""Designs (which parameter values each design point gets) and the seeds of every run.

Every design is drawn from the experiment seed, so the same experiment file always gives
the same design points; each run (design point x replicate) gets its own seed:

.. math::

    \text{run\_id} = \text{point} \cdot R + \text{replicate}, \qquad
    \text{seed}_{\text{run\_id}} = \text{SeedSequence}(s, \text{spawn\_key}=(\text{run\_id},))

which is the ``run_id``-th child of ``numpy.random.SeedSequence(s).spawn(n)``, reduced to a
63-bit integer for :func:`wecsim.run`. With ``common_random_numbers: true`` the spawn key
is the replicate instead, so replicate ``r`` of every point sees the same weather.

The design itself uses the root ``SeedSequence(s)``, distinct from every run's child.
Latin hypercube, Sobol (Saltelli) and Morris samples are drawn in the bounds of
:func:`salib_problem` and mapped to values by
:meth:`~wecsim.experiments.spec.ParameterSpec.from_sample`, so one SALib problem serves
both sampling and analysis.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from wecsim.experiments.spec import POLICIES_X_SCENARIOS, POLICY, Experiment, ParameterSpec

#: Bits kept of a run's seed (an int64 in Parquet, any int for :func:`wecsim.run`).
SEED_MASK = (1 << 63) - 1


def salib_problem(params: tuple[ParameterSpec, ...] | list[ParameterSpec]) -> dict[str, Any]:
    """Return the SALib problem of the varied parameters (names and bounds from ``levers.csv``).

    Parameters
    ----------
    params
        The experiment's varied parameters.

    Returns
    -------
    dict
        ``{"num_vars", "names", "bounds"}`` as SALib expects.
    """
    return {
        "num_vars": len(params),
        "names": [p.name for p in params],
        "bounds": [list(p.salib_bounds()) for p in params],
    }


def design_rng(seed: int) -> np.random.Generator:
    """Return the generator the design is drawn with (the root of the experiment seed)."""
    return np.random.default_rng(np.random.SeedSequence(seed))


def _int_seed(ss: np.random.SeedSequence) -> int:
    return int(ss.generate_state(1, np.uint64)[0]) & SEED_MASK


def run_seed(experiment_seed: int, run_id: int, replicate: int | None = None) -> int:
    """Return the seed of one run.

    Parameters
    ----------
    experiment_seed
        The experiment's ``seed``.
    run_id
        The run's index (``point * replicates + replicate``).
    replicate
        Give it to derive the seed from the replicate (common random numbers) instead.
    """
    key = run_id if replicate is None else replicate
    return _int_seed(np.random.SeedSequence(experiment_seed, spawn_key=(int(key),)))


def sample_matrix(exp: Experiment) -> np.ndarray | None:
    """Return the raw sample (points x parameters, in SALib bounds), or ``None`` for a factorial."""
    params = exp.parameters
    d = exp.design
    problem = salib_problem(params)
    seed = int(design_rng(exp.seed).integers(0, 2**31 - 1))
    if d.kind in {"full_factorial", POLICIES_X_SCENARIOS}:
        return None
    if d.kind == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(seed)).random(d.n)
        lo = np.array([b[0] for b in problem["bounds"]])
        hi = np.array([b[1] for b in problem["bounds"]])
        return lo + unit * (hi - lo)
    if d.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, d.n, calc_second_order=d.second_order, scramble=True, seed=seed)
    if d.kind == "morris":
        from SALib.sample import morris

        return morris.sample(problem, d.n, num_levels=d.levels, seed=seed)
    raise ValueError(f"unknown design kind {d.kind!r}")  # pragma: no cover - the schema forbids it


def design_points(exp: Experiment, sample: np.ndarray | None = None) -> pd.DataFrame:
    """Return the design: one row per point (index ``point``), one column per varied parameter.

    Parameters
    ----------
    exp
        The experiment.
    sample
        Its :func:`sample_matrix` if already drawn.
    """
    params = exp.parameters
    if exp.design.kind == POLICIES_X_SCENARIOS:
        cols = policies_x_scenarios(exp)
    elif exp.design.kind == "full_factorial":
        rows = list(itertools.product(*(p.grid() for p in params)))
        cols = {p.name: [r[i] for r in rows] for i, p in enumerate(params)}
    else:
        sample = sample_matrix(exp) if sample is None else sample
        cols = {p.name: p.from_sample(sample[:, i]) for i, p in enumerate(params)}
    df = pd.DataFrame(cols)
    for p in params:
        if p.type == "categorical" or (p.discrete and not all(isinstance(v, int | float) for v in p.values)):
            df[p.name] = df[p.name].astype(str)
        elif p.type == "int":
            df[p.name] = df[p.name].astype("int64")
        else:
            df[p.name] = df[p.name].astype("float64")
    df.index.name = "point"
    return df


def scenario_sample(exp: Experiment) -> np.ndarray:
    """Return the scenarios of a policies x scenarios design: a Latin hypercube over the uncertainties.

    Drawn from the experiment seed as any Latin hypercube, in the bounds of
    :func:`salib_problem` (rows: scenarios, columns: the uncertainties in file order).
    """
    from scipy.stats import qmc

    unc = [p for p in exp.parameters if p.name != POLICY]
    seed = int(design_rng(exp.seed).integers(0, 2**31 - 1))
    unit = qmc.LatinHypercube(d=len(unc), rng=np.random.default_rng(seed)).random(exp.design.n)
    bounds = np.array([p.salib_bounds() for p in unc])
    return bounds[:, 0] + unit * (bounds[:, 1] - bounds[:, 0])


def policies_x_scenarios(exp: Experiment) -> dict[str, list[Any]]:
    """Return the design columns of every policy crossed with every scenario.

    Point ``p * n + s`` is policy ``p`` (file order) in scenario ``s`` (``n`` scenarios), so
    every policy meets the same scenarios, and with common random numbers the same weather.
    """
    n = exp.design.n
    names = exp.policies or {}
    sample = scenario_sample(exp)
    unc = [p for p in exp.parameters if p.name != POLICY]
    cols: dict[str, list[Any]] = {POLICY: [name for name in names for _ in range(n)]}
    for i, p in enumerate(unc):
        cols[p.name] = p.from_sample(sample[:, i]) * len(names)
    return cols


def scenario_of(exp: Experiment, points: np.ndarray) -> np.ndarray:
    """Return the scenario index of design points of a policies x scenarios design."""
    return np.asarray(points, dtype="int64") % int(exp.design.n)


def n_runs(exp: Experiment, n_points: int) -> int:
    """Return the number of runs of an experiment with ``n_points`` design points."""
    return n_points * exp.replicates


def run_rows(exp: Experiment, design: pd.DataFrame, run_ids: list[int] | np.ndarray) -> list[dict[str, Any]]:
    """Return the rows describing some runs: ``run_id, point, replicate, seed`` and parameter values.

    Parameters
    ----------
    exp
        The experiment.
    design
        Its :func:`design_points`.
    run_ids
        Which runs.
    """
    names = list(design.columns)
    columns = {n: design[n].to_numpy() for n in names}
    rows = []
    for run_id in run_ids:
        point, rep = divmod(int(run_id), exp.replicates)
        seed = run_seed(exp.seed, int(run_id), rep if exp.common_random_numbers else None)
        row: dict[str, Any] = {"run_id": int(run_id), "point": point, "replicate": rep, "seed": seed}
        for n in names:
            v = columns[n][point]
            row[n] = v.item() if isinstance(v, np.generic) else v
        rows.append(row)
    return rows
