"""wecsim.run pauses Python's cycle collector while a model runs, and leaves it as it found it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
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


#: A script of one thread (as the command line or a batch worker): wecsim.run, then what the collector did.
_SCRIPT = """
import gc, json, sys
import wecsim
from wecsim.model import WECModel
from wecsim.scenario import load_scenario
sc = load_scenario("baseline").model_copy(update={"end_year": 2030})
events = []
close = WECModel.close
WECModel.close = lambda self: (close(self), events.append("closed"))[0]
gc.callbacks.append(lambda phase, info: events.append(f"collection {info['generation']}") if phase == "start" else None)
res = wecsim.run(sc, seed=1)
young, after_run = gc.get_count()[0], list(events)
json.dump({"events": after_run, "young": young, "enabled": gc.isenabled(), "projects": len(res.project)}, sys.stdout)
"""


def test_a_run_hands_back_its_results_without_a_young_collection_to_scan_them():
    """In a process of one thread the results go to the oldest generation: nothing scans them as the run ends."""
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["enabled"] and "closed" in seen["events"]
    assert seen["events"][seen["events"].index("closed") + 1 :] == []  # no collection fell on the run's end
    assert seen["young"] < 100  # the run's objects are not counted as young
    assert seen["projects"] > 0  # and the results are whole


def test_with_other_threads_the_young_objects_stay_young(monkeypatch):
    """Another thread (a web server's) may hold young objects: they are left to the collector, which scans them."""
    sc = short()
    events = []
    close = WECModel.close
    monkeypatch.setattr(WECModel, "close", lambda self: (close(self), events.append("closed"))[0])

    def note(phase, info):
        if phase == "start":
            events.append(f"collection {info['generation']}")

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    gc.callbacks.append(note)
    try:
        wecsim.run(sc, seed=1)
        after_run = list(events)
    finally:
        gc.callbacks.remove(note)
        stop.set()
        other.join(5)
    assert gc.isenabled()
    # as before: the first allocation after the pause starts a young collection
    assert any(e.startswith("collection") for e in after_run[after_run.index("closed") + 1 :])


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
