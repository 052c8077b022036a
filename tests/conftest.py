"""Shared fixtures: one cached baseline run per test session (runs are deterministic)."""

from __future__ import annotations

import pytest

import wecsim


@pytest.fixture(scope="session")
def baseline():
    """Results of the shipped baseline with its default seed."""
    return wecsim.run("baseline")


@pytest.fixture
def app_in_thread(monkeypatch):
    """The app's model runs in the test's own thread (no worker processes)."""
    monkeypatch.setenv("WECSIM_APP_WORKERS", "0")


@pytest.fixture(scope="module")
def solara_patched():
    """Apply the patches the Solara server applies (threads inherit their tab's kernel context)."""
    import solara.server.patch

    if not solara.server.patch._patched:
        solara.server.patch.patch()
