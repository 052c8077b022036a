"""A chart on the page: drawn in a background thread, with PNG and SVG download links.

Drawing a matplotlib chart takes about 0.1 s of the server's one Python thread (0.2-0.4 s on a
loaded machine), so charts are drawn after the headline cards have been updated, in a thread,
one at a time, and only while no model run is in flight: neither this tab's, nor, for up to
:data:`GIVE_WAY_MAX_S`, a run another tab's cards wait for (with 8 tabs on 2 cores, charts took
more of the server than anything else and slowed everyone's cards; issue 14). A chart whose
figure changes again while it waits is never drawn for the older one. Until a new image is
ready the previous one stays on screen, marked "updating…", so the page never flashes empty
while levers move. A *lazy* chart (the Explore page's) is drawn only while it is on screen
(:class:`InView`), so results nobody scrolls to cost no drawing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

import ipyvuetify as v
import ipywidgets
import solara
import traitlets
from matplotlib.figure import Figure

from wecsim.app import runs, state
from wecsim.app.charts import DRAW_LOCK, render
from wecsim.i18n import _

logger = logging.getLogger(__name__)

#: Longest a chart waits for other tabs' card runs before it is drawn anyway [s]. A design
#: choice: long enough to let a busy room's cards go first, short enough that a tab's charts
#: follow its cards within a few seconds even when the room never rests.
GIVE_WAY_MAX_S = 3.0
#: How often a waiting chart looks again [s].
GIVE_WAY_POLL_S = 0.05
#: Charts drawn for every tab (``ChartImage(shared=True)``) kept as PNGs, the most recently used
#: (a design choice: about 35 kB each, so about 2 MB; a room that opens the app at once, or moves
#: the same lever to the same value, draws each chart once instead of once per tab).
SHARED_PNGS = 64
_shared_pngs: OrderedDict[tuple[str, Hashable], bytes] = OrderedDict()
_shared_lock = threading.Lock()


def shared_png(name: str, key: Hashable) -> bytes | None:
    """Return the PNG of a shared chart already drawn for some tab (None if not kept)."""
    with _shared_lock:
        png = _shared_pngs.get((name, key))
        if png is not None:
            _shared_pngs.move_to_end((name, key))
        return png


def keep_shared_png(name: str, key: Hashable, png: bytes) -> None:
    """Keep a shared chart's PNG for the other tabs (the oldest goes beyond :data:`SHARED_PNGS`)."""
    with _shared_lock:
        _shared_pngs[(name, key)] = png
        _shared_pngs.move_to_end((name, key))
        while len(_shared_pngs) > SHARED_PNGS:
            _shared_pngs.popitem(last=False)


def give_way(cancel: threading.Event, max_s: float = GIVE_WAY_MAX_S) -> bool:
    """Wait while this tab runs the model, and up to ``max_s`` while any tab's cards wait for a run.

    Return False when the chart is no longer wanted (``cancel`` set: its figure changed again).
    """
    start = time.monotonic()
    while not cancel.is_set():
        if state.status.value.running:
            time.sleep(GIVE_WAY_POLL_S)
        elif runs.single_runs_pending() and time.monotonic() - start < max_s:
            time.sleep(GIVE_WAY_POLL_S)
        else:
            return True
    return False


#: The browser side of :class:`InView`: whether the chart's box is on screen, in a page the person sees
#: (an ``IntersectionObserver`` on the chart, and the page's visibility: another browser tab in front
#: hides it). Reports changes only.
IN_VIEW_TEMPLATE = """
<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    const box = this.$el.closest(".wecsim-chart") || this.$el.parentElement;
    let onScreen = true;
    this.report = () => {
      const seen = onScreen && document.visibilityState !== "hidden";
      if (seen !== this.visible) this.visible = seen;
    };
    this.observer = new IntersectionObserver((entries) => {
      onScreen = entries[entries.length - 1].isIntersecting;
      this.report();
    });
    this.observer.observe(box);
    document.addEventListener("visibilitychange", this.report);
  },
  beforeDestroy() {
    if (this.observer) this.observer.disconnect();
    document.removeEventListener("visibilitychange", this.report);
  },
};
</script>
"""


class InView(v.VuetifyTemplate):
    """An invisible widget that says whether the chart around it is on screen (:attr:`visible`, set by the browser)."""

    template = traitlets.Unicode(IN_VIEW_TEMPLATE).tag(sync=True)
    visible = traitlets.Bool(True).tag(sync=True)


#: Where the "updating…" marker sits: over the image's top right corner.
MARKER_STYLE = "position: absolute; top: 4px; right: 8px; font-size: 12px; color: #9e9e9e"


def _marker_class(stale: bool) -> str:
    """Return the CSS class of a chart's "updating…" mark: ``wecsim-chart-updating`` while it shows an older figure."""
    return f"wecsim-chart-{'updating' if stale else 'current'}"


def _marker_style(stale: bool) -> str:
    """Return the marker's style: shown over the image while it is not that of the figure wanted."""
    return MARKER_STYLE if stale else MARKER_STYLE + "; display: none"


