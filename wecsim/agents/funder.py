"""Funder: the EU, IFIs, bilateral donors, private investors and the national budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from wecsim.projects.pipeline import Project

if TYPE_CHECKING:
    from wecsim.model import WECModel

SECTORS = ("water", "energy", "circular", "resilience")

#: Why a funder offers nothing (the ``reason`` column of the ``refusals`` table), in the order checked.
REFUSAL_REASONS = (
    "outside the mandate",
    "economic NPV below zero",
    "does not pay for itself",
    "envelope used up",
    "no room under the share caps",
)


class Funder(mesa.Agent):
    """A funder offers money to proposals within its yearly envelope.

    Decision rules
    --------------
    * **Mandate**: no offer to a sector with priority weight 0; the offer's share scales with
      ``weight / max(weights)`` so priorities shape amounts (F7).
    * **Economic gate** (F1, World Bank OP 10.04): EU, bilateral donors and IFIs need ENPV >= 0.
    * **Grant additionality** (F2, ECA SR 16/2014): grants never exceed the funding gap that
      brings FNPV to zero, nor ``1 - co-finance share`` of the cost in total.
    * **Share cap** (F3): at most ``max_share_of_capex`` of a project's cost.
    * **Private money** needs FNPV >= 0 (after grants); lenders together finance at most
      ``max_debt_share`` of the cost.
    * **Envelope**: the yearly envelope (a lever) plus money released by earlier projects;
      what is not committed by year end lapses.
    """

    def __init__(self, model: WECModel, row: dict, overrides: dict | None = None):
        super().__init__(model)
        row = dict(row) | {k: v for k, v in (overrides or {}).items() if v is not None}
        self.funder_id: str = row["funder_id"]
        self.name: str = row["name"]
        self.instrument: str = row["instrument"]
        self.order = int(row["order"])
        self.max_share = float(row["max_share_of_capex"])
        self.priority = {s: float(row[f"priority_{s}"]) for s in SECTORS}
        self.requires_enpv = bool(row["requires_enpv"])
        self.requires_fnpv = bool(row["requires_fnpv"])
        self.additional = bool(row["grant_additionality"])
        self.budget_lever: str = row["budget_lever"]
        self.budget_unit: str = row["budget_unit"]
        self.available_meur = 0.0
        self.envelope_meur = 0.0
        self.committed_meur = 0.0
        self.released_meur = 0.0
        self.disbursed_meur = 0.0
        #: whether the money is a grant (counts against the funding gap and the grant cap)
        self.is_grant = self.instrument in ("grant", "budget")
        #: whether the money is a loan (counts against the debt cap)
        self.is_loan = self.instrument == "loan"
        top = max(self.priority.values())
        self._scale = {s: (w / top if top > 0 else 0.0) for s, w in self.priority.items()}

    def open_year(self, envelope_meur: float) -> None:
        """Start a year: the envelope becomes available; last year's leftovers lapse."""
        self.envelope_meur = envelope_meur
        self.available_meur = envelope_meur
        self.committed_meur = self.released_meur = self.disbursed_meur = 0.0

    def weight_scale(self, sector: str) -> float:
        """Return the priority of a sector relative to this funder's top priority [0..1]."""
        return self._scale[sector]

    def _refuse(self, project: Project, reason: str) -> float:
        """Record a refusal as a row of the model's ``refusals`` table and offer nothing."""
        self.model.refusals.append(
            (self.model.year, self.funder_id, project.project_id, project.sector, project.region_id, reason)
        )
        return 0.0

    def offer(
        self,
        project: Project,
        need_meur: float,
        grant_room_meur: float,
        debt_room_meur: float,
        cost_meur: float,
        grants_meur: float,
    ) -> float:
        """Return how much this funder offers the project now [EUR M] (0, with a refusal recorded).

        Parameters
        ----------
        project
            The appraised proposal.
        need_meur
            Money still missing [EUR M].
        grant_room_meur, debt_room_meur
            Room left under the grant caps (co-finance rule, funding gap) and the debt cap [EUR M].
        cost_meur
            Cost to finance, estimate plus contingency [EUR M].
        grants_meur
            Grants offered so far, in the same prices as FNPV (without contingency) [EUR M].
        """
        scale = self.weight_scale(project.sector)
        if scale <= 0:
            return self._refuse(project, "outside the mandate")
        if self.requires_enpv and not project.enpv_meur >= 0:
            return self._refuse(project, "economic NPV below zero")
        cap = self.max_share * scale * cost_meur
        if self.is_grant and grant_room_meur < cap:
            cap = grant_room_meur
        if self.is_loan and debt_room_meur < cap:
            cap = debt_room_meur
        if self.requires_fnpv and project.fnpv_meur + grants_meur < 0:
            return self._refuse(project, "does not pay for itself")
        amount = min(cap, need_meur, self.available_meur)
        if amount <= 1e-9:
            used_up = self.available_meur <= 1e-9
            return self._refuse(project, "envelope used up" if used_up else "no room under the share caps")
        return amount

    def commit(self, amount_meur: float) -> None:
        """Take a commitment out of this year's available money."""
        self.available_meur -= amount_meur
        self.committed_meur += amount_meur

    def release(self, amount_meur: float) -> None:
        """Take back money released by a project (cancelled, or cheaper than financed)."""
        self.available_meur += amount_meur
        self.released_meur += amount_meur
