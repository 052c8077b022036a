"""Run scenarios for the app: worker processes, a results cache and replicate ensembles.

The app never computes anything itself: every number comes from a model run (the steps of
:func:`wecsim.run`). This module only decides *where* runs happen (a small pool of worker
processes, so the web server stays responsive and replicates use both cores) and remembers
finished runs, keyed by the scenario hash and the seed, so the reference scenario and any
lever setting seen before come back at once. The cache is shared by all browser tabs;
results are never modified. A worker sends the tables the headline cards need ahead of the
rest (see :func:`submit`).

Runs wait for a worker in a :class:`FairQueue`, not first come first served: each tab's latest
single run (the cards wait for it) goes ahead of the EU card's counterfactuals, which go ahead
of bulk work (replicates, comparisons), which goes ahead of look-ahead runs; within a priority
the tabs take turns. Bulk work is queued one run (one seed) at a time and the pool is handed
only as many runs as it has workers, so a lever move waits for at most one run already started
on each worker, never for a whole ensemble (issue 14: 4.6 s behind another tab's 50 replicates).

Set ``WECSIM_APP_WORKERS=0`` to run in the calling thread (used by the unit tests).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, InvalidStateError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

import numpy as np
import pandas as pd

import wecsim
from wecsim.model import WECModel
from wecsim.results import TABLE_NAMES, Results
from wecsim.runner import collect_results, cycle_collector_paused, settle_worker
from wecsim.scenario import Scenario, load_scenario

#: Finished runs kept in memory (about 3 MB each).
CACHE_SIZE = 96

_lock = threading.RLock()
_cache: OrderedDict[tuple[str, int], Results] = OrderedDict()
_inflight: dict[tuple[str, int], Future] = {}
_waiters: dict[int, int] = {}  # id(future) -> requests waiting for it
_pool: ProcessPoolExecutor | None = None
#: Headline results sent ahead by the workers, read by a listener thread (see :func:`submit`).
_early_queue: Any = None
_early: dict[tuple[str, int], Future] = {}
#: Runs waiting for a worker, and how many the pool holds now (at most one per worker).
_queue: FairQueue | None = None
_busy = 0
#: Runs a worker holds now that a tab's cards wait for (:data:`Priority.CARDS` or ``EU_CARD``).
_busy_single = 0
#: Set when the server stops: waiting requests give up at once (see :func:`shutdown`).
_closing = threading.Event()
#: Threads that wait for runs (Solara's task threads), joined briefly at shutdown.
_waiting_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
#: How long the server's exit waits for the threads still waiting for runs to give up [s].
SHUTDOWN_JOIN_S = 5.0
#: While someone has moved a lever this recently, bulk work and look-ahead runs leave one worker
#: free for the next move [s] (with two workers or more): people nudge a lever again within a few
#: seconds, and a move that finds every worker busy with another tab's replicates waits a whole
#: run. A design choice; bulk work uses every worker again once the levers rest.
LEVERS_MOVING_S = 15.0
_last_single = -float("inf")  # time.monotonic() of the last single run queued
_hold_timer: threading.Timer | None = None
#: Called (in the asking thread) whenever a run is asked for: the app notes the tab as in use.
on_ask: list[Callable[[], None]] = []

#: The tables the headline cards read: a worker sends them as soon as the model has run,
#: before it builds the others (about 50 ms sooner than the whole result). The EU card reads
#: the same tables of a run and of its counterfactual without EU money
#: (:func:`wecsim.additionality.outcomes_to`).
HEADLINE_TABLES = ("national", "funder")
#: The tables a run without EU money is read for: the EU card (national, funder), the EU topic's
#: chart and table (national) and the map's EU layers (region, project). A worker builds and
#: sends only these for such a *light* run: the ledger, refusals and transitions tables are 4.3 of
#: a run's 5.2 MB and 15-25% of a worker's time per run, and nothing shows them for these runs.
LIGHT_TABLES = ("national", "basin", "region", "funder", "project")

_worker_early_queue: Any = None  # in a worker process: where to send headline results


_TRACE = os.environ.get("WECSIM_APP_TRACE", "") not in ("", "0")


def trace(event: str) -> None:
    """Print a timestamped event to stderr when ``WECSIM_APP_TRACE=1`` (for latency work)."""
    if _TRACE:
        print(f"[wecsim.app {time.perf_counter():.3f}] {event}", file=sys.stderr, flush=True)


class Stale(Exception):
    """Raised when a newer request made the one being computed obsolete."""


class Priority(IntEnum):
    """Which queued run a free worker takes first (lowest first; see :class:`FairQueue`)."""

    CARDS = 0
    """A tab's latest single run and its reference: the headline cards wait for them."""
    EU_CARD = 1
    """The counterfactuals without EU money of a single run: the EU card waits for them."""
    BULK = 2
    """Replicates, comparisons, the EU instruments' breakdown, exports: many runs, read as a whole."""
    LOOKAHEAD = 3
    """Runs a tab may ask for next (the lever's next step): only when nothing else waits."""


