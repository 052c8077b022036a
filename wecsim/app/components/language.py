"""Each browser tab's language: from the browser's ``Accept-Language``, a link's ``?lang=``, or the switch.

:data:`chosen` is per tab (a Solara reactive lives in the tab's kernel context), so one person's
switch never changes another's page. Until a language is chosen the tab follows the
``Accept-Language`` header of its connection (Solara keeps it in :data:`solara.lab.headers`).
Components that call :func:`wecsim.i18n._` while drawing read :data:`chosen`, so they redraw
when it changes. :class:`PageLanguage` keeps ``<html lang>`` in step (the server's page template
declares the language of the first load, see :func:`wecsim.app.main.configure_language`).
"""

from __future__ import annotations

from typing import cast

import ipyvuetify as v
import solara
import solara.lab
import traitlets

from wecsim import i18n
from wecsim.i18n import _

chosen = solara.reactive(cast(str | None, None))
"""The language this tab's person chose (switch or link); None: follow the browser."""


def browser_language() -> str | None:
    """Return the language the tab's browser asks for (``Accept-Language``), None outside a page."""
    headers = solara.lab.headers.value or {}
    values = headers.get("accept-language") or headers.get("Accept-Language") or []
    return i18n.negotiate(", ".join(values)) if values else None


def tab_language() -> str | None:
    """Return this tab's language: the chosen one, else the browser's."""
    return chosen.value or browser_language()


i18n.set_session_language(tab_language)

#: The browser side: set ``<html lang>`` whenever :attr:`PageLanguage.lang` changes, and the words
#: Vuetify writes itself under every table (its footer: "Rows per page:", "1-10 of 33"), which
#: Solara's table does not let its caller set. Vuetify's texts live in its (reactive) locale
#: table, one per browser tab, so the footers shown change with it.
LANG_TEMPLATE = """
<template><span style="display: none"></span></template>
<script>
module.exports = {
  watch: {
    lang: { immediate: true, handler(value) { if (value) document.documentElement.lang = value; } },
    footer: {
      immediate: true,
      handler(words) {
        const lang = this.$vuetify && this.$vuetify.lang;
        const texts = lang && lang.locales[lang.current];
        if (!texts || !words || !words.rows) return;
        texts.dataFooter.itemsPerPageText = words.rows;
        texts.dataFooter.pageText = words.page;
        texts.dataTable.itemsPerPageText = words.rows;
      },
    },
  },
};
</script>
"""


def footer_words() -> dict[str, str]:
    """Return the words of a table's footer in the tab's language (Vuetify's ``{0}-{1} of {2}`` form)."""
    return {"rows": _("Rows per page:"), "page": _("{0}-{1} of {2}")}


class PageLanguage(v.VuetifyTemplate):
    """An invisible widget that declares the tab's language on the page's ``<html>`` element.

    It also hands the browser the words of the tables' footers (:func:`footer_words`).
    """

    template = traitlets.Unicode(LANG_TEMPLATE).tag(sync=True)
    lang = traitlets.Unicode("").tag(sync=True)
    footer = traitlets.Dict({}).tag(sync=True)


@solara.component
def LanguageSwitch() -> None:
    """Show one button per language in the app bar; the tab's language is pressed."""
    lang = i18n.current_language()
    # one root element (two would be wrapped in a white Solara column)
    with solara.Div(
        classes=["wecsim-language"],
        attributes={"role": "group", "aria-label": _("Language")},
        style={"display": "flex", "gap": "0px", "margin-left": "auto", "padding-right": "8px"},
    ):
        PageLanguage.element(lang=lang, footer=footer_words())
        for code, name in i18n.LANGUAGES.items():
            solara.Button(
                code.upper(),
                on_click=lambda code=code: chosen.set(code),
                text=True,
                dark=True,
                small=True,
                classes=[f"wecsim-lang-{code}", *(["wecsim-lang-active"] if code == lang else [])],
                attributes={"title": name, "aria-pressed": "true" if code == lang else "false", "lang": code},
                style={"min-width": "36px", "font-weight": "700" if code == lang else "400"},
            )
