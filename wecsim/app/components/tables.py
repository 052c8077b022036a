"""A paginated table with a CSV download of everything it holds (not only the visible page)."""

from __future__ import annotations

import pandas as pd
import solara

from wecsim.app.components.prose import Prose
from wecsim.app.indicators import abbreviations_in
from wecsim.i18n import _, ngettext, number

#: The page sizes Solara's table footer offers ("Rows per page"; fixed in its datatable.vue). A
#: table shows one of them, so the footer names the number of rows actually shown.
ROWS_PER_PAGE_OPTIONS = (10, 20, 50, 100)
#: Rows of a table searched for abbreviations to explain under it (its first page or two).
ABBREVIATION_ROWS = 30


def table_abbreviations(df: pd.DataFrame) -> dict[str, str]:
    """Return the abbreviations a table's header and first rows use, with their meaning."""
    cells = df.head(ABBREVIATION_ROWS).select_dtypes(include=["object", "string"]).astype(str).to_numpy().ravel()
    return abbreviations_in(" ".join([*map(str, df.columns), *map(str, cells)]))  # missing cells stay floats


@solara.component
def Table(df: pd.DataFrame, items_per_page: int = 15, name: str = "table") -> None:
    """Show ``df`` a page at a time, with its row count, a CSV download and its abbreviations written out.

    ``items_per_page`` is rounded up to a page size the footer offers (:data:`ROWS_PER_PAGE_OPTIONS`).

    A table wider than its column scrolls sideways, header and rows together.
    """
    # the CSV is made from what the table holds when the button is pressed: one download function for the
    # table's life, so a table drawn with new numbers leaves its button as it is (Solara's FileDownload starts a
    # thread and draws again whenever its data argument changes)
    held = solara.use_ref(df)

    def csv() -> str:
        return held.current.to_csv(index=False)

    with solara.Column(gap="2px", classes=["wecsim-table", f"wecsim-table-{name}"]):
        if df.empty:
            solara.Text(_("Nothing to show."), style={"color": "#757575"})
            return
        # headers are written in English where the table is made (marked for the catalogs); shown translated
        df = df.rename(columns=lambda c: _(c) if isinstance(c, str) else c)
        held.current = df
        rows = next((n for n in ROWS_PER_PAGE_OPTIONS if n >= items_per_page), ROWS_PER_PAGE_OPTIONS[-1])
        solara.DataFrame(df.reset_index(drop=True), items_per_page=rows, scrollable=True)
        abbr = table_abbreviations(df)
        if abbr:
            Prose(
                "; ".join(f"{k}: {v}" for k, v in abbr.items()),
                style="font-size: 12px; color: #616161",
                classes=["wecsim-table-abbreviations"],
            )
        with solara.Row(gap="8px", justify="end", style={"align-items": "center"}):
            solara.Text(
                ngettext("{n} row", "{n} rows", len(df)).format(n=number(len(df))),
                style={"font-size": "12px", "color": "#757575"},
            )
            solara.FileDownload(
                csv,
                filename=f"{name}.csv",
                label="CSV",
                mime_type="text/csv",
            )
