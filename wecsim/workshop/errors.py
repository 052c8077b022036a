"""Errors of workshops: bad input (a clear message, CLI exit 2) and refused attempts (also logged)."""

from __future__ import annotations

from wecsim.errors import WecsimError


class WorkshopError(WecsimError, ValueError):
    """A workshop command got bad input: an unknown role, a bad decision, a round that is not open..."""


class AccessRefused(WorkshopError):
    """Someone tried to act without the right code or key; the attempt is in the workshop's audit log."""
