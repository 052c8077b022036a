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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests share one pytest-xdist worker, one module after another.

    Each browser module starts its own app server and Chromium; two at once on a 2-core machine
    starved each other's pages past their waits (two such failures in the parallel suite, never
    alone). Grouped (``--dist loadgroup`` in pyproject), the other workers run everything else.
    Runs before xdist's own hook, which reads the group from the marker.
    """
    group = pytest.mark.xdist_group("browser")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(group)


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
