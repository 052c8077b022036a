"""Bundled data tables with sources (see ``docs/model.md`` for how each is used)."""
