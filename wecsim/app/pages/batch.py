"""Batch results: open a ``wecsim batch`` results folder; fan charts, rankings, policy robustness.

For a policies x scenarios design the page also shows the robustness of each policy
(regret against the best policy of each scenario, percentiles).
"""

from __future__ import annotations

import pandas as pd
import solara

from wecsim.app.batch_results import (
    BatchError,
    allowed_roots,
    check_folder,
    fan,
    find_batches,
    indicator_direction,
    load_batch,
    policies_x_scenarios,
    ranking,
    robustness_table,
)
from wecsim.app.charts import fan_figure, new_figure, note, ranking_figure
from wecsim.app.components.chart import ChartImage
from wecsim.app.components.prose import Prose
from wecsim.app.components.tables import Table
from wecsim.app.indicators import label, scale
from wecsim.i18n import N_, _, current_language

folder = solara.reactive("")
b_indicator = solara.reactive("")
b_group = solara.reactive("none")
b_year = solara.reactive(0)
b_direction = solara.reactive("auto")
#: Labels of the robustness direction choice and what they mean.
DIRECTION_CHOICES = {N_("auto"): None, N_("less is better"): "min", N_("more is better"): "max"}
#: Columns of the robustness table shown on the page (the CSV download has them all).
ROBUSTNESS_SHOWN = [
    "rank",
    "policy",
    "mean",
    "p10",
    "p50",
    "p90",
    "regret_mean",
    "regret_p90",
    "regret_max",
    "best_in_share",
]


def regret_figure(table: pd.DataFrame, title: str, unit: str):
    """Draw each policy's mean and maximum regret as horizontal bars, the most robust on top."""
    t = table.sort_values("rank", ascending=False)
    fig, ax = new_figure(title, "", figsize=(6.4, max(2.4, 0.45 * len(t) + 1.2)))
    y = range(len(t))
    ax.barh([i + 0.2 for i in y], t["regret_max"].to_numpy(float), height=0.4, color="#c62828", label=_("maximum"))
    ax.barh([i - 0.2 for i in y], t["regret_mean"].to_numpy(float), height=0.4, color="#1565c0", label=_("mean"))
    ax.set_yticks(list(y), [str(p) for p in t["policy"]], fontsize=8)
    ax.set_xlabel(_("regret [{unit}]").format(unit=unit) if unit else _("regret"), fontsize=9)
    ax.legend(fontsize=8, loc="upper right")  # the most robust policy, on top, has the shortest bars
    note(fig, _("Regret: gap to the best policy in each scenario (0 for the best). Rank 1: least maximum regret."))
    return fig


@solara.component
def Robustness(batch, path: str, ind: str, year: int, unit: str, factor: float) -> None:
    """Show the robustness of each policy for one indicator and year (policies x scenarios batches)."""
    choice = b_direction.value if b_direction.value in DIRECTION_CHOICES else "auto"
    auto = indicator_direction(ind)
    with solara.Column(gap="4px", classes=["wecsim-batch-robustness"]):
        solara.Markdown(
            "**" + _("Robustness of the policies: {indicator} in {year}").format(indicator=label(ind), year=year) + "**"
        )
        words = {_(c): c for c in DIRECTION_CHOICES}
        solara.Select(
            _("Better is"),
            values=list(words),
            value=_(choice),
            on_value=lambda w: b_direction.set(words.get(w, "auto")),
            style={"max-width": "220px"},
        )
        try:
            table = robustness_table(batch, ind, year, DIRECTION_CHOICES[choice])
        except BatchError as exc:
            solara.Warning(str(exc), classes=["wecsim-batch-robustness-error"])
            return
        shown = table[ROBUSTNESS_SHOWN].copy()
        for c in ("mean", "p10", "p50", "p90", "regret_mean", "regret_p90", "regret_max"):
            shown[c] = shown[c] * factor
        direction = table["direction"].iloc[0]
        Table(shown, items_per_page=10, name="batch_robustness")
        ChartImage(
            lambda: regret_figure(
                shown, _("Regret of each policy: {indicator} in {year}").format(indicator=label(ind), year=year), unit
            ),
            key=("regret", path, ind, year, direction, current_language()),
            name=f"regret_{ind}_{year}",
        )
        solara.Text(
            (_("Less is better") if direction == "min" else _("More is better"))
            + (" " + _("(the indicator's own direction)") if choice == "auto" and auto else "")
            + "; "
            + _(
                "{n} scenarios, each the mean over its replicates. "
                "Regret is the gap to the best policy in the same scenario; best_in_share is the share of "
                "scenarios where the policy is the best."
            ).format(n=int(table["scenarios"].iloc[0])),
            style={"font-size": "11px", "color": "#757575"},
        )


