"""A workshop's actions, with who may take them: teams submit for their own role, the facilitator runs rounds.

:class:`Workshops` is the one door to the state (an SQLite file, :mod:`wecsim.workshop.store`):
the CLI and the app call it, never the tables. Every action checks its code or key first;
a refused attempt is written to the audit table (in its own transaction) before the error
is raised, and never names the code that was tried.

A round is ``locked`` when created, ``open`` while teams may submit (until its deadline, if
any), ``locked`` again when the facilitator says so, and ``done`` once advanced: the model
then runs the round's years for everyone (see :mod:`wecsim.workshop.replay`).
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from wecsim.i18n import N_, _
from wecsim.scenario import load_scenario
from wecsim.scenario.load import dump_scenario, load_scenario_text
from wecsim.scenario.schema import Scenario
from wecsim.workshop import codes
from wecsim.workshop.errors import AccessRefused, WorkshopError
from wecsim.workshop.events import Injection, check_event
from wecsim.workshop.replay import SNAPSHOTS, Plan, eu_added, play
from wecsim.workshop.roles import Role, all_roles, describe_decision, firm_technologies, parse_decision, parse_roles
from wecsim.workshop.scores import (
    national_against_targets,
    national_years,
    role_scores,
    round_outcomes,
    score_totals,
)
from wecsim.workshop.store import Store

#: What someone tried when refused, in plain words (the audit log keeps the ids; ``submit for <role>`` apart).
ACTIONS = {
    "open": N_("open a round"),
    "extend": N_("extend a round"),
    "lock": N_("lock a round"),
    "inject": N_("inject an event"),
    "advance": N_("advance a round"),
    "projector code": N_("issue a projector code"),
    "projector view": N_("open the projector"),
    "lesson": N_("note a lesson"),
    "lessons": N_("list the lessons"),
    "replay": N_("replay the workshop"),
    "status": N_("see the status"),
    "join": N_("join"),
    "view": N_("open a team's page"),
    "report": N_("make the debrief report"),
    "audit": N_("see the refused attempts"),
    "export": N_("export the decisions"),
}

#: Longest a round may stay open [min], most rounds and most teams of a workshop (limits of
#: input, so a typo cannot make a workshop of thousands of rounds).
MAX_ROUND_MINUTES = 24 * 60
MAX_ROUNDS = 50
MAX_ROLES = 40
#: Longest lesson the facilitator may note [characters] (a paragraph or two).
MAX_LESSON_CHARS = 4_000
#: Characters of a claimed role kept in the audit log (a role id is about 20).
MAX_ROLE_CHARS = 80
#: After how long a round's comparison runs still being computed are taken as abandoned (a restart
#: stopped them) and computed by the next reader [s]. From the start they take at most a few
#: seconds (two runs of at most the scenario's years, about 0.3 s of CPU each, on a busy machine).
COMPARING_GIVE_UP_S = 60

log = logging.getLogger(__name__)


def _compare_apart(db: Path, workshop_id: str, round_no: int, then: Callable[[], None] | None = None) -> None:
    """Compute a round's comparison runs on a connection of their own (a thread of :meth:`Workshops.advance`)."""
    try:
        ws = Workshops(db)
    except WorkshopError:
        log.exception("workshop %s round %s: the comparison runs could not open %s", workshop_id, round_no, db)
        return
    try:
        ws.compare(workshop_id, round_no)
    except Exception:  # the next reader computes them (see Workshops.comparing)
        log.exception("workshop %s round %s: the comparison runs failed", workshop_id, round_no)
        return
    finally:
        ws.close()
    if then is not None:
        then()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


def check_setup(
    scenario: Any, roles: list[str], rounds: int, years_per_round: int, seed: int | None = None
) -> tuple[Scenario, list[Role]]:
    """Return the scenario and roles of a new workshop, or a clear error (before anything is written)."""
    config = load_scenario(scenario)
    if not roles:
        raise WorkshopError(
            _("--roles: name at least one role, e.g. funder:ebrd,region:KZ-47 (`wecsim workshop roles`)")
        )
    chosen = parse_roles(roles)
    if len(chosen) > MAX_ROLES:
        raise WorkshopError(
            _("--roles: {n} roles; a workshop has at most {most} teams").format(n=len(chosen), most=MAX_ROLES)
        )
    if not 1 <= rounds <= MAX_ROUNDS:
        raise WorkshopError(_("--rounds: {rounds}; expected 1 to {most}").format(rounds=rounds, most=MAX_ROUNDS))
    n_years = config.end_year - config.start_year + 1
    if years_per_round < 1 or rounds * years_per_round > n_years:
        raise WorkshopError(
            _(
                "--rounds {rounds} x --years-per-round {years}: the scenario {name!r} simulates "
                "{n} years ({first}-{last}); rounds x years per round must be at most {n}"
            ).format(
                rounds=rounds,
                years=years_per_round,
                name=config.name,
                n=n_years,
                first=config.start_year,
                last=config.end_year,
            )
        )
    if seed is not None and not 0 <= seed < 2**63:
        raise WorkshopError(_("--seed: {seed}; expected 0 to 2**63 - 1").format(seed=seed))
    return config, chosen


