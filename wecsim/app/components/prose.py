"""Short formatted text without ``solara.Markdown`` (which loads KaTeX from a CDN path).

Supports the little markup the pages use: ``**bold**``, ``*italic*`` and ``` `code` ```;
:func:`Heading` makes section titles. Text is HTML-escaped first, so scenario names from uploads
cannot inject markup. Abbreviations (ENPV, BCR, EPR…) are explained on hover
(:data:`wecsim.app.indicators.ABBREVIATIONS`).
"""

from __future__ import annotations

import html
import re

import solara

from wecsim.app.indicators import explain_abbreviations

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]+)`")


def to_html(text: str) -> str:
    """Return ``text`` as HTML: escaped, with bold, italic and code markup applied.

    Examples
    --------
    >>> to_html("**a** <b> `x`")
    '<strong>a</strong> &lt;b&gt; <code>x</code>'
    """
    out = html.escape(text, quote=False)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return explain_abbreviations(_ITALIC.sub(r"<em>\1</em>", out))


@solara.component
def Prose(text: str, style: str = "", classes: list[str] | None = None) -> None:
    """Show a paragraph of lightly formatted text."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=to_html(text),
        style=f"font-size: 14px; line-height: 1.45; max-width: 900px; {style}",
        classes=classes or [],
    )


@solara.component
def Heading(text: str, level: int = 3) -> None:
    """Show a section heading."""
    size = {2: "22px", 3: "18px", 4: "15px"}.get(level, "15px")
    solara.HTML(
        tag=f"h{level}",
        unsafe_innerHTML=html.escape(text),
        style=f"font-size: {size}; font-weight: 500; margin: 10px 0 2px 0;",
    )
