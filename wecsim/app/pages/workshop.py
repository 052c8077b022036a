"""The workshop page: a team joins with its code and decides for its role; the facilitator runs the rounds.

A Solara app of its own (teams must not see the planners' levers): ``wecsim workshop serve
--db FILE`` runs ``solara run wecsim.app.pages.workshop`` with ``WECSIM_WORKSHOP_DB=FILE``.
A team opens the link ``wecsim workshop new`` printed (``?w=<workshop>&code=<code>``) and sees only its role:
its decision form, its last decision, the round's state and deadline, and the last round's
consequences for its own objectives. The facilitator enters the workshop id and key (never
in a link) to open, lock, extend and advance rounds and to inject events. Every action goes
through :class:`wecsim.workshop.service.Workshops` (codes checked, refusals logged); the page
holds no state of its own besides what the person typed.

Every page speaks the tab's language, as the planners' app does (the browser's, a link's
``&lang=``, or the switch at the top); the workshop's own words (roles, objectives, events,
tables) are translated where shown, by :mod:`wecsim.workshop.shown`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs

import pandas as pd
import solara
from solara.server import kernel_context

from wecsim import i18n
from wecsim.app.components import language
from wecsim.app.components.language import LanguageSwitch
from wecsim.app.components.layout import BAR_COLOR
from wecsim.app.components.prose import Heading, Prose
from wecsim.app.components.tables import Table
from wecsim.app.components.upload import ScenarioUpload
from wecsim.app.main import configure_offline, configure_renderer
from wecsim.app.scenario_io import MAX_FILE_BYTES, UploadError, read_upload, shipped_scenarios
from wecsim.errors import WecsimError
from wecsim.i18n import _
from wecsim.i18n import use_language as in_language  # not a Solara hook: a block in one language
from wecsim.model_data import model_data
from wecsim.projects.market import SECTORS
from wecsim.scenario.schema import Scenario
from wecsim.workshop.cli import DEFAULT_BASE_URL, projector_link, team_link
from wecsim.workshop.events import EVENTS
from wecsim.workshop.policies import REGION_PROPOSALS
from wecsim.workshop.replay import HEADLINE
from wecsim.workshop.roles import all_roles, bounds, delegation_funders, firm_technologies, proposal_name
from wecsim.workshop.scores import regions_against_targets, targets
from wecsim.workshop.service import Created, Workshops
from wecsim.workshop.shown import (
    AFTER_FIRST_ROUND,
    BEING_COMPUTED,
    EU_COLUMNS,
    eu_added_table,
    figure,
    national_table,
    objectives_table,
    objectives_waiting,
    open_tenders_table,
    regions_table,
    role_label,
    shown_table,
    waiting_table,
)

#: The environment variable naming the workshop database the page serves.
DB_ENV = "WECSIM_WORKSHOP_DB"
#: How often each open page asks SQLite whether its workshop changed [s] (the issue asks for 2 s at most from
#: the advance to every screen; a poll is one indexed read of about 0.1 ms, so ten pages at 4 a second cost little).
POLL_S = 0.25
#: The environment variable with the address the room opens the page at (``serve`` sets it), for the links shown.
BASE_URL_ENV = "WECSIM_WORKSHOP_URL"
#: Set to 1 (``serve --allow-new``) to let the page's visitors start workshops in the served file.
ALLOW_NEW_ENV = "WECSIM_WORKSHOP_ALLOW_NEW"

configure_offline()  # served on its own (``wecsim workshop serve``): no CDN, no telemetry
# reacton's fast renderer, as the planners' app: a redraw walks only the parts whose state changed (a page's poll,
# a table's paging) instead of every widget of the page (docs/workshop.md, Load: 0.4 s less server CPU per advance)
configure_renderer()


def _db() -> Path:
    path = os.environ.get(DB_ENV, "")
    if not path:
        raise WecsimError(f"the workshop page needs the database: set {DB_ENV}=FILE before `solara run`")
    return Path(path)


def _call(func, *args, changes: bool = False):
    """Run one action on the workshop database; return ``(result, error message)``.

    ``changes``: the action may change what screens show (a submission, a facilitator's
    control): every page of this server asks at once whether its workshop changed, instead of
    at its next poll.
    """
    try:
        ws = Workshops(_db())
    except WecsimError as exc:
        return None, str(exc)
    try:
        return func(ws, *args), ""
    except WecsimError as exc:
        return None, str(exc)
    finally:
        ws.close()
        if changes:
            _wake_other_tabs()


#: The poll of each open page of this server, by its tab: woken at once when another tab of this
#: server changed a workshop (a change made elsewhere, by another process or the projector's
#: comparison runs, is seen at the next poll). The tab that made the change redraws by itself;
#: waking its poll too would redraw it at the same moment from a second thread.
_polls: dict[threading.Event, str] = {}
_polls_lock = threading.Lock()


def _tab() -> str:
    """Return the id of the tab (Solara's kernel context) this thread works for ("" outside one)."""
    return kernel_context.get_current_context().id if kernel_context.has_current_context() else ""


def _wake_other_tabs() -> None:
    me = _tab()
    with _polls_lock:
        others = [wake for wake, tab in _polls.items() if tab != me]
    for wake in others:
        wake.set()


def use_revision(
    workshop_id: str, enabled: bool = True, view: Callable[[Workshops], object] | None = None, drawn: object = None
) -> int | None:
    """Return the workshop's change counter when it has moved, polled every :data:`POLL_S` in a thread of this tab.

    Every action that changes what a screen shows (open, extend, lock, advance, inject, a
    submission, a lesson) moves the counter in SQLite; when it moves, the component that called
    this hook draws again, so every team, projector and facilitator sees it within a second,
    whichever server process or tab made the change (at once when a page of this server made
    it). With ``view`` (what the component shows, read from the service) it draws again only if
    ``view`` now differs from ``drawn``, what it drew last: a team's page is not redrawn for
    another team's submission (each redraw of a page costs the server about 0.1 s of CPU). The
    thread stops when the tab closes;
    ``enabled=False`` (a page that was refused) starts none, so a refused page is not redrawn
    (and its refusal not logged again) at every change.
    """
    revision, set_revision = solara.use_state(cast(int | None, None))
    shown = solara.use_ref(drawn)
    shown.current = drawn
    reader = solara.use_ref(view)
    reader.current = view

    def changed(ws: Workshops) -> bool:
        if reader.current is None:
            return True
        try:
            return reader.current(ws) != shown.current
        except WecsimError:  # refused or gone now: draw again, to show it
            return True

    def start():
        if not enabled:
            return None
        # the counter the page has just drawn, read here and not in the thread: a change made
        # before the thread got to read it (a slow start on a loaded machine) would be missed
        try:
            ws = Workshops(_db())
        except WecsimError:
            return None
        try:
            last: int | None = ws.revision(workshop_id)
        except sqlite3.Error:  # unreadable for a moment: the first poll that reads it draws again
            last = None
        cancel, wake = threading.Event(), threading.Event()

        def poll() -> None:
            nonlocal last
            with _polls_lock:
                _polls[wake] = _tab()
            try:
                while not cancel.is_set():
                    wake.wait(POLL_S)
                    wake.clear()
                    if cancel.is_set():
                        break
                    try:
                        rev = ws.revision(workshop_id)
                        if rev == last:
                            continue
                        last = rev
                        if changed(ws):
                            set_revision(rev)
                    except sqlite3.Error:  # a busy or briefly unreadable file: ask again at the next tick
                        continue
            finally:
                with _polls_lock:
                    _polls.pop(wake, None)
                ws.close()

        def stop() -> None:
            cancel.set()
            wake.set()

        # the thread inherits the tab's kernel context (Solara's patch), so the state it sets redraws this tab
        threading.Thread(target=poll, name=f"wecsim-workshop-poll-{workshop_id}", daemon=True).start()
        return stop

    solara.use_effect(start, [workshop_id, enabled])
    return revision


def _default_decision(role_id: str) -> dict:
    return json.loads(all_roles()[role_id].form)


def _slider(label: str, value: float, low: float, high: float, step: float, on_value) -> None:
    """One decision slider, its value shown on the thumb."""
    solara.SliderFloat(label, value=float(value), min=low, max=high, step=step, thumb_label="always", on_value=on_value)


class Frame:
    """A table's numbers compared by value (:meth:`pandas.DataFrame.equals`): :func:`KeptTable` sees if they changed.

    Reacton draws a component again only when its arguments differ from the last draw; a
    DataFrame is never equal to another for it (``==`` compares cell by cell), a Frame is when
    they hold the same numbers.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Frame) and self.df.equals(other.df) and list(self.df.columns) == list(other.df.columns)

    __hash__ = None  # type: ignore[assignment]  # mutable contents: not a dict key


@solara.component
def KeptTable(make: Callable[[object], pd.DataFrame], data: object, name: str, items_per_page: int = 15) -> None:
    """Show the table ``make(data)``; drawn again only when ``data`` (plain values, or a :class:`Frame`) changes.

    A page redraws at every change of its workshop (a submission, the round's state): the tables
    whose numbers did not change are left as they are, which saves the server most of a redraw
    (building a table, its widgets and their messages to the browser, about 0.1 s of CPU for the
    projector's). Give it a ``.key(...)`` so that a part shown or hidden above it does not make
    it a new table. The language is read while drawing, so a switch draws it again.
    """
    Table(make(data), items_per_page=items_per_page, name=name)


@solara.component
def SectorWeights(decision: dict, put) -> None:
    """Show a funder's weight of each sector, one slider each (0: finance none of it, 1: first)."""
    weights = dict(decision.get("sector_weight", {}))
    Prose(_("**Weight of each sector** (0: finance none of it, 1: first)"))
    for sector in SECTORS:
        _slider(
            _(sector),
            weights.get(sector, 0.0),
            0.0,
            1.0,
            0.05,
            lambda v, sector=sector: put("sector_weight", {**weights, sector: v}),
        )


@solara.component
def RegionForm(decision: dict, set_decision) -> None:
    """Show an akimat's decision: the projects it proposes, the order of its needs, its co-finance share."""
    proposed = decision.get("propose", [])
    ranked = [k for k in decision.get("priority", []) if k in proposed]
    chosen = ranked + sorted(k for k in proposed if k not in ranked)

    def pick(kind: str, on: bool) -> None:
        order = [k for k in chosen if k != kind] + ([kind] if on else [])
        set_decision({**decision, "propose": sorted(order), "priority": order})

    def up(i: int) -> None:
        order = [*chosen[: i - 1], chosen[i], chosen[i - 1], *chosen[i + 1 :]]
        set_decision({**decision, "priority": order})

    Prose(_("**Projects the akimat proposes this round**"))
    for kind in REGION_PROPOSALS:
        solara.Checkbox(label=proposal_name(kind), value=kind in chosen, on_value=lambda v, k=kind: pick(k, v))
    if chosen:
        Prose(_("**Order of the needs for the akimat's co-finance** (first gets its money first)"))
        for i, kind in enumerate(chosen):
            with solara.Row(classes=["ws-priority"]):
                Prose(f"{i + 1}. {proposal_name(kind)}")
                if i:
                    solara.Button("▲", on_click=lambda i=i: up(i), text=True, classes=["ws-up"])
    lo, hi = bounds("region", "cofinance_share")
    _slider(
        _("Co-finance: the most the akimat pays of a project's cost"),
        decision.get("cofinance_share", hi),
        lo,
        hi,
        0.01,
        lambda v: set_decision({**decision, "cofinance_share": v}),
    )
    Prose(_("Less keeps money in the akimat's reserve for later years; a project may then lack money."))


@solara.component
def FirmForm(kind: str, decision: dict, set_decision, tenders: list[dict] | None = None) -> None:
    """Show a firm's bids: the technologies and regions whose tenders it enters this round, and its markup.

    ``tenders``: the tenders the round opens in its first year that the firm may bid for
    (:meth:`~wecsim.workshop.service.Workshops.open_tenders`), shown first.
    """
    from wecsim.app.indicators import region_name, technology_name

    if tenders:
        Prose(_("**Tenders opening at the start of this round** (financed in the last round; later ones follow)"))
        KeptTable(open_tenders_table, tenders, "ws-tenders", 10).key("ws-tenders")  # not again at each slider move

    own = firm_technologies(kind)
    techs = decision.get("technologies", list(own))
    regions = decision.get("regions")
    names = {region_name(r["region_id"]): r["region_id"] for r in model_data().region_records}

    def tech(t: str, on: bool) -> None:
        set_decision({**decision, "technologies": [x for x in own if (x == t and on) or (x != t and x in techs)]})

    def where(picked: list[str]) -> None:
        rest = {k: v for k, v in decision.items() if k != "regions"}
        set_decision({**rest, "regions": [names[n] for n in picked]} if picked else rest)

    Prose(_("**Tenders the firm bids for this round** (untick all: it bids for none)"))
    for t in own:
        solara.Checkbox(label=technology_name(t), value=t in techs, on_value=lambda v, t=t: tech(t, v))
    solara.SelectMultiple(
        _("Only in these regions (none chosen: every region)"),
        values=[region_name(r) for r in regions or []],
        all_values=sorted(names),
        on_value=where,
    )
    lo, hi = bounds("firm", "markup_share")
    _slider(
        _("Bid markup over cost"),
        decision.get("markup_share", lo),
        lo,
        hi,
        0.01,
        lambda v: set_decision({**decision, "markup_share": v}),
    )
    Prose(
        _(
            "A higher markup earns more on a contract won but wins fewer: the lowest price wins under Kazakh "
            "procurement; IFI-financed tenders also weigh quality."
        )
    )


@solara.component
def DecisionForm(role_id: str, start: dict, on_submit, tenders: list[dict] | None = None) -> None:
    """Show one input per field of the role's decision (within its range) and the submit button."""
    role = all_roles()[role_id]
    decision, set_decision = solara.use_state(dict(start), key=role_id)

    def put(field, value):
        set_decision({**decision, field: value})

    if role.kind == "delegation":
        shares = dict(decision.get("envelope_share", {}))
        SectorWeights(decision, put)
        lo, hi = bounds("funder", "envelope_share")
        Prose(_("**Share of each instrument's envelope to commit**"))
        for f in delegation_funders(role.agent_id):
            _slider(f, shares.get(f, hi), lo, hi, 0.05, lambda v, f=f: put("envelope_share", {**shares, f: v}))
    elif role.kind == "funder":
        if not role.support:
            SectorWeights(decision, put)
        lo, hi = bounds("funder", "envelope_share")
        _slider(
            _("Share of the envelope to commit"),
            decision.get("envelope_share", hi),
            lo,
            hi,
            0.05,
            lambda v: put("envelope_share", v),
        )
    elif role.kind == "utility":
        lo, hi = bounds("utility", "tariff_growth_pct")
        _slider(
            _("Real tariff growth [%/yr]"),
            decision.get("tariff_growth_pct", lo),
            lo,
            hi,
            0.5,
            lambda v: put("tariff_growth_pct", v),
        )
        solara.Checkbox(
            label=_("Accept EU money tied to a faster tariff path"),
            value=bool(decision.get("accept_eu_condition", False)),
            on_value=lambda v: put("accept_eu_condition", v),
        )
        lo, hi = bounds("utility", "renewal_share")
        _slider(
            _("Network renewal (maintenance), share of the national path"),
            decision.get("renewal_share", 1.0),
            lo,
            hi,
            0.1,
            lambda v: put("renewal_share", v),
        )
        Prose(_("0 renews nothing (the pipes wear and lose more water); 1 keeps to the national wear path."))
    elif role.kind == "region":
        RegionForm(decision, set_decision)
    else:
        FirmForm(role.agent_id, decision, set_decision, tenders)
    solara.Button(_("Submit decision"), color="primary", on_click=lambda: on_submit(decision), classes=["ws-submit"])


@solara.component
def TeamPanel(workshop_id: str, code: str) -> None:
    """Show a team its own role only: round, decision form, last decision, its own consequences."""
    tick, set_tick = solara.use_state(0)
    message, set_message = solara.use_state("")
    view, error = _call(lambda ws: ws.team_view(workshop_id, code))
    use_revision(workshop_id, enabled=not error, view=lambda ws: ws.team_view(workshop_id, code), drawn=view)
    if error:
        solara.Error(error, classes=["ws-error"])
        return
    firm = view["role"].startswith("firm:") and view["state"] == "open"
    tenders = _call(lambda ws: ws.open_tenders(workshop_id, code))[0] if firm else None

    def submit(decision: dict) -> None:
        result, err = _call(lambda ws: ws.submit(workshop_id, code, view["role"], decision), changes=True)
        set_message(
            err or _("Decision {number} saved; the last one before the round locks counts.").format(number=result)
        )
        set_tick(tick + 1)

    with solara.Column(classes=["ws-team"]):
        Heading(role_label(all_roles()[view["role"]]), level=2)
        Prose(f"`{view['role']}`")
        if view["round"] is None:
            solara.Info(_("The workshop is over: every round has been played."))
        else:
            deadline = _(", closes at {time} UTC").format(time=view["deadline_utc"]) if view["deadline_utc"] else ""
            text = _("Round **{round}** is **{state}**{deadline}.")
            Prose(text.format(round=view["round"], state=_(view["state"]), deadline=deadline), classes=["ws-round"])
            if view["state"] == "open":  # keyed: the parts below keep their widgets when it comes and goes
                start = view["my_decision"] or _default_decision(view["role"])
                DecisionForm(view["role"], start, submit, tenders).key(f"ws-form-{view['round']}")
        if message:
            solara.Info(message, classes=["ws-message"]).key("ws-message")
        solara.Button(_("Refresh"), on_click=lambda: set_tick(tick + 1), text=True).key("ws-refresh")
        TeamOutcome(view["last_outcome"], all_roles()[view["role"]].kind).key("ws-outcome")


@solara.component
def TeamOutcome(outcome: dict | None, kind: str) -> None:
    """Show a team the last round's consequences: its own objectives year by year, the nation's headline numbers.

    Drawn again only when they change (a round played, the language switched), not when the
    team's page redraws for its round's state or its own submission. Before the first round
    (``outcome=None``) the same tables, their numbers blank: made when the page opens, so the
    first advance updates them as the later ones do instead of making every page's tables at once.
    """
    last = outcome["national"][-1] if outcome else None
    Heading(_("Last round: your objectives"))
    Table(objectives_table(outcome["mine"]) if outcome else objectives_waiting(kind), name="ws-mine")
    Heading(_("Kazakhstan in {year}").format(year=last["year"]) if last else _("Kazakhstan"))
    Table(national_table(last, HEADLINE), name="ws-national")


@solara.component
def FacilitatorPanel(workshop_id: str, key: str) -> None:
    """Show the facilitator's controls (open, extend, lock, advance, inject) and who has submitted."""
    tick, set_tick = solara.use_state(0)
    message, set_message = solara.use_state("")
    minutes, set_minutes = solara.use_state(15.0)
    event, set_event = solara.use_state(next(iter(EVENTS)))
    status, error = _call(lambda ws: ws.status(workshop_id, key))
    # its lessons too: another tab of the facilitator may note one
    lessons, _error = _call(lambda ws: ws.lessons(workshop_id, key)) if not error else (None, "")
    use_revision(
        workshop_id,
        enabled=not error,
        view=lambda ws: (ws.status(workshop_id, key), ws.lessons(workshop_id, key)),
        drawn=(status, lessons),
    )
    if error:
        solara.Error(error, classes=["ws-error"])
        return

    def act(func) -> None:
        _done, err = _call(func, changes=True)
        set_message(err or _("done"))
        set_tick(tick + 1)

    with solara.Column(classes=["ws-facilitator"]):
        title = _("Workshop {workshop} ({scenario}, seed {seed})")
        Heading(title.format(workshop=status["workshop_id"], scenario=status["scenario"], seed=status["seed"]), level=2)
        Prose(
            _("Current round: **{round}**; refused attempts: {refused}").format(
                round=status["current_round"] or _("finished"), refused=status["refused_attempts"]
            )
        )
        Table(shown_table(pd.DataFrame(status["rounds"])), name="ws-rounds")
        done = [role for role, sent in status["teams"].items() if sent]
        Prose(
            _("Submitted: {teams} ({done} of {all})").format(
                teams=", ".join(done) or _("nobody yet"), done=len(done), all=len(status["teams"])
            )
        )
        solara.InputFloat(_("Minutes"), value=minutes, on_value=set_minutes)
        with solara.Row():
            solara.Button(
                _("Open"),
                on_click=lambda: act(lambda ws: ws.open_round(workshop_id, key, minutes or None)),
                classes=["ws-open"],
            )
            solara.Button(_("Extend"), on_click=lambda: act(lambda ws: ws.extend(workshop_id, key, minutes)))
            solara.Button(_("Lock"), on_click=lambda: act(lambda ws: ws.lock(workshop_id, key)), classes=["ws-lock"])
            solara.Button(
                _("Advance"),
                color="primary",
                # the screens get the round at once; the projector's comparison runs follow in a thread
                on_click=lambda: act(lambda ws: ws.advance(workshop_id, key, background=True, then=_wake_other_tabs)),
                classes=["ws-advance"],
            )
        with solara.Row():
            solara.Select(_("Event"), values=list(EVENTS), value=event, on_value=set_event)
            Prose(_(EVENTS[event].label))
            solara.Button(
                _("Inject in the next year it may strike"),
                on_click=lambda: act(lambda ws: ws.inject(workshop_id, key, event)),
            )
        if message:
            solara.Info(message, classes=["ws-message"])
        ProjectorLink(workshop_id, key)
        Lessons(workshop_id, key)
        Debrief(workshop_id, key)


@solara.component
def ProjectorLink(workshop_id: str, key: str) -> None:
    """Issue a projector link (a new code; the old link stops working), shown with its QR code."""
    link, set_link = solara.use_state("")
    error, set_error = solara.use_state("")

    def issue() -> None:
        code, err = _call(lambda ws: ws.new_projector_code(workshop_id, key), changes=True)
        set_error(err)
        set_link(projector_link(_base_url(), workshop_id, code) if code else "")

    Heading(_("Projector"))
    solara.Button(_("New projector link"), on_click=issue, classes=["ws-projector-link"])
    if error:
        solara.Error(error)
    if link:
        LinkWithQR(_("projector"), link)


def _base_url() -> str:
    """Return the address the room opens the page at (``serve`` sets it; the links point there)."""
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


@solara.component
def LinkWithQR(name: str, link: str) -> None:
    """Show a link and its QR code (an SVG made on this machine with segno)."""
    import segno

    Prose(f"**{name}**: `{link}`")
    solara.HTML(tag="div", unsafe_innerHTML=segno.make(link).svg_inline(scale=3), classes=["ws-qr"])


@solara.component
def Lessons(workshop_id: str, key: str) -> None:
    """Note the lessons the room learned (for the debrief report) and list them."""
    text, set_text = solara.use_state("")
    message, set_message = solara.use_state("")
    lessons, error = _call(lambda ws: ws.lessons(workshop_id, key))

    def add() -> None:
        _done, err = _call(lambda ws: ws.add_lesson(workshop_id, key, text), changes=True)
        set_message(err or _("lesson noted"))
        if not err:
            set_text("")

    Heading(_("Lessons for the debrief"))
    solara.InputTextArea(_("Lesson"), value=text, on_value=set_text, continuous_update=True)
    solara.Button(_("Add lesson"), on_click=add, classes=["ws-add-lesson"])
    if message or error:
        solara.Info(message or error)
    for lesson in lessons or []:
        Prose(f"- {lesson['written_utc']}: {lesson['text']}")


@solara.component
def Debrief(workshop_id: str, key: str) -> None:
    """Make the debrief report (HTML and PDF) next to the database, and offer both for download."""
    made, set_made = solara.use_state(cast(dict, {}))
    error, set_error = solara.use_state("")
    busy, set_busy = solara.use_state(False)
    lang = i18n.current_language()  # the page's: the thread below has no tab of its own to read it from

    def build(ws):
        from wecsim.outputs import next_free, write_folder
        from wecsim.workshop.report import REPORT_FILES, write_report

        with in_language(lang):
            board, rows = ws.debrief(workshop_id, key), ws.decision_rows(workshop_id, key)
            db = _db()
            out = next_free(db.parent / f"{db.stem}-{workshop_id}-report", REPORT_FILES)
            return write_folder(out, lambda tmp: write_report(board, rows, tmp), REPORT_FILES, overwrite=False)

    def run() -> None:
        try:
            folder, err = _call(build)
            set_error(err)
            set_made({"folder": str(folder)} if folder else {})
        finally:
            set_busy(False)

    def make() -> None:
        # the charts and the PDF take seconds: made in a thread of this tab, the button off meanwhile
        set_busy(True)
        threading.Thread(target=run, name=f"wecsim-workshop-report-{workshop_id}", daemon=True).start()

    Heading(_("Debrief"))
    solara.Button(_("Make the debrief report"), on_click=make, disabled=busy, classes=["ws-report"])
    if busy:
        solara.Info(_("Writing the report (charts, HTML and PDF)..."))
    if error:
        solara.Error(error)
    if made:
        folder = Path(made["folder"])
        Prose(_("Written to `{folder}`").format(folder=folder), classes=["ws-report-done"])
        with solara.Row():
            for name in ("report.pdf", "report.html", "decisions.csv"):
                solara.FileDownload(
                    lambda name=name: (folder / name).read_bytes(),
                    filename=name,
                    label=_("Download {file}").format(file=name),
                )


def _shown(df: pd.DataFrame) -> pd.DataFrame:
    """Return a table for the projector: numbers to 3 significant digits in the language's way, blanks for none."""
    return shown_table(df.map(figure))


def _shown_frame(frame: Frame) -> pd.DataFrame:
    return _shown(frame.df)


def _decisions_table(decisions: list[dict]) -> pd.DataFrame:
    if not decisions:  # before the first round
        return shown_table(waiting_table(["team", "decision"]))
    return shown_table(pd.DataFrame(decisions)[["team", "decision"]])


def _events_table(events: list[dict]) -> pd.DataFrame:
    return shown_table(pd.DataFrame(events))


@solara.component
def ProjectorPanel(workshop_id: str, code: str) -> None:
    """Show the room the round, who has submitted, the country against its targets, and each team's score.

    Every part is keyed and each table is drawn again only when its numbers change
    (:func:`KeptTable`): a submission redraws the line of who submitted, the comparison runs
    the columns and tables that need them, not the round's decisions or events.
    """
    board, error = _call(lambda ws: ws.projector_view(workshop_id, code))
    use_revision(workshop_id, enabled=not error)
    if error:
        solara.Error(error, classes=["ws-error"])
        return
    with solara.Column(classes=["ws-projector"]):
        if board["current_round"] is None:
            state = _("finished")
        else:
            state = _("round {round}: {state}").format(round=board["current_round"], state=_(board["state"]))
        deadline = _(", closes at {time} UTC").format(time=board["deadline_utc"]) if board["deadline_utc"] else ""
        title = _("Workshop {workshop} ({scenario}): {state}{deadline}")
        Heading(
            title.format(workshop=board["workshop_id"], scenario=board["scenario"], state=state, deadline=deadline),
            level=2,
        ).key("ws-title")
        played = _("{played} of {rounds} rounds played.").format(played=board["played"], rounds=board["rounds"])
        Prose(played, classes=["ws-round"]).key("ws-round")
        if board["current_round"] is not None:
            roles = all_roles()
            sent = [role_label(roles[t["role"]]) for t in board["teams"] if t["submitted"]]
            Prose(
                _("Submitted this round: {teams} ({done} of {all})").format(
                    teams=", ".join(sent) or _("nobody yet"), done=len(sent), all=len(board["teams"])
                )
            ).key("ws-submitted")
        played = board["played"]
        if played:
            national = board["national"]
            first, year = int(board["outcomes"][0]["national"][0]["year"]), int(national["year"].iloc[0])
        else:  # the tables are drawn already, with round 1's years, so that the first advance only updates them
            years, _error = _call(lambda ws: ws.plan(workshop_id).years(1))
            if years is None:
                return
            national, first, year = None, years.start, years.stop - 1
        waiting = BEING_COMPUTED if played else AFTER_FIRST_ROUND  # what a table without its numbers says
        title = _("Kazakhstan in {year}: with the teams and without them").format(year=year) if played else None
        Heading(title or _("Kazakhstan")).key("ws-national-title")
        columns = ["label", "unit", "workshop", "without_teams", "change", "target", "target_year"]
        numbers = national[columns] if national is not None else waiting_table(columns, AFTER_FIRST_ROUND)
        KeptTable(_shown_frame, Frame(numbers), "ws-board-national").key("ws-board-national")
        if board["comparing"]:  # the numbers that need the comparison runs are left out until they are stored
            solara.Info(
                _(
                    "Round {round}: the runs without the teams and without EU money are being computed; "
                    "the comparison, the scores and the EU table follow in a moment."
                ).format(round=board["comparing"][-1]),
                classes=["ws-comparing"],
            ).key("ws-comparing")
        Heading(_("Scores: what each team's decisions added on its own objectives")).key("ws-scores-title")
        totals, detail = board["totals"][["team", "points"]], board["scores"]
        detail = detail[["team", "objective", "unit", "workshop", "without_teams", "change", "points"]]
        if totals.empty:  # before the first round, or while the comparison runs: the same tables, waiting
            totals, detail = waiting_table(list(totals.columns), waiting), waiting_table(list(detail.columns), waiting)
        KeptTable(_shown_frame, Frame(totals), "ws-board-scores").key("ws-board-scores")
        KeptTable(_shown_frame, Frame(detail), "ws-board-score-detail").key("ws-board-score-detail")
        regions = regions_against_targets(board["outcomes"], board["without_teams"])
        if not played:
            RegionsBoard(Frame(regions), year, None).key("ws-board-regions")
        elif not regions.empty:  # empty: rounds stored before the regions were
            target = board["outcomes"][-1]["national"][-1]["recycling_target"]
            RegionsBoard(Frame(regions), year, target).key("ws-board-regions")
        if board["eu"] is not None or not played or board["comparing"]:  # none: rounds stored before it was
            EUAdded(board["eu"], first, year, waiting).key("ws-board-eu")
        last = [d for d in board["decisions"] if d["round"] == played]
        Heading(_("What each team did in round {round}").format(round=played or 1)).key("ws-decisions-title")
        KeptTable(_decisions_table, last, "ws-board-decisions").key("ws-board-decisions")
        if board["events"]:
            Heading(_("Events")).key("ws-events-title")
            KeptTable(_events_table, board["events"], "ws-board-events").key("ws-board-events")


@solara.component
def RegionsBoard(regions: Frame, year: int, target: float | None) -> None:
    """Show the room every region (all 20, not only those in play) in the last year played, against the targets.

    ``regions``: :func:`~wecsim.workshop.scores.regions_against_targets`; ``target``: the national
    recycling target of ``year`` (the model's path; ``None`` before the first round: the table
    waits for its numbers). Drawn again only when they change.
    """
    Heading(_("The regions in {year}: the water deficit and the targets").format(year=year))
    if target is None:
        explanation = ""
    else:
        goals = targets()
        ahead = goals[(goals["indicator"] == "recycling_rate") & (goals["year"] >= year)].sort_values("year")
        goal = ahead.iloc[0] if len(ahead) else goals[goals["indicator"] == "recycling_rate"].iloc[-1]
        explanation = _(
            "Every region, the largest water deficit (as a share of its demand) first. The teams' change: the "
            "workshop minus the same rounds without the teams. Recycling against the national target path "
            "({target}% in {year}; {goal}% by {goal_year}): above it (+) or below it (−)."
        ).format(target=figure(100 * target), year=year, goal=figure(100 * goal["value"]), goal_year=int(goal["year"]))
    Prose(explanation, classes=["ws-regions-explanation"])
    shown = regions_table(regions.df)
    if regions.df.empty:
        shown = waiting_table(list(shown.columns))
    Table(shown, items_per_page=len(regions.df), name="ws-board-regions")


@solara.component
def EUAdded(eu: dict | None, first: int, year: int, waiting: str = AFTER_FIRST_ROUND) -> None:
    """Show the room what EU money added to the workshop: the same rounds (decisions, events, seed) without it.

    ``eu=None``: not played or not computed yet; the table says so (``waiting``) until its numbers come.
    """
    Heading(_("What EU money added, {first}-{year}").format(first=first, year=year))
    shown = eu_added_table(eu, first, year) if eu is not None else waiting_table([_(c) for c in EU_COLUMNS], waiting)
    Table(shown, name="ws-board-eu")
    Prose(
        _(
            "Each number: the workshop minus the same rounds without EU money (the same decisions, events "
            "and seed). Net mobilisation: other funders' money with EU money minus without it, per euro of EU "
            "money; money it displaces counts against it."
        ),
        classes=["ws-eu-explanation"],
    )


@solara.component
def StartWorkshop(
    scenario: Scenario | None = None, db: Path | None = None, base_url: str | None = None, seed: int | None = None
) -> None:
    """Create a workshop (from ``scenario``, or one picked from the shipped ones) and show its key, links and QR codes.

    The planners' app embeds it with its current scenario and seed
    (:mod:`wecsim.app.components.workshop_start`); the workshop page offers it
    when the server runs with ``wecsim workshop serve --allow-new``, with the shipped
    scenarios and an upload of a scenario YAML saved from the planners' app.
    """
    names = shipped_scenarios()
    picked, set_picked = solara.use_state(names[0] if names else "")
    roles, set_roles = solara.use_state(cast(list[str], []))
    rounds, set_rounds = solara.use_state(4)
    years, set_years = solara.use_state(5)
    made, set_made = solara.use_state(cast(Created | None, None))
    error, set_error = solara.use_state("")
    uploaded, set_uploaded = solara.use_state(cast(Scenario | None, None))

    def upload(info: dict) -> None:
        try:
            sc = read_upload(info["name"], info["data"])
        except UploadError as exc:
            set_error(str(exc))
            return
        set_uploaded(sc)
        set_picked(sc.name)
        set_error("")

    def create() -> None:
        chosen = scenario or (uploaded if uploaded is not None and picked == uploaded.name else picked)
        try:
            ws = Workshops(db or _db(), create=True)
        except WecsimError as exc:
            set_error(str(exc))
            return
        try:
            set_made(ws.create(chosen, list(roles), int(rounds), int(years), seed))
            set_error("")
        except WecsimError as exc:
            set_error(str(exc))
        finally:
            ws.close()

    title = _("Start a workshop from the scenario {scenario}").format(scenario=scenario.name) if scenario else None
    with solara.Card(title or _("Start a workshop")):
        if scenario is None:
            extra = [uploaded.name] if uploaded is not None and uploaded.name not in names else []
            solara.Select(_("Scenario"), values=names + extra, value=picked, on_value=set_picked)
            Prose(_("or a scenario saved from the planners' app (*Save and share*, scenario YAML):"))
            ScenarioUpload(upload, MAX_FILE_BYTES)
        solara.SelectMultiple(
            _("Roles in play (one team each)"), values=roles, all_values=list(all_roles()), on_value=set_roles
        )
        with solara.Row():
            solara.InputInt(_("Rounds"), value=rounds, on_value=set_rounds, continuous_update=True)
            solara.InputInt(_("Years per round"), value=years, on_value=set_years, continuous_update=True)
        solara.Button(_("Start the workshop"), color="primary", on_click=create, classes=["ws-start"])
        if error:
            solara.Error(error, classes=["ws-error"])
    if made is not None:
        base = base_url or _base_url()
        with solara.Card(_("Workshop {workshop}").format(workshop=made.workshop_id), classes=["ws-started"]):
            Prose(
                _(
                    "Facilitator key (keep it; it is not stored and is shown only now): `{key}`. "
                    "Sign in below with the workshop id `{workshop}` and this key."
                ).format(key=made.facilitator_key, workshop=made.workshop_id)
            )
            LinkWithQR(_("projector"), projector_link(base, made.workshop_id, made.projector_code))
            for role, code in made.team_codes.items():
                name = _("{team} ({role}), code {code}").format(
                    team=role_label(all_roles()[role]), role=role, code=code
                )
                LinkWithQR(name, team_link(base, made.workshop_id, code))


@solara.component
def Page() -> None:
    """Join as a team (from the link) or sign in as the facilitator."""
    router = solara.use_router()
    query = {k: v[0] for k, v in parse_qs(router.search or "").items()}
    workshop_id = solara.use_reactive(query.get("w", ""))
    code = solara.use_reactive(query.get("code", ""))
    key = solara.use_reactive("")
    joined = solara.use_reactive(bool(query.get("w") and query.get("code")))
    signed_in = solara.use_reactive(False)
    linked = query.get("lang")
    # a link's ?lang= chooses the tab's language once; the switch changes it after
    solara.use_effect(lambda: language.chosen.set(linked) if linked in i18n.LANGUAGES else None, [])
    with solara.Div(classes=["ws-language"], style={"background": BAR_COLOR, "display": "flex"}):
        LanguageSwitch()
    if query.get("w") and query.get("projector"):
        solara.Title(_("wecsim workshop: projector"))
        ProjectorPanel(query["w"], query["projector"])
        return
    solara.Title(_("wecsim workshop"))
    if joined.value:
        TeamPanel(workshop_id.value, code.value)
        return
    if signed_in.value:
        FacilitatorPanel(workshop_id.value, key.value)
        return
    if os.environ.get(ALLOW_NEW_ENV) == "1":
        StartWorkshop()
    with solara.Card(_("Join your team")):
        solara.InputText(_("Workshop"), value=workshop_id)
        solara.InputText(_("Join code"), value=code, password=True)
        solara.Button(_("Join"), on_click=lambda: joined.set(True))
    with solara.Card(_("Facilitator")):
        solara.InputText(_("Workshop"), value=workshop_id)
        solara.InputText(_("Facilitator key"), value=key, password=True)
        solara.Button(_("Sign in"), on_click=lambda: signed_in.set(True))


page = Page
