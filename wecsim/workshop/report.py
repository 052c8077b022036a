"""The debrief report of a workshop: HTML and PDF made on this machine, with the decisions as CSV.

What the report shows comes from :meth:`~wecsim.workshop.service.Workshops.debrief`: every
round's decisions in plain words, the national indicators (and every region's) against their
targets and against the same scenario run without the teams (same seed and events, every agent
on its own rule), each role's score on its own objectives, the charts, and the facilitator's
lessons. The charts
are matplotlib PNGs (embedded in the HTML as ``data:`` URIs, so the file stands alone); the
PDF is made with fpdf2 (LGPL-3.0, a pure-Python library) in DejaVu Sans, the TTF matplotlib
ships, which has the Cyrillic and Kazakh letters. Nothing is downloaded.

The report is written in the language in use (:func:`wecsim.i18n.use_language`: ``wecsim
workshop report --lang kk``, or the facilitator page's language); the decisions CSV keeps the
stored English ids.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from wecsim.i18n import _, current_language
from wecsim.workshop.scores import NATIONAL_LABELS, regions_against_targets, targets
from wecsim.workshop.shown import eu_added_table, figure, regions_table, shown_table

#: The files a report folder holds.
REPORT_FILES = frozenset({"report.html", "report.pdf", "decisions.csv"})
#: The national indicators charted year by year (deficit, the two targets, CO2, money, floods).
CHARTED = ("water_deficit_km3", "recycling_rate", "res_share", "co2_total_mt", "committed_meur", "flood_damage_meur")
#: Chart size [inches] and resolution [dpi]: legible on an A4 page and on a projector.
CHART_IN = (9.0, 5.5)
SCORES_IN = (9.0, 3.5)
CHART_DPI = 110
#: Colours of the two runs (the workshop in the app's blue, the no-team run in grey).
WORKSHOP_COLOUR, WITHOUT_COLOUR, TARGET_COLOUR = "#1f5fa8", "#8c8c8c", "#c0392b"
DECISION_COLUMNS = ["round", "years", "team", "decision"]
#: Columns of the decisions CSV (the same as ``wecsim workshop export``).
CSV_COLUMNS = ["workshop_id", "round", "first_year", "last_year", "role", "submitted_utc", "counts", "payload_json"]


def _font_paths() -> tuple[Path, Path]:
    """Return matplotlib's DejaVu Sans regular and bold TTFs (Latin, Cyrillic and Kazakh letters)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def charts(board: dict[str, Any]) -> dict[str, bytes]:
    """Return the report's charts as PNG bytes: the national indicators by year, and the scores."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out: dict[str, bytes] = {}
    years = board["national_years"]
    if not years.empty:
        fig = Figure(figsize=CHART_IN, layout="constrained")
        axes = fig.subplots(2, 3).ravel()
        goals = targets()
        for ax, key in zip(axes, CHARTED, strict=True):
            label, unit = NATIONAL_LABELS[key]
            for run, colour, style in (("without teams", WITHOUT_COLOUR, "--"), ("workshop", WORKSHOP_COLOUR, "-")):
                d = years[(years["indicator"] == key) & (years["run"] == run)]
                ax.plot(d["year"], d["value"], style, color=colour, label=_(run), marker=".")
            for t in goals[goals["indicator"] == key].to_dict("records"):
                if t["year"] <= int(years["year"].max()) + board["years_per_round"]:
                    ax.axhline(
                        t["value"], color=TARGET_COLOUR, lw=0.8, ls=":", label=_("target {year}").format(year=t["year"])
                    )
            for n in range(1, board["played"]):
                ax.axvline(int(years["year"].min()) + n * board["years_per_round"] - 0.5, color="#dddddd", lw=0.8)
            ax.set_title(f"{_(label)} [{_(unit)}]", fontsize=9)
            ax.tick_params(labelsize=7)
        axes[0].legend(fontsize=7)
        axes[1].legend(fontsize=7)
        out["national.png"] = _png(fig)
    totals = board["totals"]
    if not totals.empty:
        fig = Figure(figsize=SCORES_IN, layout="constrained")
        ax = fig.subplots()
        shown = totals.iloc[::-1]
        colours = [WORKSHOP_COLOUR if p >= 0 else TARGET_COLOUR for p in shown["points"]]
        ax.barh(shown_table(shown)[_("team")], shown["points"], color=colours)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(_("points: what the team's decisions added on its own objectives (vs the run without teams)"))
        ax.tick_params(labelsize=8)
        out["scores.png"] = _png(fig)
    return out


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI, metadata={"Software": None})
    return buf.getvalue()


def _fmt(x: Any) -> str:
    """Return a cell as text: numbers to 3 significant digits in the language's format, blanks for none."""
    return str(figure(x)) if isinstance(x, float) else "" if x is None else str(x)


