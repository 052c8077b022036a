"""Fair sharing of the app's workers between tabs: priorities, turns, giving up, shutting down."""

from __future__ import annotations

import threading
import time

import pytest

from wecsim.app import runs
from wecsim.app.runs import FairQueue, Job, Priority, Stale
from wecsim.app.scenario_io import build_scenario
from wecsim.scenario import load_scenario


def job(owner: str, seed: int, priority: int = Priority.BULK) -> Job:
    return Job((owner, seed), {}, priority, owner)


def drain(q: FairQueue) -> list[tuple[str, int]]:
    out = []
    while (j := q.pop()) is not None:
        out.append(j.key)
    return out


def test_a_single_run_goes_ahead_of_50_queued_bulk_runs_of_another_tab():
    q = FairQueue()
    for seed in range(50):
        q.put(job("replicates tab", seed))
    q.put(job("lever tab", 1, Priority.CARDS))
    assert q.pop().key == ("lever tab", 1), "the single run must be the next one a worker takes"
    assert drain(q) == [("replicates tab", s) for s in range(50)], "bulk runs keep their order"


def test_priorities_in_order_and_tabs_take_turns_within_one():
    q = FairQueue()
    for seed in range(3):
        q.put(job("A", seed))
    q.put(job("B", 10))
    q.put(job("B", 11))
    q.put(job("C", 20, Priority.LOOKAHEAD))
    q.put(job("C", 21, Priority.EU_CARD))
    q.put(job("D", 30, Priority.CARDS))
    assert len(q) == 8
    assert drain(q) == [
        ("D", 30),  # cards first
        ("C", 21),  # then the EU card's counterfactual
        ("A", 0),  # then bulk work, one run per tab in turn
        ("B", 10),
        ("A", 1),
        ("B", 11),
        ("A", 2),
        ("C", 20),  # look-ahead last
    ]
    assert len(q) == 0 and q.pop() is None


def test_cancelled_runs_are_skipped_and_a_shared_run_moves_up():
    q = FairQueue()
    stale = [job("A", s) for s in range(5)]
    for j in stale:
        q.put(j)
    for j in stale[:4]:
        assert j.future.cancel()
    later = job("B", 7, Priority.LOOKAHEAD)
    q.put(later)
    # a tab now waits for B's look-ahead run: it moves to that tab's priority and line
    assert q.promote(later, Priority.CARDS, "C")
    assert not q.promote(later, Priority.BULK, "D"), "a run never moves down"
    assert later.owner == "C"
    assert drain(q) == [("B", 7), ("A", 4)]


def short(**levers):
    sc = load_scenario("baseline")
    return build_scenario(sc.model_copy(update={"end_year": 2027}), levers)


@pytest.fixture
def one_worker(monkeypatch):
    monkeypatch.setenv("WECSIM_APP_WORKERS", "1")
    monkeypatch.setenv("WECSIM_APP_PREFETCH", "0")
    runs.clear_cache()
    runs.pool()
    # the worker is up (a worker stopped while still starting prints a traceback)
    wait_until(lambda: runs._busy == 0)
    yield
    runs.shutdown()
    runs.clear_cache()


def test_the_pool_holds_no_backlog_so_a_lever_move_overtakes_bulk_work(one_worker):
    """With one worker and 8 bulk runs queued by one tab, another tab's single run is at most second."""
    runs.pool()
    bulk_sc = short(res_auction_mw_per_yr=700)
    done: list[str] = []
    lock = threading.Lock()

    def note(name: str):
        def cb(_):
            with lock:
                done.append(name)

        return cb

    bulk = [runs.submit(bulk_sc, s, Priority.BULK, owner="replicates tab") for s in range(8)]
    for k, f in enumerate(bulk):
        f.add_done_callback(note(f"bulk {k}"))
    assert runs.queued() >= 6, "bulk runs must wait in the app's queue, not inside the pool"
    move = runs.submit(short(res_auction_mw_per_yr=900), 1, Priority.CARDS, owner="lever tab")
    move.add_done_callback(note("move"))
    runs.wait_for([move, *bulk], poll_s=0.05)
    # the warm-up and at most one bulk run were already on the worker when the move came
    assert done.index("move") <= 1, f"the lever move waited behind bulk work: {done}"
    assert [d for d in done if d != "move"] == [f"bulk {k}" for k in range(8)]


