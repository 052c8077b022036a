"""Typed boxes: act when the user leaves the box or presses Enter, not on every key."""

from __future__ import annotations

import solara

CHANGE_EVENTS = ("focusout", "keyup.enter")


def use_typed_text(field, on_text) -> None:
    """Call ``on_text(widget, text)`` when a typed box is left or Enter is pressed (a Solara hook).

    Like Solara's ``use_change``, but the handler also gets the widget, so it can put the last
    valid value back in the box; the newest ``on_text`` is always the one called.
    """
    handler = solara.use_ref(on_text)
    handler.current = on_text

    def listen():
        widget = solara.get_widget(field)

        def on_event(w, _event, _data) -> None:
            handler.current(w, w.v_model)

        for ev in CHANGE_EVENTS:
            widget.on_event(ev, on_event)
        return lambda: [widget.on_event(ev, on_event, remove=True) for ev in CHANGE_EVENTS]

    solara.use_effect(listen, [])
