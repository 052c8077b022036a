"""Municipal solid waste flows per region: collected, sorted, recycled, burned for energy, landfilled.

Two kinds of waste reach a sorting plant (or a sorting line at a landfill): recyclables collected
apart from mixed waste (the separated share, which EPR money raises), taken first, and mixed
collected waste, which fills the rest of the plant. The official recycling rate of Kazakhstan
counts every tonne that passes a sorting belt or a processing plant (Ministry of Ecology); only a
part of it leaves as secondary material, and the rest is landfilled or burned with the unsorted
waste.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WasteFlows:
    """One year's flows per region [t/yr].

    ``sorted_t`` passed a sorting plant (the official basis); ``recycled_t`` left the waste stream
    as secondary material. ``recycling_rate`` is sorted / generated, as the Ministry counts it.
    """

    generated_t: np.ndarray
    collected_t: np.ndarray
    sorted_t: np.ndarray
    recycled_t: np.ndarray
    energy_recovered_t: np.ndarray
    landfilled_t: np.ndarray
    uncollected_t: np.ndarray

    @property
    def recycling_rate(self) -> float:
        """National recycling rate on the Ministry's basis: sorted / generated [-]."""
        total = self.generated_t.sum()
        return float(self.sorted_t.sum() / total) if total > 0 else 0.0


def waste_flows(
    generated_t: np.ndarray,
    collection_coverage: float,
    effective_sorting_capacity_t: np.ndarray,
    max_recoverable_share: float,
    wte_capacity_t: np.ndarray,
    separated_share: np.ndarray | float,
    *,
    recovery_separated: float,
    recovery_mixed: float,
) -> WasteFlows:
    """Route one year's waste.

    Parameters
    ----------
    generated_t
        MSW generated per region [t/yr].
    collection_coverage
        Share of waste collected [-].
    effective_sorting_capacity_t
        Capacity times utilisation of sorting plants and sorting lines [t/yr].
    max_recoverable_share
        Largest share of collected waste that can be collected apart for recycling (W2 cap) [-].
    wte_capacity_t
        Waste-to-energy capacity [t/yr].
    separated_share
        Share of generated waste collected apart for recycling (grows with EPR spending, rule W2) [-].
    recovery_separated, recovery_mixed
        Share of sorted input that leaves as secondary material, for waste collected apart
        and for mixed waste [-].

    Notes
    -----
    ``separate = min(separated * generated, max_share * collected)``;
    ``sorted_separate = min(capacity, separate)``; ``sorted_mixed = min(capacity - sorted_separate,
    collected - separate)``; ``recycled = recovery_separated * sorted_separate + recovery_mixed *
    sorted_mixed``; ``energy = min(wte, collected - recycled)``; ``landfilled = collected - recycled
    - energy``. Mass is conserved: ``generated = recycled + energy + landfilled + uncollected``.
    """
    collected = generated_t * collection_coverage
    separate = np.minimum(separated_share * generated_t, max_recoverable_share * collected)
    sorted_separate = np.minimum(effective_sorting_capacity_t, separate)
    sorted_mixed = np.minimum(effective_sorting_capacity_t - sorted_separate, collected - separate)
    recycled = recovery_separated * sorted_separate + recovery_mixed * sorted_mixed
    energy = np.minimum(wte_capacity_t, collected - recycled)
    landfilled = collected - recycled - energy
    return WasteFlows(
        generated_t,
        collected,
        sorted_separate + sorted_mixed,
        recycled,
        energy,
        landfilled,
        generated_t - collected,
    )


def new_plant_separate_share(separate_t: float, capacity_t: float, plant_input_t: float) -> float:
    """Share of a new sorting plant's input that is recyclables collected apart [-].

    The same rule as :func:`waste_flows`: plants take the recyclables collected apart before
    mixed waste, so the capacity already there (``capacity_t``, at its use) takes them first
    and a new plant of input ``plant_input_t`` gets what is left, topped up with mixed waste.
    """
    if plant_input_t <= 0:
        return 0.0
    return float(min(1.0, max(0.0, separate_t - capacity_t) / plant_input_t))