def test_while_levers_move_bulk_work_leaves_a_worker_free(monkeypatch):
    """Two workers: for LEVERS_MOVING_S after a lever move, another tab's replicates use one worker, then both."""
    monkeypatch.setenv("WECSIM_APP_WORKERS", "2")
    monkeypatch.setattr(runs, "LEVERS_MOVING_S", 2.0)
    runs.clear_cache()
    try:
        runs.pool()
        wait_until(lambda: runs._busy == 0)  # the workers are warm
        move = runs.submit(short(res_auction_mw_per_yr=900), 1, Priority.CARDS, owner="lever tab")
        bulk_sc = short(res_auction_mw_per_yr=550)
        # enough short runs that one worker cannot finish them inside the window on a quiet machine
        bulk = [runs.submit(bulk_sc, s, Priority.BULK, owner="replicates tab") for s in range(400)]
        move.result(timeout=120)
        busy = []
        while time.monotonic() < runs._last_single + runs.LEVERS_MOVING_S - 0.1:
            busy.append(runs._busy)
            time.sleep(0.01)
        assert busy and max(busy) <= 1, "while levers move, bulk work must leave one worker free"
        wait_until(lambda: runs._busy == 2 or all(f.done() for f in bulk), timeout_s=30)
        assert not all(f.done() for f in bulk), "once the levers rest, bulk work must use both workers"
        with pytest.raises(Stale):  # drop the rest: the tab has moved on
            runs.wait_for(bulk, is_stale=lambda: True)
    finally:
        runs.shutdown()
        runs.clear_cache()


def test_charts_give_way_to_any_tab_s_card_runs_for_a_bounded_time(one_worker):
    """Charts wait while another tab's cards wait for a run (not for bulk work), at most GIVE_WAY_MAX_S."""
    from wecsim.app.components.chart import give_way

    runs.pool()
    assert not runs.single_runs_pending()
    bulk = [runs.submit(short(res_auction_mw_per_yr=610), s, Priority.BULK, owner="A") for s in range(2)]
    assert not runs.single_runs_pending(), "bulk work must not hold the charts back"
    move = runs.submit(short(res_auction_mw_per_yr=620), 1, Priority.CARDS, owner="B")
    assert runs.single_runs_pending(), "another tab's cards wait for a run"
    start = time.monotonic()
    assert give_way(threading.Event(), max_s=0.3)
    waited, pending = time.monotonic() - start, runs.single_runs_pending()
    assert waited < 5, f"a chart waits for the cards' run, but not for ever: {waited:.2f} s"
    assert waited >= 0.3 or not pending, f"a chart went ahead of a card run after {waited:.2f} s"
    cancelled = threading.Event()
    cancelled.set()
    assert not give_way(cancelled), "a chart whose figure changed meanwhile is not drawn"
    runs.wait_for([move, *bulk], poll_s=0.05)
    wait_until(lambda: not runs.single_runs_pending(), 10)
    start = time.monotonic()
    assert give_way(threading.Event())
    assert time.monotonic() - start < 0.2, "with no card run pending a chart draws at once"


def test_a_stale_request_drops_its_queued_runs(one_worker):
    runs.pool()
    sc = short(res_auction_mw_per_yr=650)
    futures = [runs.submit(sc, s, Priority.BULK, owner="A") for s in range(6)]
    with pytest.raises(Stale):
        runs.wait_for(futures, is_stale=lambda: True)
    time.sleep(0.2)
    dropped = [f for f in futures if f.cancelled()]
    assert len(dropped) >= 4, "runs no worker had taken yet must be dropped"
    assert all(runs.cached(sc, s) is None for s in range(2, 6))


def test_shutdown_ends_the_threads_waiting_for_runs(one_worker):
    """At server exit a request still waiting gives up, and its thread ends before Python shuts down."""
    runs.pool()
    sc = short(res_auction_mw_per_yr=600)
    futures = [runs.submit(sc, s, Priority.BULK, owner="A") for s in range(20)]
    outcome: list[str] = []

    def request() -> None:
        try:
            runs.wait_for(futures)
            outcome.append("finished")
        except Stale:
            outcome.append("gave up")

    waiter = threading.Thread(target=request, name="runner-test", daemon=True)
    waiter.start()
    time.sleep(0.3)
    start = time.perf_counter()
    runs.shutdown()
    assert not waiter.is_alive(), "the waiting thread must have ended when shutdown returns"
    assert outcome == ["gave up"]
    assert time.perf_counter() - start < runs.SHUTDOWN_JOIN_S
    assert runs.queued() == 0


# ----------------------------------------------------------------------------- limits and idle tabs
def new_tab():
    """Return a fresh virtual kernel context: the server's equivalent of one browser tab."""
    import uuid

    import solara.server.kernel
    import solara.server.kernel_context

    return solara.server.kernel_context.VirtualKernelContext(
        id=f"tab-{uuid.uuid4().hex[:8]}", kernel=solara.server.kernel.Kernel(), session_id=uuid.uuid4().hex[:8]
    )


