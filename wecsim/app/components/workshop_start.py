"""Start a workshop from the planners' app: the scenario on screen, with its levers and seed as set (issue 15, item 1).

Off unless the app is started with ``WECSIM_APP_WORKSHOPS=FILE`` (the workshop database; it
is created if missing), as ``wecsim workshop serve --allow-new`` is: a public server must not
let anyone who opens it add workshops to a file. The card is the workshop page's own
:func:`~wecsim.app.pages.workshop.StartWorkshop`; the room then joins at the workshop server
(``wecsim workshop serve --db FILE``), whose address ``WECSIM_WORKSHOP_URL`` gives.
"""

from __future__ import annotations

import os
from pathlib import Path

import solara

from wecsim.app import state
from wecsim.app.components.prose import Prose
from wecsim.i18n import _

#: The environment variable naming the workshop database the app may create workshops in (unset: no button).
APP_WORKSHOPS_ENV = "WECSIM_APP_WORKSHOPS"
#: Where the links point when ``WECSIM_WORKSHOP_URL`` is not set: the workshop server on the next port
#: (the planners' app holds Solara's default, 8765).
APP_WORKSHOP_URL = "http://localhost:8766"


def workshops_db() -> Path | None:
    """Return the workshop database the app may create workshops in, or ``None`` (not allowed)."""
    path = os.environ.get(APP_WORKSHOPS_ENV, "").strip()
    return Path(path) if path else None


@solara.component
def StartWorkshopFromScenario() -> None:
    """Offer "Start a workshop from this scenario" (when allowed): the workshop gets the levers and seed on screen."""
    db = workshops_db()
    shown, set_shown = solara.use_state(False)
    if db is None:
        return
    from wecsim.app.pages.workshop import BASE_URL_ENV, StartWorkshop

    base_url = os.environ.get(BASE_URL_ENV) or APP_WORKSHOP_URL
    with solara.Column(gap="6px", classes=["wecsim-start-workshop"]):
        solara.Button(
            _("Start a workshop from this scenario"),
            icon_name="mdi-account-group",
            outlined=True,
            on_click=lambda: set_shown(not shown),
            classes=["wecsim-start-workshop-button"],
            style={"align-self": "flex-start"},
        )
        if shown:
            Prose(
                _(
                    "Teams play on the workshop server: `wecsim workshop serve --db {db}` at {url} "
                    "(the links below point there)."
                ).format(db=db, url=base_url)
            )
            StartWorkshop(scenario=state.current_scenario(), db=db, base_url=base_url, seed=state.seed.value)
