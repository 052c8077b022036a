"""The app's pages and the offline settings of the Solara server.

``app.py`` at the repository root imports :func:`Page` and :func:`Layout` from here, which
is what ``solara run app.py`` serves: the frame (app bar with one tab per page in
:data:`PAGES`, sidebar with the levers) around the page chosen in the tabs.

:func:`configure_offline` makes sure the page needs nothing from the internet: Solara's front
end (Vuetify app, require.js, fonts) is served from the ``solara-assets`` package, usage
telemetry is off, and the first-run "check" that loads a page from solara.dev is skipped.
"""

from __future__ import annotations

import os

import solara

from wecsim.app import state
from wecsim.app.components.layout import Frame
from wecsim.app.pages.batch import BatchPage
from wecsim.app.pages.compare import ComparePage
from wecsim.app.pages.explore import ExplorePage
from wecsim.app.pages.history import HistoryPage
from wecsim.app.pages.map import MapPage
from wecsim.app.pages.projects import ProjectsPage
from wecsim.app.pages.share import SharePage
from wecsim.i18n import N_, _

#: Environment settings for an offline Solara server (set before the server starts).
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_THEME_SHOW_BANNER": "False",
}


#: Reacton's renderer that walks only the parts of the page whose state changed (opt-in since reacton
#: 1.11 with ``REACTON_FAST=1``; https://github.com/widgetti/reacton/pull/49, tested by reacton's CI
#: against the default one). The default renderer walks the whole page on every state change and
#: sets every widget's properties again: about 215 widgets on the Explore page, 21 ms of the
#: server's one Python thread per redraw on this machine, whatever changed; with this one a status
#: change costs about 1 ms (issue 14). ``REACTON_FAST=0`` in the environment keeps the default.
RENDERER_ENV = {"REACTON_FAST": "1"}


def configure_renderer() -> None:
    """Render with reacton's fast renderer (:data:`RENDERER_ENV`), unless the environment says otherwise.

    Reacton reads the variable each time a page is rendered, so setting it before the first tab opens is enough.
    """
    for k, v in RENDERER_ENV.items():
        os.environ.setdefault(k, v)


#: How long a closed tab's state (levers, runs on screen, uploads) is kept after its page
#: disconnects [Solara time span]. Solara's default is 24 h, so a training room of tabs opened
#: and closed through the day kept every one in memory (2-3 GB, issue 14). Ten minutes still
#: covers a reload, a dropped phone connection or a laptop lid closed for a coffee: a page that
#: reconnects in time gets its state back. ``SOLARA_KERNEL_CULL_TIMEOUT`` overrides it.
CLOSED_TAB_KEPT = "10m"


def configure_sessions() -> None:
    """Free a closed tab's state :data:`CLOSED_TAB_KEPT` after its page disconnects (unless set in the environment)."""
    import solara.server.settings as server_settings

    if not os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT"):
        server_settings.kernel.cull_timeout = CLOSED_TAB_KEPT


def configure_offline() -> None:
    """Keep the server and the page off the internet, even when started without the environment.

    ``solara run`` reads its settings before it imports ``app.py``, so besides the environment
    (which covers child processes) the live settings objects are changed here too.
    """
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)
    import solara.checks
    import solara.server.settings as server_settings
    import solara.settings

    server_settings.telemetry.mixpanel_enable = False
    server_settings.theme.show_banner = False
    # serve /_solara/cdn/... from the solara-assets package instead of cdn.jsdelivr.net
    solara.settings.assets.proxy = True
    # the first-run check embeds an iframe from solara.dev in development mode
    solara.checks.should_perform_solara_check = lambda: False


#: The language of every page's text (BCP 47), declared on the page's ``<html>`` element so screen
#: readers pronounce it right and browsers offer translation (WCAG 2.1, success criterion 3.1.1).
PAGE_LANGUAGE = "en"


def configure_language(language: str = PAGE_LANGUAGE) -> None:
    """Serve the page as ``<html lang="...">``: Solara's template has a bare ``<html>``.

    Solara renders its page from the Jinja template ``solara.html.j2`` through
    ``solara.server.server.get_jinja_env``; this wraps that environment's loader so the template
    text is read once and its ``<html>`` tag gets the attribute. Nothing else of the page changes.
    """
    import jinja2
    import solara.server.server as server

    if getattr(server.get_jinja_env, "wecsim_language", None) == language:
        return
    solara_env = server.get_jinja_env

    def with_language(app_name: str) -> jinja2.Environment:
        env = solara_env(app_name=app_name)
        if not getattr(env, "wecsim_language", None):
            inner = env.loader

            def load(name: str):
                source, filename, uptodate = inner.get_source(env, name)
                if name == "solara.html.j2":
                    source = source.replace("<html>", f'<html lang="{language}">', 1)
                return source, filename, uptodate

            env.loader = jinja2.FunctionLoader(load)
            env.wecsim_language = language
        return env

    with_language.wecsim_language = language
    server.get_jinja_env = with_language


#: The pages, in tab order: (key, tab label (translated where shown), component).
PAGES = (
    ("explore", N_("Explore"), ExplorePage),
    ("map", N_("Map"), MapPage),
    ("projects", N_("Projects and agents"), ProjectsPage),
    ("compare", N_("Compare"), ComparePage),
    ("batch", N_("Batch results"), BatchPage),
    ("history", N_("History"), HistoryPage),
    ("share", N_("Save and share"), SharePage),
)


@solara.component
def Page() -> None:
    """Show the page chosen in the tabs (Explore first)."""
    key = state.active_page.value
    component = next((c for k, _label, c in PAGES if k == key), ExplorePage)
    component()


@solara.component
def Layout(children: list | None = None) -> None:
    """Frame the page: title bar with the page tabs, sidebar with scenario and levers."""
    Frame(pages=[(k, _(label)) for k, label, _c in PAGES], children=children or [])
