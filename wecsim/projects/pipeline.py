"""The project pipeline: each project's lifecycle, with the year and reason of every step.

``proposed -> appraised -> financed -> tendered -> under_construction -> operating -> retired``,
or ``rejected`` / ``cancelled``. Money is kept in a ledger of commitments and disbursements,
each row naming the funder and the project, so every euro can be traced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from itertools import chain


class Stage(StrEnum):
    """Lifecycle stage of a project."""

    PROPOSED = "proposed"
    APPRAISED = "appraised"
    FINANCED = "financed"
    TENDERED = "tendered"
    UNDER_CONSTRUCTION = "under_construction"
    OPERATING = "operating"
    RETIRED = "retired"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


ALLOWED: dict[Stage, set[Stage]] = {
    Stage.PROPOSED: {Stage.APPRAISED, Stage.REJECTED},
    Stage.APPRAISED: {Stage.FINANCED, Stage.CANCELLED, Stage.REJECTED},
    # a farmer buys his system from a supplier: no tender (wecsim.projects.purchase)
    Stage.FINANCED: {Stage.TENDERED, Stage.UNDER_CONSTRUCTION, Stage.CANCELLED},
    Stage.TENDERED: {Stage.UNDER_CONSTRUCTION, Stage.CANCELLED},
    Stage.UNDER_CONSTRUCTION: {Stage.OPERATING},
    Stage.OPERATING: {Stage.RETIRED},
    Stage.RETIRED: set(),
    Stage.REJECTED: set(),
    Stage.CANCELLED: set(),
}


@dataclass(slots=True)
class Project:
    """One investment project and its state. Money in EUR M, size in the technology's unit.

    Slotted: a run makes thousands and reads their attributes millions of times.
    :meth:`WECModel.propose <wecsim.model.WECModel.propose>` passes the fields from
    ``project_id`` to ``site_factor`` by position: keep their order.
    """

    project_id: int
    name: str
    tech_id: str
    sector: str
    region_id: str
    owner: str
    size: float
    capex_estimate_meur: float
    proposed_year: int
    ordinal: int = 0
    pinned: bool = False
    lead_funder: str | None = None
    route: str = "public"
    programme: bool = False
    #: site factor on the project's benefit (sites differ; drawn once per project) [-]
    site_factor: float = 1.0
    #: price the project sells its power at (auctioned renewables) [EUR/MWh]
    ppa_eur_per_mwh: float = float("nan")
    #: cost of capital of a private sponsor (lower with an EU guarantee) [-]
    wacc: float = float("nan")
    #: capacity factor of the project's site (wind and solar) [-]
    capacity_factor: float = float("nan")
    #: share of a sorting plant's input expected to be recyclables collected apart, the rest
    #: mixed waste (set when it is proposed; 0 = mixed waste only) [-]
    separate_input_share: float = 0.0
    #: fee per tonne of input a sorting line of the akimat's plan earns through the regulated MSW
    #: tariff, set at appraisal to cover its cost net of material sales (0 = none) [EUR/t]
    msw_tariff_eur_per_t: float = 0.0
    #: year a feasibility study to IFI standards was paid for (bankable from that year's finance round)
    prepared_year: int | None = None
    stage: Stage = Stage.PROPOSED
    enpv_meur: float = float("nan")
    fnpv_meur: float = float("nan")
    bcr: float = float("nan")
    commitments: dict[str, float] = field(default_factory=dict)
    #: money that supports the project without paying its capex (preparation, blending, guarantee)
    support: dict[str, float] = field(default_factory=dict)
    contract_cost_meur: float = float("nan")
    firm_id: str | None = None
    n_bidders: int = 0
    build_years: int = 0
    #: the contract's money to pay in each year of construction [EUR M]
    schedule_meur: tuple[float, ...] | None = None
    construction_start_year: int | None = None
    operating_year: int | None = None
    retire_year: int | None = None
    disbursed_meur: float = 0.0
    waited_yr: int = 0
    overrun_waited_yr: int = 0
    tender_failures: int = 0
    #: the latest reason as ``(%-format, arguments)``, formatted only when read (see Pipeline.move)
    _reason: tuple[str, tuple] = field(default=("", ()), repr=False)
    #: each funder's share of the commitments, ``(funder_id, share)``, kept until they change (see disburse)
    _shares: tuple[tuple[str, float], ...] | None = field(default=None, repr=False)

    @property
    def committed_meur(self) -> float:
        """Total money committed to the project by all funders [EUR M]."""
        return float(sum(self.commitments.values()))

    @property
    def last_reason(self) -> str:
        """The reason for the project's latest step, or why it is waiting, in words."""
        return format_reason(*self._reason)

    @last_reason.setter
    def last_reason(self, text: str) -> None:
        self._reason = (text, ())

    def wait(self, reason: str, *args) -> None:
        """Keep why the project waits: a ``%``-format filled with ``args`` when read (as :meth:`Pipeline.move`)."""
        self._reason = (reason, args)


