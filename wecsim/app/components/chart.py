"""A chart on the page: drawn in a background thread, with PNG and SVG download links.

Drawing a matplotlib chart takes about 0.1 s, so charts are drawn after the headline cards
have been updated, in a thread, one at a time, and only while no model run is in flight.
Until a new image is ready the previous one stays on screen, marked "updating…", so the page
never flashes empty while levers move.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

import solara
from matplotlib.figure import Figure

from wecsim.app import state
from wecsim.app.charts import DRAW_LOCK, render


@solara.component
def ChartImage(build: Callable[[], Figure], key: Hashable, name: str, width: str = "100%") -> None:
    """Show the figure ``build()`` returns; redraw when ``key`` changes; offer PNG/SVG downloads.

    Parameters
    ----------
    build
        Returns the figure (called in a background thread).
    key
        Anything hashable that changes exactly when the figure would.
    name
        File name stem for the downloads.
    width
        CSS width of the image.
    """
    image, set_image = solara.use_state(None)
    shown_key, set_shown_key = solara.use_state(None)
    build_ref = solara.use_ref(build)
    build_ref.current = build

    def draw(cancel: threading.Event) -> None:
        # give way to model runs in flight: their cards matter more than these charts
        while state.status.value.running and not cancel.is_set():
            time.sleep(0.02)
        if cancel.is_set():
            return
        with DRAW_LOCK:
            if cancel.is_set():
                return
            fig = build_ref.current()
        png = render(fig, "png")
        if not cancel.is_set():
            set_image(png)
            set_shown_key(key)

    solara.use_thread(draw, dependencies=[key], intrusive_cancel=False)
    # download callables that keep their identity while the figure does not change, so the
    # download buttons do not restart their (idle) threads on every redraw
    png = solara.use_memo(lambda: lambda: render(build_ref.current(), "png"), [key])
    svg = solara.use_memo(lambda: lambda: render(build_ref.current(), "svg"), [key])
    stale = shown_key != key
    with solara.Column(gap="0px", classes=["wecsim-chart", f"wecsim-chart-{name}"], style={"position": "relative"}):
        if image is None:
            with solara.Row(
                classes=["wecsim-chart-loading"],
                style={"height": "240px", "align-items": "center", "justify-content": "center"},
            ):
                solara.SpinnerSolara(size="60px")
        else:
            solara.Image(image, width=width, classes=["wecsim-chart-img"])
            if stale:
                solara.Text(
                    "updating…",
                    classes=["wecsim-chart-updating"],
                    style={
                        "position": "absolute",
                        "top": "4px",
                        "right": "8px",
                        "font-size": "12px",
                        "color": "#9e9e9e",
                    },
                )
        with solara.Row(gap="4px", justify="end"):
            solara.FileDownload(png, filename=f"{name}.png", label="PNG", mime_type="image/png")
            solara.FileDownload(svg, filename=f"{name}.svg", label="SVG", mime_type="image/svg+xml")
