"""Starting runs, and the status line that says what is running.

:func:`RunController` draws nothing: it asks for runs when the page opens and when the seed,
replicates or reference change (levers ask for theirs directly). Runs happen in the
background (:func:`wecsim.app.state.run_explore`), so the page stays usable and keeps the
previous figures until the new ones land; a newer change supersedes an older one at once.
When a tab was left unused long enough for its results to be put away
(:func:`wecsim.app.state.free_idle_tabs`), the status line says so and brings them back.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
from solara.alias import rv

from wecsim import i18n
from wecsim.app import state
from wecsim.app.components.typed import use_typed_text
from wecsim.app.params import BadValue
from wecsim.i18n import _, ngettext

#: When a typed count is checked: Enter, or leaving the box (as the lever boxes).


@solara.component
def RunController() -> None:
    """Ask for runs when the page opens and when the seed, replicates or reference change.

    Lever handlers start their runs themselves (:func:`wecsim.app.state.set_value`), before
    the page redraws; a request identical to the last one is skipped, so nothing runs twice.
    Opening another page counts as using the tab, and brings back results put away while it was idle.
    """
    key = (state.base.value.scenario_hash(), state.seed.value, state.replicates.value, state.reference_label.value)
    solara.use_effect(state.request_runs, [key])
    page = state.active_page.value

    def used() -> None:
        tab = state.requests()
        if tab.put_away:
            state.bring_back()
        tab.touch()

    solara.use_effect(used, [page])


@solara.component
def RunStatusLine() -> None:
    """Show a progress bar while runs are pending, the time the last update took, errors in red."""
    st = state.status.value
    with solara.Column(gap="2px", classes=["wecsim-status"], style={"min-height": "34px"}):
        if st.error:
            solara.Error(st.error, dense=True, classes=["wecsim-run-error"], style={"white-space": "pre-wrap"})
        if st.put_away:
            solara.Text(
                state.put_away_text(),
                style={"font-size": "12px", "color": "#616161"},
                classes=["wecsim-status-put-away"],
            )
            solara.Button(
                _("Show the results again"),
                icon_name="mdi-refresh",
                on_click=state.bring_back,
                small=True,
                outlined=True,
                classes=["wecsim-bring-back"],
            )
        if st.running:
            # a determinate bar only: an animated one keeps the browser repainting and slows the model
            solara.ProgressLinear(100 * st.done / st.total if st.total else 0, color="primary")
            text = (
                _("Running {total} runs… {done} done").format(total=st.total, done=st.done)
                if st.total > 2
                else _("Running the model…")
            )
            solara.Text(text, style={"font-size": "12px", "color": "#616161"}, classes=["wecsim-status-running"])
        elif st.elapsed_s is not None:
            solara.ProgressLinear(False)
            n = max(1, st.total)  # a finished request: total = replicates run
            took = (
                _("from the cache")
                if st.elapsed_s < 0.02
                else _("{ms} ms").format(ms=i18n.number(st.elapsed_s * 1000, 0))
            )
            solara.Text(
                _("Up to date · {runs} · {took}").format(
                    runs=ngettext("{n} run", "{n} runs", n).format(n=n), took=took
                ),
                style={"font-size": "12px", "color": "#616161"},
                classes=["wecsim-status-done"],
            )


@solara.component
def RunCountBox(
    label: str, value: int, high: int, on_value: Callable[[int], None], classes: list[str], low: int = 1
) -> None:
    """Show a box for how many runs to ask for (replicates), its limit in the label, and what it refuses.

    A count outside ``low``-``high`` (or not a whole number) is never clipped silently: the last
    valid count stays in the box and the message under it says why (issue 14: 999 replicates
    silently became 50).
    """
    error, set_error = solara.use_state("")
    solara.use_effect(lambda: set_error(""), [value])

    def on_text(widget, text) -> None:
        try:
            n = state.parse_count(text, low, high)
        except BadValue as exc:
            widget.v_model = str(value)  # before the message, which may be drawn at once
            set_error(_("{problem}; kept {value}").format(problem=exc, value=value))
            return
        set_error("")
        widget.v_model = str(n)
        if n != value:
            on_value(n)

    with solara.Column(gap="0px", classes=classes):
        field = rv.TextField(
            v_model=str(value),
            label=f"{label} ({low}-{high})",
            dense=True,
            hide_details=True,
            error=bool(error),
            class_="wecsim-run-count",
        )
        use_typed_text(field, on_text)
        if error:
            solara.Text(error, classes=["wecsim-run-count-error"], style={"font-size": "11px", "color": "#c62828"})
