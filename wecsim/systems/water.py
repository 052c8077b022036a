"""Water balance per basin with priority allocation (municipal, then industry, then irrigation).

The balance closes by construction and is checked by tests: per basin,
``available = withdrawn + unallocated``; per region and sector,
``demand = supplied + deficit`` and ``supplied = delivered + losses``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECTORS = ("municipal", "industry", "irrigation")


@dataclass(frozen=True)
class WaterBalance:
    """Result of one year's allocation; arrays are per region unless named ``basin_``.

    All volumes in m3/yr. ``demand``/``supplied``/``deficit``/``losses`` are dicts by sector.
    """

    demand: dict[str, np.ndarray]
    supplied: dict[str, np.ndarray]
    from_basin: dict[str, np.ndarray]
    from_local: dict[str, np.ndarray]
    deficit: dict[str, np.ndarray]
    losses: dict[str, np.ndarray]
    local_unused: np.ndarray
    basin_available: np.ndarray
    basin_withdrawn: np.ndarray
    basin_unallocated: np.ndarray

    def total(self, field: str) -> np.ndarray:
        """Return the per-region sum over sectors of one field (e.g. ``"deficit"``)."""
        parts = getattr(self, field)
        return sum(parts[s] for s in SECTORS)


def _serve(demand: np.ndarray, supply: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    used = np.minimum(demand, supply)
    return used, supply - used


def allocate(
    basin_of_region: np.ndarray,
    basin_available_m3: np.ndarray,
    demand_m3: dict[str, np.ndarray],
    local_supply_m3: np.ndarray,
    conventional_cap_m3: np.ndarray,
    loss_share: dict[str, np.ndarray],
) -> WaterBalance:
    """Allocate water to regions and sectors for one year.

    Parameters
    ----------
    basin_of_region
        Index of each region's basin [-].
    basin_available_m3
        Water each basin can supply this year (surface x usable share + groundwater +
        transfers) [m3/yr].
    demand_m3
        Gross demand per sector and region, losses included [m3/yr].
    local_supply_m3
        Desalination and reuse available in each region [m3/yr].
    conventional_cap_m3
        Most a region's intakes can take from its basin for municipal and industrial use
        (``inf`` where there is no limit) [m3/yr].
    loss_share
        Share of the supplied gross volume lost in conveyance or networks, per sector [-].

    Notes
    -----
    Local supply serves municipal, then industrial, then irrigation demand. The rest is
    taken from the basin in priority order; within a sector each region gets the same share
    of its demand when the basin runs short (proportional rationing).
    """
    n_basins = len(basin_available_m3)
    remaining_local = local_supply_m3.astype(float).copy()
    from_local, residual = {}, {}
    for s in SECTORS:
        from_local[s], remaining_local = _serve(demand_m3[s], remaining_local)
        residual[s] = demand_m3[s] - from_local[s]
    cap_left = conventional_cap_m3.astype(float).copy()
    claim = {}
    for s in ("municipal", "industry"):
        claim[s], cap_left = _serve(residual[s], cap_left)
    claim["irrigation"] = residual["irrigation"]
    remaining = basin_available_m3.astype(float).copy()
    from_basin = {}
    for s in SECTORS:
        basin_claim = np.bincount(basin_of_region, weights=claim[s], minlength=n_basins)
        ratio = np.ones(n_basins)
        short = basin_claim > remaining
        ratio[short] = remaining[short] / basin_claim[short]
        from_basin[s] = claim[s] * ratio[basin_of_region]
        # rounding may leave -0.0 or a hair below zero: a basin never has negative water
        remaining = np.maximum(remaining - np.bincount(basin_of_region, weights=from_basin[s], minlength=n_basins), 0.0)
    supplied = {s: from_local[s] + from_basin[s] for s in SECTORS}
    deficit = {s: demand_m3[s] - supplied[s] for s in SECTORS}
    losses = {s: supplied[s] * loss_share[s] for s in SECTORS}
    return WaterBalance(
        demand=demand_m3,
        supplied=supplied,
        from_basin=from_basin,
        from_local=from_local,
        deficit=deficit,
        losses=losses,
        local_unused=remaining_local,
        basin_available=basin_available_m3,
        basin_withdrawn=basin_available_m3 - remaining,
        basin_unallocated=remaining,
    )


def gross_demand(net_m3: np.ndarray, loss_share: np.ndarray) -> np.ndarray:
    """Return the gross withdrawal needed to deliver ``net_m3`` through a lossy network.

    Notes
    -----
    ``gross = net / (1 - loss_share)``.
    """
    return net_m3 / (1.0 - loss_share)
