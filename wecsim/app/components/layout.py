"""The frame around every page: title bar with page tabs, and the scenario and lever sidebar."""

from __future__ import annotations

import solara
import solara.lab

from wecsim.app import state
from wecsim.app.components.levers import LeverPanel
from wecsim.app.components.run_status import RunController
from wecsim.app.components.scenario_panel import ScenarioPanel

TITLE = "wecsim · water, energy and circular economy investment in Kazakhstan"

CSS = """
.v-navigation-drawer { min-width: 400px !important; width: 410px !important; }
.wecsim-lever-panel .v-expansion-panel-content__wrap { padding: 4px 8px 8px 8px; }
.wecsim-lever-panel .v-expansion-panel-header { min-height: 38px; padding: 6px 10px; }
.wecsim-lever-input input { text-align: right; }
.wecsim-chart-img { max-width: 100%; }
.wecsim-tile:hover { filter: brightness(1.08); outline: 2px solid #ff6f00; }
.wecsim-upload-error { white-space: pre-wrap; margin: 0; font-size: 13px; }
"""


@solara.component
def Frame(pages: list[tuple[str, str]], children: list | None = None) -> None:
    """Wrap a page: the app bar with one tab per page (``(key, label)``) and the lever sidebar."""
    children = children or []
    keys = [k for k, _ in pages]
    index = keys.index(state.active_page.value) if state.active_page.value in keys else 0

    def go(i: int) -> None:
        state.active_page.set(keys[i])

    solara.Style(CSS)
    RunController()
    with solara.AppLayout(title=TITLE, color="#0d47a1", sidebar_open=True):
        with solara.AppBar():
            with solara.lab.Tabs(value=index, on_value=go, align="left", dark=True, background_color="#0d47a1"):
                for k, label in pages:
                    solara.lab.Tab(label, classes=[f"wecsim-tab-{k}"])
        with solara.Sidebar():
            ScenarioPanel()
            LeverPanel()
        solara.Column(gap="0px", children=children)
