"""Shared fixtures: one cached baseline run per test session (runs are deterministic)."""

from __future__ import annotations

import pytest

import wecsim


@pytest.fixture(scope="session")
def baseline():
    """Results of the shipped baseline with its default seed."""
    return wecsim.run("baseline")