@dataclass(eq=False)
class Job:
    """One model run waiting for a worker (or running on one).

    Attributes
    ----------
    key
        The run's cache key (scenario hash, seed): the seed it runs with is ``key[1]``.
    scenario
        The scenario as plain data (what a worker is sent).
    priority
        See :class:`Priority`.
    owner
        Who asked (a browser tab's id): tabs take turns within a priority.
    tables
        The tables to build (None: all; see :data:`LIGHT_TABLES`).
    future
        Resolved with the run's :class:`~wecsim.results.Results`; cancelling it before a worker
        takes the run drops the run.
    """

    key: tuple[str, int]
    scenario: dict[str, Any]
    priority: int
    owner: str
    tables: tuple[str, ...] | None = None
    future: Future = field(default_factory=Future)


class FairQueue:
    """Runs waiting for a worker: lowest priority first, tabs in turn within a priority, FIFO within a tab.

    Not thread-safe by itself: the module's lock guards it.

    Examples
    --------
    >>> q = FairQueue()
    >>> for seed in range(3):
    ...     q.put(Job(("bulk", seed), {}, Priority.BULK, "tab A"))
    >>> q.put(Job(("bulk", 9), {}, Priority.BULK, "tab B"))
    >>> q.put(Job(("move", 1), {}, Priority.CARDS, "tab B"))
    >>> [q.pop().key for _ in range(len(q))]
    [('move', 1), ('bulk', 0), ('bulk', 9), ('bulk', 1), ('bulk', 2)]
    """

    def __init__(self) -> None:
        self._lanes: dict[int, OrderedDict[str, deque[Job]]] = {}

    def __len__(self) -> int:
        return sum(len(q) for lanes in self._lanes.values() for q in lanes.values())

    def put(self, job: Job) -> None:
        """Queue a run at the back of its tab's line in its priority."""
        lanes = self._lanes.setdefault(int(job.priority), OrderedDict())
        lanes.setdefault(job.owner, deque()).append(job)

    def pop(self) -> Job | None:
        """Return the run a free worker should take next (None when none waits); cancelled runs are dropped."""
        for priority in sorted(self._lanes):
            lanes = self._lanes[priority]
            while lanes:
                owner, line = next(iter(lanes.items()))
                job = line.popleft()
                if line:
                    lanes.move_to_end(owner)  # the next tab's turn
                else:
                    del lanes[owner]
                if not job.future.cancelled():
                    return job
            del self._lanes[priority]
        return None

    def promote(self, job: Job, priority: int, owner: str) -> bool:
        """Move a queued run to a higher priority (a tab now waits for it); return whether it moved."""
        if priority >= job.priority:
            return False
        lanes = self._lanes.get(int(job.priority), {})
        line = lanes.get(job.owner)
        if line is None or job not in line:
            return False  # already taken by a worker
        line.remove(job)
        if not line:
            del lanes[job.owner]
        job.priority, job.owner = int(priority), owner
        self.put(job)
        return True

    def next_priority(self) -> int | None:
        """Return the priority of the run :meth:`pop` would return (None when none waits)."""
        for priority in sorted(self._lanes):
            for line in self._lanes[priority].values():
                if any(not j.future.cancelled() for j in line):
                    return priority
        return None

    def drop_all(self) -> list[Job]:
        """Empty the queue; return the runs that were waiting."""
        jobs = [j for lanes in self._lanes.values() for line in lanes.values() for j in line]
        self._lanes.clear()
        return jobs


