"""The tile map of Kazakhstan's 20 regions: layout and colour scales.

The layout (``wecsim/app/data/tile_layout.csv``, source and licence in the README next to
it) gives each region a tile on a 6 x 7 grid, north at the top; large regions span two
tiles. Colours come from a matplotlib colour map chosen by whether more of the indicator is
better (greens), worse (reds) or neither (blues). Values on both sides of zero (what EU money
adds, which can be negative in some regions) get a diverging map centred on zero instead:
green for the better side, red for the worse, white at zero.
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
#: Diverging maps (low end first) for values on both sides of zero.
DIVERGING = {"up": "RdYlGn", "down": "RdYlGn_r", None: "PuOr"}
#: Colour of every region when all values are zero.
NEUTRAL = "#f5f5f5"


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


def diverging(values: pd.Series) -> bool:
    """Return whether values lie on both sides of zero (then colours centre on zero)."""
    v = values.astype(float).to_numpy()
    if not len(v) or np.isnan(v).all():
        return False
    return bool(np.nanmin(v) < 0 < np.nanmax(v))


def scale_limits(values: pd.Series) -> tuple[float, float]:
    """Return the values the colour scale's two ends stand for (symmetric about zero when diverging)."""
    v = values.astype(float).to_numpy()
    if not len(v) or np.isnan(v).all():
        return float("nan"), float("nan")
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    if diverging(values):
        m = max(-lo, hi)
        return -m, m
    return lo, hi


def colors_for(values: pd.Series, better: Better) -> dict[str, str]:
    """Return a hex colour per region id, scaling the values between the ends of :func:`scale_limits`.

    Missing values are grey. When all values are equal every region gets the middle colour.
    """
    div = diverging(values)
    cmap = colormaps[(DIVERGING if div else COLORMAPS)[better]]
    lo, hi = scale_limits(values)
    out = {}
    for rid, x in values.astype(float).items():
        if np.isnan(x):
            out[str(rid)] = "#e0e0e0"
            continue
        if not hi > lo and x == 0:
            out[str(rid)] = NEUTRAL  # nothing anywhere (no EU money, say): no colour
            continue
        t = 0.5 if not hi > lo else (x - lo) / (hi - lo)
        out[str(rid)] = to_hex(cmap(0.1 + 0.8 * t if div else 0.12 + 0.8 * t))
    return out


def gradient_css(better: Better, steps: int = 6, div: bool = False) -> str:
    """Return a CSS ``linear-gradient`` matching :func:`colors_for`, for the legend."""
    cmap = colormaps[(DIVERGING if div else COLORMAPS)[better]]
    a = 0.1 if div else 0.12
    stops = ", ".join(to_hex(cmap(a + 0.8 * i / (steps - 1))) for i in range(steps))
    return f"linear-gradient(to right, {stops})"


def text_color(background: str) -> str:
    """Return black or white, whichever reads better on ``background`` (a hex colour)."""
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"
