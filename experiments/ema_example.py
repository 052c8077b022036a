"""wecsim as a model in EMA Workbench: sample uncertainties and levers, then PRIM.

Run from the project folder (about a minute on 2 cores)::

    uv run python experiments/ema_example.py

Needs the optional dependency EMA Workbench (``uv sync`` installs it with the dev tools,
``pip install wecsim[ema]`` otherwise).
"""

from __future__ import annotations

import warnings

import numpy as np

from wecsim.experiments.analysis import prim_boxes
from wecsim.experiments.ema import ema_model


def main() -> None:
    """Run 40 scenarios x 2 policies x 2 replications of wecsim to 2030 and look for high deficits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import MultiprocessingEvaluator

    model = ema_model(
        uncertainties=["drought_probability_south", "flow_change_scale", "upstream_withdrawal_growth_pct"],
        levers=["canal_lining_km_per_yr"],
        outcomes=["water_deficit_km3", "recycling_rate"],
        years=[2030],
        overrides={"end_year": 2030},
        replications=2,
        seed=1,
    )
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=40, policies=2)
    deficit = outcomes["water_deficit_km3_2030"]
    print(experiments.head())
    print(f"2030 water deficit: mean {deficit.mean():.3f} km3, range {deficit.min():.3f}-{deficit.max():.3f}")
    uncertain = experiments[[p.name for p in model.uncertainties]]
    high = deficit > np.quantile(deficit, 0.75)
    for i, box in enumerate(prim_boxes(uncertain, high, threshold=0.6), 1):
        print(f"box {i}: coverage {box.coverage:.2f}, density {box.density:.2f}")
        print(box.table()[["parameter", "box", "full range"]].to_string(index=False))


if __name__ == "__main__":
    main()