def _tab_closed() -> bool:
    """Whether the browser tab of this thread is gone (Solara has closed its context)."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context().closed_event.is_set()
    except Exception:  # no context any more: gone
        return True


@solara.component
def ChartImage(
    build: Callable[[], Figure], key: Hashable, name: str, width: str = "100%", lazy: bool = False, shared: bool = False
) -> None:
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
    lazy
        Draw only while the chart is on screen: a chart scrolled out of view, or in a browser
        tab behind another, is redrawn when it comes back into view, not on every new result
        (with 8 tabs on 2 cores, charts nobody looked at took a third of the server; issue 14).
    shared
        ``(name, key)`` says everything the figure shows, whichever tab asks (scenario hashes,
        seeds, language): a PNG drawn for one tab serves every tab (see :data:`SHARED_PNGS`).
    """
    first, set_first = solara.use_state(None)  # the first PNG: replaces the placeholder (one redraw, once)
    latest = solara.use_ref((None, None))  # (PNG, key) drawn last, written straight into the image
    widgets = solara.use_ref(None)  # (image, marker) widgets once on screen
    lock = solara.use_memo(threading.Lock, [])
    visible, set_visible = solara.use_state(True)  # until the browser says otherwise
    drawn_key = solara.use_ref(None)
    build_ref = solara.use_ref(build)
    build_ref.current = build
    wanted_key = solara.use_ref(key)
    wanted_key.current = key
    wanted = visible or not lazy
    image = latest.current[0] if latest.current[0] is not None else first

    def _draw_png(cancel: threading.Event) -> bytes | None:
        # give way to model runs: their cards matter more than these charts
        if not give_way(cancel):
            return None
        try:
            with DRAW_LOCK:
                if cancel.is_set():
                    return None
                fig = build_ref.current()
            if cancel.is_set():
                return None
            return render(fig, "png")
        except RuntimeError:
            # a closed tab's chart: Solara's per-tab matplotlib settings are gone with the tab
            if not _tab_closed():
                logger.exception("chart %s could not be drawn", name)
            return None

    def sync() -> None:
        # the image widget shows the latest PNG and says whether it is that of the figure wanted now
        with lock:
            if widgets.current is None or latest.current[0] is None:
                return
            png, k = latest.current
            img, marker = widgets.current
            img.value = png
            marker.class_ = _marker_class(k != wanted_key.current)
            marker.style_ = _marker_style(k != wanted_key.current)

    def draw(cancel: threading.Event) -> None:
        png = shared_png(name, key) if shared else None
        if png is None:
            png = _draw_png(cancel)
            if png is None:
                return
            if shared:
                keep_shared_png(name, key, png)
        if cancel.is_set() or _tab_closed():
            return
        drawn_key.current = key
        with lock:
            latest.current = (png, key)
            on_screen = widgets.current is not None
        if on_screen:
            # straight into the image widget: a state change would redraw the whole page (22-65 ms)
            sync()
        else:
            set_first(png)

    def start() -> Callable[[], None]:
        # a plain thread, not solara.use_thread: that one redraws the whole page when it starts and
        # ends (one redraw per chart and result, even for a chart out of view that draws nothing)
        cancel = threading.Event()
        if wanted and drawn_key.current != key:
            threading.Thread(target=draw, args=(cancel,), daemon=True, name=f"wecsim-chart-{name}").start()
        return cancel.set

    solara.use_effect(start, [key, wanted])
    # download callables that keep their identity while the figure does not change, so the
    # download buttons do not restart their (idle) threads on every redraw
    png = solara.use_memo(lambda: lambda: render(build_ref.current(), "png"), [key])
    svg = solara.use_memo(lambda: lambda: render(build_ref.current(), "svg"), [key])
    img_el = None
    with solara.Column(
        gap="0px", classes=["wecsim-chart", f"wecsim-chart-{name}"], style={"position": "relative"}
    ) as column:
        if lazy:
            InView.element(visible=visible, on_visible=set_visible)
        if image is None:
            with solara.Row(
                classes=["wecsim-chart-loading"],
                style={"height": "240px", "align-items": "center", "justify-content": "center"},
            ):
                if wanted:  # out of view, no animation: it would keep the browser repainting
                    solara.SpinnerSolara(size="60px")
        else:
            # the image and its mark carry no value, class or style in their elements: every redraw of the
            # page sets each widget's properties back to its element's, and would put an older image
            # back; sync() writes them, after each redraw of this chart and when a new image is in
            img_el = ipywidgets.Image.element(
                format="png",
                _dom_classes=["solara-image", "wecsim-chart-img"],
                layout=ipywidgets.Layout.element(width=width),
            )
            v.Html.element(tag="span", children=[_("updating…")])
        with solara.Row(gap="4px", justify="end"):
            solara.FileDownload(png, filename=f"{name}.png", label="PNG", mime_type="image/png")
            solara.FileDownload(svg, filename=f"{name}.svg", label="SVG", mime_type="image/svg+xml")

    def remember_widgets() -> Callable[[], None] | None:
        # after every redraw: the widgets may be new, and the redraw may have put an older image back
        if img_el is None:
            widgets.current = None
            return None
        # the column's own widgets: get_widget() does not find widget elements placed in another component
        try:
            kids = solara.get_widget(column).children
        except KeyError:  # the page is being closed: its widgets are gone
            widgets.current = None
            return None
        img = next((w for w in kids if isinstance(w, ipywidgets.Image)), None)
        marker = next((w for w in kids if isinstance(w, v.Html) and w.tag == "span"), None)
        widgets.current = (img, marker) if img is not None and marker is not None else None
        sync()
        return None

    solara.use_effect(remember_widgets)
