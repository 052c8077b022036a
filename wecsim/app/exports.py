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
    card_values,
    eu_card,
    eu_explanation,
    eu_money_text,
    fmt_delta,
    mobilisation_text,
    scope_name,
)
from wecsim.app.params import changed, controls, defaults, values_of
from wecsim.app.runs import Ensemble
from wecsim.app.scenario_io import scenario_yaml
from wecsim.i18n import _, current_language
from wecsim.i18n import date as local_date
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


def t(message: str, **values: object) -> str:
    """Return a (translated) message filled with ``values`` and escaped for HTML."""
    return html.escape(message.format(**values))


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, classes="t", escape=True, na_rep="–")


def without_eu(ens: Ensemble, scope: str = "eu") -> Ensemble:
    """Return the runs of ``ens`` without the EU money of ``scope`` (the runs themselves if it has none).

    The app has usually run them already (they come from the run cache); otherwise they run now.
    """
    if not additionality.has_eu_money(ens.scenario, scope):
        return ens
    cf = runs.counterfactual(ens.scenario, scope)
    return Ensemble(cf, runs.run_many(cf, ens.seeds), cf.name)


def eu_section(ens: Ensemble, without: Ensemble, years: tuple[int, ...], scope: str = "eu") -> str:
    """Return the report's "What EU money adds" section as HTML."""
    who = scope_name(scope)
    head = "<h2>" + html.escape(_("What {who} adds").format(who=who)) + "</h2>\n"
    head += f"<p>{html.escape(who)}: {html.escape(_(EU_SCOPE_HELP[scope]))}. "
    head += html.escape(eu_explanation(scope)) + "</p>\n"
    end = int(ens.first.national["year"].max())
    cards = [eu_card(ens.runs, without.runs, y, scope) for y in sorted({min(y, end) for y in years})]
    if not cards[-1].has_eu_money:
        return head + "<p>" + t(_("No {who} in this scenario: nothing to attribute to it."), who=who) + "</p>\n"
    rows = [
        {
            _("what it adds"): _(o.title),
            _("years"): o.period(c.year, c.first_year),
            _("value"): fmt_delta(c.values[o.key][0], o.digits),
            _("unit"): _(o.unit),
            **(
                {
                    _("10-90% across runs"): _("{low} to {high}").format(
                        low=fmt_delta(c.values[o.key][1], o.digits), high=fmt_delta(c.values[o.key][2], o.digits)
                    )
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
            _("group"): _(c.group),
            _("parameter"): c.label,
            _("value"): c.format(vals[c.name]),
            _("default"): c.format(c.param.default),
            _("changed"): _("yes") if c.name in diff else "",
            _("source of the default"): c.param.source,
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
                    _("indicator"): _(cv.headline.title),
                    _("year"): _("whole run") if cv.headline.whole_run else y,
                    _("value"): cv.text,
                    _("unit"): _(cv.headline.unit),
                    _("change vs {reference}").format(reference=ref.label if ref else _("reference")): cv.delta_text,
                }
            )
    charts = []
    for spec in EXPLORE_CHARTS:
        png = render(spec.build(ens, ref), "png")
        charts.append(
            f'<img alt="{html.escape(spec.key)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        )
    now = dt.datetime.now(dt.UTC)
    prov = pd.DataFrame(
        [
            (_("scenario"), sc.name),
            (_("scenario hash"), res.meta.get("scenario_hash", sc.scenario_hash())),
            (_("wecsim version"), res.meta.get("wecsim_version", __version__)),
            (_("seeds"), ", ".join(str(s) for s in ens.seeds)),
            (_("reference scenario"), ref.label if ref else _("none")),
            (_("years"), f"{int(res.national['year'].min())}-{int(res.national['year'].max())}"),
            (_("generated"), f"{local_date(now.date())}, {now:%H:%M} UTC ({now:%Y-%m-%d})"),
        ],
        columns=[_("field"), _("value")],
    )
    yaml_text = html.escape(scenario_yaml(sc))
    reproduce = t(_("Reproduce with {command} using the scenario file at the end."), command="\0").replace(
        "\0", f"<code>wecsim run scenario.yaml --seed {ens.seeds[0]}</code>"
    )
    style = (
        "body{font-family:Roboto,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#212121}"
        "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}"
        "table.t{border-collapse:collapse;font-size:.85em}table.t td,table.t th{padding:3px 8px;"
        "border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
        "img{width:49%;min-width:420px}pre{background:#f5f5f5;padding:1em;font-size:.8em;overflow:auto}"
    )
    words = {
        "title": t(_("wecsim report: {name}"), name=sc.name),
        "h1": t(_("wecsim scenario report: {name}"), name=sc.name),
        "provenance": t(_("Provenance")),
        "headline": t(_("Headline results")),
        "charts": t(_("Charts")),
        "levers": t(_("Levers and uncertainties (assumptions)")),
        "file": t(_("Scenario file")),
    }
    return f"""<!DOCTYPE html>
<html lang="{current_language()}"><head><meta charset="utf-8"><title>{words["title"]}</title>
<style>{style}</style></head><body>
<h1>{words["h1"]}</h1>
<p>{html.escape(sc.description or "")}</p>
<h2>{words["provenance"]}</h2>
{_table(prov)}
<p>{reproduce}</p>
<h2>{words["headline"]}</h2>
{_table(pd.DataFrame(head_rows))}
{eu_section(ens, without, years, scope)}<h2>{words["charts"]}</h2>
{"".join(charts)}
<h2>{words["levers"]}</h2>
{_table(pd.DataFrame(lever_rows))}
<h2>{words["file"]}</h2>
<pre>{yaml_text}</pre>
</body></html>
"""
