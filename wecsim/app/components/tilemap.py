"""The clickable tile map: one coloured tile per region, a legend, and a selected region."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import solara
from reacton import ipyvue
from solara.alias import rv

from wecsim.app.indicators import Better, fmt
from wecsim.app.tilemap import Tile as TileSpec
from wecsim.app.tilemap import colors_for, diverging, gradient_css, grid_shape, layout, scale_limits, text_color
from wecsim.i18n import _

#: Height of a tile row on a desk screen [CSS px] (phones and short laptop screens: see the layout's CSS).
TILE_ROW_PX = 70


@solara.component
def Tile(
    tile: TileSpec, color: str, value: float, selected: bool, on_select: Callable[[str], None], digits: int
) -> None:
    """One region's tile: its name and value on its colour; a click, or Enter or Space on it, selects it.

    A tile is a ``<button>``: it is in the page's tab order, and Enter or Space on it is a click,
    so the map works from the keyboard. On a phone the tile shows the region's short name.
    """
    fg = text_color(color)
    border = "3px solid #ff6f00" if selected else "1px solid #ffffff"
    name_style = "font-size: 12px; font-weight: 500; line-height: 1.15;"
    region = _(tile.name)
    name = rv.Html(tag="div", children=[region], class_="wecsim-tile-long", style_=name_style)
    short = rv.Html(tag="div", children=[tile.short], class_="wecsim-tile-short", style_=name_style)
    val = rv.Html(tag="div", children=[fmt(float(value), digits)], style_="font-size: 15px; font-weight: 700;")
    text = f"{region}: {fmt(float(value), digits)}"
    el = rv.Html(
        tag="button",
        children=[name, short, val],
        class_=f"wecsim-tile wecsim-tile-{tile.region_id}" + (" wecsim-tile-selected" if selected else ""),
        attributes={
            "title": text,
            "type": "button",
            "aria-label": _("{text}. Open the region's detail").format(text=text),
            "aria-pressed": "true" if selected else "false",
        },
        style_=(
            f"grid-row: {tile.row + 1} / span {tile.row_span}; grid-column: {tile.col + 1} / span {tile.col_span};"
            f" background-color: {color}; color: {fg}; border: {border}; border-radius: 4px; cursor: pointer;"
            " display: flex; flex-direction: column; align-items: center; justify-content: center;"
            " text-align: center; padding: 2px 4px; user-select: none; font: inherit; min-width: 0;"
        ),
    )
    ipyvue.use_event(el, "click", lambda *_: on_select(tile.region_id))


@solara.component
def TileMap(
    values: pd.Series,
    better: Better,
    title: str,
    selected: str | None,
    on_select: Callable[[str], None],
    digits: int = 1,
) -> None:
    """Draw the regions as tiles coloured by ``values`` (indexed by region id); click selects one."""
    rows, cols = grid_shape()
    colors = colors_for(values, better)
    with solara.Column(gap="6px", classes=["wecsim-tilemap"], style={"flex": "1 1 520px", "min-width": "480px"}):
        with solara.Div(
            classes=["wecsim-tilemap-grid"],
            attributes={"role": "group", "aria-label": _("Map of the regions: {title}").format(title=title)},
            style={
                "--wecsim-cols": str(cols),
                "--wecsim-rows": str(rows),
                "display": "grid",
                "grid-template-columns": f"repeat({cols}, minmax(64px, 1fr))",
                "grid-template-rows": f"repeat({rows}, {TILE_ROW_PX}px)",
                "gap": "4px",
                "max-width": "800px",
            },
        ):
            for t in layout():
                Tile(
                    t,
                    colors.get(t.region_id, "#e0e0e0"),
                    values.get(t.region_id, float("nan")),
                    t.region_id == selected,
                    on_select,
                    digits,
                )
        lo, hi = scale_limits(values)
        div = diverging(values)
        with solara.Row(gap="8px", style={"align-items": "center"}, classes=["wecsim-map-legend"]):
            solara.Text(fmt(lo, digits), style={"font-size": "12px"})
            solara.Div(
                style={
                    "width": "220px",
                    "height": "12px",
                    "background": gradient_css(better, div=div),
                    "border-radius": "2px",
                }
            )
            solara.Text(fmt(hi, digits), style={"font-size": "12px"})
            if div:
                hint = {"up": _("green = better, red = worse"), "down": _("red = worse, green = better"), None: ""}[
                    better
                ]
                hint = (hint + ", " + _("white = 0")).lstrip(", ")
            else:
                hint = {"up": _("darker = better"), "down": _("darker = worse"), None: _("darker = more")}[better]
            solara.Text(f"{title} · {hint}", style={"font-size": "12px", "color": "#616161"})
        solara.Text(
            _(
                "Tile map: each region is a tile placed by its position and neighbours (not its area); "
                "source and licence in wecsim/app/data/README.md."
            ),
            style={"font-size": "12px", "color": "#9e9e9e"},
        )