def _tables(board: dict[str, Any]) -> list[tuple[str, pd.DataFrame]]:
    """Return the report's tables, titled, in the order they are shown."""
    national = board["national"][["label", "unit", "workshop", "without_teams", "change", "target", "target_year"]]
    scores = board["scores"][["team", "objective", "unit", "better", "workshop", "without_teams", "change", "points"]]
    decisions = pd.DataFrame(board["decisions"], columns=DECISION_COLUMNS)
    events = pd.DataFrame(board["events"], columns=["event", "year"])
    year = int(board["national"]["year"].iloc[0]) if len(board["national"]) else None
    tables = [
        (_("Kazakhstan in {year} against its targets").format(year=year) if year else _("Kazakhstan"), national),
        (_("Scores: each team on its own objectives"), board["totals"][["team", "points"]]),
        (_("The scores in detail"), scores),
        (_("Events the facilitator injected"), events),
    ]
    regions = regions_against_targets(board["outcomes"], board["without_teams"])
    if not regions.empty and year:
        title = _("The regions in {year}: the water deficit and the targets").format(year=year)
        tables.insert(1, (title, regions_table(regions)))
    if board.get("eu") and year:
        first = int(board["outcomes"][0]["national"][0]["year"])
        title = _("What EU money added, {first}-{year}").format(first=first, year=year)
        tables.insert(1, (title, eu_added_table(board["eu"], first, year)))
    for n, played in enumerate(board["by_round"], start=1):
        years = decisions[decisions["round"] == n]["years"].iloc[0] if (decisions["round"] == n).any() else ""
        tables.append(
            (_("Round {round}: decisions").format(round=n), decisions[decisions["round"] == n][["team", "decision"]])
        )
        tables.append(
            (_("Round {round}: the country at the end of {years}").format(round=n, years=years), played["national"])
        )
        tables.append(
            (
                _("Round {round}: each team's objectives at the end of {years}").format(round=n, years=years),
                played["roles"],
            )
        )
    return [(title, shown_table(df)) for title, df in tables]


def _intro(board: dict[str, Any]) -> list[str]:
    last = board["played"]
    return [
        _(
            "Workshop {workshop}: scenario {scenario}, seed {seed}, {rounds} rounds of {years} years; {played} played."
        ).format(
            workshop=board["workshop_id"],
            scenario=board["scenario"],
            seed=board["seed"],
            rounds=board["rounds"],
            years=board["years_per_round"],
            played=last,
        ),
        _(
            "Each number is compared with the same scenario run without the teams: the same seed and the same "
            "events, every agent on its own rule. The change is what the teams' decisions did."
        ),
    ]


def _title(board: dict[str, Any]) -> str:
    return _("Workshop {workshop}: debrief").format(workshop=board["workshop_id"])


def _chart_titles() -> tuple[tuple[str, str], ...]:
    return (("national.png", _("The country, year by year")), ("scores.png", _("Scores")))


def _lesson_where(lesson: dict) -> str:
    return _("round {round}, ").format(round=lesson["round"]) if lesson["round"] else ""


def html_report(board: dict[str, Any], pngs: dict[str, bytes]) -> str:
    """Return the report as one HTML page (charts embedded as ``data:`` URIs; nothing loaded from elsewhere)."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{current_language()}"><head><meta charset="utf-8">',
        f"<title>{esc(_title(board))}</title>",
        "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:0.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:2px 6px;"
        "font-size:0.9rem;text-align:left}img{max-width:100%}</style></head><body>",
        f"<h1>{esc(_title(board))}</h1>",
        *[f"<p>{esc(p)}</p>" for p in _intro(board)],
    ]
    for name, title in _chart_titles():
        if name in pngs:
            data = base64.b64encode(pngs[name]).decode("ascii")
            parts += [f"<h2>{esc(title)}</h2>", f'<img alt="{esc(title)}" src="data:image/png;base64,{data}">']
    for title, df in _tables(board):
        parts.append(f"<h2>{esc(title)}</h2>")
        with pd.option_context("display.max_colwidth", None):  # pandas would cut long texts to 50 characters
            parts.append(df.to_html(index=False, escape=True, na_rep="", float_format=_fmt, border=0))
    parts.append(f"<h2>{esc(_("The facilitator's lessons"))}</h2>")
    lessons = board.get("lessons") or []
    if not lessons:
        parts.append(f"<p>{esc(_('No lesson was noted.'))}</p>")
    for lesson in lessons:
        where = _lesson_where(lesson)
        parts.append(f"<p><b>{esc(where + lesson['written_utc'])}</b>: {esc(lesson['text'])}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def pdf_report(board: dict[str, Any], pngs: dict[str, bytes]) -> bytes:
    """Return the report as a PDF (A4, DejaVu Sans, the same tables and charts as the HTML)."""
    from fpdf import FPDF

    regular, bold = _font_paths()
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(_title(board))
    pdf.set_creator("wecsim")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def heading(text: str, size: int = 13) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(text: str) -> None:
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    heading(_title(board), 16)
    for p in _intro(board):
        para(p)
    for name, title in _chart_titles():
        if name in pngs:
            heading(title)
            pdf.image(io.BytesIO(pngs[name]), w=width)
            pdf.ln(2)
    for title, df in _tables(board):
        heading(title, 11)
        if df.empty:
            para(_("none"))
            continue
        pdf.set_font("DejaVu", "", 7)
        with pdf.table(text_align="LEFT", line_height=4) as table:
            table.row([str(c) for c in df.columns])
            for row in df.itertuples(index=False):
                table.row([_fmt(v) for v in row])
        pdf.ln(2)
    heading(_("The facilitator's lessons"))
    lessons = board.get("lessons") or []
    if not lessons:
        para(_("No lesson was noted."))
    for lesson in lessons:
        where = _lesson_where(lesson)
        para(f"{where}{lesson['written_utc']}: {lesson['text']}")
    return bytes(pdf.output())


def write_report(board: dict[str, Any], decision_rows: list[dict], folder: Path) -> None:
    """Write ``report.html``, ``report.pdf`` and ``decisions.csv`` into ``folder`` (a fresh folder)."""
    pngs = charts(board)
    (folder / "report.html").write_text(html_report(board, pngs), encoding="utf-8")
    (folder / "report.pdf").write_bytes(pdf_report(board, pngs))
    with (folder / "decisions.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(decision_rows)
