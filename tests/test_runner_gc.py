"""wecsim.run pauses Python's cycle collector while a model runs, and leaves it as it found it."""

from __future__ import annotations

import gc
import threading

import wecsim
from wecsim.model import WECModel
from wecsim.runner import cycle_collector_paused
from wecsim.scenario import load_scenario


def short():
    return load_scenario("baseline").model_copy(update={"end_year": 2030})


def test_a_run_leaves_the_collector_as_it_was_and_no_cyclic_garbage(monkeypatch):
    sc = short()
    during = []
    step = WECModel.step
    monkeypatch.setattr(WECModel, "step", lambda self: (during.append(gc.isenabled()), step(self))[1])
    assert gc.isenabled()
    wecsim.run(sc, seed=1)
    assert during and not any(during)  # off while the model steps
    assert gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        wecsim.run(sc, seed=1)
        assert not gc.isenabled()  # switched off by the caller: stays off
        # the run was freed by reference counting: nothing is left for the collector to find
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_overlapping_pauses_switch_the_collector_back_on_when_the_last_ends():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with cycle_collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with cycle_collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["while_second_runs"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"while_second_runs": False}
    assert gc.isenabled()


def test_a_run_hands_back_its_results_without_a_young_collection_to_scan_them(monkeypatch):
    """The results' ~20,000 objects go to the oldest generation: no collection falls on the run's end to scan them."""
    sc = short()
    events = []
    close = WECModel.close
    monkeypatch.setattr(WECModel, "close", lambda self: (close(self), events.append("closed"))[0])

    def note(phase, info):
        if phase == "start":
            events.append(f"collection of generation {info['generation']}")

    gc.callbacks.append(note)
    try:
        res = wecsim.run(sc, seed=1)
        young, _, _ = gc.get_count()
    finally:
        gc.callbacks.remove(note)
    assert gc.isenabled()
    assert "closed" in events
    assert events[events.index("closed") + 1 :] == []  # nothing scanned the results as the run ended
    assert young < 100  # the run's objects are not counted as young
    assert len(res.project) > 0  # and the results are whole


def test_objects_the_caller_froze_stay_frozen():
    sc = short()
    marker = [object()]  # a container the collector tracks
    gc.collect()
    gc.freeze()
    try:
        wecsim.run(sc, seed=1)
        # frozen objects are in no generation: the marker is not back in one
        assert not any(o is marker for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is marker for o in gc.get_objects())
