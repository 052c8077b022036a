"""Files the planner takes away: results as CSV or Excel, charts as PNG/SVG, an HTML report.

Everything is built from the runs on screen. The report states its provenance (scenario
name and hash, wecsim version, seeds) so anyone can reproduce it with ``wecsim run``.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import zipfile
from collections.abc import Iterable

import pandas as pd

from wecsim import additionality
from wecsim.app import runs
from wecsim.app.charts import EXPLORE_CHARTS, render
from wecsim.app.indicators import (
    EU_OUTCOMES,
    EU_SCOPE_HELP,
    EU_SCOPES,
    card_values,
    eu_card,
    eu_explanation,
    eu_money_text,
    fmt_delta,
    mobilisation_text,
)
from wecsim.app.params import changed, controls, defaults, values_of
from wecsim.app.runs import Ensemble
from wecsim.app.scenario_io import scenario_yaml
from wecsim.results import Results
from wecsim.version import __version__


def results_zip(res: Results) -> bytes:
    """Return every table of a run as CSV files plus ``meta.json``, zipped."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in res.tables().items():
            z.writestr(f"{name}.csv", df.to_csv(index=False))
        meta = {k: v for k, v in res.meta.items() if k != "scenario_resolved"}
        z.writestr("meta.json", pd.Series(meta, dtype=object).to_json(indent=2))
        z.writestr("scenario.yaml", _resolved_yaml(res))
    return buf.getvalue()


def _resolved_yaml(res: Results) -> str:
    from wecsim.scenario import load_scenario

    resolved = res.meta.get("scenario_resolved")
    if not resolved:
        return ""
    return scenario_yaml(load_scenario(resolved))


def results_excel(res: Results) -> bytes:
    """Return every table of a run as one Excel workbook, one sheet per table, plus ``about``."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        about = pd.DataFrame(
            [(k, str(v)) for k, v in res.meta.items() if k != "scenario_resolved"], columns=["field", "value"]
        )
        about.to_excel(xl, sheet_name="about", index=False)
        for name, df in res.tables().items():
            df.to_excel(xl, sheet_name=name, index=False)
    return buf.getvalue()


def charts_zip(ens: Ensemble, ref: Ensemble | None, formats: Iterable[str] = ("png", "svg")) -> bytes:
    """Return every Explore chart in each format, zipped."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for spec in EXPLORE_CHARTS:
            fig = spec.build(ens, ref)
            for fmt in formats:
                z.writestr(f"{spec.key}.{fmt}", render(fig, fmt))
    return buf.getvalue()


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, classes="t", escape=True, na_rep="–")


def without_eu(ens: Ensemble, scope: str = "eu") -> Ensemble:
    """Return the runs of ``ens`` without the EU money of ``scope`` (the runs themselves if it has none).

    The app has usually run them already (they come from the run cache); otherwise they run now.
    """
    if not additionality.has_eu_money(ens.scenario, scope):
        return ens
    cf = additionality.counterfactual(ens.scenario, scope)
    return Ensemble(cf, runs.run_many(cf, ens.seeds), cf.name)


def eu_section(ens: Ensemble, without: Ensemble, years: tuple[int, ...], scope: str = "eu") -> str:
    """Return the report's "What EU money adds" section as HTML."""
    who = EU_SCOPES[scope]
    head = f"<h2>What {html.escape(who)} adds</h2>\n<p>{html.escape(who)}: {html.escape(EU_SCOPE_HELP[scope])}. "
    head += html.escape(eu_explanation(scope)) + "</p>\n"
    end = int(ens.first.national["year"].max())
    cards = [eu_card(ens.runs, without.runs, y, scope) for y in sorted({min(y, end) for y in years})]
    if not cards[-1].has_eu_money:
        return head + f"<p>No {html.escape(who)} in this scenario: nothing to attribute to it.</p>\n"
    rows = [
        {
            "what it adds": o.title,
            "years": o.period(c.year, c.first_year),
            "value": fmt_delta(c.values[o.key][0], o.digits),
            "unit": o.unit,
            **(
                {
                    "10-90% across runs": f"{fmt_delta(c.values[o.key][1], o.digits)} to "
                    f"{fmt_delta(c.values[o.key][2], o.digits)}"
                }
                if ens.n > 1
                else {}
            ),
        }
        for c in cards
        for o in EU_OUTCOMES
    ]
    last = cards[-1]
    return (
        head
        + f"<p>{html.escape(eu_money_text(last))}.</p>\n"
        + _table(pd.DataFrame(rows))
        + f"\n<p>{html.escape(mobilisation_text(last))}</p>\n"
    )