@dataclass(frozen=True)
class Created:
    """What the facilitator gets once: the key, and each team's join code (shown now, stored hashed)."""

    workshop_id: str
    facilitator_key: str
    team_codes: dict[str, str]
    #: opens the read-only projector view (never a team's or the facilitator's powers)
    projector_code: str = ""


@dataclass(frozen=True)
class Team:
    """A team that proved its code."""

    workshop_id: str
    role: str


@lru_cache(maxsize=32)
def _stored_scenario(text: str, workshop_id: str) -> Scenario:
    """Return a workshop's scenario from its stored YAML, parsed and checked once per text (a few ms each time).

    Every screen's redraw asks for the workshop's plan; the text is the key, so a workshop whose
    scenario were stored anew would be parsed anew. Callers get a copy (:meth:`Workshops.plan`).
    """
    return load_scenario_text(text, f"workshop {workshop_id} (scenario)")


class Workshops:
    """The workshops of one SQLite file."""

    def __init__(self, db: str | Path, *, create: bool = False, clock: Callable[[], datetime] = _now):
        self.store = Store(db, create=create)
        self.clock = clock

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    # ------------------------------------------------------------------ set-up
    def create(
        self, scenario: Any, roles: list[str], rounds: int, years_per_round: int, seed: int | None = None
    ) -> Created:
        """Create a workshop; return its id, the facilitator key and a join code per team (all shown only now)."""
        config, chosen = check_setup(scenario, roles, rounds, years_per_round, seed)
        workshop_id = secrets.token_hex(6)
        key, projector = codes.new_code(), codes.new_code()
        team_codes = {r.role_id: codes.new_code() for r in chosen}
        with self.store.write() as c:
            c.execute(
                "INSERT INTO workshop VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    workshop_id,
                    _iso(self.clock()),
                    config.name,
                    dump_scenario(config),
                    int(config.seed if seed is None else seed),
                    rounds,
                    years_per_round,
                    codes.digest(key),
                    codes.digest(projector),
                ),
            )
            c.executemany(
                "INSERT INTO team VALUES (?, ?, ?)",
                [(workshop_id, role, codes.digest(code)) for role, code in team_codes.items()],
            )
            c.executemany(
                "INSERT INTO round (workshop_id, round, state) VALUES (?, ?, 'locked')",
                [(workshop_id, r) for r in range(1, rounds + 1)],
            )
        return Created(workshop_id, key, team_codes, projector)

    def ids(self) -> list[str]:
        """Return the ids of the workshops in this file, oldest first."""
        return [r[0] for r in self.store.read("SELECT workshop_id FROM workshop ORDER BY created_utc, rowid")]

    def plan(self, workshop_id: str) -> Plan:
        """Return what the workshop runs (scenario, seed, roles, rounds)."""
        w = self._workshop(workshop_id)
        scenario = _stored_scenario(w["scenario_yaml"], workshop_id).model_copy(deep=True)  # the caller's own
        roles = [
            r["role"]
            for r in self.store.read("SELECT role FROM team WHERE workshop_id = ? ORDER BY rowid", (workshop_id,))
        ]
        return Plan(scenario, int(w["seed"]), tuple(parse_roles(roles)), int(w["rounds"]), int(w["years_per_round"]))

    @contextmanager
    def _change(self, workshop_id: str) -> Iterator[sqlite3.Connection]:
        """One transaction that changes what a workshop's screens show: it also moves the change counter."""
        with self.store.write() as c:
            yield c
            c.execute("UPDATE workshop SET revision = revision + 1 WHERE workshop_id = ?", (workshop_id,))

    def revision(self, workshop_id: str) -> int:
        """Return the workshop's change counter (the pages poll it and redraw when it moves; no secret in it)."""
        rows = self.store.read("SELECT revision FROM workshop WHERE workshop_id = ?", (workshop_id,))
        return int(rows[0][0]) if rows else -1

    # ------------------------------------------------------------------ who is acting
    def _workshop(self, workshop_id: str):
        rows = self.store.read("SELECT * FROM workshop WHERE workshop_id = ?", (workshop_id,))
        if not rows:
            raise WorkshopError(
                _("workshop {workshop!r}: not in {db} (it holds {ids})").format(
                    workshop=workshop_id, db=self.store.path, ids=self.ids()
                )
            )
        return rows[0]

    def _refuse(self, workshop_id: str | None, actor: str, action: str, reason: str, **values: Any) -> AccessRefused:
        """Log a refused attempt (in English, for the audit) and return the error to raise, in the language in use.

        ``action`` is one of :data:`ACTIONS` (or ``submit for <role>``); ``reason`` a message
        marked with ``N_`` whose ``{fields}`` are filled from ``values``.
        """
        with self.store.write() as c:
            c.execute(
                "INSERT INTO audit (workshop_id, time_utc, actor, action, reason) VALUES (?, ?, ?, ?, ?)",
                (workshop_id, _iso(self.clock()), actor, action, reason.format(**values)),
            )
        role = action.removeprefix("submit for ")
        shown = _("submit for {role}").format(role=role) if role != action else _(ACTIONS.get(action, action))
        return AccessRefused(
            _("refused: {action}: {reason} (the attempt is logged)").format(
                action=shown, reason=_(reason).format(**values)
            )
        )

    def facilitator(self, workshop_id: str, key: str, action: str) -> None:
        """Check the facilitator's key for ``action``; refuse and log otherwise."""
        w = self._workshop(workshop_id)
        if not isinstance(key, str) or not codes.matches(key, w["facilitator_hash"]):
            raise self._refuse(workshop_id, "unknown", action, N_("wrong facilitator key"))

    def team(self, workshop_id: str, code: str, action: str = "join") -> Team:
        """Return the team whose code this is; refuse and log a code of no team of this workshop."""
        self._workshop(workshop_id)
        if isinstance(code, str):
            for row in self.store.read("SELECT role, code_hash FROM team WHERE workshop_id = ?", (workshop_id,)):
                if codes.matches(code, row["code_hash"]):
                    return Team(workshop_id, row["role"])
            other = self.store.read(
                "SELECT workshop_id FROM team WHERE code_hash = ? AND workshop_id != ?",
                (codes.digest(code), workshop_id),
            )
            if other:
                raise self._refuse(
                    workshop_id, f"team of workshop {other[0][0]}", action, N_("a code of another workshop")
                )
        raise self._refuse(workshop_id, "unknown", action, N_("no team of this workshop has this code"))

    # ------------------------------------------------------------------ rounds
    def current_round(self, workshop_id: str) -> int | None:
        """Return the round being played (the first not done), or ``None`` when all are done."""
        rows = self.store.read("SELECT MIN(round) FROM round WHERE workshop_id = ? AND state != 'done'", (workshop_id,))
        return rows[0][0]

    def _round(self, workshop_id: str):
        n = self.current_round(workshop_id)
        if n is None:
            raise WorkshopError(_("workshop {workshop}: every round has been played").format(workshop=workshop_id))
        return self.store.read("SELECT * FROM round WHERE workshop_id = ? AND round = ?", (workshop_id, n))[0]

    def open_round(self, workshop_id: str, key: str, minutes: float | None = None) -> dict:
        """Open the current round to submissions, for ``minutes`` if given (else until locked)."""
        self.facilitator(workshop_id, key, "open")
        deadline = None if minutes is None else _iso(self.clock() + self._minutes(minutes))
        rnd = self._round(workshop_id)
        with self._change(workshop_id) as c:
            c.execute(
                "UPDATE round SET state = 'open', deadline_utc = ? WHERE workshop_id = ? AND round = ?",
                (deadline, workshop_id, rnd["round"]),
            )
        return {"round": rnd["round"], "state": "open", "deadline_utc": deadline}

    def extend(self, workshop_id: str, key: str, minutes: float) -> dict:
        """Give the open round ``minutes`` more (from its deadline, or from now if it has passed or none was set)."""
        self.facilitator(workshop_id, key, "extend")
        rnd = self._round(workshop_id)
        if rnd["state"] != "open":
            raise WorkshopError(
                _("round {round} is {state}; open it first").format(round=rnd["round"], state=_(rnd["state"]))
            )
        now = self.clock()
        base = datetime.fromisoformat(rnd["deadline_utc"]) if rnd["deadline_utc"] else now
        deadline = _iso(max(base, now) + self._minutes(minutes))
        with self._change(workshop_id) as c:
            c.execute(
                "UPDATE round SET deadline_utc = ? WHERE workshop_id = ? AND round = ?",
                (deadline, workshop_id, rnd["round"]),
            )
        return {"round": rnd["round"], "state": "open", "deadline_utc": deadline}

    @staticmethod
    def _minutes(minutes: float) -> timedelta:
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 0 < minutes <= MAX_ROUND_MINUTES:
            raise WorkshopError(
                _("--minutes: {minutes!r}; expected more than 0 and at most {most}").format(
                    minutes=minutes, most=MAX_ROUND_MINUTES
                )
            )
        return timedelta(minutes=minutes)

    def lock(self, workshop_id: str, key: str) -> dict:
        """Close the current round to submissions."""
        self.facilitator(workshop_id, key, "lock")
        rnd = self._round(workshop_id)
        with self._change(workshop_id) as c:
            c.execute(
                "UPDATE round SET state = 'locked' WHERE workshop_id = ? AND round = ?", (workshop_id, rnd["round"])
            )
        return {"round": rnd["round"], "state": "locked"}

    def inject(self, workshop_id: str, key: str, event: str, year: int | None = None) -> Injection:
        """Add an event to a year still to play (default: the current round's first year that may take one)."""
        self.facilitator(workshop_id, key, "inject")
        plan = self.plan(workshop_id)
        rnd = self._round(workshop_id)
        s = plan.scenario
        # the base year reproduces observed conditions, and observed weather years are history
        first = max(plan.years(rnd["round"]).start, s.start_year + 1, (s.observed_weather_until or 0) + 1)
        last = plan.years(plan.rounds).stop - 1
        inj = check_event(event, first if year is None else year, first, last)
        with self._change(workshop_id) as c:
            c.execute(
                "INSERT INTO injection (workshop_id, event, year, injected_utc) VALUES (?, ?, ?, ?)",
                (workshop_id, inj.event_id, inj.year, _iso(self.clock())),
            )
        return inj

    def injections(self, workshop_id: str) -> list[Injection]:
        """Return the events injected so far, in order."""
        rows = self.store.read(
            "SELECT event, year FROM injection WHERE workshop_id = ? ORDER BY injection_id", (workshop_id,)
        )
        return [Injection(r["event"], int(r["year"])) for r in rows]

    # ------------------------------------------------------------------ teams
    def submit(self, workshop_id: str, code: str, role: str, payload: Any) -> int:
        """Store a team's decision for the open round; return its id. The last one before the lock counts."""
        action = f"submit for {str(role)[:MAX_ROLE_CHARS]}"
        team = self.team(workshop_id, code, action)
        if team.role != role:
            raise self._refuse(
                workshop_id,
                f"team {team.role}",
                action,
                N_("this code belongs to {mine}, not {role}"),
                mine=team.role,
                role=role,
            )
        rnd = self._round(workshop_id)
        if rnd["state"] != "open":
            raise self._refuse(
                workshop_id,
                f"team {team.role}",
                action,
                N_("round {round} is {state}"),
                round=rnd["round"],
                state=rnd["state"],
            )
        now = self.clock()
        if rnd["deadline_utc"] and now > datetime.fromisoformat(rnd["deadline_utc"]):
            raise self._refuse(
                workshop_id,
                f"team {team.role}",
                action,
                N_("round {round} closed at {time}"),
                round=rnd["round"],
                time=rnd["deadline_utc"],
            )
        parse_decision(all_roles()[role], payload)  # bad decisions never reach the table
        text = payload if isinstance(payload, str) else json.dumps(payload, sort_keys=True)
        with self._change(workshop_id) as c:
            # the round may have been locked since it was read: check again inside the transaction
            state = c.execute(
                "SELECT state FROM round WHERE workshop_id = ? AND round = ?", (workshop_id, rnd["round"])
            ).fetchone()[0]
            if state != "open":
                raise WorkshopError(
                    _("round {round} was {state} before the decision arrived").format(
                        round=rnd["round"], state=_(state)
                    )
                )
            cur = c.execute(
                "INSERT INTO decision (workshop_id, round, role, payload_json, submitted_utc) VALUES (?, ?, ?, ?, ?)",
                (workshop_id, rnd["round"], role, json.dumps(json.loads(text), sort_keys=True), _iso(now)),
            )
        return int(cur.lastrowid)

    def decisions(self, workshop_id: str, upto_round: int) -> list[dict[str, Any]]:
        """Return each round's counting decisions (the last one of each team), rounds 1 to ``upto_round``."""
        rows = self.store.read(
            "SELECT round, role, payload_json FROM decision WHERE workshop_id = ? AND round <= ? ORDER BY decision_id",
            (workshop_id, upto_round),
        )
        out: list[dict[str, Any]] = [{} for _ in range(upto_round)]
        for r in rows:
            out[r["round"] - 1][r["role"]] = json.loads(r["payload_json"])
        return out

    # ------------------------------------------------------------------ the model
    def advance(
        self, workshop_id: str, key: str, background: bool = False, then: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Lock the current round, run its years for everyone and mark it done; return its outcome (see ``play``).

        Two changes, so that no screen waits for what it does not show: the round's own
        outcome first (every team's page and the projector's numbers), then the runs the
        projector compares it with (without the teams, without EU money; :meth:`compare`),
        inline, or with ``background`` in a thread of this process (the outcome returned then
        lacks ``"eu"``; ``then`` is called once they are stored, e.g. to wake the pages). Until
        they are stored the projector says they are being computed.
        """
        self.facilitator(workshop_id, key, "advance")
        rnd = self._round(workshop_id)
        n = rnd["round"]
        # locked at once, so that no decision arrives during the run; the screens are redrawn once, when it is done
        with self.store.write() as c:
            c.execute("UPDATE round SET state = 'locked' WHERE workshop_id = ? AND round = ?", (workshop_id, n))
        try:
            plan, decisions, injections = (
                self.plan(workshop_id),
                self.decisions(workshop_id, n),
                self.injections(workshop_id),
            )
            outcome = play(plan, decisions, injections, snapshots=SNAPSHOTS)[-1]
            with self._change(workshop_id) as c:
                done = c.execute(
                    "UPDATE round SET state = 'done', outcome_json = ?, comparing_since_utc = ? "
                    "WHERE workshop_id = ? AND round = ? AND state = 'locked'",
                    (json.dumps(outcome), _iso(self.clock()), workshop_id, n),
                )
                if done.rowcount != 1:
                    raise WorkshopError(_("round {round} was reopened while it ran; advance again").format(round=n))
        except BaseException:
            with self._change(workshop_id):  # the screens show the round locked, as it is
                pass
            raise
        if background:
            threading.Thread(
                target=_compare_apart,
                args=(self.store.path, workshop_id, n, then),
                name=f"wecsim-compare-{workshop_id}",
            ).start()
            return outcome
        self.compare(workshop_id, n)
        return self.outcomes(workshop_id)[n - 1]

    def compare(self, workshop_id: str, round_no: int) -> None:
        """Run and store what the projector compares round ``round_no`` with: the no-team and the no-EU runs.

        The same scenario, seed and events: every agent on its default rule for the first (see
        :meth:`counterfactuals`); the teams' decisions without EU money for the second, whose
        difference is stored in the outcome as ``"eu"`` (see ``play``). Nothing happens if they
        are stored already.
        """
        plan, decisions, injections = (
            self.plan(workshop_id),
            self.decisions(workshop_id, round_no),
            self.injections(workshop_id),
        )
        eu = eu_added(plan, decisions, injections, snapshots=SNAPSHOTS)
        # without the teams: the workshop run itself if no one has decided anything yet
        without = play(plan, [{} for _ in decisions], injections, snapshots=SNAPSHOTS)[-1] if any(decisions) else None
        with self._change(workshop_id) as c:
            row = c.execute(
                "SELECT outcome_json, counterfactual_json FROM round WHERE workshop_id = ? AND round = ?",
                (workshop_id, round_no),
            ).fetchone()
            outcome = json.loads(row["outcome_json"])
            if "eu" in outcome and row["counterfactual_json"] is not None:
                return  # stored since this began (by another thread or process): the same numbers
            outcome["eu"] = eu
            c.execute(
                "UPDATE round SET outcome_json = ?, counterfactual_json = ?, comparing_since_utc = NULL "
                "WHERE workshop_id = ? AND round = ?",
                (json.dumps(outcome), json.dumps(outcome if without is None else without), workshop_id, round_no),
            )

    def comparing(self, workshop_id: str) -> list[int]:
        """Return the rounds whose comparison runs are being computed now (see :meth:`advance`).

        A round whose runs began more than :data:`COMPARING_GIVE_UP_S` ago is not among them:
        whatever computed them stopped (a server restart), and the next reader computes them.
        """
        since = _iso(self.clock() - timedelta(seconds=COMPARING_GIVE_UP_S))
        rows = self.store.read(
            "SELECT round FROM round WHERE workshop_id = ? AND comparing_since_utc >= ? ORDER BY round",
            (workshop_id, since),
        )
        return [int(r[0]) for r in rows]

    def counterfactuals(self, workshop_id: str, wait: bool = True) -> list[dict[str, Any]]:
        """Return each round played as it would have gone without the teams (same scenario, seed and events).

        Every agent keeps its default rule; the facilitator's events stay in (they are the world,
        not a team's decision), so the difference to :meth:`outcomes` is what the teams' decisions
        did. :meth:`advance` stores it with the round (``counterfactual_json``); rounds of a file
        written before it did, or whose computation stopped, are computed here once and stored.
        ``wait=False``: return only the rounds before the first one still being computed.
        """
        rows = self.store.read(
            "SELECT round, outcome_json, counterfactual_json, comparing_since_utc FROM round "
            "WHERE workshop_id = ? AND state = 'done' ORDER BY round",
            (workshop_id,),
        )
        busy = [] if wait else self.comparing(workshop_id)
        if busy:
            rows = rows[: busy[0] - 1]
        stopped = [r["round"] for r in rows if r["comparing_since_utc"] is not None]
        for n in stopped:
            self.compare(workshop_id, n)
        if any(r["counterfactual_json"] is None and r["round"] not in stopped for r in rows):
            n = len(rows)
            if not any(self.decisions(workshop_id, n)):
                # no team has decided anything yet: the workshop run is the no-team run
                missing = [json.loads(r["outcome_json"]) for r in rows]
            else:
                missing = play(self.plan(workshop_id), [{} for _ in range(n)], self.injections(workshop_id))
            with self._change(workshop_id) as c:
                c.executemany(
                    "UPDATE round SET counterfactual_json = ? "
                    "WHERE workshop_id = ? AND round = ? AND counterfactual_json IS NULL",
                    [(json.dumps(o), workshop_id, r["round"]) for o, r in zip(missing, rows, strict=True)],
                )
        if stopped or any(r["counterfactual_json"] is None for r in rows):
            rows = self.store.read(
                "SELECT counterfactual_json FROM round WHERE workshop_id = ? AND state = 'done' AND round <= ? "
                "ORDER BY round",
                (workshop_id, len(rows)),
            )
        return [json.loads(r["counterfactual_json"]) for r in rows]

    # ------------------------------------------------------------------ the projector and the lessons
    def new_projector_code(self, workshop_id: str, key: str) -> str:
        """Issue a new projector code (the old one stops working); return it (shown only now)."""
        self.facilitator(workshop_id, key, "projector code")
        code = codes.new_code()
        with self._change(workshop_id) as c:
            c.execute("UPDATE workshop SET projector_hash = ? WHERE workshop_id = ?", (codes.digest(code), workshop_id))
        return code

    def projector(self, workshop_id: str, code: str) -> None:
        """Check a projector code; refuse and log otherwise (a team's code or the key is not a projector code)."""
        w = self._workshop(workshop_id)
        if not isinstance(code, str) or not w["projector_hash"] or not codes.matches(code, w["projector_hash"]):
            raise self._refuse(workshop_id, "unknown", "projector view", N_("wrong projector code"))

    def add_lesson(self, workshop_id: str, key: str, text: str, round_no: int | None = None) -> int:
        """Store one of the facilitator's lessons (for the debrief report); return its id."""
        self.facilitator(workshop_id, key, "lesson")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            raise WorkshopError(_("lesson: the text is empty; write what the room learned"))
        if len(text) > MAX_LESSON_CHARS:
            raise WorkshopError(_("lesson: {n} characters; at most {most}").format(n=len(text), most=MAX_LESSON_CHARS))
        rounds = int(self._workshop(workshop_id)["rounds"])
        if round_no is not None and not 1 <= round_no <= rounds:
            raise WorkshopError(_("--round: {round}; expected 1 to {rounds}").format(round=round_no, rounds=rounds))
        with self._change(workshop_id) as c:
            cur = c.execute(
                "INSERT INTO lesson (workshop_id, round, text, written_utc) VALUES (?, ?, ?, ?)",
                (workshop_id, round_no, text, _iso(self.clock())),
            )
        return int(cur.lastrowid)

    def lessons(self, workshop_id: str, key: str) -> list[dict]:
        """Return the facilitator's lessons, oldest first."""
        self.facilitator(workshop_id, key, "lessons")
        rows = self.store.read(
            "SELECT lesson_id, round, text, written_utc FROM lesson WHERE workshop_id = ? ORDER BY lesson_id",
            (workshop_id,),
        )
        return [dict(r) for r in rows]

    def outcomes(self, workshop_id: str) -> list[dict[str, Any]]:
        """Return the stored outcome of every round played."""
        rows = self.store.read(
            "SELECT outcome_json FROM round WHERE workshop_id = ? AND state = 'done' ORDER BY round", (workshop_id,)
        )
        return [json.loads(r[0]) for r in rows]

    def replay(self, workshop_id: str, key: str) -> bool:
        """Re-run every round played from the stored decisions and events; whether the numbers are identical."""
        self.facilitator(workshop_id, key, "replay")
        stored = self.outcomes(workshop_id)
        if not stored:
            return True
        again = play(
            self.plan(workshop_id), self.decisions(workshop_id, len(stored)), self.injections(workshop_id), eu=True
        )
        for before, now in zip(stored, again, strict=True):
            if "eu" not in before:  # a round advanced before the EU additionality was stored with it
                del now["eu"]
            for key in ("regions", "tenders"):  # a round advanced before they were stored with it
                if key not in before:
                    del now[key]
        return json.dumps(again) == json.dumps(stored)

    # ------------------------------------------------------------------ views
    def status(self, workshop_id: str, key: str) -> dict:
        """Return the facilitator's view: rounds, who submitted in the current round, events, refused attempts."""
        self.facilitator(workshop_id, key, "status")
        w, plan = self._workshop(workshop_id), self.plan(workshop_id)
        current = self.current_round(workshop_id)
        rounds = [
            {
                "round": r["round"],
                "years": f"{plan.years(r['round']).start}-{plan.years(r['round']).stop - 1}",
                "state": r["state"],
                "deadline_utc": r["deadline_utc"],
            }
            for r in self.store.read("SELECT * FROM round WHERE workshop_id = ? ORDER BY round", (workshop_id,))
        ]
        submitted = self.decisions(workshop_id, current)[-1] if current else {}
        return {
            "workshop_id": workshop_id,
            "scenario": w["scenario_name"],
            "seed": w["seed"],
            "current_round": current,
            "rounds": rounds,
            "teams": {r.role_id: r.role_id in submitted for r in plan.roles},
            "events": [(i.event_id, i.year) for i in self.injections(workshop_id)],
            "refused_attempts": self.store.read("SELECT COUNT(*) FROM audit WHERE workshop_id = ?", (workshop_id,))[0][
                0
            ],
        }

    def team_view(self, workshop_id: str, code: str) -> dict:
        """Return what a team sees: its role, the round and its deadline, its own last decision, last outcome."""
        team = self.team(workshop_id, code, "view")
        role = all_roles()[team.role]
        current = self.current_round(workshop_id)
        mine = self.store.read(
            "SELECT payload_json FROM decision WHERE workshop_id = ? AND role = ? AND round = ? "
            "ORDER BY decision_id DESC LIMIT 1",
            (workshop_id, team.role, current or 0),
        )
        rnd = self._round(workshop_id) if current else None
        done = self.outcomes(workshop_id)
        return {
            "role": team.role,
            "label": role.label,
            "form": role.form,
            "round": current,
            "state": rnd["state"] if rnd else "finished",
            "deadline_utc": rnd["deadline_utc"] if rnd else None,
            "my_decision": json.loads(mine[0][0]) if mine else None,
            # the nation's indicators and the team's own objectives, never another team's
            "last_outcome": {"national": done[-1]["national"], "mine": done[-1]["roles"][team.role]} if done else None,
        }

    def open_tenders(self, workshop_id: str, code: str) -> list[dict]:
        """Return the tenders the current round opens in its first year that a firm team's firms may bid for.

        From the last round played (``[]`` before the first, for a role that is not a firm, or for
        a round stored before the tenders were): technology, region, number of tenders and their
        estimated cost [EUR M]. The code is checked as for :meth:`team_view`.
        """
        team = self.team(workshop_id, code, "view")
        role = all_roles()[team.role]
        done = self.outcomes(workshop_id)
        if role.kind != "firm" or not done:
            return []
        own = set(firm_technologies(role.agent_id))
        return [t for t in done[-1].get("tenders", []) if t["tech_id"] in own]

    def _board(self, workshop_id: str, wait: bool = True) -> dict:
        """Return what the projector and the debrief share: rounds, decisions in plain words, indicators, scores.

        ``wait=False`` (the projector): while the last round's comparison runs are being computed
        (see :meth:`advance`), ``comparing`` names it and every number that needs them is left
        out (the no-team column blank, no scores, no EU table), never shown from an earlier round;
        and ``by_round``, each round's own table that only the debrief report shows, is ``None``
        (a third of the projector's redraw at every submission, for nothing on its screen).
        """
        w, plan = self._workshop(workshop_id), self.plan(workshop_id)
        without = self.counterfactuals(workshop_id, wait=wait)  # first: it may store what was missing
        outcomes = self.outcomes(workshop_id)
        compared = outcomes[: len(without)]
        current = self.current_round(workshop_id)
        rnd = self._round(workshop_id) if current else None
        played = len(outcomes)
        decisions = self.decisions(workshop_id, played) if played else []
        submitted = self.decisions(workshop_id, current)[-1] if current else {}
        complete = len(compared) == played
        scores = role_scores(plan.roles, outcomes if complete else [], without)
        if complete:
            national = national_against_targets(outcomes, without)
        else:  # the workshop's own numbers now; the comparison when it is stored
            national = national_against_targets(outcomes, outcomes).assign(without_teams=math.nan, change=math.nan)
        return {
            "workshop_id": workshop_id,
            "scenario": w["scenario_name"],
            "seed": int(w["seed"]),
            "created_utc": w["created_utc"],
            "rounds": plan.rounds,
            "years_per_round": plan.years_per_round,
            "played": played,
            "current_round": current,
            "state": rnd["state"] if rnd else "finished",
            "deadline_utc": rnd["deadline_utc"] if rnd else None,
            "teams": [{"role": r.role_id, "team": r.label, "submitted": r.role_id in submitted} for r in plan.roles],
            "events": [{"event": i.event_id, "year": i.year} for i in self.injections(workshop_id)],
            "decisions": [
                {
                    "round": n,
                    "years": f"{plan.years(n).start}-{plan.years(n).stop - 1}",
                    "role": r.role_id,
                    "team": r.label,
                    "decision": describe_decision(r, chosen.get(r.role_id)),
                }
                for n, chosen in enumerate(decisions, start=1)
                for r in plan.roles
            ],
            "national": national,
            "national_years": national_years(outcomes, without),
            "scores": scores,
            "totals": score_totals(scores),
            "by_round": round_outcomes(plan.roles, compared, without) if wait else None,
            "outcomes": outcomes,
            "without_teams": without,
            # what EU money added to the last round played (None: played before it was stored, or being computed)
            "eu": outcomes[-1].get("eu") if complete and outcomes else None,
            # the rounds whose comparison runs (without the teams, without EU money) are being computed
            "comparing": [] if complete else list(range(len(compared) + 1, played + 1)),
        }

    def projector_view(self, workshop_id: str, code: str) -> dict:
        """Return the projector's read-only view (see :meth:`_board`); the projector code is checked first."""
        self.projector(workshop_id, code)
        return self._board(workshop_id, wait=False)

    def debrief(self, workshop_id: str, key: str) -> dict:
        """Return everything the debrief report shows: the projector's view and the facilitator's lessons."""
        self.facilitator(workshop_id, key, "report")
        return {**self._board(workshop_id), "lessons": self.lessons(workshop_id, key)}

    def audit(self, workshop_id: str, key: str) -> list[dict]:
        """Return the refused attempts on this workshop, oldest first."""
        self.facilitator(workshop_id, key, "audit")
        rows = self.store.read("SELECT * FROM audit WHERE workshop_id = ? ORDER BY audit_id", (workshop_id,))
        return [dict(r) for r in rows]

    def decision_rows(self, workshop_id: str, key: str) -> list[dict]:
        """Return every submission (the counting ones marked) as rows for the researchers' CSV."""
        self.facilitator(workshop_id, key, "export")
        plan = self.plan(workshop_id)
        rows = [
            dict(r)
            for r in self.store.read(
                "SELECT * FROM decision WHERE workshop_id = ? ORDER BY decision_id", (workshop_id,)
            )
        ]
        last = {(r["round"], r["role"]): r["decision_id"] for r in rows}
        for r in rows:
            years = plan.years(r["round"])
            r["first_year"], r["last_year"] = years.start, years.stop - 1
            r["counts"] = last[(r["round"], r["role"])] == r["decision_id"]
        return rows
