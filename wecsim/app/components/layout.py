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
from wecsim.app.components.language import LanguageSwitch
from wecsim.app.components.levers import LeverPanel
from wecsim.app.components.link import LinkSync
from wecsim.app.components.run_status import RunController
from wecsim.app.components.scenario_panel import ScenarioPanel
from wecsim.i18n import N_, _

TITLE = N_("wecsim · water, energy and circular economy investment in Kazakhstan")
BAR_COLOR = "#0d47a1"
SIDEBAR_WIDTH = "410px"
#: Widest screen that gets the phone layout [CSS px]: levers in a drawer, one column. A phone held
#: upright is 360-430 px wide, a small tablet 600-800 px; the desk layout needs the sidebar's
#: 410 px plus a 520 px map column.
NARROW_MAX_PX = 900
#: Widest screen with the narrower sidebar (laptops: 1280-1440 px wide).
LAPTOP_MAX_PX = 1440

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
.wecsim-tile:focus-visible { outline: 3px solid #ff6f00; outline-offset: 1px; }
.wecsim-levers-toggle, .wecsim-drawer-close { display: none !important; }
.wecsim-table .v-data-table__wrapper { overflow-x: auto; }
.wecsim-table { max-width: 100%; min-width: 0; }
.wecsim-tile-short { display: none; }
/* laptops: a narrower sidebar, so the map and a region's detail fit side by side */
@media (max-width: @LAPTOP@px) {
  .wecsim-sidebar { flex-basis: 340px; width: 340px; }
  .wecsim-title { font-size: 18px; padding-top: 8px; }
}
/* phones and small tablets: levers in a drawer, cards stacked, charts and map full width */
@media (max-width: @NARROW@px) {
  .wecsim-title { font-size: 15px; padding: 8px 12px 2px 12px; }
  .wecsim-levers-toggle { display: inline-flex !important; }
  .wecsim-drawer-close { display: inline-flex !important; }
  .wecsim-body { display: block; overflow: auto; }
  .wecsim-main { padding: 8px; overflow: visible; }
  .wecsim-sidebar { display: none; }
  .wecsim-drawer-open .wecsim-sidebar { display: block; position: fixed; top: 0; left: 0; bottom: 0;
    width: min(410px, 92vw); z-index: 10; box-shadow: 4px 0 16px rgba(0,0,0,.35); }
  .wecsim-cards { grid-template-columns: 1fr !important; }
  .wecsim-chart-img { width: 100% !important; }
  .wecsim-tilemap { min-width: 0 !important; flex: 1 1 100% !important; }
  .wecsim-tilemap-grid { grid-template-columns: repeat(var(--wecsim-cols), minmax(0, 1fr)) !important;
    grid-template-rows: repeat(var(--wecsim-rows), 52px) !important; }
  .wecsim-tile-long { display: none; }
  .wecsim-tile-short { display: block; }
  .wecsim-map-side, .wecsim-map-controls > * { min-width: 0 !important; flex: 1 1 100% !important; }
}
/* short laptop screens: a flatter map, so a region's detail starts above the fold */
@media (max-height: 800px) and (min-width: @NARROW1@px) {
  .wecsim-tilemap-grid { grid-template-rows: repeat(var(--wecsim-rows), 54px) !important; }
}
/* no animations when a lever moves (slider, reset icon, progress bar): each animation frame is
   drawn on the CPU the model run needs, and the cards come later for it */
.wecsim-lever-slider *, .wecsim-lever-reset *, .wecsim-status .v-progress-linear,
.wecsim-status .v-progress-linear * { transition: none !important; }
"""
for _token, _px in (("@LAPTOP@", LAPTOP_MAX_PX), ("@NARROW1@", NARROW_MAX_PX + 1), ("@NARROW@", NARROW_MAX_PX)):
    CSS = CSS.replace(_token, str(_px))

levers_open = solara.reactive(False)
"""Whether the lever drawer is open (phones only: on wider screens the levers are always shown)."""


@solara.component
def PageTabs(pages: list[tuple[str, str]]) -> None:
    """Show one tab per page (``(key, label)``); the chosen one is the active page."""
    keys = [k for k, _label in pages]
    index = keys.index(state.active_page.value) if state.active_page.value in keys else 0
    with solara.lab.Tabs(
        value=index, on_value=lambda i: state.active_page.set(keys[i]), dark=True, background_color=BAR_COLOR
    ):
        for k, label in pages:
            solara.lab.Tab(label, classes=[f"wecsim-tab-{k}"])


@solara.component
def Sidebar() -> None:
    """Show the scenario panel and every lever."""
    with solara.Div(classes=["wecsim-sidebar"], attributes={"aria-label": _("Scenario and levers")}):
        solara.Button(
            _("Close levers"),
            icon_name="mdi-close",
            on_click=lambda: levers_open.set(False),
            small=True,
            outlined=True,
            classes=["wecsim-drawer-close"],
            style={"margin-bottom": "8px"},
        )
        ScenarioPanel()
        LeverPanel()


@solara.component
def Frame(pages: list[tuple[str, str]], children: list | None = None) -> None:
    """Wrap a page: the title bar with one tab per page (``(key, label)``) and the lever sidebar."""
    solara.Style(CSS)
    RunController()
    drawer = ["wecsim-drawer-open"] if levers_open.value else []
    with solara.Div(classes=["wecsim-frame"]):
        with solara.Div(classes=["wecsim-bar"]):
            with solara.Div(style={"display": "flex", "align-items": "center", "gap": "4px"}):
                solara.Button(
                    _("Levers"),
                    icon_name="mdi-tune",
                    on_click=lambda: levers_open.set(not levers_open.value),
                    text=True,
                    dark=True,
                    classes=["wecsim-levers-toggle"],
                    attributes={"aria-expanded": "true" if levers_open.value else "false"},
                )
                solara.Text(_(TITLE), classes=["wecsim-title"], style={"display": "block"})
                LanguageSwitch()
            PageTabs(pages)
        LinkSync([k for k, _label in pages])
        with solara.Div(classes=["wecsim-body", *drawer]):
            Sidebar()
            solara.Div(classes=["wecsim-main"], children=children or [])
