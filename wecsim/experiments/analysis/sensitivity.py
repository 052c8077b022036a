"""Global sensitivity analysis with SALib: Sobol (first and total order) and Morris indices.

Functions here take plain data (a SALib problem, arrays of inputs and outputs) and know
nothing of batches or files, as in EMA Workbench's ``analysis``: the problem and the sample
are the ones the design was drawn with (:func:`wecsim.experiments.design.salib_problem`).

References
----------
Saltelli, A. et al. (2010), Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index, Computer Physics Communications 181(2), 259-270,
doi:10.1016/j.cpc.2009.09.018.
Morris, M. D. (1991), Factorial sampling plans for preliminary computational experiments,
Technometrics 33(2), 161-174, doi:10.1080/00401706.1991.10484804.
Herman, J. and Usher, W. (2017), SALib: an open-source Python library for sensitivity
analysis, JOSS 2(9), doi:10.21105/joss.00097.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wecsim.errors import WecsimError


def _check_finite(y: np.ndarray, what: str) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    bad = ~np.isfinite(y)
    if bad.any():
        raise WecsimError(
            f"{what} needs an output for every design point; {int(bad.sum())} of {len(y)} are missing "
            "(failed or not yet run). Finish the batch (run it again) or use --retry-failed."
        )
    return y


def sobol_indices(
    problem: dict[str, Any],
    y: np.ndarray,
    *,
    second_order: bool = False,
    seed: int | None = 0,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Return first- and total-order Sobol indices with confidence intervals, ranked by total order.

    Parameters
    ----------
    problem
        The SALib problem the Saltelli sample was drawn with.
    y
        One output per sample row, in sample order [any unit].
    second_order
        Whether the sample was drawn with ``calc_second_order=True``.
    seed
        Seed of the bootstrap behind the confidence intervals.
    num_resamples
        Bootstrap resamples.
    conf_level
        Confidence level of the intervals [-].

    Returns
    -------
    DataFrame
        Index ``parameter``; columns ``S1, S1_conf, ST, ST_conf`` (``*_conf`` is the half-width
        of the interval) and ``rank`` (1 = largest total order).
    """
    from SALib.analyze import sobol

    y = _check_finite(y, "Sobol analysis")
    if np.ptp(y) == 0:
        raise WecsimError("the output is the same in every run: its variance, and every Sobol index, is zero")
    res = sobol.analyze(
        problem, y, calc_second_order=second_order, num_resamples=num_resamples, conf_level=conf_level, seed=seed
    )
    df = pd.DataFrame(
        {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}, index=pd.Index(problem["names"], name="parameter")
    )
    df = df.sort_values("ST", ascending=False)
    df["rank"] = np.arange(1, len(df) + 1)
    return df


def morris_indices(
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    *,
    num_levels: int = 4,
    seed: int | None = 0,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Return Morris elementary-effect statistics, ranked by ``mu_star``.

    Parameters
    ----------
    problem
        The SALib problem the Morris sample was drawn with.
    x
        The Morris sample (rows x parameters, in the problem's bounds).
    y
        One output per sample row.
    num_levels
        Grid levels of the sample.
    seed
        Seed of the bootstrap behind ``mu_star_conf``.
    num_resamples, conf_level
        Bootstrap resamples and confidence level [-].

    Returns
    -------
    DataFrame
        Index ``parameter``; columns ``mu, mu_star, mu_star_conf, sigma, rank``.
    """
    from SALib.analyze import morris

    y = _check_finite(y, "Morris analysis")
    res = morris.analyze(
        problem,
        np.asarray(x, dtype=float),
        y,
        num_levels=num_levels,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=seed,
    )
    df = pd.DataFrame(
        {k: np.asarray(res[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
        index=pd.Index(problem["names"], name="parameter"),
    )
    df = df.sort_values("mu_star", ascending=False)
    df["rank"] = np.arange(1, len(df) + 1)
    return df


def plot_indices(table: pd.DataFrame, method: str, title: str, png: str | Path, html_path: str | Path) -> None:
    """Write a tornado-style horizontal bar chart of the indices as PNG and as an HTML page.

    Parameters
    ----------
    table
        Output of :func:`sobol_indices` or :func:`morris_indices`.
    method
        ``"sobol"`` or ``"morris"``.
    title
        Chart title.
    png, html_path
        Files to write. The HTML page holds the chart (SVG, no external files) and the table.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    t = table.iloc[::-1]  # largest at the top
    names = list(t.index)
    ypos = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.38 * len(t)))
    if method == "sobol":
        h = 0.38
        ax.barh(ypos + h / 2, t["ST"], h, xerr=t["ST_conf"], label="total order (ST)", color="#1f77b4", capsize=3)
        ax.barh(ypos - h / 2, t["S1"], h, xerr=t["S1_conf"], label="first order (S1)", color="#ff7f0e", capsize=3)
        ax.set_xlabel("Sobol index [-] (bars: 95% confidence interval)")
        ax.axvline(0, color="black", lw=0.8)
        ax.legend(loc="lower right")
    else:
        ax.barh(ypos, t["mu_star"], 0.6, xerr=t["mu_star_conf"], color="#1f77b4", capsize=3, label="mu*")
        ax.set_xlabel("Morris mu* [output units per unit of normalised input] (bars: 95% CI)")
    ax.set_yticks(ypos, names)
    ax.set_title(title)
    fig.tight_layout()
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    plt.close(fig)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}}
th:first-child,td:first-child{{text-align:left}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
{svg.getvalue()[svg.getvalue().find("<svg") :]}
{table.to_html(float_format=lambda v: f"{v:.4f}", border=0)}
</body></html>
"""
    Path(html_path).write_text(page, encoding="utf-8")
