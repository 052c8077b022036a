"""The top of the sidebar: scenario, reference, seed and replicates, and a reset button."""

from __future__ import annotations

import solara

from wecsim.app import state
from wecsim.app.components.named_select import NamedSelect
from wecsim.app.components.run_status import RunCountBox, RunStatusLine
from wecsim.app.indicators import scenario_title
from wecsim.i18n import _, ngettext


@solara.component
def ResetButton() -> None:
    """Put every lever back to the picked scenario (shows how many differ)."""
    n_changed = len(state.edited())
    solara.Button(
        ngettext("Reset {n} changed lever", "Reset {n} changed levers", n_changed).format(n=n_changed),
        icon_name="mdi-restore",
        on_click=state.reset_levers,
        disabled=n_changed == 0,
        small=True,
        outlined=True,
        classes=["wecsim-reset-all"],
        style={"align-self": "flex-start"},
    )


@solara.component
def ScenarioPanel() -> None:
    """Pick the scenario to start from and the one to compare against; set seed and replicates."""
    names = {n: scenario_title(n) for n in state.scenario_names()}
    with solara.Column(gap="4px", classes=["wecsim-scenario-panel"]):
        NamedSelect(
            _("Scenario (start from)"),
            names,
            state.base_label.value if state.base_label.value in names else None,
            state.pick,
            classes=["wecsim-scenario-select"],
        )
        desc = state.base.value.description.strip()
        if desc:
            solara.Text(desc, style={"font-size": "12px", "color": "#616161"})
        NamedSelect(
            _("Reference (cards and charts compare against it)"),
            names,
            state.reference_label.value,
            state.reference_label.set,
            classes=["wecsim-reference-select"],
        )
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.InputInt(
                _("Seed"),
                value=state.seed.value,
                on_value=lambda v: state.seed.set(max(0, int(v))) if v is not None else None,
                style={"max-width": "110px"},
                classes=["wecsim-seed"],
            )
            with solara.Div(style={"max-width": "150px"}):
                RunCountBox(
                    _("Replicates"),
                    state.replicates.value,
                    state.MAX_REPLICATES,
                    state.replicates.set,
                    ["wecsim-replicates"],
                )
        ResetButton()
        RunStatusLine()
