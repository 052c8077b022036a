"""Municipal solid waste flows per region: collected, recycled, burned for energy, landfilled."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WasteFlows:
    """One year's flows per region [t/yr]; ``recycling_rate`` is recycled / generated [-]."""

    generated_t: np.ndarray
    collected_t: np.ndarray
    recycled_t: np.ndarray
    energy_recovered_t: np.ndarray
    landfilled_t: np.ndarray
    uncollected_t: np.ndarray

    @property
    def recycling_rate(self) -> float:
        """National recycling rate: recycled / generated [-]."""
        total = self.generated_t.sum()
        return float(self.recycled_t.sum() / total) if total > 0 else 0.0


def waste_flows(
    generated_t: np.ndarray,
    collection_coverage: float,
    effective_recycling_capacity_t: np.ndarray,
    max_recoverable_share: float,
    wte_capacity_t: np.ndarray,
    separated_share: np.ndarray | float = 1.0,
) -> WasteFlows:
    """Route one year's waste.

    Parameters
    ----------
    generated_t
        MSW generated per region [t/yr].
    collection_coverage
        Share of waste collected [-].
    effective_recycling_capacity_t
        Capacity times utilisation of sorting and recycling plants [t/yr].
    max_recoverable_share
        Largest share of collected waste that can be recycled (W2 cap) [-].
    wte_capacity_t
        Waste-to-energy capacity [t/yr].
    separated_share
        Share of generated waste separated at source for recycling (grows with EPR
        spending, rule W2) [-].

    Notes
    -----
    ``recycled = min(capacity, separated * generated, max_share * collected)``;
    ``energy = min(wte, collected - recycled)``; ``landfilled = collected - recycled - energy``. Mass is conserved:
    ``generated = recycled + energy + landfilled + uncollected``.
    """
    collected = generated_t * collection_coverage
    feedstock = np.minimum(separated_share * generated_t, max_recoverable_share * collected)
    recycled = np.minimum(effective_recycling_capacity_t, feedstock)
    energy = np.minimum(wte_capacity_t, collected - recycled)
    landfilled = collected - recycled - energy
    return WasteFlows(generated_t, collected, recycled, energy, landfilled, generated_t - collected)