def wait_until(cond, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def walk(widget):
    yield widget
    for kid in getattr(widget, "children", None) or []:
        if hasattr(kid, "children"):
            yield from walk(kid)


def by_class(rc, token: str) -> list:
    return [w for w in walk(rc.container) if token in (getattr(w, "class_", None) or "").split()]


def landed() -> bool:
    from wecsim.app import state

    return state.shown.value.current is not None and not state.status.value.running


def test_counts_of_runs_over_the_limit_are_refused_with_a_reason_not_clipped():
    from wecsim.app import state
    from wecsim.app.params import BadValue

    assert state.parse_count(" 50 ", 1, state.MAX_REPLICATES) == 50
    refused = [("999", "above the highest allowed, 50"), ("0", "below the lowest allowed, 1"), ("2.5", "whole")]
    for typed, why in refused:
        with pytest.raises(BadValue, match=why):
            state.parse_count(typed, 1, state.MAX_REPLICATES)
    # a comparison: scenarios x replicates within MAX_COMPARE_RUNS, and the page says what fits
    assert state.compare_size_error(7, 20) == ""
    too_big = state.compare_size_error(7, 50)
    assert "350 runs" in too_big and str(state.MAX_COMPARE_RUNS) in too_big and "at most 21 replicates" in too_big
    assert state.compare_replicates_high(1) == state.MAX_REPLICATES and state.compare_replicates_high(7) == 21


@pytest.mark.usefixtures("app_in_thread", "solara_patched")
def test_the_replicates_box_says_its_limit_and_keeps_the_last_valid_count():
    import solara

    from wecsim.app import state
    from wecsim.app.components.run_status import RunCountBox

    with new_tab():
        got = []
        _el, rc = solara.render(
            RunCountBox("Replicates", 3, state.MAX_REPLICATES, got.append, ["wecsim-replicates"]), handle_error=False
        )
        try:
            (box,) = by_class(rc, "wecsim-run-count")
            assert box.label == f"Replicates (1-{state.MAX_REPLICATES})", "the limit is stated in the page"
            box.v_model = "999"
            box.fire_event("keyup.enter", {})
            errors = [w.children[0] for w in by_class(rc, "wecsim-run-count-error")]
            assert box.v_model == "3" and got == [], "999 must not become 50 (or anything) silently"
            assert errors == ["999 is above the highest allowed, 50; kept 3"]
            box.v_model = "12"
            box.fire_event("keyup.enter", {})
            assert got == [12]
        finally:
            rc.close()


class FakeClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.mark.usefixtures("app_in_thread", "solara_patched")
def test_an_idle_tab_s_results_are_put_away_and_come_back_when_used():
    import solara

    from wecsim.app import state
    from wecsim.app.components.run_status import RunStatusLine
    from wecsim.app.pages import compare

    kept = state.idle_tab_kept_s()
    assert kept == 30 * 60
    one, two = new_tab(), new_tab()
    clock = FakeClock(1000.0)
    with one:
        tab = state.requests()
        tab.clock = clock
        state.request_runs()
        wait_until(landed)
        compare.cmp_result.set([state.shown.value.current])  # a comparison on screen
        tab.touch()
    with two:
        state.request_runs()
        wait_until(landed)
    clock.t += kept - 1
    assert state.free_idle_tabs() == 0
    with one:
        assert state.shown.value.current is not None, "a tab used within the kept time keeps its results"
    clock.t += 2
    assert state.free_idle_tabs() >= 1
    with one:
        assert state.shown.value.current is None and state.cards.value.current is None
        assert state.charts.value.current is None and compare.cmp_result.value is None
        assert state.status.value.put_away and not state.status.value.running
        assert "Change a choice" in compare.cmp_status.value.error
        _el, rc = solara.render(RunStatusLine(), handle_error=False)
        try:
            (note,) = by_class(rc, "wecsim-status-put-away")
            assert "30 minutes without use" in note.children[0]
            (button,) = by_class(rc, "wecsim-bring-back")
            button.click()  # the planner is back: the results are worked out again
            wait_until(landed)
        finally:
            rc.close()
        assert not state.status.value.put_away and not tab.put_away
        assert state.shown.value.current is not None and state.cards.value.current is not None
    with two:
        assert state.shown.value.current is not None, "a tab in use is left alone"
    assert state.free_idle_tabs() == 0, "the tab was used again: its idle time starts over"


@pytest.mark.usefixtures("app_in_thread", "solara_patched")
def test_a_tab_asking_for_runs_on_any_page_counts_as_in_use():
    from wecsim.app import state

    clock = FakeClock(0.0)
    with new_tab():
        tab = state.requests()
        tab.clock = clock
        tab.touch()
        clock.t = 5000.0
        assert tab.idle_s() == 5000.0
        runs.submit(short(), 3, Priority.BULK)  # a comparison, say
        assert tab.idle_s() == 0.0
