"""Keep the page's settings in the address bar, and open a link's settings when the page loads.

:func:`LinkSync` reads the query string once, when the tab opens (Solara passes the address
the browser asked for to :func:`solara.use_router`), applies what it can (checked by
:func:`wecsim.app.link.read_link`) and shows one message for what it cannot. From then on it
writes the settings on screen into the address with ``history.replaceState``: the address
follows the levers without adding a browser-history step per move and without a round trip
through Solara's router (which redraws the whole app on every change of address).
"""

from __future__ import annotations

import ipyvuetify as v
import solara
import traitlets

from wecsim.app import state
from wecsim.app.components import language
from wecsim.app.indicators import region_names
from wecsim.app.link import read_link, write_link
from wecsim.app.params import values_of
from wecsim.app.scenario_io import shipped_scenarios
from wecsim.i18n import _

#: The browser side: replace the address's query string whenever :attr:`AddressWriter.query` changes.
ADDRESS_TEMPLATE = """
<template><span style="display: none"></span></template>
<script>
module.exports = {
  watch: {
    query: { immediate: true, handler(value) {
      if (value === null || value === undefined || value === "") return;
      const url = window.location.pathname + "?" + value + window.location.hash;
      if (url !== window.location.pathname + window.location.search + window.location.hash) {
        window.history.replaceState(window.history.state, "", url);
      }
    } },
  },
};
</script>
"""


class AddressWriter(v.VuetifyTemplate):
    """An invisible widget that writes :attr:`query` into the browser's address (no reload)."""

    template = traitlets.Unicode(ADDRESS_TEMPLATE).tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)


def apply_link(query: str, page_keys: list[str]) -> list[str]:
    """Load a link's settings into this tab; return the problems (in words) with values left out."""
    from wecsim.app.pages import map as map_page

    link = read_link(
        query,
        pages=page_keys,
        scenarios=shipped_scenarios(),
        max_replicates=state.MAX_REPLICATES,
        regions=list(region_names()),
        years=map_page.YEAR_RANGE,
    )
    if link.scenario is not None and link.scenario != state.base_label.value:
        state.apply_scenario(state.lookup(link.scenario), link.scenario)
    for name, value in link.levers.items():
        state.values[name].set(value)
    if link.seed is not None:
        state.seed.set(link.seed)
    if link.replicates is not None:
        state.replicates.set(link.replicates)
    if link.reference is not None:
        state.reference_label.set(link.reference)
    if link.year is not None:
        map_page.map_year.set(link.year)
    if link.region is not None:
        map_page.selected_region.set(link.region)
    if link.layer is not None:
        map_page.indicator_key.set(link.layer)
    if link.page is not None:
        state.active_page.set(link.page)
    if link.language is not None:
        language.chosen.set(link.language)
    if link.levers:
        state.request_runs()
    return link.problems


def current_query() -> str:
    """Return the query string of the settings on screen (see :func:`wecsim.app.link.write_link`)."""
    from wecsim.app.pages import map as map_page

    page = state.active_page.value
    view = None
    if page == "map":
        view = {
            "year": map_page.map_year.value,
            "region": map_page.selected_region.value,
            "layer": map_page.indicator_key.value,
        }
    return write_link(
        page,
        state.base_label.value,
        state.reference_label.value,
        state.seed.value,
        state.replicates.value,
        state.current_values(),
        values_of(state.base.value),
        view,
        language.chosen.value,
    )


@solara.component
def LinkSync(page_keys: list[str]) -> None:
    """Apply the link the tab was opened with, then keep the address in step with the settings."""
    router = solara.use_router()
    applied, set_applied = solara.use_state(False)
    problems, set_problems = solara.use_state(list[str]())

    def open_link() -> None:
        set_problems(apply_link(router.search or "", page_keys))
        set_applied(True)

    solara.use_effect(open_link, [])
    # read every setting the address holds, so this (small) component redraws when one changes
    query = current_query() if applied else ""
    AddressWriter.element(query=query)
    if problems:
        with solara.Div(classes=["wecsim-link-problems"]):
            solara.Warning(
                _("Some settings of the link could not be used (the others are): {problems}.").format(
                    problems="; ".join(problems)
                ),
                dense=True,
                text=True,
                outlined=True,
                icon=True,
                style={"margin": "4px 12px"},
            )
