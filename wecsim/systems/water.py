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
    ``from_local`` is what reuse and desalination delivered (``from_reuse + from_desal``).
    """

    demand: dict[str, np.ndarray]
    supplied: dict[str, np.ndarray]
    from_basin: dict[str, np.ndarray]
    from_reuse: dict[str, np.ndarray]
    from_desal: dict[str, np.ndarray]
    deficit: dict[str, np.ndarray]
    losses: dict[str, np.ndarray]
    reuse_used: np.ndarray
    desal_used: np.ndarray
    basin_available: np.ndarray
    basin_withdrawn: np.ndarray
    basin_unallocated: np.ndarray

    @property
    def from_local(self) -> dict[str, np.ndarray]:
        """Return what reuse and desalination delivered per sector [m3/yr]."""
        return {s: self.from_reuse[s] + self.from_desal[s] for s in SECTORS}

    def total(self, field: str) -> np.ndarray:
        """Return the per-region sum over sectors of one field (e.g. ``"deficit"``)."""
        parts = getattr(self, field)
        return sum(parts[s] for s in SECTORS)


def _serve(demand: np.ndarray, supply: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    used = np.minimum(demand, supply)
    return used, supply - used


#: Sectors treated wastewater may serve (not drinking water), in order.
REUSE_SECTORS = ("industry", "irrigation")
#: Sectors desalinated water serves, in order.
DESAL_SECTORS = ("municipal", "industry")


def allocate(
    basin_of_region: np.ndarray,
    basin_available_m3: np.ndarray,
    demand_m3: dict[str, np.ndarray],
    reuse_m3: np.ndarray,
    desal_m3: np.ndarray,
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
        transfers + the yield of new reservoirs) [m3/yr].
    demand_m3
        Gross demand per sector and region, losses included [m3/yr].
    reuse_m3, desal_m3
        Treated wastewater and desalinated water each region can deliver [m3/yr].
    conventional_cap_m3
        Most a region's intakes can take from its basin for municipal and industrial use
        (``inf`` where there is no limit) [m3/yr].
    loss_share
        Share of the supplied gross volume lost in conveyance or networks, per sector [-].

    Notes
    -----
    Order of supply, cheapest first: treated wastewater serves industry, then irrigation
    (it is produced anyway and is not drinking water); the basin then serves municipal,
    industrial and irrigation demand in that priority (within a sector each region gets the
    same share of its demand when the basin runs short: proportional rationing);
    desalination, the dearest source, fills what is still missing for municipal, then
    industrial users. Desalination that is not needed does not run.
    """
    n_basins = len(basin_available_m3)
    zero = np.zeros_like(reuse_m3, dtype=float)
    residual = {s: demand_m3[s].astype(float) for s in SECTORS}
    from_reuse, remaining_reuse = {s: zero for s in SECTORS}, reuse_m3.astype(float)
    for s in REUSE_SECTORS:
        from_reuse[s], remaining_reuse = _serve(residual[s], remaining_reuse)
        residual[s] = residual[s] - from_reuse[s]
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
        residual[s] = residual[s] - from_basin[s]
        # rounding may leave -0.0 or a hair below zero: a basin never has negative water
        remaining = np.maximum(remaining - np.bincount(basin_of_region, weights=from_basin[s], minlength=n_basins), 0.0)
    from_desal, remaining_desal = {s: zero for s in SECTORS}, desal_m3.astype(float)
    for s in DESAL_SECTORS:
        from_desal[s], remaining_desal = _serve(np.maximum(residual[s], 0.0), remaining_desal)
    supplied = {s: from_reuse[s] + from_basin[s] + from_desal[s] for s in SECTORS}
    deficit = {s: demand_m3[s] - supplied[s] for s in SECTORS}
    losses = {s: supplied[s] * loss_share[s] for s in SECTORS}
    return WaterBalance(
        demand=demand_m3,
        supplied=supplied,
        from_basin=from_basin,
        from_reuse=from_reuse,
        from_desal=from_desal,
        deficit=deficit,
        losses=losses,
        reuse_used=reuse_m3 - remaining_reuse,
        desal_used=desal_m3 - remaining_desal,
        basin_available=basin_available_m3,
        basin_withdrawn=basin_available_m3 - remaining,
        basin_unallocated=remaining,
    )


def network_loss_ratio(wear: np.ndarray, loss_at_ref: float, wear_ref: float, floor: float) -> np.ndarray:
    """Return the loss-to-delivery ratio ``L/(1-L)`` of a water network of given wear [-].

    Notes
    -----
    Leakage grows with the share of pipes past their service life: the loss share rises
    linearly from ``floor`` (a new network) through ``loss_at_ref`` at the reference wear.
    """
    loss = floor + (loss_at_ref - floor) * np.asarray(wear, dtype=float) / wear_ref
    loss = np.clip(loss, floor, 0.95)
    return loss / (1.0 - loss)


def gross_demand(net_m3: np.ndarray, loss_share: np.ndarray) -> np.ndarray:
    """Return the gross withdrawal needed to deliver ``net_m3`` through a lossy network.

    Notes
    -----
    ``gross = net / (1 - loss_share)``.
    """
    return net_m3 / (1.0 - loss_share)
