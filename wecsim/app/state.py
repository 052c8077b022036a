"""The state of one browser tab: chosen scenario, lever values, seeds and the runs on screen.

Every variable is a module-level :func:`solara.reactive`. Solara keeps one value per
*virtual kernel*, i.e. per browser tab, so two tabs never see each other's levers or runs.
Functions here change that state; the components in :mod:`wecsim.app.components` and the
pages only read it and call them.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from functools import cache
from typing import Any

import solara

from wecsim import additionality
from wecsim.app import runs
from wecsim.app.params import changed, controls, parse_number, values_of
from wecsim.app.runs import Ensemble, Stale
from wecsim.app.scenario_io import build_scenario, shipped_scenarios
from wecsim.errors import WecsimError
from wecsim.i18n import _
from wecsim.scenario import Scenario, load_scenario, registry

logger = logging.getLogger(__name__)

#: Longest ensemble the pages offer (replicates per scenario). A 50-replicate request runs 100-200
#: model runs (scenario, reference, both without EU money): about a minute on two workers, and
#: 0.3-0.6 GB held by the tab until it is freed (each run about 3 MB).
MAX_REPLICATES = 50
#: Most runs one comparison may ask for (scenarios x replicates), e.g. 7 scenarios x 20
#: replicates. Its results are held by the tab (about 3 MB a run), so the limit bounds a tab's memory.
MAX_COMPARE_RUNS = 150
#: A tab whose levers, pages and runs have not been used this long has its results put away
#: (cards, charts, tables, comparisons), so an open but forgotten tab does not hold up to
#: 0.6 GB of runs all day (issue 14); they are recomputed when someone uses the tab again, from
#: the runs cache when still there. ``WECSIM_APP_IDLE_TAB_KEPT`` overrides it (a Solara time
#: span: ``30m``, ``90s``).
IDLE_TAB_KEPT = "30m"
#: How often the server looks for idle tabs [s] (at most; a shorter kept time checks more often).
IDLE_CHECK_S = 60.0
#: Longest wait for the cards to be drawn before the charts start redrawing [s].
CARDS_FIRST_S = 0.5
#: A request's status says "Running" at once (until it lands the page shows older results), but
#: counts runs done only once it has taken this long [s]: each status redraw costs the server
#: 40-55 ms with reacton's default renderer (it walks the whole page; a few ms with the fast one the
#: app uses, :data:`wecsim.app.main.RENDERER_ENV`), and a single fresh run lands in 0.2-0.3 s. Half a second
#: is well inside the 1 s within which people expect to see progress (Nielsen 1993, Usability
#: Engineering, ch. 5: response-time limits).
RUNNING_AFTER_S = 0.5
#: How often a waiting request checks whether a newer one has made it stale [s].
STALE_CHECK_S = 0.02
_cards_drawn: dict[int, threading.Event] = {}


@dataclass(frozen=True)
class RunStatus:
    """What the status line says about the latest request.

    Attributes
    ----------
    running
        A run was requested and has not landed yet.
    done, total
        Runs finished and requested (for the progress bar).
    elapsed_s
        Seconds from the request to the results of the last finished request.
    error
        Message of the last failure ("" if none).
    put_away
        The results were put away because the tab was idle (see :func:`free_idle_tabs`).
    """

    running: bool = False
    done: int = 0
    total: int = 0
    elapsed_s: float | None = None
    error: str = ""
    put_away: bool = False


def _baseline() -> Scenario:
    return load_scenario("baseline")


# ----------------------------------------------------------------------------- per-tab state
base = solara.reactive(_baseline())
"""The scenario the levers started from (shipped, uploaded, or edited)."""
base_label = solara.reactive("baseline")
"""Name of the scenario picked in the scenario selector."""
values: dict[str, solara.Reactive] = {name: solara.reactive(p.default) for name, p in registry().items()}
"""One reactive value per lever and uncertainty, keyed by name."""
seed = solara.reactive(42)
replicates = solara.reactive(1)
reference_label = solara.reactive("baseline")
headline_year = solara.reactive(2050)
eu_scope = solara.reactive("eu")
"""Whose money the EU card attributes outcomes to: ``eu`` (the EU budget's instruments) or
``team_europe`` (adds the member states and the EIB); see :mod:`wecsim.additionality`."""
active_page = solara.reactive("explore")
"""Key of the page shown (see :data:`wecsim.app.main.PAGES`)."""
uploaded: solara.Reactive[dict[str, Scenario]] = solara.reactive({})
"""Scenarios uploaded in this tab, by name; they join the scenario selector."""


@dataclass(frozen=True, eq=False)
class Shown:
    """The runs on screen: the scenario as set, the reference, and both without EU money.

    All with the same seeds, so the same weather. Compared by identity, like :class:`~wecsim.app.runs.Ensemble`.

    Attributes
    ----------
    current
        The latest finished request (None before the first lands).
    reference
        The reference scenario's runs.
    without_eu, ref_without_eu
        The same runs with the EU envelopes of :attr:`scope` at zero
        (:func:`wecsim.additionality.counterfactual`); the runs themselves when the scenario has
        no EU money; None while they are still running.
    scope
        ``eu`` or ``team_europe``: whose money the counterfactual removes.
    """

    current: Ensemble | None = None
    reference: Ensemble | None = None
    without_eu: Ensemble | None = None
    ref_without_eu: Ensemble | None = None
    scope: str = "eu"

    @property
    def eu_pending(self) -> bool:
        """Whether the counterfactual of the scenario on screen is still running."""
        return self.current is not None and self.without_eu is None


cards = solara.reactive(Shown())
"""The runs the headline cards show: set first, possibly with only the headline tables
(:data:`wecsim.app.runs.HEADLINE_TABLES`), which the workers send ahead of the rest."""
card_row: solara.Reactive[Any] = solara.reactive(None)
"""This tab's card-row widget, written directly when headline results land (read outside rendering
only, so setting it triggers no redraw; see :func:`wecsim.app.components.cards.show_at_once`)."""
shown = solara.reactive(Shown())
"""The whole runs the map, tables and downloads show (set when every table has landed)."""
charts = solara.reactive(Shown())
"""The runs the Explore charts show: set with :data:`shown`, after the cards are out."""
status = solara.reactive(RunStatus())
last_move: solara.Reactive[tuple[str, int] | None] = solara.reactive(None)
"""The lever moved last and the direction (+1/-1), for prefetching its next step."""
last_request = solara.reactive(None)
"""Key of the last request started (read outside rendering only, so it triggers no redraw)."""


class Requests:
    """A tab's request counter and the lock under which requests start and results are shown.

    A request takes the next number (:attr:`latest`) under :attr:`lock`; a run shows its cards,
    tables, charts or status only under the same lock and only while its number is still the
    latest. So once a newer request has started, nothing of an older one reaches the page, even
    when the older one was just about to write its cards (the race of issue 14: an older run's
    cards written over a newer one's, under a status of "Up to date"). Re-entrant, because
    showing a result redraws the page, whose effects may ask for runs in the same thread.

    Also remembers when the tab was last used (:meth:`touch`) and its Solara context, so the
    server can put an idle tab's results away from another thread (:func:`free_idle_tabs`).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.latest = 0
        self.clock = clock
        self.last_used = clock()
        self.put_away = False
        #: Cards written straight into the card row ahead of :data:`cards` (see :func:`cards_view`).
        self.headline: Shown | None = None
        ctx = _current_context()
        self._context = weakref.ref(ctx) if ctx is not None else None  # the tab owns this object, not the reverse

    @property
    def context(self) -> Any:
        """Return the tab's Solara context (None outside a server, or once it is gone)."""
        return self._context() if self._context is not None else None

    def is_latest(self, number: int) -> bool:
        """Whether request ``number`` is still this tab's latest."""
        return number == self.latest

    def touch(self) -> None:
        """Note that someone used the tab now."""
        self.last_used = self.clock()

    def idle_s(self) -> float:
        """Seconds since the tab was last used."""
        return self.clock() - self.last_used


@contextlib.contextmanager
def one_redraw():
    """Redraw this tab's page once for all the state set inside, instead of once per value.

    Each value set outside a redraw makes Solara redraw the tab's page (with reacton's default
    renderer a walk of the whole page, 30-60 ms of the server's one Python thread, more under
    load); with 8 tabs those walks queued behind each other and delayed everyone's cards (issue 14).
    Outside a Solara server it does nothing.
    """
    ctx = _current_context()
    rc = getattr(ctx, "app_object", None) if ctx is not None else None
    if rc is None or not hasattr(rc, "__enter__"):
        yield
        return
    with rc:
        yield


def _current_context() -> Any:
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context() if kernel_context.has_current_context() else None
    except Exception:  # pragma: no cover - outside a Solara server
        return None


_requests: solara.Reactive[Requests | None] = solara.reactive(None)
_requests_lock = threading.Lock()
#: Every open tab's :class:`Requests` (weakly: a closed tab's go with its Solara context).
_tabs: weakref.WeakSet[Requests] = weakref.WeakSet()


def cards_view() -> Shown:
    """Return the runs the headline cards show: those written ahead into the card row, else :data:`cards`.

    When headline tables land, the cards are written into the card row's widget at once and
    remembered on the tab (:attr:`Requests.headline`), without a redraw of the page; :data:`cards`
    follows with the tables, status and charts in one redraw when every run has landed. A
    redraw of the cards in between (another year, say) shows what is on screen, not older cards.
    """
    view = cards.value  # read first: the caller redraws when the landed cards are set
    tab = _requests.peek()
    return tab.headline if tab is not None and tab.headline is not None else view


def requests() -> Requests:
    """Return this tab's :class:`Requests` (made on first use; one per tab, freed with it)."""
    with _requests_lock:
        if _requests.value is None:
            tab = Requests()
            _requests.set(tab)
            _tabs.add(tab)
            _start_idle_sweeper()
        return _requests.value


# ----------------------------------------------------------------------------- limits
@dataclass(frozen=True)
class _Count:
    """A whole number between ``low`` and ``high`` (what :func:`~wecsim.app.params.parse_number` reads)."""

    low: int
    high: int
    type: str = "int"


def parse_count(text: Any, low: int, high: int) -> int:
    """Return a typed count of runs between ``low`` and ``high``; raise :class:`~wecsim.app.params.BadValue` otherwise.

    Examples
    --------
    >>> parse_count("12", 1, MAX_REPLICATES)
    12
    >>> parse_count("999", 1, MAX_REPLICATES)
    Traceback (most recent call last):
    ...
    wecsim.app.params.BadValue: 999 is above the highest allowed, 50
    """
    return int(parse_number(_Count(low, high), text))  # type: ignore[arg-type]


def compare_replicates_high(n_scenarios: int) -> int:
    """Return the most replicates per scenario a comparison of ``n_scenarios`` may ask for."""
    return max(1, min(MAX_REPLICATES, MAX_COMPARE_RUNS // max(1, n_scenarios)))


def compare_size_error(n_scenarios: int, replicates: int) -> str:
    """Return why a comparison is too large to run ("" when it is within :data:`MAX_COMPARE_RUNS`)."""
    n = n_scenarios * replicates
    if n <= MAX_COMPARE_RUNS:
        return ""
    return _(
        "{scenarios} scenarios x {replicates} replicates = {n} runs, more than the {limit} "
        "one comparison may run: choose fewer scenarios or at most {high} replicates"
    ).format(
        scenarios=n_scenarios,
        replicates=replicates,
        n=n,
        limit=MAX_COMPARE_RUNS,
        high=compare_replicates_high(n_scenarios),
    )


# ----------------------------------------------------------------------------- scenarios
def scenario_names() -> list[str]:
    """Return the scenarios the selector offers: shipped ones, then this tab's uploads."""
    names = shipped_scenarios()
    return names + [n for n in uploaded.value if n not in names]


@cache
def shipped(name: str) -> Scenario:
    """Return a shipped scenario by name (loaded once; scenarios are immutable)."""
    return load_scenario(name)


def lookup(name: str) -> Scenario:
    """Return a shipped or uploaded scenario by name."""
    if name in uploaded.value:
        return uploaded.value[name]
    return shipped(name)


def current_values() -> dict[str, Any]:
    """Return every lever and uncertainty value as set on the page."""
    return {name: r.value for name, r in values.items()}


def edited() -> dict[str, Any]:
    """Return the values changed against the picked scenario."""
    return changed(current_values(), values_of(base.value))


def scenario_for(vals: dict[str, Any], name: str | None = None) -> Scenario:
    """Return the picked scenario with ``vals`` for its levers and uncertainties.

    When they differ from the picked scenario the name gets ``-edited`` appended (unless
    ``name`` is given), so files and reports do not pass an edited scenario off as a shipped one.
    """
    sc = base.value
    if name is None:
        name = sc.name if not changed(vals, values_of(sc)) else f"{sc.name}-edited"[:80]
    return build_scenario(sc, vals, name=name)


def current_scenario(name: str | None = None) -> Scenario:
    """Return the scenario the page describes: the picked one with the levers as set."""
    return scenario_for(current_values(), name)


def apply_scenario(sc: Scenario, label: str | None = None) -> None:
    """Load a scenario into this tab: it becomes the base and sets every lever and the seed."""
    base.set(sc)
    base_label.set(label or sc.name)
    for name, v in values_of(sc).items():
        values[name].set(v)
    seed.set(int(sc.seed))
    request_runs()


def set_value(name: str, value: Any) -> None:
    """Set one lever or uncertainty and start the runs it needs at once (before any redraw)."""
    if isinstance(value, float) and not math.isfinite(value):  # nan != nan would redraw forever
        logger.warning("lever %s: non-finite value %r ignored", name, value)
        return
    runs.trace(f"lever {name}={value}")
    old = values[name].value
    values[name].set(value)
    if isinstance(value, int | float) and isinstance(old, int | float) and value != old:
        last_move.set((name, 1 if value > old else -1))
    request_runs()
    runs.trace("lever handled")


def prefetch_next_step(seeds: list[int]) -> None:
    """Start, on an idle worker, the run of the next step of the lever moved last (same direction).

    Planners nudge a slider step by step; when the next step's run is already cached, its
    cards appear at once. Only one such run at a time, only for single runs, and only when no
    other run is in flight, so it never delays a real request (see :func:`wecsim.app.runs.prefetch`).
    """
    move = last_move.value
    if move is None or len(seeds) != 1:
        return
    name, direction = move
    control = next((c for c in controls() if c.name == name), None)
    if control is None or control.param.type == "categorical":
        return
    now = values[name].value
    nxt = control.clip(now + direction * control.step)
    if nxt == now:
        return
    try:
        sc = scenario_for({**current_values(), name: nxt})
    except WecsimError:
        return
    cf = counterfactual_for(sc, eu_scope.value)
    runs.prefetch(sc, seeds[0], *([cf] if cf is not None else []))


def pick(name: str) -> None:
    """Load a shipped or uploaded scenario by name."""
    apply_scenario(lookup(name), name)


def reset_levers() -> None:
    """Put every lever and uncertainty back to the picked scenario's value."""
    for name, v in values_of(base.value).items():
        values[name].set(v)
    request_runs()


def add_upload(sc: Scenario) -> str:
    """Remember an uploaded scenario in this tab and load it; return the name it is listed under."""
    name = sc.name
    if name in shipped_scenarios():
        name = f"{sc.name} (uploaded)"
    uploaded.set({**uploaded.value, name: sc})
    apply_scenario(sc, name)
    return name


# ----------------------------------------------------------------------------- running
_counterfactuals: dict[tuple[str, str], Scenario] = {}


def counterfactual_for(sc: Scenario, scope: str) -> Scenario | None:
    """Return the scenario without the EU money of ``scope``, or None when it has none to remove.

    Remembered by scenario hash (all tabs share it; scenarios are immutable).
    """
    if not additionality.has_eu_money(sc, scope):
        return None
    key = (sc.scenario_hash(), scope)
    if key not in _counterfactuals:
        if len(_counterfactuals) > 512:
            _counterfactuals.clear()
        _counterfactuals[key] = runs.counterfactual(sc, scope)
    return _counterfactuals[key]


def eu_alongside(runs_to_start: int) -> bool:
    """Whether the counterfactuals start next to the runs the first cards need, or after their cards.

    Next to them when the machine has a core for each run and one more for the server and the
    browser; after them otherwise (on two cores a second run in parallel slows the first one,
    and the headline cards come first). ``WECSIM_APP_EU_ALONGSIDE=1`` or ``0`` forces either.
    """
    env = os.environ.get("WECSIM_APP_EU_ALONGSIDE", "").strip()
    if env in ("0", "1"):
        return env == "1"
    return (os.cpu_count() or 1) >= runs_to_start + 2


def compute(
    sc: Scenario,
    ref_sc: Scenario,
    seeds: list[int],
    is_stale=lambda: False,
    on_progress=None,
    on_headline=None,
    scope: str = "eu",
) -> Shown:
    """Run a scenario, its reference and both counterfactuals over the seeds; return them.

    The counterfactuals (without EU money) start next to the other runs when there are cores
    enough, else once the headline cards of the others are out (see :func:`eu_alongside`);
    cached runs come at once. ``on_headline(view)`` is called with the headline tables only (as
    soon as the workers send them), so the cards need not wait for every table: first when the
    scenario and its reference are in (with the counterfactuals if they are in too, else
    without), then once more when the counterfactuals are in, for the EU card. Raises
    :class:`~wecsim.app.runs.Stale` when ``is_stale()`` turns True while waiting.

    A single run goes ahead of other tabs' bulk work in the workers' queue (its counterfactuals
    just behind other tabs' single runs); replicates are bulk work
    (:class:`~wecsim.app.runs.Priority`).
    """
    cf_sc, cf_ref = counterfactual_for(sc, scope), counterfactual_for(ref_sc, scope)
    single = len(seeds) == 1
    first_p = runs.Priority.CARDS if single else runs.Priority.BULK
    eu_p = runs.Priority.EU_CARD if single else runs.Priority.BULK
    fut_cur = [runs.submit(sc, s, first_p) for s in seeds]
    fut_ref = [runs.submit(ref_sc, s, first_p) for s in seeds]
    main = fut_cur + fut_ref
    todo = [(x, s) for x in (cf_sc, cf_ref) if x is not None for s in seeds]
    cached = all(runs.cached(x, s, light=True) is not None for x, s in todo)
    extra: dict[str, list] = {"cf": [], "cf_ref": []}

    def submit_extra() -> None:
        # after the runs the first cards need, so the workers take them first
        # light: without the ledger, refusals and transitions, which nothing shows for these runs
        extra["cf"] = [runs.submit(cf_sc, s, eu_p, light=True) for s in seeds] if cf_sc is not None else []
        extra["cf_ref"] = [runs.submit(cf_ref, s, eu_p, light=True) for s in seeds] if cf_ref is not None else []

    submitted = cached or eu_alongside(sum(not f.done() for f in main) + len(todo))
    if submitted:
        submit_extra()
    runs.trace("submitted" + ("" if submitted else " (counterfactuals after the headline tables)"))

    def every() -> list:
        return main + extra["cf"] + extra["cf_ref"]

    def ensemble(scenario: Scenario, futures: list, early: bool) -> Ensemble:
        return Ensemble(scenario, [(f.early if early else f).result() for f in futures], scenario.name)

    def view(early: bool) -> Shown:
        cur, ref = ensemble(sc, fut_cur, early), ensemble(ref_sc, fut_ref, early)
        ready = submitted and all((f.early if early else f).done() for f in extra["cf"] + extra["cf_ref"])
        without = ref_without = None
        if ready:
            without = cur if cf_sc is None else ensemble(cf_sc, extra["cf"], early)
            ref_without = ref if cf_ref is None else ensemble(cf_ref, extra["cf_ref"], early)
        return Shown(cur, ref, without, ref_without, scope)

    if on_headline is not None:
        runs.wait_for([f.early for f in main], is_stale, on_progress, give_up=every(), poll_s=STALE_CHECK_S)
        runs.trace(f"headline in: model seconds {[round(f.early.result().meta['elapsed_s'] or 0, 3) for f in fut_cur]}")
        first = view(early=True)
        on_headline(first)  # returns once the cards are drawn (or after CARDS_FIRST_S)
        if not submitted:
            submit_extra()  # only now: on two cores an earlier start slows the cards' way out
            submitted = True
            runs.trace("counterfactuals submitted")
        if first.eu_pending:
            later = [f.early for f in extra["cf"] + extra["cf_ref"]]
            runs.wait_for(later, is_stale, on_progress, give_up=every(), poll_s=STALE_CHECK_S)
            runs.trace("counterfactual headline in")
            on_headline(view(early=True))
    elif not submitted:
        submit_extra()
        submitted = True
    runs.wait_for(every(), is_stale, None if on_headline else on_progress, poll_s=STALE_CHECK_S)
    runs.trace("runs landed")
    return view(early=False)


@solara.lab.task(prefer_threaded=True)
def run_explore(sc: Scenario, ref_sc: Scenario, seeds: list[int], scope: str = "eu", number: int = 0) -> None:
    """Run the page's scenario, reference and counterfactuals in the background; show them when they land.

    ``number`` is the request's number (:class:`Requests`). A newer request makes this one
    stale: it stops waiting, cancels its queued runs and shows nothing more; the page keeps the
    figures of the previous request, under a "Running" status, until the newer one lands.
    """
    start = time.perf_counter()
    tab = requests()
    last = [-1]  # runs done when the status line last said so (-1: no count shown yet)

    def latest() -> bool:
        return tab.is_latest(number) and run_explore.is_current()

    def progress(done: int, total: int) -> None:
        # counts for several runs only, and not in the first RUNNING_AFTER_S: each redraw costs 40-55 ms
        if total <= 2 or done == last[0] or time.perf_counter() - start < RUNNING_AFTER_S:
            return
        with tab.lock:
            if latest():
                last[0] = done
                status.set(RunStatus(True, done, total, status.value.elapsed_s))

    def headline(view: Shown) -> None:
        """Show the cards as soon as their tables are in; the charts wait for the rest."""
        from wecsim.app.components.cards import show_at_once

        drawn = _cards_drawn.setdefault(id(view), threading.Event())
        with tab.lock:
            if not latest():
                _cards_drawn.pop(id(view), None)
                return
            if show_at_once(view, headline_year.value):
                # on screen now; no redraw of the page until every run has landed (one for all)
                tab.headline = view
                _cards_drawn.pop(id(view), None)
                runs.trace("cards written" + (" (EU card waits for its counterfactual)" if view.eu_pending else ""))
                return
            cards.set(view)  # no card row on this page (yet): the regular redraw
        runs.trace(f"cards drawn in time: {drawn.wait(CARDS_FIRST_S)}")
        _cards_drawn.pop(id(view), None)

    ask = dict(is_stale=lambda: not latest(), on_progress=progress, on_headline=headline, scope=scope)
    try:
        try:
            view = compute(sc, ref_sc, seeds, **ask)
        except CancelledError:  # a run shared with another tab was given up there: ask again
            view = compute(sc, ref_sc, seeds, **ask)
    except Stale:
        return
    except WecsimError as exc:
        with tab.lock:
            if latest():
                status.set(RunStatus(False, 0, 0, None, str(exc)))
        return
    except Exception as exc:  # a worker died, say: say so instead of spinning forever
        logger.exception("model run failed")
        with tab.lock:
            if latest():
                status.set(
                    RunStatus(
                        False,
                        0,
                        0,
                        None,
                        _("The model run failed: {error}").format(error=f"{type(exc).__name__}: {exc}"),
                    )
                )
        return
    with tab.lock:
        if not latest():
            return
        # the cards are this request's already (headline); tables, status and charts change together
        with one_redraw():
            tab.headline = None
            cards.set(view)
            shown.set(view)
            status.set(RunStatus(False, len(seeds), len(seeds), time.perf_counter() - start))
            charts.set(view)
    runs.trace("charts set")
    prefetch_next_step(seeds)


def cards_drawn(view: Shown) -> None:
    """Tell the waiting run that the cards for ``view`` have been drawn (called from the cards' effect)."""
    if view.current is not None:
        runs.trace("cards drawn")
        _cards_drawn.setdefault(id(view), threading.Event()).set()


def request_runs(force: bool = False) -> None:
    """Start the runs the page needs (the levers as set, and the reference) in the background.

    Does nothing if the same request was the last one started (unless ``force``), so lever
    handlers and :func:`~wecsim.app.components.run_status.RunController` can both call it.
    """
    tab = requests()
    tab.touch()
    tab.put_away = False
    try:
        sc = current_scenario()
    except WecsimError as exc:
        with tab.lock:
            tab.latest += 1  # an earlier request's results are no longer those of the levers shown
            last_request.set(None)
            status.set(RunStatus(False, 0, 0, None, str(exc)))
        return
    ref_sc = lookup(reference_label.value)
    seeds = runs.seeds_for(seed.value, replicates.value)
    key = (sc.scenario_hash(), tuple(seeds), ref_sc.scenario_hash(), eu_scope.value)
    with tab.lock:
        if key == last_request.value and not force:
            return
        tab.latest += 1
        last_request.set(key)
        runs.trace("run requested")
        run_explore(sc, ref_sc, seeds, eu_scope.value, tab.latest)
        # at once, not after RUNNING_AFTER_S: until this request lands the page shows older results;
        # set after the run started, so the redraw overlaps the run instead of delaying it
        total = len(seeds) if len(seeds) > 1 else 0
        status.set(RunStatus(True, 0, total, status.value.elapsed_s))


# ----------------------------------------------------------------------------- idle tabs
#: Other tab-state variables that hold runs (a page's comparison, say), with the value they are
#: reset to when the tab's results are put away; see :func:`free_when_idle`.
_freeable: list[tuple[solara.Reactive, Callable[[], Any]]] = []
_sweeper: threading.Thread | None = None
_sweeper_stop = threading.Event()


def free_when_idle(var: solara.Reactive, empty: Callable[[], Any]) -> None:
    """Have a tab-state variable holding runs reset to ``empty()`` when an idle tab's results are put away."""
    _freeable.append((var, empty))


def idle_tab_kept_s() -> float:
    """Return how long a tab may go unused before its results are put away [s] (see :data:`IDLE_TAB_KEPT`)."""
    from solara.util import parse_timedelta

    return float(parse_timedelta(os.environ.get("WECSIM_APP_IDLE_TAB_KEPT", "").strip() or IDLE_TAB_KEPT))


def put_away_text() -> str:
    """Return what a tab whose results were put away says."""
    return _("Results put away after {minutes} minutes without use, to free the server's memory.").format(
        minutes=f"{idle_tab_kept_s() / 60:.0f}"
    )


def _note_use() -> None:
    """Note that the tab asking for a run is in use (hooked into :func:`wecsim.app.runs.submit`)."""
    if _current_context() is None:
        return
    tab = _requests.peek()  # no redraw depends on it
    if tab is not None:
        tab.touch()


runs.on_ask.append(_note_use)


def put_away(tab: Requests) -> None:
    """Drop this tab's results (call in the tab's context): cards, charts, tables and registered pages' runs.

    A run still landing for the tab shows nothing (its request is no longer the latest); the
    status line says what happened and offers to show the results again (:func:`bring_back`).
    """
    with tab.lock:
        tab.latest += 1
        tab.put_away = True
        last_request.set(None)
        tab.headline = None
        for var in (cards, shown, charts):
            var.set(Shown())
        for var, empty in _freeable:
            var.set(empty())
        status.set(RunStatus(put_away=True))


def bring_back() -> None:
    """Recompute the results of a tab whose results were put away (from the runs cache when still there)."""
    tab = requests()
    tab.touch()
    request_runs(force=True)


def free_idle_tabs(kept_s: float | None = None) -> int:
    """Put away the results of every open tab unused for ``kept_s`` (default :func:`idle_tab_kept_s`); return how many.

    Tabs with a request still running are left alone. Called every minute by a background
    thread of the server (see :func:`_start_idle_sweeper`).
    """
    kept = idle_tab_kept_s() if kept_s is None else kept_s
    n = 0
    for tab in list(_tabs):
        if tab.put_away or tab.idle_s() < kept:
            continue
        ctx = tab.context
        if tab._context is not None and (ctx is None or ctx.closed_event.is_set()):
            continue  # closed: Solara frees the whole tab
        with ctx if ctx is not None else contextlib.nullcontext():
            if status.value.running:
                continue
            put_away(tab)
        n += 1
    if n:
        logger.info("put away the results of %d idle tab(s)", n)
    return n


def _sweep() -> None:
    while not _sweeper_stop.wait(min(IDLE_CHECK_S, idle_tab_kept_s() / 4)):
        try:
            free_idle_tabs()
        except Exception:  # pragma: no cover - never let the sweeper die
            logger.exception("putting idle tabs away failed")


def _start_idle_sweeper() -> None:
    """Start the thread that puts idle tabs' results away (once per server; stopped at exit)."""
    global _sweeper
    if _sweeper is not None:
        return
    _sweeper = threading.Thread(target=_sweep, name="wecsim-idle-tabs", daemon=True)
    _sweeper.current_context = None  # type: ignore[attr-defined] # Solara's thread patch: no tab owns it
    with runs._no_kernel_context():
        _sweeper.start()
    atexit.register(_sweeper_stop.set)
