"""The app's languages: gettext catalogs managed with Babel, the language in use, locale formats.

Text shown to people is written in English in the code and wrapped in :func:`_` (or marked with
:func:`N_` where it is defined before it is shown, and translated where it is shown); ``pybabel
extract`` (settings in ``babel.cfg``) collects it into ``wecsim/locale/messages.pot`` and each
language's ``wecsim/locale/<lang>/LC_MESSAGES/messages.po``.

The ``.po`` files are read when a language is first used (:mod:`babel.messages.pofile`, about
10 ms each) and kept in memory: no compiled ``.mo`` files in the repository (no binary that can
fall behind its ``.po``) and no build step for a new user or for the wheel, which carries the
``.po`` files as package data. Fuzzy entries are left out, as ``msgfmt`` would.

The language in use is, first, one set for a block of code (:func:`use_language`: a report,
a test), then the one of the current browser tab (the app registers it with
:func:`set_session_language`), else English.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.dates import format_date as _format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import NullTranslations, Translations

#: The languages of the app: code -> the language's own name (shown in the switch).
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
#: The language of the code's text, and of a page whose browser asks for none of :data:`LANGUAGES`.
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_block_language: ContextVar[str | None] = ContextVar("wecsim_language", default=None)
_session_language: Callable[[], str | None] | None = None


def set_session_language(source: Callable[[], str | None] | None) -> None:
    """Register where the current browser tab's language is read (the app does, at import)."""
    global _session_language
    _session_language = source


def current_language() -> str:
    """Return the language in use: the block's (:func:`use_language`), the tab's, or English."""
    block = _block_language.get()
    if block:
        return block
    if _session_language is not None:
        try:
            lang = _session_language()
        except RuntimeError:  # a thread outside any tab (Solara: "no known context")
            lang = None
        if lang in LANGUAGES:
            return lang
    return SOURCE_LANGUAGE


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Use ``lang`` for the text made inside the block (a report, a test)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    token = _block_language.set(lang)
    try:
        yield
    finally:
        _block_language.reset(token)


_Q = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")


def negotiate(accept_language: str | None) -> str:
    """Return the app language that suits an ``Accept-Language`` header best (English if none does).

    >>> negotiate("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7")
    'ru'
    >>> negotiate("de-DE, kk;q=0.5, en;q=0.4")
    'kk'
    """
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        m = _Q.match(params) if params else None
        if m:
            with contextlib.suppress(ValueError):
                q = float(m.group(1))
        if tag and tag != "*" and q > 0:
            ranked.append((-q, i, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(ranked)]
    # each preferred tag, and then its language alone (ru_RU -> ru), in order
    tags = [t for tag in preferred for t in (tag, tag.split("_")[0])]
    found = negotiate_locale(tags, list(LANGUAGES), sep="_")
    return found if found in LANGUAGES else SOURCE_LANGUAGE


def po_path(lang: str) -> Path:
    """Return the ``.po`` catalog of a language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> NullTranslations:
    """Return a language's translations, read from its ``.po`` file once (English: none needed)."""
    if lang == SOURCE_LANGUAGE or lang not in LANGUAGES:
        return NullTranslations()
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def _(message: str) -> str:
    """Return ``message`` in the language in use (the message itself when untranslated)."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Return the singular or plural message for ``n`` in the language in use (its plural rules)."""
    return translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it now (translate it where it is shown)."""
    return message


def locale() -> Locale:
    """Return the Babel locale of the language in use."""
    return Locale.parse(current_language())


def number(x: float | None, digits: int = 0) -> str:
    """Return a number in the language in use: ``1,234.5`` (en), ``1 234,5`` (ru, kk); ``–`` for none.

    The digits are Python's (``f"{x:,.1f}"``, so every language rounds alike); the separators
    are the locale's (Babel's CLDR data: a no-break space groups thousands in ru and kk).
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.{max(0, digits)}f}"
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return text
    group, decimal = get_group_symbol(lang), get_decimal_symbol(lang)
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def date(d: dt.date, form: str = "long") -> str:
    """Return a date in the language in use (``December 1, 2026``, ``1 декабря 2026 г.``)."""
    return _format_date(d, format=form, locale=current_language())


def extract_csv_column(fileobj, keywords, comment_tags, options):
    """Yield the text of a CSV file's ``columns`` (comma-separated option) for ``pybabel extract``.

    Data files of the app (scenario titles, region names) hold shown text; ``babel.cfg`` names
    the columns to collect. Each message gets a comment saying which file and column it is from.
    """
    import csv

    columns = [c.strip() for c in options.get("columns", "").split(",") if c.strip()]
    reader = csv.DictReader(io.TextIOWrapper(fileobj, encoding="utf-8"))
    for lineno, row in enumerate(reader, start=2):
        for column in columns:
            text = (row.get(column) or "").strip()
            if any(ch.isalpha() for ch in text):  # not "-" or "0-1": nothing to translate
                yield lineno, "_", text, [f"column {column!r} of a data file"]
