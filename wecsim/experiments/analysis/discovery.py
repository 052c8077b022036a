r"""Scenario discovery: which ranges of the inputs lead to the outcomes of interest.

Given the inputs of every run (``x``, one column per parameter) and whether each run's
outcome is of interest (``y``, e.g. "the 2030 recycling target is missed"), find boxes
(a range per restricted input) that hold many cases of interest (coverage) and few others
(density):

.. math::

    \text{coverage} = \frac{\#\{i \in B : y_i\}}{\#\{i : y_i\}}, \qquad
    \text{density} = \frac{\#\{i \in B : y_i\}}{\#\{i \in B\}}, \qquad
    \text{mass} = \frac{\#\{i \in B\}}{n}

Two methods, from maintained libraries:

``prim``  the Patient Rule Induction Method (Friedman and Fisher 1999) as implemented in
          EMA Workbench (``ema_workbench.analysis.prim``; optional extra ``wecsim[ema]``)
``cart``  a classification tree (scikit-learn); every leaf that predicts "of interest" is a box

Functions here take plain data and know nothing of batches or files.

References
----------
Friedman, J. H. and Fisher, N. I. (1999), Bump hunting in high-dimensional data,
Statistics and Computing 9, 123-143, doi:10.1023/A:1008894516817.
Bryant, B. P. and Lempert, R. J. (2010), Thinking inside the box, Technological Forecasting
and Social Change 77(1), 34-49, doi:10.1016/j.techfore.2009.08.002.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wecsim.errors import WecsimError


@dataclass
class Restriction:
    """The range of one input inside a box.

    Attributes
    ----------
    name
        Input (parameter) name.
    low, high
        Numeric limits (inclusive), or ``None`` for a categorical input.
    categories
        Categories inside the box, for a categorical input.
    full_low, full_high
        The input's range in the whole experiment, for comparison.
    qp_values
        PRIM's quasi-p-values of the lower and upper limit (``None`` for CART).
    """

    name: str
    low: float | None = None
    high: float | None = None
    categories: tuple[str, ...] | None = None
    full_low: float | None = None
    full_high: float | None = None
    qp_values: tuple[float | None, float | None] | None = None

    def describe(self) -> str:
        """Return the restriction as text, e.g. ``0.21 <= drought_probability_south <= 0.35``."""
        if self.categories is not None:
            return f"{self.name} in {{{', '.join(self.categories)}}}"
        return f"{self.low:.4g} <= {self.name} <= {self.high:.4g}"


@dataclass
class Box:
    """One box found by PRIM or CART, with its statistics.

    Attributes
    ----------
    restrictions
        The restricted inputs (the others span their full range).
    coverage, density, mass
        See the module docstring [-].
    n, n_of_interest
        Runs in the box, and of interest among them.
    method
        ``"prim"`` or ``"cart"``.
    """

    restrictions: list[Restriction]
    coverage: float
    density: float
    mass: float
    n: int
    n_of_interest: int
    method: str
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Return the restrictions as a table (one row per restricted input)."""
        rows = []
        for r in self.restrictions:
            rows.append(
                {
                    "parameter": r.name,
                    "box": r.describe(),
                    "low": r.low,
                    "high": r.high,
                    "full range": (
                        f"{r.full_low:.4g}-{r.full_high:.4g}" if r.full_low is not None and r.categories is None else ""
                    ),
                    "qp_low": r.qp_values[0] if r.qp_values else None,
                    "qp_high": r.qp_values[1] if r.qp_values else None,
                }
            )
        return pd.DataFrame(rows)