def found_folders() -> list[str]:
    """Return the results folders under the allowed roots (``results/``, ``WECSIM_RESULTS``)."""
    roots = allowed_roots()
    return [str(p) for root in roots for p in find_batches(root, roots=roots)]


@solara.component
def BatchPage() -> None:
    """Pick a results folder; see the ensemble over time and which parameters matter most."""
    found = solara.use_memo(found_folders, [])
    path = folder.value or (found[0] if found else "")
    with solara.Column(gap="10px", classes=["wecsim-page-batch"]):
        Prose(
            _(
                "Results of many runs made with `wecsim batch EXPERIMENT.yaml --out results/NAME` "
                "(a Parquet dataset and a manifest). Pick a folder found under `results/`, or type a path "
                "to one under it (or under a folder named in `WECSIM_RESULTS` when the app was started)."
            )
        )
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
            if found:
                solara.Select(
                    _("Results folder"),
                    values=found,
                    value=path if path in found else None,
                    on_value=folder.set,
                    style={"min-width": "360px"},
                )
            solara.InputText(
                _("…or a folder path"),
                value=folder.value,
                on_value=folder.set,
                style={"min-width": "360px"},
                classes=["wecsim-batch-path"],
            )
        if not path:
            solara.Info(
                _(
                    "No batch results found. Run for example "
                    "`uv run wecsim batch experiments/quick_lhs.yaml --out results/quick` and reload this page."
                ),
                classes=["wecsim-batch-empty"],
            )
            return
        try:
            batch = load_batch(check_folder(path))
        except BatchError as exc:
            solara.Warning(str(exc), classes=["wecsim-batch-error"])
            return
        summ = pd.DataFrame(list(batch.summary().items()), columns=["", N_("value")])
        Table(summ, items_per_page=10, name="batch_summary")
        inds = batch.indicators
        ind = b_indicator.value if b_indicator.value in inds else inds[0]
        cats = [p for p in batch.parameters if not pd.api.types.is_numeric_dtype(batch.runs[p])]
        group = b_group.value if b_group.value in cats else "none"
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            solara.Select(
                _("Indicator"),
                values=[label(i) for i in inds],
                value=label(ind),
                on_value=lambda t: b_indicator.set(next(i for i in inds if label(i) == t)),
                style={"min-width": "320px"},
            )
            solara.Select(
                _("Split the fan by"),
                values=[_("none"), *cats],
                value=_("none") if group == "none" else group,
                on_value=lambda v: b_group.set("none" if v == _("none") else v),
                style={"min-width": "220px"},
            )
        q = fan(batch, ind, None if group == "none" else group)
        f = scale(ind)
        q = q.assign(**{c: q[c] * f for c in ("q05", "q25", "q50", "q75", "q95")})
        unit = label(ind).split("[")[-1].rstrip("]") if "[" in label(ind) else ""
        years = batch.years
        year = b_year.value if b_year.value in years else years[-1]
        with solara.Columns([1, 1]):
            ChartImage(
                lambda: fan_figure(
                    q, _("{indicator}: ensemble").format(indicator=label(ind)), unit, None if group == "none" else group
                ),
                key=("fan", path, ind, group, current_language()),
                name=f"fan_{ind}",
            )
            with solara.Column(gap="4px"):
                solara.Select(
                    _("Rank parameters for year"),
                    values=[str(y) for y in years],
                    value=str(year),
                    on_value=lambda v: b_year.set(int(v)),
                    style={"max-width": "220px"},
                )
                scores = ranking(batch, ind, year)
                if scores.empty:
                    solara.Text(_("No parameter varies in this batch."))
                else:
                    ChartImage(
                        lambda: ranking_figure(
                            scores, _("What drives {indicator} in {year}").format(indicator=label(ind), year=year)
                        ),
                        key=("rank", path, ind, year, current_language()),
                        name=f"ranking_{ind}_{year}",
                    )
                    solara.Text(
                        _(
                            "Score: |Spearman rank correlation| with the outcome across runs "
                            "(correlation ratio for categorical parameters); a screening measure."
                        ),
                        style={"font-size": "11px", "color": "#757575"},
                    )
        if policies_x_scenarios(batch) is not None:
            Robustness(batch, path, ind, year, unit, f)
