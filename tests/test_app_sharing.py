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
