"""Choosing a file to upload: a "browse" field and a drop zone, reading at most a set size.

Solara's ``FileDrop`` only accepts drag and drop; planners also expect a file chooser, so
this wires ipyvuetify's ``FileInput`` the way ``solara.FileDrop`` wires its drop zone. Only
the first ``max_bytes + 1`` bytes are transferred from the browser, so an oversized file is
refused without being sent whole.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import solara
from ipyvuetify.extra import FileInput

from wecsim.i18n import _


def _read(info: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    data = info.get("data")
    if data is None:
        data = info["file_obj"].read(max_bytes + 1)
    return {"name": info.get("name", "upload"), "size": info.get("size", len(data)), "data": data}


@solara.component
def FileChooser(on_file: Callable[[dict[str, Any]], None], max_bytes: int, accept: str = ".yaml,.yml") -> None:
    """Show a file field; call ``on_file({"name", "size", "data"})`` with the chosen file's first bytes."""
    file_info, set_file_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    el = FileInput.element(accept=accept, multiple=False, on_file_info=set_file_info, show_progress=False)

    def wire() -> None:
        if not file_info:
            return
        real = solara.get_widget(el)
        real.version += 1  # as solara.FileDrop does: observers are cleared on re-render
        real.reset_stats()
        set_wired(real.get_files())

    solara.use_effect(wire, [file_info])

    def handle(cancel: threading.Event) -> None:
        if wired:
            on_file(_read(wired[0], max_bytes))

    result = solara.use_thread(handle, [wired], intrusive_cancel=False)
    if result.error:
        raise result.error


@solara.component
def ScenarioUpload(on_file: Callable[[dict[str, Any]], None], max_bytes: int) -> None:
    """Offer both ways to upload a scenario file: choose it, or drop it on the zone."""
    with solara.Column(gap="4px", classes=["wecsim-upload"]):
        solara.Text(_("Choose a file…"), style={"font-size": "13px", "color": "#616161"})
        FileChooser(on_file, max_bytes)
        solara.FileDrop(
            label=_("…or drop a scenario .yaml file here"),
            on_file=lambda info: on_file(_read(info, max_bytes)),
            lazy=True,
        )
