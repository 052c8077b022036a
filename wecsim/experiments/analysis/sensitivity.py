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
Sarrazin, F., Pianosi, F. and Wagener, T. (2016), Global Sensitivity Analysis of
environmental models: Convergence and validation, Environmental Modelling & Software 79,
135-152, doi:10.1016/j.envsoft.2016.02.005.
Borgonovo, E. (2007), A new uncertainty importance measure, Reliability Engineering &
System Safety 92(6), 771-784, doi:10.1016/j.ress.2006.04.015.
Pianosi, F. and Wagener, T. (2015), A simple and efficient method for global sensitivity
analysis based on cumulative distribution functions, Environmental Modelling & Software 67,
1-11, doi:10.1016/j.envsoft.2015.01.004.
Tarantola, S., Gatelli, D. and Mara, T. A. (2006), Random balance designs for the
estimation of first order global sensitivity indices, Reliability Engineering & System
Safety 91(6), 717-727, doi:10.1016/j.ress.2005.06.003.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wecsim.errors import WecsimError


def _salib_seed(seed: int | None) -> int | None:
    """Return a non-zero seed for SALib derived from ``seed`` (SALib's ``if seed:`` treats 0 as "no seed")."""
    if seed is None:
        return None
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def _check_finite(y: np.ndarray, what: str) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    bad = ~np.isfinite(y)
    if bad.any():
        raise WecsimError(
            f"{what} needs an output for every sample row; {int(bad.sum())} of {len(y)} are missing "
            "(failed or not yet run). Finish the batch (run it again) or use --retry-failed."
        )
    return y


