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
