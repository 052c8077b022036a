"""The lever panel: a slider and a number box for every lever and uncertainty.

A lever the scenario gives as a schedule by year shows its schedule instead, with a button
that replaces it by one value (the reset button brings the schedule back).

Controls are generated from the registry (:func:`wecsim.app.params.grouped_controls`): label
and unit, range, step, default and help text all come from ``wecsim/data/levers.csv``. A
lever that differs from the picked scenario is shown in bold blue with a reset button.
"""

from __future__ import annotations

import solara
import solara.lab
from solara.alias import rv

from wecsim.app import state
from wecsim.app.params import Control, changed, grouped_controls
from wecsim.scenario import Schedule


def _tooltip(c: Control) -> str:
    p = c.param
    lines = [p.help, f"Range: {p.describe_range()} · default {c.format(p.default)}", f"Source: {p.source}"]
    return "\n".join(lines)


@solara.component
def LeverControl(control: Control) -> None:
    """One lever: label with unit and help, a slider and a number box (or a menu for choices)."""
    r = state.values[control.name]
    p = control.param
    was = state.base.value.value(p.name)
    is_changed = bool(changed({p.name: r.value}, {p.name: was}))

    def set_value(v) -> None:
        if v is None or v == "":
            return
        state.set_value(control.name, control.clip(v))

    color = "#1565c0" if is_changed else "#424242"
    with solara.Column(gap="0px", classes=["wecsim-lever", f"wecsim-lever-{p.name}"], style={"margin-bottom": "6px"}):
        with solara.Row(gap="4px", style={"align-items": "center"}):
            # a native tooltip (title attribute): light enough for forty controls
            rv.Html(
                tag="span",
                children=[control.label],
                attributes={"title": _tooltip(control)},
                class_="wecsim-lever-label",
                style_=f"font-size: 13px; color: {color}; font-weight: {600 if is_changed else 400}; cursor: help;",
            )
            if is_changed:
                solara.Button(
                    icon_name="mdi-restore",
                    icon=True,
                    x_small=True,
                    on_click=lambda: state.set_value(p.name, was),
                    style={"height": "20px", "width": "20px"},
                    classes=["wecsim-lever-reset"],
                )
                solara.Text(f"was {control.format(was)}", style={"font-size": "11px", "color": "#757575"})
        if isinstance(r.value, Schedule):
            _schedule_control(control, r.value)
            return
        if p.type == "categorical":
            solara.Select(
                label="",
                values=list(p.choices),
                value=r.value,
                on_value=set_value,
                dense=True,
                classes=["wecsim-lever-select"],
            )
            return
        with solara.Row(gap="8px", style={"align-items": "center"}):
            rv.Slider(
                v_model=r.value,
                on_v_model=set_value,
                min=p.low,
                max=p.high,
                step=control.step,
                thumb_label=True,
                hide_details=True,
                dense=True,
                class_="wecsim-lever-slider",
                style_="flex: 1 1 auto; margin: 0",
            )
            box = solara.InputInt if p.type == "int" else solara.InputFloat
            box(
                label="",
                value=r.value,
                on_value=set_value,
                dense=True,
                hide_details=True,
                classes=["wecsim-lever-input"],
                style={"max-width": "92px", "margin-top": "0", "padding-top": "0"},
            )


def _schedule_control(control: Control, schedule: Schedule) -> None:
    """Show a lever that changes by year: its schedule as text, and a button to give it one value."""
    p = control.param
    first = schedule.values[0]
    solara.Text(
        f"Changes by year: {schedule.describe(p.unit)}",
        classes=["wecsim-lever-schedule"],
        style={"font-size": "12px", "color": "#424242"},
    )
    solara.Button(
        f"Use one value ({control.format(first)})",
        text=True,
        x_small=True,
        on_click=lambda: state.set_value(p.name, control.clip(first)),
        classes=["wecsim-lever-one-value"],
    )


@solara.component
def GroupHeader(title: str, names: list[str]) -> None:
    """Show a group's heading with the number of its levers changed against the picked scenario."""
    vals = {n: state.values[n].value for n in names}
    base = state.base.value
    n = len(changed(vals, {k: base.value(k) for k in names}))
    suffix = f" · {n} changed" if n else ""
    solara.Text(f"{title}{suffix}", style={"font-weight": "600", "color": "#1565c0" if n else "#212121"})


@solara.component
def LeverPanel() -> None:
    """Every lever and uncertainty, grouped in panels (the first two, EU instruments and co-finance, open)."""
    groups = solara.use_memo(grouped_controls, [])
    open_panels, set_open = solara.use_state([0, 1])
    panels = []
    for i, (title, cs) in enumerate(groups.items()):
        header = rv.ExpansionPanelHeader(children=[GroupHeader(title, [c.name for c in cs])], class_="py-1")
        # controls of closed groups are not built: every state change walks the whole page
        content = rv.ExpansionPanelContent(children=[LeverControl(c) for c in cs] if i in open_panels else [])
        panels.append(rv.ExpansionPanel(children=[header, content]))
    rv.ExpansionPanels(
        v_model=open_panels,
        on_v_model=set_open,
        multiple=True,
        accordion=True,
        flat=True,
        children=panels,
        class_="wecsim-lever-panel",
    )