def format_reason(template: str, args: tuple) -> str:
    """Fill a reason's ``%``-format with its arguments (no arguments: the text as it is)."""
    return template % args if args else template


#: The text of the first stage (``Stage.PROPOSED.value`` without the property's cost: a run proposes ~2,000 times).
_PROPOSED = Stage.PROPOSED.value

#: Columns of :attr:`Pipeline.transitions` rows.
TRANSITION_COLUMNS = ("project_id", "year", "from_stage", "to_stage", "reason")
#: Columns of :attr:`Pipeline.ledger` rows.
LEDGER_COLUMNS = ("year", "project_id", "funder_id", "kind", "instrument", "amount_meur", "sector", "region_id")
#: Fields of :attr:`Pipeline.transitions` rows: the reason as a ``%``-format and its arguments.
TRANSITION_FIELDS = ("project_id", "year", "from_stage", "to_stage", "reason", "reason_args")


def _columns(log: list, width: int, rows: int | None = None) -> list[list]:
    """Return the columns of a flat log of rows of ``width`` fields (its first ``rows`` rows, or all)."""
    stop = len(log) if rows is None else rows * width
    return [log[i:stop:width] for i in range(width)]


@dataclass
class Pipeline:
    """All projects of a run, the log of their transitions and the money ledger.

    The logs are kept flat, field after field in one list per log (:data:`TRANSITION_FIELDS`,
    :data:`LEDGER_COLUMNS` order): a run writes ~40,000 rows, and rows kept as tuples made
    the cycle collector run and scan them (~6% of a run); plain numbers and strings in a list
    it never tracks. :attr:`ledger` and :attr:`transitions` give the rows as tuples,
    :meth:`ledger_columns` and :meth:`transition_columns` the columns (no tuple per row).
    A transition's reason is kept as a ``%``-format and its arguments, as :mod:`logging` does,
    and formatted by :meth:`transition_rows`: a run moves projects about 7,000 times and most
    runs never read the words.
    """

    projects: list[Project] = field(default_factory=list)
    #: the transition log, flat: TRANSITION_FIELDS after TRANSITION_FIELDS
    _transition_log: list = field(default_factory=list, repr=False)
    #: the money ledger, flat: LEDGER_COLUMNS after LEDGER_COLUMNS
    _ledger_log: list = field(default_factory=list, repr=False)
    #: live projects by stage, each dict keyed by project id (stages with no way out are not indexed)
    _by_stage: dict[Stage, dict[int, Project]] = field(
        default_factory=lambda: {s: {} for s in Stage if ALLOWED[s]}, repr=False
    )

    def add(self, year: int, **kwargs) -> Project:
        """Create a proposed project and log its proposal."""
        return self.enter(Project(project_id=len(self.projects), proposed_year=year, **kwargs))

    def enter(self, project: Project) -> Project:
        """Log a proposed project made by the caller; its id must be the next one (``len(projects)``)."""
        pid = project.project_id
        if pid != len(self.projects) or project.stage is not Stage.PROPOSED:
            raise ValueError(f"project {pid}: a new project needs id {len(self.projects)} and stage proposed")
        self.projects.append(project)
        self._by_stage[Stage.PROPOSED][pid] = project
        self._transition_log += (pid, project.proposed_year, "", _PROPOSED, "proposed by %s", (project.owner,))
        return project

    def move(self, project: Project, to: Stage, year: int, reason: str, *args) -> None:
        """Move a project to a new stage, logging the year and the reason.

        ``reason`` is a ``%``-format filled with ``args`` when the log is read.
        """
        old, pid = project.stage, project.project_id
        if to not in ALLOWED[old]:
            raise RuntimeError(f"project {pid}: {old} -> {to} is not allowed")
        # ``_value_``: the stage's text, as ``.value`` gives it, without the property's cost (a run moves ~8,000 times)
        self._transition_log += (pid, year, old._value_, to._value_, reason, args)
        del self._by_stage[old][pid]
        if ALLOWED[to]:
            self._by_stage[to][pid] = project
        project.stage = to
        project._reason = (reason, args)

    @property
    def transitions(self) -> list[tuple]:
        """The transition log, one tuple per row in :data:`TRANSITION_FIELDS` order (a copy)."""
        return list(zip(*self.transition_columns(), strict=True))

    @property
    def ledger(self) -> list[tuple]:
        """The money ledger, one tuple per row in :data:`LEDGER_COLUMNS` order (a copy)."""
        return list(zip(*self.ledger_columns(), strict=True))

    def transition_columns(self) -> list[list]:
        """Return the transition log as columns, in :data:`TRANSITION_FIELDS` order."""
        return _columns(self._transition_log, len(TRANSITION_FIELDS))

    def ledger_columns(self) -> list[list]:
        """Return the money ledger as columns, in :data:`LEDGER_COLUMNS` order."""
        return _columns(self._ledger_log, len(LEDGER_COLUMNS))

    def transition_columns_later(self) -> partial[list[list]]:
        """Return a call that gives the transition log's columns as they are now, split when called.

        The log only grows, so the call reads the rows logged so far without copying them now
        (deferred result tables: most runs never read them).
        """
        width = len(TRANSITION_FIELDS)
        return partial(_columns, self._transition_log, width, len(self._transition_log) // width)

    def ledger_columns_later(self) -> partial[list[list]]:
        """Return a call that gives the ledger's columns as they are now (as :meth:`transition_columns_later`)."""
        width = len(LEDGER_COLUMNS)
        return partial(_columns, self._ledger_log, width, len(self._ledger_log) // width)

    def transition_rows(self) -> list[tuple]:
        """Return the transition log with each reason in words, in :data:`TRANSITION_COLUMNS` order."""
        *columns, texts, args = self.transition_columns()
        reasons = [format_reason(text, a) for text, a in zip(texts, args, strict=True)]
        return list(zip(*columns, reasons, strict=True))

    def in_stage(self, *stages: Stage) -> list[Project]:
        """Return the projects currently in any of the given stages, oldest first."""
        by_stage = self._by_stage
        if all(s in by_stage for s in stages):
            # a project's id is its place in ``projects``: sort the ids, then look the projects up
            projects = self.projects
            if len(stages) == 1:
                return [projects[i] for i in sorted(by_stage[stages[0]])]
            return [projects[i] for i in sorted(chain.from_iterable([by_stage[s] for s in stages]))]
        return [p for p in self.projects if p.stage in stages]

    def count(self, stage: Stage) -> int:
        """Return how many projects are in a stage now."""
        if stage in self._by_stage:
            return len(self._by_stage[stage])
        return sum(1 for p in self.projects if p.stage == stage)

    def commit(
        self,
        project: Project,
        funder_id: str,
        amount_meur: float,
        year: int,
        instrument: str,
        region_id: str | None = None,
    ) -> None:
        """Record a commitment (negative amounts release money) of a funder to a project."""
        project.commitments[funder_id] = project.commitments.get(funder_id, 0.0) + amount_meur
        project._shares = None
        self._ledger_log += (
            year,
            project.project_id,
            funder_id,
            "commitment",
            instrument,
            amount_meur,
            project.sector,
            region_id or project.region_id,
        )

    def commit_all(
        self,
        projects: list[Project],
        funder_ids: list[str],
        amounts_meur: list[float],
        instruments: list[str],
        year: int,
    ) -> None:
        """Record many commitments of one year at once, in order (as :meth:`commit` one at a time).

        The finance round closes ~4,000 pledges a run; one call keeps them off the per-call overhead.
        """
        log = self._ledger_log
        for project, funder_id, amount, instrument in zip(projects, funder_ids, amounts_meur, instruments, strict=True):
            commitments = project.commitments
            commitments[funder_id] = commitments.get(funder_id, 0.0) + amount
            project._shares = None
            log += (
                year,
                project.project_id,
                funder_id,
                "commitment",
                instrument,
                amount,
                project.sector,
                project.region_id,
            )

    def add_support(self, project: Project, funder_id: str, amount_meur: float, year: int, instrument: str) -> None:
        """Record support that does not pay capex (kind ``support``): a study, an interest buy-down, a guarantee."""
        project.support[funder_id] = project.support.get(funder_id, 0.0) + amount_meur
        self._ledger_log += (
            year,
            project.project_id,
            funder_id,
            "support",
            instrument,
            amount_meur,
            project.sector,
            project.region_id,
        )

    def disburse(self, project: Project, amount_meur: float, year: int) -> dict[str, float]:
        """Pay ``amount_meur`` to the project, split across funders by their commitments.

        Returns the amount paid by each funder [EUR M].
        """
        return dict(self.disburse_all([project], [amount_meur], year))

    def disburse_all(self, projects: list[Project], amounts_meur: list[float], year: int) -> list[tuple[str, float]]:
        """Pay each project its amount of the year, in order, as :meth:`disburse` one at a time.

        Returns ``(funder_id, amount)`` for every payment, in the ledger's order [EUR M]. One call
        a year keeps ~120 projects' payments off the per-call cost (and no dict per project).
        """
        log = self._ledger_log
        paid: list[tuple[str, float]] = []
        for project, amount_meur in zip(projects, amounts_meur, strict=True):
            shares = project._shares
            if shares is None:  # worked out once: a project's commitments stay fixed while it is built
                total = project.committed_meur
                shares = project._shares = tuple(
                    (funder_id, committed / total if total > 0 else 0.0)
                    for funder_id, committed in project.commitments.items()
                )
            pid, sector, region_id = project.project_id, project.sector, project.region_id
            for funder_id, share in shares:
                amount = amount_meur * share
                log += (year, pid, funder_id, "disbursement", "", amount, sector, region_id)
                paid.append((funder_id, amount))
            project.disbursed_meur += amount_meur
        return paid
