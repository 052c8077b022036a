"""A paginated table with a CSV download of everything it holds (not only the visible page)."""

from __future__ import annotations

import pandas as pd
import solara


@solara.component
def Table(df: pd.DataFrame, items_per_page: int = 15, name: str = "table") -> None:
    """Show ``df`` a page at a time, with its row count and a CSV download."""
    with solara.Column(gap="2px", classes=["wecsim-table", f"wecsim-table-{name}"]):
        if df.empty:
            solara.Text("Nothing to show.", style={"color": "#757575"})
            return
        solara.DataFrame(df.reset_index(drop=True), items_per_page=items_per_page, scrollable=True)
        with solara.Row(gap="8px", justify="end", style={"align-items": "center"}):
            solara.Text(f"{len(df):,} rows", style={"font-size": "12px", "color": "#757575"})
            solara.FileDownload(
                lambda: df.to_csv(index=False),
                filename=f"{name}.csv",
                label="CSV",
                mime_type="text/csv",
            )
