"""Starting runs, and the status line that says what is running.

:func:`RunController` draws nothing: it asks for runs when the page opens and when the seed,
replicates or reference change (levers ask for theirs directly). Runs happen in the
background (:func:`wecsim.app.state.run_explore`), so the page stays usable and keeps the
previous figures until the new ones land; a newer change supersedes an older one at once.
"""

from __future__ import annotations

import solara

from wecsim.app import state


@solara.component
def RunController() -> None:
    """Ask for runs when the page opens and when the seed, replicates or reference change.

    Lever handlers start their runs themselves (:func:`wecsim.app.state.set_value`), before
    the page redraws; a request identical to the last one is skipped, so nothing runs twice.
    """
    key = (state.base.value.scenario_hash(), state.seed.value, state.replicates.value, state.reference_label.value)
    solara.use_effect(state.request_runs, [key])


@solara.component
def RunStatusLine() -> None:
    """Show a progress bar while runs are pending, the time the last update took, errors in red."""
    st = state.status.value
    with solara.Column(gap="2px", classes=["wecsim-status"], style={"min-height": "34px"}):
        if st.error:
            solara.Error(st.error, dense=True, classes=["wecsim-run-error"], style={"white-space": "pre-wrap"})
        if st.running:
            # a determinate bar only: an animated one keeps the browser repainting and slows the model
            solara.ProgressLinear(100 * st.done / st.total if st.total else 0, color="primary")
            text = f"Running {st.total} runs… {st.done} done" if st.total > 2 else "Running the model…"
            solara.Text(text, style={"font-size": "12px", "color": "#616161"}, classes=["wecsim-status-running"])
        elif st.elapsed_s is not None:
            solara.ProgressLinear(False)
            n = max(1, st.total)  # a finished request: total = replicates run
            took = "from the cache" if st.elapsed_s < 0.02 else f"{st.elapsed_s * 1000:.0f} ms"
            solara.Text(
                f"Up to date · {n} run{'s' if n > 1 else ''} · {took}",
                style={"font-size": "12px", "color": "#616161"},
                classes=["wecsim-status-done"],
            )
