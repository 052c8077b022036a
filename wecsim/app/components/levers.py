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
from wecsim.app.components.typed import use_typed_text
from wecsim.app.indicators import abbreviations_in
from wecsim.app.params import BadValue, Control, changed, grouped_controls
from wecsim.i18n import _, ngettext
from wecsim.scenario import Schedule


def _tooltip(c: Control) -> str:
    p = c.param
    lines = [
        _(p.help),
        _("Range: {range} · default {default}").format(range=p.describe_range(), default=c.format(p.default)),
        _("Source: {source}").format(source=p.source),
    ]
    lines += [f"{k}: {v}" for k, v in abbreviations_in(f"{c.label} {p.help}").items()]
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
        state.set_value(control.name, v if p.type == "categorical" else control.clip(v))

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
                    attributes={
                        "aria-label": _("Reset {lever} to {value}").format(lever=_(p.label), value=control.format(was)),
                        "title": _("Reset to {value}").format(value=control.format(was)),
                    },
                )
                solara.Text(
                    _("was {value}").format(value=control.format(was)), style={"font-size": "12px", "color": "#757575"}
                )
        if isinstance(r.value, Schedule):
            _schedule_control(control, r.value)
            return
        if p.type == "categorical":
            solara.Select(
                label=control.label,
                values=list(p.choices),
                value=r.value,
                on_value=set_value,
                dense=True,
                classes=["wecsim-lever-select"],
            )
            return
        NumberLever(control, r.value, set_value)


#: When a typed value is checked: Enter, or leaving the box (not every key: "2" on the way to "250").


@solara.component
def NumberLever(control: Control, value, set_value) -> None:
    """Show a number lever's slider and number box; the box checks what is typed (on Enter or leaving it).

    A valid value goes to the model (and the slider follows); anything else (text, ``nan``,
    ``inf``, out of range, a fraction for a year) leaves the last valid value in the box, the
    slider and the model, and says why under them until the next valid value.
    """
    p = control.param
    error, set_error = solara.use_state("")
    solara.use_effect(lambda: set_error(""), [value])

    def on_text(widget, text) -> None:
        try:
            v = control.parse(text)
        except BadValue as exc:
            # the box first: the message's redraw may reach the page before a later write would
            widget.v_model = control.box_text(value)  # the typed text goes; the last valid value shows
            set_error(_("{problem}; kept {value}").format(problem=exc, value=control.box_text(value)))
            return
        set_error("")
        if v != value:
            state.set_value(control.name, v)
        else:  # "60.0" for 60: show it as the model has it
            widget.v_model = control.box_text(value)

    # one column always (a second top-level child would make Solara rebuild the box and lose its events)
    with solara.Column(gap="0px"):
        with solara.Row(gap="8px", style={"align-items": "center"}):
            rv.Slider(
                v_model=value,
                on_v_model=set_value,
                min=p.low,
                max=p.high,
                step=control.step,
                thumb_label=True,
                hide_details=True,
                dense=True,
                class_="wecsim-lever-slider",
                attributes={"aria-label": control.label},
                style_="flex: 1 1 auto; margin: 0",
            )
            field = rv.TextField(
                v_model=control.box_text(value),
                dense=True,
                hide_details=True,
                error=bool(error),
                class_="wecsim-lever-input",
                attributes={"aria-label": _("{lever}, typed value").format(lever=control.label)},
                style_="max-width: 92px; margin-top: 0; padding-top: 0",
            )
        use_typed_text(field, on_text)
        if error:
            solara.Text(error, classes=["wecsim-lever-error"], style={"font-size": "12px", "color": "#c62828"})


def _schedule_control(control: Control, schedule: Schedule) -> None:
    """Show a lever that changes by year: its schedule as text, and a button to give it one value."""
    p = control.param
    last = schedule.values[-1]  # the value the schedule settles on: the policy it ends with
    solara.Text(
        _("Changes by year: {schedule}").format(schedule=schedule.describe(p.unit)),
        classes=["wecsim-lever-schedule"],
        style={"font-size": "12px", "color": "#424242"},
    )
    solara.Button(
        _("Use one value ({value})").format(value=control.format(last)),
        text=True,
        x_small=True,
        on_click=lambda: state.set_value(p.name, control.clip(last)),
        classes=["wecsim-lever-one-value"],
    )


@solara.component
def GroupHeader(title: str, names: list[str]) -> None:
    """Show a group's heading with the number of its levers changed against the picked scenario."""
    vals = {n: state.values[n].value for n in names}
    base = state.base.value
    n = len(changed(vals, {k: base.value(k) for k in names}))
    suffix = " · " + ngettext("{n} changed", "{n} changed", n).format(n=n) if n else ""
    solara.Text(f"{_(title)}{suffix}", style={"font-weight": "600", "color": "#1565c0" if n else "#212121"})


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