def report_html(
    ens: Ensemble,
    ref: Ensemble | None,
    years: tuple[int, ...] = (2030, 2050),
    without: Ensemble | None = None,
    scope: str = "eu",
) -> str:
    """Return a self-contained HTML report of the scenario on screen (charts embedded).

    ``without`` is ``ens`` without the EU money of ``scope`` (see :func:`without_eu`, which
    finds or runs it when not given), for the section on what EU money adds.
    """
    sc = ens.scenario
    res = ens.first
    if without is None:
        without = without_eu(ens, scope)
    vals = values_of(sc)
    diff = changed(vals, defaults())
    lever_rows = [
        {
            "group": c.group,
            "parameter": c.label,
            "value": c.format(vals[c.name]),
            "default": c.format(c.param.default),
            "changed": "yes" if c.name in diff else "",
            "source of the default": c.param.source,
        }
        for c in controls()
    ]
    head_rows = []
    for y in years:
        for cv in card_values(ens.runs, ref.runs if ref else [], y):
            if cv.headline.whole_run and y != years[-1]:
                continue
            head_rows.append(
                {
                    "indicator": cv.headline.title,
                    "year": "whole run" if cv.headline.whole_run else y,
                    "value": cv.text,
                    "unit": cv.headline.unit,
                    f"change vs {ref.label if ref else 'reference'}": cv.delta_text,
                }
            )
    charts = []
    for spec in EXPLORE_CHARTS:
        png = render(spec.build(ens, ref), "png")
        charts.append(
            f'<img alt="{html.escape(spec.key)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        )
    prov = pd.DataFrame(
        [
            ("scenario", sc.name),
            ("scenario hash", res.meta.get("scenario_hash", sc.scenario_hash())),
            ("wecsim version", res.meta.get("wecsim_version", __version__)),
            ("seeds", ", ".join(str(s) for s in ens.seeds)),
            ("reference scenario", ref.label if ref else "none"),
            ("years", f"{int(res.national['year'].min())}-{int(res.national['year'].max())}"),
            ("generated", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ],
        columns=["field", "value"],
    )
    yaml_text = html.escape(scenario_yaml(sc))
    style = (
        "body{font-family:Roboto,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#212121}"
        "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}"
        "table.t{border-collapse:collapse;font-size:.85em}table.t td,table.t th{padding:3px 8px;"
        "border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
        "img{width:49%;min-width:420px}pre{background:#f5f5f5;padding:1em;font-size:.8em;overflow:auto}"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wecsim report: {html.escape(sc.name)}</title>
<style>{style}</style></head><body>
<h1>wecsim scenario report: {html.escape(sc.name)}</h1>
<p>{html.escape(sc.description or "")}</p>
<h2>Provenance</h2>
{_table(prov)}
<p>Reproduce with <code>wecsim run scenario.yaml --seed {ens.seeds[0]}</code> using the scenario file at the end.</p>
<h2>Headline results</h2>
{_table(pd.DataFrame(head_rows))}
{eu_section(ens, without, years, scope)}<h2>Charts</h2>
{"".join(charts)}
<h2>Levers and uncertainties (assumptions)</h2>
{_table(pd.DataFrame(lever_rows))}
<h2>Scenario file</h2>
<pre>{yaml_text}</pre>
</body></html>
"""