def n_workers() -> int:
    """Return how many worker processes to use (``WECSIM_APP_WORKERS``, default up to 2)."""
    env = os.environ.get("WECSIM_APP_WORKERS")
    if env is not None and env.strip() != "":
        return max(0, int(env))
    return max(1, min(2, os.cpu_count() or 1))


def _run_in_worker(
    scenario: dict[str, Any], seed: int, key: tuple[str, int] | None = None, tables: Sequence[str] | None = None
) -> Results:
    """Run one scenario in a worker process (module level so it can be pickled).

    With an early queue (set by the pool's initializer) the headline tables go out first,
    tagged with ``key``; then the other ``tables`` (default: all), as one result with
    ``meta["partial"]`` listing the tables built when that is not all of them.
    """
    if _worker_early_queue is None or key is None:
        return wecsim.run(scenario, seed=seed)
    trace("worker: started")
    with cycle_collector_paused():  # the run needs no cycle collection (see wecsim.runner)
        config = load_scenario(scenario)
        start = time.perf_counter()
        model = WECModel(config, seed=seed)
        model.run()
        elapsed = time.perf_counter() - start
        trace("worker: model run done")
        headline = collect_results(model, elapsed, HEADLINE_TABLES)
        _worker_early_queue.put((key, headline))  # pickled and sent here and now (a SimpleQueue)
        trace("worker: headline tables sent")
        wanted = TABLE_NAMES if tables is None else tuple(tables)
        rest = collect_results(model, elapsed, [n for n in wanted if n not in HEADLINE_TABLES])
        model.close()
    # the whole result reuses the headline tables instead of building them twice
    meta = {k: v for k, v in rest.meta.items() if k != "partial"}
    if set(wanted) | set(HEADLINE_TABLES) != set(TABLE_NAMES):
        meta["partial"] = [n for n in TABLE_NAMES if n in wanted or n in HEADLINE_TABLES]
    whole = replace(rest, **{n: getattr(headline, n) for n in HEADLINE_TABLES}, meta=meta)
    whole.derived.update(headline.derived)
    return whole


def _watch_parent(parent_pid: int) -> None:  # pragma: no cover - runs in worker processes
    """End this worker when the app server is gone (stopped, or killed with ``kill -9``)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(0)


def _init_worker(parent_pid: int, early_queue: Any = None) -> None:  # pragma: no cover - runs in workers
    """Set up a worker: Ctrl-C is the server's to handle, and an orphaned worker stops itself."""
    global _worker_early_queue
    _worker_early_queue = early_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="watch-parent").start()
    settle_worker()


def _warm_up() -> float:
    """Import wecsim and fill its data caches in a worker; return the seconds it took."""
    start = time.perf_counter()
    wecsim.run("baseline", overrides=["end_year=2026"])
    return time.perf_counter() - start


def _no_kernel_context():
    """Return a context manager under which new threads belong to no Solara browser tab."""
    try:
        from solara.server.kernel_context import without_context
    except ImportError:  # pragma: no cover - solara is a dependency
        return contextlib.nullcontext()
    return without_context()