def _as_bool(y: np.ndarray | pd.Series, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise WecsimError(f"y must have one value per run ({n}), got shape {y.shape}")
    y = y.astype(bool)
    if y.sum() == 0:
        raise WecsimError("no run is of interest: the condition is never true, so there is nothing to discover")
    if y.all():
        raise WecsimError("every run is of interest: the condition is always true, so no box separates them")
    return y


def _prepare_x(x: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Return the inputs as float64 or category columns (constant ones dropped), and the integer ones.

    Integers go to PRIM as floats: EMA Workbench's PRIM pastes limits half-way between
    values (``2040.5``), which an ``int64`` column refuses under pandas 3. Their limits are
    rounded back inward (:func:`_int_limits`).
    """
    x = x.reset_index(drop=True).copy()
    ints = set()
    for c in x.columns:
        if pd.api.types.is_bool_dtype(x[c]) or not pd.api.types.is_numeric_dtype(x[c]):
            x[c] = x[c].astype(str).astype("category")
        else:
            if pd.api.types.is_integer_dtype(x[c]):
                ints.add(c)
            x[c] = x[c].astype("float64")
    keep = x.nunique() > 1
    return x.loc[:, keep], {c for c in ints if keep[c]}


def _int_limits(lo: float, hi: float) -> tuple[float, float]:
    """Return the integer limits inside ``[lo, hi]`` (a box on integers holds whole values)."""
    return float(np.ceil(lo - 1e-9)), float(np.floor(hi + 1e-9))


def _stats(inside: np.ndarray, y: np.ndarray) -> dict[str, float | int]:
    n_in = int(inside.sum())
    k = int((inside & y).sum())
    return {
        "coverage": k / int(y.sum()),
        "density": k / n_in if n_in else 0.0,
        "mass": n_in / len(y),
        "n": n_in,
        "n_of_interest": k,
    }


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray | pd.Series,
    *,
    threshold: float = 0.8,
    max_boxes: int = 3,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> list[Box]:
    """Find boxes with PRIM (EMA Workbench).

    On each box's peeling trajectory the box kept is the one with the highest coverage among
    those with density >= ``threshold`` (the densest if none reaches it: then
    ``extra["below_threshold"]`` is true). Boxes after the first are searched among the runs
    outside the earlier boxes. Integer inputs are searched as reals and their limits rounded
    inward to whole values; categorical inputs (text, booleans) as categories.

    Parameters
    ----------
    x
        Inputs of every run (numeric or categorical columns).
    y
        Whether each run is of interest.
    threshold
        Density a box should reach [-].
    max_boxes
        Boxes to find at most.
    peel_alpha, paste_alpha
        Share of the data peeled off or pasted per step [-].
    mass_min
        Smallest box, as a share of the runs [-].
    """
    try:
        logging.getLogger("EMA").setLevel(logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise WecsimError(
            "PRIM needs EMA Workbench: install it with `uv sync` (dev) or `pip install wecsim[ema]`, "
            "or use --method cart"
        ) from None
    xp, ints = _prepare_x(x)
    yb = _as_bool(y, len(xp))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(xp, yb.copy(), peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
    boxes: list[Box] = []
    for _ in range(max_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = finder.find_box()
        if found is None:
            break
        traj = found.peeling_trajectory
        ok = traj.index[traj["density"] >= threshold]
        i = int(traj.loc[ok, "coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
        found.select(i)
        box_lim, init = found.box_lims[i], finder.box_init
        p_values = found.p_values[i] if i < len(found.p_values) else {}
        inside = np.ones(len(xp), dtype=bool)
        restrictions = []
        for name in xp.columns:
            lim, full = box_lim[name], init[name]
            if lim.iloc[0] == full.iloc[0] and lim.iloc[1] == full.iloc[1]:
                continue  # not restricted
            qp_raw = list(p_values.get(name, [-1, -1]))
            qp = tuple(None if v is None or v < 0 else float(v) for v in qp_raw[:2])
            if isinstance(xp[name].dtype, pd.CategoricalDtype):
                cats = tuple(sorted(str(c) for c in lim.iloc[0]))
                inside &= xp[name].astype(str).isin(cats).to_numpy()
                restrictions.append(Restriction(name, categories=cats, qp_values=qp))
            else:
                lo, hi = float(lim.iloc[0]), float(lim.iloc[1])
                if name in ints:
                    lo, hi = _int_limits(lo, hi)
                inside &= ((xp[name] >= lo) & (xp[name] <= hi)).to_numpy()
                restrictions.append(
                    Restriction(name, lo, hi, full_low=float(full.iloc[0]), full_high=float(full.iloc[1]), qp_values=qp)
                )
        if not restrictions:
            break
        stats = _stats(inside, yb)
        boxes.append(Box(restrictions, method="prim", extra={"below_threshold": stats["density"] < threshold}, **stats))
        if stats["density"] < float(yb.mean()):
            break
    return boxes


def cart_boxes(
    x: pd.DataFrame,
    y: np.ndarray | pd.Series,
    *,
    max_depth: int = 3,
    mass_min: float = 0.05,
    max_boxes: int = 3,
    seed: int = 0,
) -> list[Box]:
    """Find boxes with a classification tree (scikit-learn CART).

    Every leaf where most runs are of interest is a box: the path from the root gives its
    limits. Boxes are returned densest first.

    Parameters
    ----------
    x
        Inputs of every run (categorical columns are coded in category order).
    y
        Whether each run is of interest.
    max_depth
        Depth of the tree (a box restricts at most this many inputs).
    mass_min
        Smallest leaf, as a share of the runs [-].
    max_boxes
        Boxes returned at most.
    seed
        Random state of the tree (ties between splits).
    """
    from sklearn.tree import DecisionTreeClassifier

    xp, ints = _prepare_x(x)
    yb = _as_bool(y, len(xp))
    codes = pd.DataFrame(
        {c: (xp[c].cat.codes if isinstance(xp[c].dtype, pd.CategoricalDtype) else xp[c]) for c in xp.columns}
    )
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=max(1, int(mass_min * len(xp))), random_state=seed
    ).fit(codes.to_numpy(dtype=float), yb)
    t = tree.tree_
    leaf_of = tree.apply(codes.to_numpy(dtype=float))
    full = {c: (float(codes[c].min()), float(codes[c].max())) for c in codes.columns}

    boxes: list[Box] = []

    def walk(node: int, limits: dict[str, tuple[float, float]]) -> None:
        if t.children_left[node] == -1:
            inside = leaf_of == node
            stats = _stats(inside, yb)
            if stats["density"] <= 0.5:
                return
            restrictions = []
            for name, (lo, hi) in limits.items():
                if isinstance(xp[name].dtype, pd.CategoricalDtype):
                    cats = xp[name].cat.categories
                    keep = tuple(str(cats[i]) for i in range(len(cats)) if lo <= i <= hi)
                    restrictions.append(Restriction(name, categories=keep))
                else:
                    lo_, hi_ = _int_limits(lo, hi) if name in ints else (lo, hi)
                    restrictions.append(Restriction(name, lo_, hi_, full_low=full[name][0], full_high=full[name][1]))
            boxes.append(Box(restrictions, method="cart", **stats))
            return
        name = codes.columns[t.feature[node]]
        thr = float(t.threshold[node])
        lo, hi = limits.get(name, full[name])
        walk(t.children_left[node], {**limits, name: (lo, min(hi, thr))})
        walk(t.children_right[node], {**limits, name: (max(lo, np.nextafter(thr, np.inf)), hi)})

    walk(0, {})
    boxes.sort(key=lambda b: (-b.density, -b.coverage))
    return boxes[:max_boxes]