def sobol_analysis(
    problem: dict[str, Any],
    y: np.ndarray,
    *,
    second_order: bool = False,
    seed: int | None = 0,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Return the first- and total-order table of :func:`sobol_indices` and the second-order indices.

    The second table (``None`` unless ``second_order``) has one row per pair of parameters
    (index ``parameter_a, parameter_b``), columns ``S2, S2_conf``, largest first.
    """
    from SALib.analyze import sobol

    y = _check_finite(y, "Sobol analysis")
    if np.ptp(y) == 0:
        raise WecsimError("the output is the same in every run: its variance, and every Sobol index, is zero")
    res = sobol.analyze(
        problem,
        y,
        calc_second_order=second_order,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=_salib_seed(seed),
    )
    df = pd.DataFrame(
        {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}, index=pd.Index(problem["names"], name="parameter")
    )
    df = df.sort_values("ST", ascending=False)
    df["rank"] = np.arange(1, len(df) + 1)
    if not second_order:
        return df, None
    names = problem["names"]
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    s2 = pd.DataFrame(
        {
            "S2": [res["S2"][i, j] for i, j in pairs],
            "S2_conf": [res["S2_conf"][i, j] for i, j in pairs],
        },
        index=pd.MultiIndex.from_tuples([(names[i], names[j]) for i, j in pairs], names=["parameter_a", "parameter_b"]),
    )
    return df, s2.sort_values("S2", ascending=False)


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
    return sobol_analysis(
        problem, y, second_order=second_order, seed=seed, num_resamples=num_resamples, conf_level=conf_level
    )[0]


#: Largest change of a total-order index between N/2 and N base samples for the indices to count
#: as converged, and the interval half-width above which an index is "not precise": 0.05, the
#: screening threshold of Sarrazin, Pianosi and Wagener (2016).
CONVERGED_CHANGE = 0.05
#: Bootstrap resamples of the convergence check.
CONVERGENCE_RESAMPLES = 200


def sobol_convergence(
    problem: dict[str, Any],
    y: np.ndarray,
    *,
    second_order: bool = False,
    seed: int | None = 0,
    num_resamples: int = CONVERGENCE_RESAMPLES,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return the indices against the sample size, and how stable the ranking is.

    The indices are computed on the first N/8, N/4, N/2 and N base samples of the Saltelli
    sample (prefixes of a Sobol sequence of length a power of 2 are balanced), each with a
    bootstrap interval of the total order, with SALib's estimators (Saltelli 2010 for S1,
    Jansen for ST). The bootstrap at N also counts how often the top parameters come out
    in the same order.

    Returns
    -------
    (DataFrame, dict)
        A table with one row per (``n_base``, ``parameter``): ``runs, S1, ST, ST_conf, rank``;
        and ``{"k", "top", "stable_ranking", "max_st_change", "bootstrap_top1", "bootstrap_topk",
        "sizes", "resamples"}``: the top ``k`` (at most 3) at N, whether their order is the
        same at N/2, the largest change of any ST from N/2 to N, and the share of bootstrap
        resamples at N with the same top parameter and the same top ``k`` in order.
    """
    from SALib.analyze.sobol import first_order, separate_output_values, total_order
    from scipy.stats import norm

    y = _check_finite(y, "Sobol analysis")
    names = list(problem["names"])
    d = len(names)
    step = 2 * d + 2 if second_order else d + 2
    n_full = len(y) // step
    sizes = sorted({n for n in (n_full // 8, n_full // 4, n_full // 2, n_full) if n >= 4} | {n_full})
    z = norm.ppf(0.5 + conf_level / 2)
    rng = np.random.default_rng(seed)
    rows, boot_ranks = [], None
    for n in sizes:
        a, b, ab, _ = separate_output_values(y[: n * step], d, n, second_order)
        s1 = np.array([first_order(a, ab[:, j], b) for j in range(d)])
        st = np.array([total_order(a, ab[:, j], b) for j in range(d)])
        r = rng.integers(0, n, size=(n, num_resamples))
        st_boot = np.array([total_order(a[r], ab[r, j], b[r]) for j in range(d)])  # (d, resamples)
        conf = z * st_boot.std(axis=1, ddof=1)
        order = np.argsort(-st, kind="stable")
        rank = np.empty(d, dtype=int)
        rank[order] = np.arange(1, d + 1)
        for j in range(d):
            rows.append(
                {
                    "n_base": n,
                    "runs": n * step,
                    "parameter": names[j],
                    "S1": s1[j],
                    "ST": st[j],
                    "ST_conf": conf[j],
                    "rank": int(rank[j]),
                }
            )
        if n == n_full:
            boot_ranks = np.argsort(-st_boot, axis=0, kind="stable")  # (d, resamples): parameter indices by rank
    table = pd.DataFrame(rows)
    full = table[table["n_base"] == n_full].sort_values("rank")
    # the top k: at most 3, among the parameters that matter (ties at zero have no order)
    k = max(1, min(3, int((full["ST"] >= CONVERGED_CHANGE).sum())))
    top = list(full["parameter"][:k])
    summary: dict[str, Any] = {"k": k, "top": top, "sizes": sizes, "resamples": num_resamples}
    if len(sizes) >= 2:
        half = table[table["n_base"] == sizes[-2]].set_index("parameter")
        summary["stable_ranking"] = list(half.sort_values("rank").index[:k]) == top
        summary["max_st_change"] = float((full.set_index("parameter")["ST"] - half["ST"]).abs().max())
        summary["half"] = sizes[-2]
    else:
        summary["stable_ranking"], summary["max_st_change"], summary["half"] = None, None, None
    idx = [names.index(t) for t in top]
    assert boot_ranks is not None
    summary["bootstrap_top1"] = float(np.mean(boot_ranks[0] == idx[0]))
    summary["bootstrap_topk"] = float(np.mean(np.all(boot_ranks[:k].T == np.array(idx), axis=1)))
    return table, summary


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
        seed=_salib_seed(seed),
    )
    df = pd.DataFrame(
        {k: np.asarray(res[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
        index=pd.Index(problem["names"], name="parameter"),
    )
    df = df.sort_values("mu_star", ascending=False)
    df["rank"] = np.arange(1, len(df) + 1)
    return df


def moment_free_indices(
    method: str,
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int | None = 0,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Return delta, PAWN or RBD-FAST indices of any sample (e.g. a Latin hypercube), ranked.

    Parameters
    ----------
    method
        ``"delta"`` (Borgonovo's moment-independent delta, SALib's ``delta_raw`` estimator of
        Plischke, Borgonovo and Smith 2013, with a first-order S1 estimate),
        ``"pawn"`` (Pianosi and Wagener's CDF-based index; ten conditioning slices) or
        ``"rbd_fast"`` (first order by random balance designs; harmonics M = 10).
    problem
        The SALib problem the sample was drawn with.
    x
        The sample (rows x parameters, in the problem's bounds).
    y
        One output per sample row.
    seed, num_resamples, conf_level
        Bootstrap of the intervals (delta, RBD-FAST; PAWN reports the spread over slices).

    Returns
    -------
    DataFrame
        Index ``parameter``; delta: ``delta, delta_conf, S1, S1_conf``; PAWN: ``median,
        mean, minimum, maximum, CV``; RBD-FAST: ``S1, S1_conf``; and ``rank`` (1 = largest of
        the first column).
    """
    from SALib.analyze import delta, pawn, rbd_fast

    y = _check_finite(y, f"{method} analysis")
    if np.ptp(y) == 0:
        raise WecsimError(f"the output is the same in every run: there is no variation for {method} to attribute")
    x = np.asarray(x, dtype=float)
    if method == "delta":
        res = dict(
            delta.analyze(problem, x, y, num_resamples=num_resamples, conf_level=conf_level, seed=_salib_seed(seed))
        )
        res["delta"], res["delta_conf"] = res["delta_raw"], res["delta_raw_conf"]  # Plischke et al. (2013)
        cols = ("delta", "delta_conf", "S1", "S1_conf")
    elif method == "pawn":
        res = pawn.analyze(problem, x, y, S=10, seed=_salib_seed(seed))
        cols = ("median", "mean", "minimum", "maximum", "CV")
    elif method == "rbd_fast":
        res = rbd_fast.analyze(
            problem, x, y, M=10, num_resamples=num_resamples, conf_level=conf_level, seed=_salib_seed(seed)
        )
        cols = ("S1", "S1_conf")
    else:
        raise WecsimError(f"--method: expected delta, pawn or rbd_fast, got {method!r}")
    df = pd.DataFrame(
        {k: np.asarray(res[k], dtype=float) for k in cols}, index=pd.Index(problem["names"], name="parameter")
    )
    df = df.sort_values(cols[0], ascending=False)
    df["rank"] = np.arange(1, len(df) + 1)
    return df


# ---------------------------------------------------------------------------- self-checks
@dataclass
class Check:
    """One finding of the self-checks of an analysis, in plain words.

    Attributes
    ----------
    level
        ``"warning"`` (do not read the indices as the model's sensitivity until it is
        resolved), ``"note"`` (what the indices mean) or ``"ok"`` (a check passed).
    kind
        ``noise``, ``impossible``, ``unconverged``, ``constant``, ``convergence`` or ``weather``.
    text
        The finding.
    """

    level: str
    kind: str
    text: str


def noise_checks(runs: pd.DataFrame, replicates: int, crn: bool) -> tuple[list[Check], dict[str, float | None]]:
    """Say how much of the output is weather (replicate) variation, and whether it can bias the indices.

    Parameters
    ----------
    runs
        One row per run: ``point``, ``replicate`` and ``y`` (the output).
    replicates
        Replicates per design point.
    crn
        Whether replicate ``r`` of every point had the same seed (common random numbers).

    Returns
    -------
    (list of Check, dict)
        The findings, and ``{"replicate_share", "noise_share"}``: the share of the runs'
        variance that lies between replicates of one point, and (independent weather only)
        the share of the analysed output's variance (the mean over replicates) that is noise,
        ``mean within-point variance / R / variance of the point means``.
    """
    out: dict[str, float | None] = {"replicate_share": None, "noise_share": None}
    checks: list[Check] = []
    if replicates < 2:
        if crn:
            checks.append(
                Check(
                    "note",
                    "weather",
                    "every run had the same weather (common random numbers, 1 replicate): the indices hold for "
                    "that one weather sequence; add replicates to average over weather",
                )
            )
        else:
            checks.append(
                Check(
                    "warning",
                    "noise",
                    "each run had its own weather and there is 1 replicate: weather noise cannot be measured and "
                    "enters the indices as if a parameter caused it; set common_random_numbers: true (the default "
                    "for sobol and morris designs) or add replicates",
                )
            )
        return checks, out
    y = runs["y"].to_numpy(dtype=float)
    total = float(np.var(y, ddof=1)) if len(y) > 1 else 0.0
    within = float(runs.groupby("point")["y"].var(ddof=1).mean())
    means = runs.groupby("point")["y"].mean()
    out["replicate_share"] = within / total if total > 0 else None
    share = out["replicate_share"]
    if crn:
        if share is not None:
            checks.append(
                Check(
                    "note",
                    "weather",
                    f"{100 * min(share, 1.0):.0f}% of the runs' variance is between replicates (the {replicates} "
                    "weather sequences every sample row shares); the indices are of the mean over them",
                )
            )
        return checks, out
    var_means = float(np.var(means, ddof=1)) if len(means) > 1 else 0.0
    noise = within / replicates / var_means if var_means > 0 else None
    out["noise_share"] = noise
    if noise is not None and noise > 0.2:
        checks.append(
            Check(
                "warning",
                "noise",
                f"noise-dominated: {100 * min(noise, 1):.0f}% of the variance of the analysed output (the mean of "
                f"{replicates} replicates with independent weather) is replicate noise; set common_random_numbers: "
                "true or add replicates",
            )
        )
    elif noise is not None:
        checks.append(Check("ok", "noise", f"replicate noise is {100 * noise:.0f}% of the analysed output's variance"))
    return checks, out


def _fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) >= 0.005 else f"{v:.3f}"


def sobol_checks(
    table: pd.DataFrame,
    second: pd.DataFrame | None = None,
    convergence: dict[str, Any] | None = None,
) -> list[Check]:
    """Check Sobol indices for what cannot be (negative, above 1, ST < S1, sums) and for imprecision.

    An index is *impossible* when it is outside [0, 1] beyond its interval, when ST is
    below S1 beyond both intervals, or when the first-order indices add up to more than 1
    beyond their combined interval. It is *unconverged* when the interval is wider than the
    index, for a parameter that matters (ST >= :data:`CONVERGED_CHANGE`). ``convergence`` is
    the summary of :func:`sobol_convergence`.
    """
    checks: list[Check] = []
    why = "usual causes: noise (runs with independent weather) or too small a sample (design.n)"
    for name, row in table.iterrows():
        for idx in ("S1", "ST"):
            v, c = float(row[idx]), float(row[f"{idx}_conf"])
            if v + c < 0:
                checks.append(
                    Check(
                        "warning",
                        "impossible",
                        f"impossible: {idx} of {name} is {_fmt(v)}, below 0 beyond its interval (±{_fmt(c)}); a "
                        f"share of variance cannot be negative ({why})",
                    )
                )
            elif v - c > 1:
                checks.append(
                    Check("warning", "impossible", f"impossible: {idx} of {name} is {_fmt(v)}, above 1 ({why})")
                )
        if float(row["ST"]) + float(row["ST_conf"]) < float(row["S1"]) - float(row["S1_conf"]):
            checks.append(
                Check(
                    "warning",
                    "impossible",
                    f"impossible: ST of {name} ({_fmt(row['ST'])}) is below its S1 ({_fmt(row['S1'])}) beyond "
                    f"both intervals ({why})",
                )
            )
    s1_sum = float(table["S1"].sum())
    s1_conf = float(np.sqrt((table["S1_conf"] ** 2).sum()))
    if s1_sum - s1_conf > 1:
        checks.append(
            Check(
                "warning",
                "impossible",
                f"impossible: the first-order indices add up to {_fmt(s1_sum)} (> 1 beyond ±{_fmt(s1_conf)}); "
                f"they are shares of one variance ({why})",
            )
        )
    for name, row in table.iterrows():
        if row["ST"] >= CONVERGED_CHANGE and row["ST_conf"] > row["ST"]:
            checks.append(
                Check(
                    "warning",
                    "unconverged",
                    f"unconverged: the interval of ST of {name} (±{_fmt(row['ST_conf'])}) is wider than the index "
                    f"({_fmt(row['ST'])}); increase design.n",
                )
            )
    if second is not None:
        for (a, b), row in second.iterrows():
            if row["S2"] + row["S2_conf"] < 0:
                checks.append(
                    Check(
                        "warning",
                        "impossible",
                        f"impossible: S2 of {a} x {b} is {_fmt(row['S2'])}, below 0 beyond ±{_fmt(row['S2_conf'])}",
                    )
                )
    if not [c for c in checks if c.kind == "impossible"]:
        checks.append(
            Check(
                "ok",
                "impossible",
                f"every index is within [0, 1] and ST >= S1 within their intervals; first-order sum {_fmt(s1_sum)}, "
                f"total-order sum {_fmt(float(table['ST'].sum()))}",
            )
        )
    if convergence is not None:
        checks.extend(_convergence_checks(convergence))
    return checks


def _convergence_checks(conv: dict[str, Any]) -> list[Check]:
    """Ranking convergence and index convergence, told apart (Sarrazin et al. 2016): a ranking settles first."""
    top = " > ".join(conv["top"])
    boot = (
        f"top parameter {conv['top'][0]} in {100 * conv['bootstrap_top1']:.0f}% and this order of the top "
        f"{conv['k']} in {100 * conv['bootstrap_topk']:.0f}% of {conv['resamples']} bootstrap resamples"
    )
    if conv["stable_ranking"] is None:
        return [Check("warning", "convergence", f"the sample is too small to check convergence; {boot}")]
    n_half, n_full = conv["half"], conv["sizes"][-1]
    ranked = conv["stable_ranking"] and conv["bootstrap_topk"] >= 0.9
    same = "the same" if conv["stable_ranking"] else "NOT the same"
    rank_text = f"ranking of the top {conv['k']} ({top}) is {same} with N = {n_half} and {n_full} base samples; {boot}"
    checks = [
        Check("ok", "convergence", f"ranking converged: {rank_text}")
        if ranked
        else Check("warning", "convergence", f"ranking not converged: {rank_text}; increase design.n")
    ]
    change = conv["max_st_change"]
    values = f"largest change of an ST from N = {n_half} to {n_full}: {_fmt(change)}"
    if change <= CONVERGED_CHANGE:
        checks.append(Check("ok", "convergence", f"index values converged: {values} (<= {CONVERGED_CHANGE})"))
    else:
        checks.append(
            Check(
                "warning",
                "convergence",
                f"index values not converged: {values} (> {CONVERGED_CHANGE}); read the ranking, not the values, or "
                "increase design.n",
            )
        )
    return checks


def morris_checks(table: pd.DataFrame, y: np.ndarray) -> list[Check]:
    """Check Morris statistics: a constant output (all zeros) and intervals wider than mu*."""
    y = np.asarray(y, dtype=float)
    if np.ptp(y) == 0:
        return [
            Check(
                "warning",
                "constant",
                f"the output is the same in every run ({y[0]:.6g}): every elementary effect is zero and the table "
                "ranks nothing; choose another output or year",
            )
        ]
    checks = []
    top = table["mu_star"].max()
    for name, row in table.iterrows():
        if row["mu_star"] >= 0.1 * top and row["mu_star_conf"] > row["mu_star"]:
            checks.append(
                Check(
                    "warning",
                    "unconverged",
                    f"unconverged: the interval of mu* of {name} (±{row['mu_star_conf']:.3g}) is wider than mu* "
                    f"({row['mu_star']:.3g}); add trajectories (design.n)",
                )
            )
    if not checks:
        checks.append(Check("ok", "unconverged", "every mu* of 10% of the largest or more is larger than its interval"))
    return checks


def moment_free_checks(method: str, table: pd.DataFrame, y: np.ndarray) -> list[Check]:
    """Check delta and RBD-FAST indices (PAWN has no interval): impossible and unconverged values."""
    checks = []
    if "S1" in table:
        s1_sum = float(table["S1"].sum())
        if s1_sum - float(np.sqrt((table["S1_conf"] ** 2).sum())) > 1:
            checks.append(
                Check("warning", "impossible", f"impossible: the first-order indices add up to {_fmt(s1_sum)} (> 1)")
            )
    first = table.columns[0]
    conf = f"{first}_conf"
    if conf in table:
        for name, row in table.iterrows():
            if row[first] >= CONVERGED_CHANGE and row[conf] > row[first]:
                checks.append(
                    Check(
                        "warning",
                        "unconverged",
                        f"unconverged: the interval of {first} of {name} (±{_fmt(row[conf])}) is wider than the "
                        f"index ({_fmt(row[first])}); add sample rows (design.n)",
                    )
                )
    if not checks:
        checks.append(Check("ok", "impossible", f"{method}: no impossible or imprecise index among those that matter"))
    return checks


def plot_indices(
    table: pd.DataFrame,
    method: str,
    title: str,
    png: str | Path,
    html_path: str | Path,
    *,
    checks: list[Check] | None = None,
    second_order: pd.DataFrame | None = None,
    convergence: pd.DataFrame | None = None,
) -> None:
    """Write a tornado-style horizontal bar chart of the indices as PNG and as an HTML page.

    Parameters
    ----------
    table
        Output of :func:`sobol_indices`, :func:`morris_indices` or :func:`moment_free_indices`.
    method
        ``"sobol"``, ``"morris"``, ``"delta"``, ``"pawn"`` or ``"rbd_fast"``.
    title
        Chart title.
    png, html_path
        Files to write. The HTML page holds the chart (SVG, no external files), the table,
        and, when given, the checks, the second-order table and a convergence chart.
    checks, second_order, convergence
        See :class:`wecsim.experiments.reports.SensitivityReport`.
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
    elif method == "morris":
        ax.barh(ypos, t["mu_star"], 0.6, xerr=t["mu_star_conf"], color="#1f77b4", capsize=3, label="mu*")
        ax.set_xlabel("Morris mu* [output units per unit of normalised input] (bars: 95% CI)")
    elif method == "pawn":
        ax.barh(ypos, t["median"], 0.6, color="#1f77b4", label="median")
        ax.plot(t["maximum"], ypos, "k|", markersize=12, label="maximum")
        ax.set_xlabel("PAWN index (median KS distance over 10 slices) [-]")
        ax.legend(loc="lower right")
    else:
        first = "delta" if method == "delta" else "S1"
        ax.barh(ypos, t[first], 0.6, xerr=t[f"{first}_conf"], color="#1f77b4", capsize=3, label=first)
        ax.set_xlabel(f"{method} {first} [-] (bars: 95% confidence interval)")
        ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(ypos, names)
    ax.set_title(title)
    fig.tight_layout()
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    plt.close(fig)
    parts = [svg.getvalue()[svg.getvalue().find("<svg") :], table.to_html(float_format=lambda v: f"{v:.4f}", border=0)]
    if checks:
        items = "".join(f"<li><b>{html.escape(c.level)}</b> {html.escape(c.text)}</li>" for c in checks)
        parts.append(f"<h2>Checks</h2><ul>{items}</ul>")
    if second_order is not None:
        parts.append(
            "<h2>Second-order indices</h2>" + second_order.to_html(float_format=lambda v: f"{v:.4f}", border=0)
        )
    if convergence is not None:
        fig, ax = plt.subplots(figsize=(8, 4))
        for name, g in convergence.groupby("parameter", sort=False):
            ax.errorbar(g["n_base"], g["ST"], yerr=g["ST_conf"], marker="o", capsize=3, label=str(name))
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base sample size N")
        ax.set_ylabel("total-order index ST [-] (bars: 95% bootstrap CI)")
        ax.set_title("Convergence of the total-order indices")
        ax.legend(fontsize=8)
        fig.tight_layout()
        conv_svg = io.StringIO()
        fig.savefig(conv_svg, format="svg")
        plt.close(fig)
        text = conv_svg.getvalue()
        parts.append("<h2>Convergence</h2>" + text[text.find("<svg") :])
    body = "\n".join(parts)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}}
th:first-child,td:first-child{{text-align:left}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
{body}
</body></html>
"""
    Path(html_path).write_text(page, encoding="utf-8")