def _listen(queue: Any) -> None:
    """Hand headline results sent ahead by the workers to whoever waits for them (a thread)."""
    while True:
        try:
            item = queue.get()
        except (EOFError, OSError):  # pragma: no cover - the pool is gone
            return
        if item is None:
            return
        key, light = item
        trace("headline tables received")
        with _lock:
            early = _early.pop(key, None)
        if early is not None:
            _resolve(early, light)


def _resolve(fut: Future, result: Any = None, exc: BaseException | None = None) -> None:
    """Finish a future unless it already is (the early and the full result race to it)."""
    with contextlib.suppress(InvalidStateError):
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)


def pool() -> ProcessPoolExecutor | None:
    """Return the shared worker pool, starting it (and warming its workers) on first use."""
    global _pool, _early_queue
    if n_workers() == 0:
        return None
    with _lock:
        if _pool is None:
            # one thread per worker for numpy's BLAS: workers already use every core
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(var, "1")
            ctx = multiprocessing.get_context("spawn")
            # The pool's helper threads start with the first submit and would inherit the
            # Solara kernel context of the calling tab (and die with it): start them with none.
            with _no_kernel_context():
                _early_queue = ctx.SimpleQueue()  # put() pickles and sends at once (no feeder thread)
                threading.Thread(target=_listen, args=(_early_queue,), daemon=True, name="wecsim-early").start()
                _pool = ProcessPoolExecutor(
                    max_workers=n_workers(),
                    mp_context=ctx,
                    initializer=_init_worker,
                    initargs=(os.getpid(), _early_queue),
                )
                for _ in range(n_workers()):
                    _count_busy(_pool.submit(_warm_up))
            atexit.register(shutdown)
        return _pool


def _count_busy(inner: Future) -> None:
    """Count a run handed to the pool until it comes back (called under the lock)."""
    global _busy
    _busy += 1
    inner.add_done_callback(_came_back)


def _came_back(_: Future) -> None:
    global _busy
    with _lock:
        _busy -= 1
    _dispatch()


def _count_single(inner: Future) -> None:
    """Count a run some tab's cards wait for until it comes back (called under the lock)."""
    global _busy_single
    _busy_single += 1

    def back(_: Future) -> None:
        global _busy_single
        with _lock:
            _busy_single -= 1

    inner.add_done_callback(back)


def single_runs_pending() -> bool:
    """Whether a run some tab's cards wait for is queued or running (any tab's; see :class:`Priority`).

    Server work that can wait (drawing charts) gives way while it is true: on a machine with
    as many cores as workers it would slow those runs and the cards' way out (issue 14).
    """
    with _lock:
        if _busy_single > 0:
            return True
        nxt = _fair_queue().next_priority()
        return nxt is not None and nxt <= Priority.EU_CARD


def _fair_queue() -> FairQueue:
    global _queue
    if _queue is None:
        _queue = FairQueue()
    return _queue


def current_owner() -> str:
    """Return who is asking: the id of the browser tab whose thread this is, or ``"server"``."""
    try:
        from solara.server import kernel_context

        if kernel_context.has_current_context():
            return str(kernel_context.get_current_context().id)
    except Exception:  # pragma: no cover - outside a Solara server
        pass
    return "server"


def _enqueue(
    key: tuple[str, int], data: dict[str, Any], seed: int, priority: int, owner: str, tables: tuple[str, ...] | None
) -> Job:
    """Queue one run for the workers; return its job (its future resolves with the run)."""
    global _last_single
    job = Job((key[0], int(seed)), data, int(priority), owner, tables)
    with _lock:
        if job.priority <= Priority.EU_CARD and owner != "server":
            _last_single = time.monotonic()
        _fair_queue().put(job)
    _dispatch()
    return job


