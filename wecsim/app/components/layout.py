"""The frame around every page: title bar with page tabs, and the scenario and lever sidebar.

A plain flex layout, not ``solara.AppLayout``: AppLayout moves the sidebar and app bar in
through portals, and every state change anywhere then redraws the whole app, all 40 lever
controls included (about 0.1 s per change on this machine). Here a lever move redraws only
what reads that lever.
"""

from __future__ import annotations

import solara
import solara.lab

from wecsim.app import state
from wecsim.app.components.levers import LeverPanel
from wecsim.app.components.run_status import RunController
from wecsim.app.components.scenario_panel import ScenarioPanel

TITLE = "wecsim · water, energy and circular economy investment in Kazakhstan"
BAR_COLOR = "#0d47a1"
SIDEBAR_WIDTH = "410px"

CSS = """
.wecsim-frame { display: flex; flex-direction: column; height: 100vh; }
.wecsim-bar { background: #0d47a1; color: white; flex: 0 0 auto; box-shadow: 0 2px 4px rgba(0,0,0,.25);
  z-index: 2; }
.wecsim-title { font-size: 20px; font-weight: 500; padding: 12px 16px 2px 16px; }
.wecsim-body { display: flex; flex: 1 1 auto; min-height: 0; }
.wecsim-sidebar { flex: 0 0 410px; width: 410px; overflow-y: auto; border-right: 1px solid #e0e0e0;
  padding: 12px; background: #fafafa; }
.wecsim-main { flex: 1 1 auto; min-width: 0; overflow: auto; padding: 12px 16px; }
.wecsim-lever-panel .v-expansion-panel-content__wrap { padding: 4px 8px 8px 8px; }
.wecsim-lever-panel .v-expansion-panel-header { min-height: 38px; padding: 6px 10px; }
.wecsim-lever-input input { text-align: right; }
.wecsim-chart-img { max-width: 100%; }
.wecsim-tile:hover { filter: brightness(1.08); outline: 2px solid #ff6f00; }
.wecsim-upload-error { white-space: pre-wrap; margin: 0; font-size: 13px; }
/* no animations when a lever moves (slider, reset icon, progress bar): each animation frame is
   drawn on the CPU the model run needs, and the cards come later for it */
.wecsim-lever-slider *, .wecsim-lever-reset *, .wecsim-status .v-progress-linear,
.wecsim-status .v-progress-linear * { transition: none !important; }
"""


@solara.component
def PageTabs(pages: list[tuple[str, str]]) -> None:
    """Show one tab per page (``(key, label)``); the chosen one is the active page."""
    keys = [k for k, _ in pages]
    index = keys.index(state.active_page.value) if state.active_page.value in keys else 0
    with solara.lab.Tabs(
        value=index, on_value=lambda i: state.active_page.set(keys[i]), dark=True, background_color=BAR_COLOR
    ):
        for k, label in pages:
            solara.lab.Tab(label, classes=[f"wecsim-tab-{k}"])


@solara.component
def Sidebar() -> None:
    """Show the scenario panel and every lever."""
    with solara.Div(classes=["wecsim-sidebar"]):
        ScenarioPanel()
        LeverPanel()


@solara.component
def Frame(pages: list[tuple[str, str]], children: list | None = None) -> None:
    """Wrap a page: the title bar with one tab per page (``(key, label)``) and the lever sidebar."""
    solara.Style(CSS)
    RunController()
    with solara.Div(classes=["wecsim-frame"]):
        with solara.Div(classes=["wecsim-bar"]):
            solara.Text(TITLE, classes=["wecsim-title"], style={"display": "block"})
            PageTabs(pages)
        with solara.Div(classes=["wecsim-body"]):
            Sidebar()
            solara.Div(classes=["wecsim-main"], children=children or [])
