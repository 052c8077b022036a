"""Flood damage and the effect of early-warning systems (rule FEW1)."""

from __future__ import annotations

import numpy as np


def damage_after_warning(
    damage_meur: np.ndarray, coverage: np.ndarray, reduction: float, lead_time_h: float, response_rate: float
) -> np.ndarray:
    """Return flood damage left once early warning acts [EUR M].

    Parameters
    ----------
    damage_meur
        Damage without warning, per region [EUR M].
    coverage
        Share of exposed population covered by a warning system [-].
    reduction
        Damage cut with 24 hours' notice (eta) [-].
    lead_time_h
        Warning lead time [h].
    response_rate
        Share of warned people who act [-].

    Notes
    -----
    ``D_with = D * (1 - eta * min(1, lead/24) * coverage * response)`` (DECISION-RULES FEW1;
    eta = 0.30 from crews-initiative.org / GCA 2019).
    """
    factor = 1.0 - reduction * min(1.0, lead_time_h / 24.0) * coverage * response_rate
    return damage_meur * factor