def _workers_for(priority: int) -> int:
    """Return how many workers runs of ``priority`` may keep busy now (see :data:`LEVERS_MOVING_S`)."""
    global _hold_timer
    n = n_workers()
    if priority <= Priority.EU_CARD or n < 2:
        return n
    left = _last_single + LEVERS_MOVING_S - time.monotonic()
    if left <= 0:
        return n
    if _hold_timer is None or not _hold_timer.is_alive():  # use the spare worker once the levers rest
        with _no_kernel_context():
            _hold_timer = threading.Timer(left + 0.01, _dispatch)
            _hold_timer.daemon = True
            _hold_timer.start()
    return n - 1


def _dispatch() -> None:
    """Hand queued runs to the pool while a worker is free (the pool never holds a backlog)."""
    while True:
        with _lock:
            if _pool is None or _busy >= n_workers():
                return
            nxt = _fair_queue().next_priority()
            if nxt is None or _busy >= _workers_for(nxt):
                return
            job = _fair_queue().pop()
            if job is None:
                return
            if not job.future.set_running_or_notify_cancel():
                continue  # cancelled meanwhile
            executor = _pool
            try:
                inner = executor.submit(_run_in_worker, job.scenario, job.key[1], job.key, job.tables)
            except Exception as exc:  # the pool is shut down (the server is exiting: the request gives up) or broken
                job.future.set_exception(Stale() if _closing.is_set() else exc)
                continue
            _count_busy(inner)
            if job.priority <= Priority.EU_CARD:
                _count_single(inner)
            left = len(_fair_queue())
        trace(f"dispatched (priority {job.priority}, {left} waiting)")
        inner.add_done_callback(lambda f, job=job: _copy_outcome(f, job.future))


def _copy_outcome(inner: Future, fut: Future) -> None:
    exc = inner.exception() if not inner.cancelled() else CancelledError()
    _resolve(fut, None if exc is not None else inner.result(), exc)


def queued() -> int:
    """Return how many runs wait for a worker (not counting those running)."""
    with _lock:
        return len(_fair_queue())


def _stop_listener(queue: Any) -> None:
    if queue is not None:
        with contextlib.suppress(Exception):
            queue.put(None)


def shutdown() -> None:
    """Stop the worker processes (queued runs are dropped) and let the threads waiting for runs end.

    Called when the server exits (registered with :mod:`atexit` when the pool starts): requests
    still waiting give up (:class:`Stale`), and their threads get up to :data:`SHUTDOWN_JOIN_S`
    to return, so none is still at work while Python shuts down.
    """
    global _pool, _early_queue
    _closing.set()
    if _hold_timer is not None:
        _hold_timer.cancel()
    with _lock:
        waiting = _fair_queue().drop_all()
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        queue, _early_queue = _early_queue, None
    for job in waiting:
        job.future.cancel()
    _stop_listener(queue)
    deadline = time.monotonic() + SHUTDOWN_JOIN_S
    for thread in list(_waiting_threads):
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    _closing.clear()


def _forget_pool() -> None:
    """Drop a broken pool (a worker died) so the next run starts a fresh one."""
    global _pool, _early_queue
    with _lock:
        broken, _pool = _pool, None
        queue, _early_queue = _early_queue, None
    if broken is not None:
        broken.shutdown(wait=False, cancel_futures=True)
    _stop_listener(queue)


def cache_key(scenario: Scenario, seed: int, light: bool = False) -> tuple[str, int]:
    """Return the cache key of a run: the scenario's content hash and the seed (marked for a light run)."""
    return scenario.scenario_hash() + ("+light" if light else ""), int(seed)


def cached(scenario: Scenario, seed: int, light: bool = False) -> Results | None:
    """Return a finished run from the cache, or None; a ``light`` one (:data:`LIGHT_TABLES`) may be a whole run."""
    keys = [cache_key(scenario, seed)] + ([cache_key(scenario, seed, light=True)] if light else [])
    with _lock:
        for key in keys:
            res = _cache.get(key)
            if res is not None:
                _cache.move_to_end(key)
                return res
        return None


