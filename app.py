"""The planners' browser app: ``uv run solara run app.py``, then open http://localhost:8765.

Levers on the left re-run the model (:func:`wecsim.run`) in the background; headline cards,
charts, the region map, project tables and comparisons follow. Everything is served from
this machine: no CDN, no map tiles, no web fonts (see :func:`wecsim.app.main.configure_offline`).
"""

from wecsim.app.main import (
    PAGES,
    Layout,
    Page,
    configure_language,
    configure_offline,
    configure_renderer,
    configure_sessions,
)
from wecsim.app.runs import prewarm

#: Shown in the title bar and the browser tab.
title = "wecsim · water, energy and circular economy investment in Kazakhstan"

configure_offline()
configure_renderer()
configure_sessions()
configure_language()
prewarm(["baseline"])

page = Page

__all__ = ["PAGES", "Layout", "Page", "page"]
