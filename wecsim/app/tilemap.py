"""The tile map of Kazakhstan's 20 regions: layout and colour scales.

The layout (``wecsim/app/data/tile_layout.csv``, source and licence in the README next to
it) gives each region a tile on a 6 x 7 grid, north at the top; large regions span two
tiles. Colours come from a matplotlib colour map chosen by whether more of the indicator is
better (greens), worse (reds) or neither (blues).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from wecsim.app.indicators import Better

LAYOUT_FILE = "tile_layout.csv"
COLORMAPS = {"up": "Greens", "down": "Reds", None: "Blues"}


@dataclass(frozen=True)
class Tile:
    """One region's place on the grid (0-based row from the north, column from the west)."""

    region_id: str
    name: str
    short: str
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1


@cache
def layout() -> tuple[Tile, ...]:
    """Return the 20 tiles, read from the bundled layout file."""
    path = resources.files("wecsim.app").joinpath("data", LAYOUT_FILE)
    with path.open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    return tuple(
        Tile(r.region_id, r.name, r.short, int(r.row), int(r.col), int(r.row_span), int(r.col_span))
        for r in df.itertuples(index=False)
    )


def grid_shape() -> tuple[int, int]:
    """Return the number of rows and columns of the grid."""
    tiles = layout()
    return max(t.row + t.row_span for t in tiles), max(t.col + t.col_span for t in tiles)


def colors_for(values: pd.Series, better: Better) -> dict[str, str]:
    """Return a hex colour per region id, scaling the values between their min and max.

    Missing values are grey. When all values are equal every region gets the middle colour.
    """
    cmap = colormaps[COLORMAPS[better]]
    v = values.astype(float)
    lo, hi = np.nanmin(v.to_numpy()) if len(v) else 0.0, np.nanmax(v.to_numpy()) if len(v) else 0.0
    out = {}
    for rid, x in v.items():
        if np.isnan(x):
            out[str(rid)] = "#e0e0e0"
            continue
        t = 0.5 if hi <= lo else (x - lo) / (hi - lo)
        out[str(rid)] = to_hex(cmap(0.12 + 0.8 * t))
    return out


def gradient_css(better: Better, steps: int = 6) -> str:
    """Return a CSS ``linear-gradient`` matching :func:`colors_for`, for the legend."""
    cmap = colormaps[COLORMAPS[better]]
    stops = ", ".join(to_hex(cmap(0.12 + 0.8 * i / (steps - 1))) for i in range(steps))
    return f"linear-gradient(to right, {stops})"


def text_color(background: str) -> str:
    """Return black or white, whichever reads better on ``background`` (a hex colour)."""
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"
