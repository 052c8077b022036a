"""wecsim as a model in EMA Workbench: explore with ``perform_experiments``, then ``optimize``.

Run from the project folder (a few minutes on 2 cores)::

    uv run python experiments/ema_example.py

1. :func:`explore`: scenarios x policies over three water uncertainties and canal lining,
   run in parallel with the ``MultiprocessingEvaluator``, 2 replications with common random
   numbers (every experiment sees the same two weathers), then PRIM on the high deficits.
2. :func:`optimise`: Pareto front of canal lining and the renewables auction for the water
   deficit (minimised) and the RES share (maximised) in the last year, under one reference
   scenario, with EMA's epsilon-NSGA-II.

``tests/test_experiments_examples.py`` runs both in miniature. Needs the optional
dependency EMA Workbench (``uv sync`` installs it with the dev tools, ``pip install
wecsim[ema]`` otherwise).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from wecsim.experiments.ema import ema_model


def _ema():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ema_workbench
    return ema_workbench


def explore(
    scenarios: int = 40, policies: int = 2, end_year: int = 2030, processes: int = 2, replications: int = 2
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Run ``scenarios`` x ``policies`` experiments in ``processes`` processes.

    Returns EMA's experiments table and outcomes: ``water_deficit_km3_<end_year>``,
    ``recycling_rate_<end_year>`` and the time series ``water_deficit_km3``.
    """
    ema = _ema()
    model = ema_model(
        uncertainties=["drought_probability_south", "flow_change_scale", "upstream_withdrawal_growth_pct"],
        levers=["canal_lining_km_per_yr"],
        outcomes=["water_deficit_km3", "recycling_rate"],
        time_series=["water_deficit_km3"],
        years=[end_year],
        overrides={"end_year": end_year},
        replications=replications,
        common_random_numbers=True,
        seed=1,
    )
    with ema.MultiprocessingEvaluator(model, n_processes=processes) as evaluator:
        return evaluator.perform_experiments(scenarios=scenarios, policies=policies)


def optimise(nfe: int = 400, end_year: int = 2030, population: int = 20) -> pd.DataFrame:
    """Return the Pareto front (levers and objectives) after ``nfe`` function evaluations.

    EMA Workbench keeps the archives of the search in a tarball; it goes to a temporary
    folder here.
    """
    import tempfile

    ema = _ema()
    model = ema_model(
        uncertainties=["drought_probability_south"],
        levers=["canal_lining_km_per_yr", "res_auction_mw_per_yr"],
        outcomes=["water_deficit_km3", "res_share"],
        years=[end_year],
        overrides={"end_year": end_year},
        seed=1,
    )
    reference = ema.Sample("reference", drought_probability_south=0.25)
    with tempfile.TemporaryDirectory() as folder, ema.SequentialEvaluator(model) as evaluator:
        front, _convergence = evaluator.optimize(
            nfe=nfe,
            searchover="levers",
            reference=reference,
            epsilons=[0.01, 0.005],
            population_size=population,
            rng=1,
            directory=folder,
            filename="archives.tar.gz",
        )
    return front


def main() -> None:
    """Explore, look for high deficits with PRIM, then optimise."""
    from wecsim.experiments.analysis import prim_boxes

    experiments, outcomes = explore()
    deficit = outcomes["water_deficit_km3_2030"]
    print(f"2030 water deficit: mean {deficit.mean():.3f} km3, range {deficit.min():.3f}-{deficit.max():.3f}")
    uncertain = experiments[["drought_probability_south", "flow_change_scale", "upstream_withdrawal_growth_pct"]]
    high = deficit > np.quantile(deficit, 0.75)
    for i, box in enumerate(prim_boxes(uncertain, high, threshold=0.6), 1):
        print(f"box {i}: coverage {box.coverage:.2f}, density {box.density:.2f}")
        print(box.table()[["parameter", "box", "full range"]].to_string(index=False))
    print("Pareto front, 2030:")
    print(optimise().to_string(index=False))


if __name__ == "__main__":
    main()