def _remember(key: tuple[str, int], res: Results) -> None:
    with _lock:
        _cache[key] = res
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget every cached run."""
    with _lock:
        _cache.clear()


def submit(
    scenario: Scenario, seed: int, priority: int = Priority.BULK, owner: str | None = None, light: bool = False
) -> Future:
    """Start one run and return a future of its :class:`~wecsim.results.Results`.

    A cached run returns an already finished future; a run already in flight (asked for by
    another tab, say) is shared, and moves up to ``priority`` if it still waits; otherwise the
    run joins the :class:`FairQueue` of the worker pool with ``priority`` for ``owner`` (default:
    the calling tab), or runs right here when there are no workers, and is cached when it lands.

    The future's ``early`` attribute is a future of the same run's headline tables
    (:data:`HEADLINE_TABLES`, the others empty, ``meta["partial"]`` set), which a worker sends
    as soon as the model has run; it holds the whole result when that comes first.

    A ``light`` run builds only :data:`LIGHT_TABLES` (for runs without EU money); it is cached
    apart, and a whole run of the same scenario and seed serves it too, never the reverse.
    """
    for hook in on_ask:
        hook()
    key = cache_key(scenario, seed, light)
    hit = cached(scenario, seed, light)
    if hit is None:
        with _lock:
            shared = _inflight.get(cache_key(scenario, seed)) if light else None
            if shared is None or shared.cancelled():
                shared = _inflight.get(key)
            if shared is not None and not shared.cancelled():
                _waiters[id(shared)] = _waiters.get(id(shared), 1) + 1
                job = getattr(shared, "job", None)
                if job is not None:
                    _fair_queue().promote(job, priority, owner or current_owner())
                return shared
    fut: Future = Future()
    fut.early = fut  # type: ignore[attr-defined]
    if hit is not None:
        fut.set_result(hit)
        return fut
    data = scenario.model_dump(mode="json")
    executor = pool()
    if executor is None:
        try:
            res = _run_in_worker(data, int(seed))
        except BaseException as exc:
            fut.set_exception(exc)
            return fut
        _remember(key, res)
        fut.set_result(res)
        return fut
    early: Future = Future()
    fut.early = early  # type: ignore[attr-defined]
    with _lock:
        _early[key] = early
    job = _enqueue(key, data, int(seed), priority, owner or current_owner(), LIGHT_TABLES if light else None)
    inner = job.future

    def _done(f: Future) -> None:
        with _lock:
            if _inflight.get(key) is fut:
                del _inflight[key]
            _waiters.pop(id(fut), None)
            if _early.get(key) is early:
                del _early[key]
        if f.cancelled():
            fut.cancel()
            fut.set_running_or_notify_cancel()
            early.cancel()
            return
        exc = f.exception()
        if exc is not None:
            if isinstance(exc, BrokenProcessPool):
                _forget_pool()
            _resolve(early, exc=exc)
            fut.set_exception(exc)
        else:
            _remember(key, f.result())
            _resolve(early, f.result())
            fut.set_result(f.result())

    fut.inner = inner  # type: ignore[attr-defined]
    fut.job = job  # type: ignore[attr-defined]
    with _lock:
        _inflight[key] = fut
        _waiters[id(fut)] = 1
    inner.add_done_callback(_done)
    return fut


def counterfactual(sc: Scenario, scope: str = "eu") -> Scenario:
    """Return ``sc`` without the EU money of ``scope`` (:func:`wecsim.additionality.counterfactual`), for the run cache.

    Its description no longer depends on that money: an edited scenario's description names each
    changed lever with its value (:func:`wecsim.app.scenario_io.build_scenario`), and the
    counterfactual kept it, so two edits that differ only in an EU envelope had counterfactuals
    with the same levers but different hashes, and every EU lever move ran the counterfactual
    again. The model reads neither name nor description (same levers and seed, same numbers),
    so a cached counterfactual run now serves the next EU lever move.
    """
    from wecsim import additionality

    data = additionality.counterfactual(sc, scope).model_dump(mode="json")
    data["description"] = (
        f"The scenario '{sc.name}' with every envelope of the {scope} instruments at zero "
        "(the counterfactual of the EU card); its levers are in this file."
    )
    return load_scenario(data)


def prewarm(names: Sequence[str] = ("baseline",)) -> None:
    """Start the workers and run a few shipped scenarios with their own seed, in the background.

    Each scenario's counterfactual without EU money (for the EU card) runs too. Called when the
    server loads ``app.py``, so the first page shows its baseline at once. Does nothing when
    runs happen in the calling thread (``WECSIM_APP_WORKERS=0``).
    """
    if n_workers() == 0:
        return

    def _go() -> None:
        from wecsim import additionality

        with _no_kernel_context():
            for name in names:
                sc = load_scenario(name)
                submit(sc, sc.seed, Priority.CARDS)
                if additionality.has_eu_money(sc):
                    submit(counterfactual(sc), sc.seed, Priority.EU_CARD, light=True)

    thread = threading.Thread(target=_go, name="wecsim-prewarm", daemon=True)
    thread.current_context = None  # type: ignore[attr-defined] # Solara's thread patch: no tab owns it
    thread.start()


def prefetch_enabled() -> bool:
    """Whether to run likely next requests ahead (``WECSIM_APP_PREFETCH``, default on)."""
    return os.environ.get("WECSIM_APP_PREFETCH", "1") not in ("0", "false", "False", "")


def prefetch(scenario: Scenario, seed: int, *more: Scenario) -> bool:
    """Run a likely next request on idle workers, with ``more`` (its runs without EU money, light); say if started.

    Nothing is started when prefetching is off, when runs happen in the server's thread, when
    every run is cached or when any run is in flight, so a prefetch never delays a real request
    (a real request for the same run shares it).
    """
    todo = [(sc, sc is not scenario) for sc in (scenario, *more) if cached(sc, seed, sc is not scenario) is None]
    if not prefetch_enabled() or n_workers() == 0 or not todo:
        return False
    with _lock:
        busy = bool(_inflight)
    if busy:
        return False
    for sc, light in todo[: n_workers()]:
        submit(sc, seed, Priority.LOOKAHEAD, light=light)
    trace(f"prefetch started ({len(todo[: n_workers()])} runs)")
    return True


def release(futures: Sequence[Future]) -> None:
    """Give up on runs no longer needed: each is cancelled if nobody else waits for it and it has not started."""
    for f in futures:
        inner = getattr(f, "inner", None)
        if inner is None or f.done():
            continue
        with _lock:
            left = _waiters.get(id(f), 1) - 1
            _waiters[id(f)] = left
        if left <= 0:
            inner.cancel()


def run_one(scenario: Scenario, seed: int) -> Results:
    """Run (or fetch from the cache) one scenario with one seed, waiting for the result."""
    return submit(scenario, seed).result()


def seeds_for(seed: int, replicates: int) -> list[int]:
    """Return the seeds of ``replicates`` runs: ``seed, seed + 1, ...``."""
    return [int(seed) + k for k in range(max(1, int(replicates)))]


def run_many(
    scenario: Scenario,
    seeds: Sequence[int],
    on_progress: Callable[[int, int], None] | None = None,
    is_stale: Callable[[], bool] | None = None,
    poll_s: float = 0.01,
    priority: int = Priority.BULK,
) -> list[Results]:
    """Run one scenario for several seeds in parallel; return the results in seed order.

    Parameters
    ----------
    scenario
        The validated scenario.
    seeds
        One run per seed.
    on_progress
        Called with ``(done, total)`` after each run lands.
    is_stale
        Polled while waiting; when it returns True the runs not yet started are cancelled
        and :class:`Stale` is raised, so a newer request does not queue behind this one.
    poll_s
        How often to poll ``is_stale`` [s].
    priority
        Of the runs in the queue (:class:`Priority`); several seeds are bulk work.
    """
    futures = [submit(scenario, s, priority) for s in seeds]
    wait_for(futures, is_stale=is_stale, on_progress=on_progress, poll_s=poll_s)
    return [f.result() for f in futures]


def wait_for(
    futures: Sequence[Future],
    is_stale: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    give_up: Sequence[Future] | None = None,
    poll_s: float = 0.02,
) -> None:
    """Wait until every future is done, waking the moment one finishes.

    ``on_progress(done, total)`` is called at every wake, at least every ``poll_s`` seconds, so
    a caller can also act on the time waited. When ``is_stale()`` turns True, or the server
    stops (:func:`shutdown`), the runs of ``give_up`` (default: ``futures``) are released and
    :class:`Stale` is raised.
    """
    total = len(futures)
    _waiting_threads.add(threading.current_thread())
    while True:
        if _closing.is_set() or (is_stale is not None and is_stale()):
            release(list(futures if give_up is None else give_up))
            raise Stale()
        pending = [f for f in futures if not f.done()]
        if on_progress:
            on_progress(total - len(pending), total)
        if not pending:
            return
        wait(pending, timeout=poll_s, return_when=FIRST_COMPLETED)


@dataclass(eq=False)
class Ensemble:
    """The runs of one scenario over one or more seeds, with summaries across them.

    Compared by identity (``eq=False``): Solara compares state values and component arguments
    on every redraw, and comparing the result tables field by field would cost milliseconds.

    Attributes
    ----------
    scenario
        The scenario that was run.
    runs
        One :class:`~wecsim.results.Results` per seed, in seed order.
    label
        Name shown in legends.
    """

    scenario: Scenario
    runs: list[Results]
    label: str = ""
    _stats: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def first(self) -> Results:
        """Return the run with the first seed (the one tables and the map show)."""
        return self.runs[0]

    @property
    def n(self) -> int:
        """Return the number of replicates."""
        return len(self.runs)

    @property
    def seeds(self) -> list[int]:
        """Return the seeds of the runs."""
        return [int(r.meta.get("seed", 0)) for r in self.runs]

    def national(self, column: str) -> pd.DataFrame:
        """Return one national indicator across replicates: ``year, mean, low, high``.

        ``low`` and ``high`` are the 10th and 90th percentiles across replicates (equal to the
        mean for a single run).
        """
        if column not in self._stats:
            wide = np.vstack([r.national[column].to_numpy(float) for r in self.runs])
            years = self.first.national["year"].to_numpy()
            self._stats[column] = pd.DataFrame(
                {
                    "year": years,
                    "mean": wide.mean(axis=0),
                    "low": np.percentile(wide, 10, axis=0),
                    "high": np.percentile(wide, 90, axis=0),
                }
            )
        return self._stats[column]

    def scalar(self, fn: Callable[[Results], float]) -> tuple[float, float, float]:
        """Return ``(mean, low, high)`` of a per-run number across replicates (10th-90th %)."""
        xs = np.array([fn(r) for r in self.runs], dtype=float)
        if np.all(np.isnan(xs)):
            return float("nan"), float("nan"), float("nan")
        return float(np.nanmean(xs)), float(np.nanpercentile(xs, 10)), float(np.nanpercentile(xs, 90))


def run_ensemble(
    scenario: Scenario | str,
    seeds: Sequence[int],
    label: str = "",
    on_progress: Callable[[int, int], None] | None = None,
    is_stale: Callable[[], bool] | None = None,
) -> Ensemble:
    """Load a scenario (a name, a path or a :class:`Scenario`) and run it for every seed."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    runs = run_many(sc, seeds, on_progress=on_progress, is_stale=is_stale)
    return Ensemble(sc, runs, label or sc.name)
