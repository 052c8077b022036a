"""Shared fixtures: one cached baseline run per test session (runs are deterministic)."""

from __future__ import annotations

import os

import pytest

import wecsim


@pytest.fixture(scope="session")
def baseline():
    """Results of the shipped baseline with its default seed."""
    return wecsim.run("baseline")


@pytest.fixture
def app_in_thread(monkeypatch):
    """The app's model runs in the test's own thread (no worker processes), drawn by the server's renderer."""
    from wecsim.app.main import RENDERER_ENV

    monkeypatch.setenv("WECSIM_APP_WORKERS", "0")
    for name, value in RENDERER_ENV.items():
        monkeypatch.setenv(name, os.environ.get(name, value))


@pytest.fixture(scope="module")
def solara_patched():
    """Apply the patches the Solara server applies (threads inherit their tab's kernel context)."""
    import solara.server.patch

    if not solara.server.patch._patched:
        solara.server.patch.patch()


@pytest.fixture(scope="module")
def chromium(server):
    """One Debian Chromium for a browser test module, started after that module's own ``server``."""
    from playwright.sync_api import sync_playwright

    from wecsim.app.serve import launch_chromium

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


#: why the browser tests could not be grouped in one worker (set in a worker when the group did not take)
_UNGROUPED = pytest.StashKey[str]()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests share one pytest-xdist worker, one module after another.

    Each browser module starts its own app server and Chromium; two at once on a 2-core machine
    can starve each other's page waits. Grouped (``--dist loadgroup`` in pyproject), the other
    workers run everything else. The marker is added before xdist's own hook reads it; after
    it, a worker checks that the group took (pytest 9.2 silently broke it: pytest-xdist issue
    #1386, hence pyproject's ``pytest<9.2``); if not, every browser test fails saying why.
    """
    group = pytest.mark.xdist_group("browser")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(group)
    result = yield
    if getattr(config.option, "loadgroup", False):  # set in pytest-xdist's workers under --dist loadgroup
        lost = [i.nodeid for i in items if i.get_closest_marker("browser") and not i.nodeid.endswith("@browser")]
        if lost:  # each browser test then fails with this message (see pytest_runtest_setup)
            config.stash[_UNGROUPED] = (
                f"--dist loadgroup did not group {len(lost)} browser test(s): this pytest and pytest-xdist "
                "do not work together (pytest-xdist issue #1386); keep pytest below 9.2"
            )
    return result


def pytest_runtest_setup(item):
    """Fail a browser test whose group did not take (see pytest_collection_modifyitems)."""
    message = item.config.stash.get(_UNGROUPED, None)
    if message and item.get_closest_marker("browser"):
        pytest.fail(message, pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    """Let the app's background runs end before Python shuts down.

    In-process app tests run the model in Solara's task threads ("runner", daemon threads).
    One still inside NumPy while the interpreter finalises can crash the process (exit code
    139) after every test has passed, so wait for them (at most two minutes).
    """
    import threading
    import time

    deadline = time.monotonic() + 120
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.daemon and "runner" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))
