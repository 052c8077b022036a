"""The ``wecsim`` command line (Typer + Rich).

Every error the user can cause is a :class:`~wecsim.errors.WecsimError`; it is printed as
one paragraph and the command exits with code 2, never with a traceback.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wecsim.errors import ScenarioError, WecsimError

app = typer.Typer(
    name="wecsim",
    help="Simulate water, energy and circular-economy investment policy in Kazakhstan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# piped output (files, CI logs) gets a wide page instead of Rich's 80-column default
_WIDTH = None if sys.stdout.isatty() else 140
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)

ScenarioArg = Annotated[str, typer.Argument(help="Scenario YAML file, or a shipped scenario name (see `wecsim list`).")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value, e.g. --set levers.budget_eu_grant_meur=60 (repeatable)."),
]


def user_errors(func):
    """Turn user errors into a clear message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except WecsimError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper


def _fmt(x) -> str:
    if isinstance(x, float):
        if pd.isna(x):
            return "-"
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"
    return str(x)


def _table(df: pd.DataFrame, title: str, index_name: str = "") -> Table:
    table = Table(title=escape(title), title_justify="left", header_style="bold")
    table.add_column(index_name)
    for c in df.columns:
        table.add_column(escape(str(c)), justify="right")
    for idx, row in df.iterrows():
        table.add_row(escape(str(idx)), *(_fmt(v) for v in row))
    return table


def _load_results(ref: str, seed: int | None, overrides: list[str]):
    from wecsim.results import Results
    from wecsim.runner import run

    path = Path(ref)
    if path.is_dir() and (path / "meta.json").exists():
        return Results.read(path)
    return run(ref, seed=seed, overrides=overrides)


@app.command("run")
@user_errors
def run_cmd(
    scenario: ScenarioArg,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the result tables (default: results/<scenario>).")
    ] = None,
    years: Annotated[str, typer.Option(help="Years shown in the headline table, comma-separated.")] = "2025,2030,2050",
) -> None:
    """Run one scenario, print the headline table and write tidy results (Parquet and CSV)."""
    from wecsim.scenario import load_scenario

    year_list = _parse_years(years)
    config = load_scenario(scenario, set_ or [])  # validate before importing the model

    from wecsim.runner import run

    res = run(config, seed=seed)
    meta = res.meta
    console.print(
        _table(
            res.headline(tuple(year_list)),
            f"wecsim {meta['wecsim_version']} | scenario {meta['scenario']} | seed {meta['seed']} | "
            f"hash {meta['scenario_hash']}",
            "indicator",
        )
    )
    leverage = res.eu_leverage()
    lev_text = (
        "no EU grants in this run"
        if leverage != leverage  # NaN
        else f"{leverage:.1f} EUR of other money per EUR of EU grant"
    )
    console.print(f"EU leverage: {lev_text}; run took {meta['elapsed_s']:.2f} s")
    target = out or Path("results") / meta["scenario"]
    written = res.write(target)
    console.print(
        f"Results written to [bold]{written}[/] (national, basin, region, funder, project, "
        "transitions, ledger, refusals as .parquet and .csv; meta.json)"
    )


def _parse_years(years: str) -> list[int]:
    try:
        return [int(y) for y in years.split(",") if y.strip()]
    except ValueError:
        raise ScenarioError("--years", [("--years", f"expected comma-separated years, got {years!r}")]) from None


@app.command("validate")
def validate_cmd(files: Annotated[list[str], typer.Argument(help="Scenario files to check.")]) -> None:
    """Check scenario files without running them (exit 2 if any is invalid)."""
    from wecsim.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            s = load_scenario(f)
            console.print(f"[green]ok[/]   {f}  (scenario {s.name!r}, hash {s.scenario_hash()})")
        except WecsimError as exc:
            bad += 1
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    if bad:
        raise typer.Exit(code=2)


@app.command("list")
@user_errors
def list_cmd() -> None:
    """Show the shipped scenarios, the levers and the uncertainties with units and ranges."""
    from wecsim.scenario import SCENARIO_DIR, levers, load_scenario, uncertainties

    folder = Path("scenarios") if Path("scenarios").is_dir() else SCENARIO_DIR
    t = Table(title=f"Scenarios in {folder}", title_justify="left", header_style="bold")
    t.add_column("name", no_wrap=True)
    t.add_column("description")
    for path in sorted(folder.glob("*.yaml")):
        try:
            s = load_scenario(path)
            t.add_row(path.stem, escape(" ".join(s.description.split())))
        except WecsimError as exc:
            t.add_row(path.stem, f"[red]invalid: {escape(str(exc).splitlines()[-1])}[/]")
    console.print(t)
    for title, params in (("Levers (policy)", levers()), ("Uncertainties (world)", uncertainties())):
        t = Table(title=title, title_justify="left", header_style="bold")
        for col in ("name", "unit", "range", "default"):
            t.add_column(col, no_wrap=True)
        t.add_column("help", min_width=20)
        for p in params:
            rng = " | ".join(p.choices) if p.type == "categorical" else f"{p.low:g} to {p.high:g}"
            t.add_row(
                p.name,
                escape(p.unit),
                rng,
                f"{p.default:g}" if p.type != "categorical" else str(p.default),
                escape(p.help),
            )
        console.print(t)


@app.command("compare")
@user_errors
def compare_cmd(
    a: Annotated[str, typer.Argument(help="First scenario (file, name, or a results folder).")],
    b: Annotated[str, typer.Argument(help="Second scenario (file, name, or a results folder).")],
    seed: SeedOpt = None,
    years: Annotated[str, typer.Option(help="Years to compare, comma-separated.")] = "2030,2050",
) -> None:
    """Run (or read) two scenarios and print their headline indicators and differences."""
    year_list = tuple(_parse_years(years))
    ra, rb = _load_results(a, seed, []), _load_results(b, seed, [])
    ha, hb = ra.headline(year_list), rb.headline(year_list)
    rows = ha.index.union(hb.index, sort=False)
    ha, hb = ha.reindex(rows).fillna(0.0), hb.reindex(rows).fillna(0.0)
    df = pd.DataFrame(index=rows)
    for y in ha.columns:
        df[f"{y} {ra.meta['scenario']}"] = ha[y]
        df[f"{y} {rb.meta['scenario']}"] = hb[y]
        df[f"{y} difference"] = hb[y] - ha[y]
    console.print(
        _table(
            df,
            f"{rb.meta['scenario']} compared with {ra.meta['scenario']} (seeds {ra.meta['seed']} / {rb.meta['seed']})",
            "indicator",
        )
    )


# ---------------------------------------------------------------------- batch experiments
ResultsArg = Annotated[Path, typer.Argument(help="A results folder written by `wecsim batch`.")]


@app.command("batch")
@user_errors
def batch_cmd(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (YAML), e.g. experiments/quick_lhs.yaml.")],
    workers: Annotated[int | None, typer.Option("--workers", "-w", help="Worker processes (default: CPUs).")] = None,
    executor: Annotated[str, typer.Option("--executor", "-e", help="serial, pool (default) or dask.")] = "pool",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler (implies --executor dask).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Results folder (default: results/experiments/<name>).")
    ] = None,
    chunk_size: Annotated[int | None, typer.Option("--chunk-size", help="Runs per task (default: automatic).")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete earlier results in the folder first.")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Run again the runs that failed.")] = False,
    max_runs: Annotated[
        int | None, typer.Option("--max-runs", help="Stop after this many runs (resume later).")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show the progress bar.")] = True,
) -> None:
    """Run every (design point x replicate) of an experiment; rerun the same command to resume."""
    from wecsim.experiments import run_batch

    if workers is not None and workers < 1:
        raise WecsimError("--workers: expected a whole number >= 1")
    summary = run_batch(
        experiment,
        out,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        progress=progress,
        fresh=fresh,
        retry_failed=retry_failed,
        max_runs=max_runs,
    )
    failed = f", [red]{summary.n_failed} failed[/] (see the runs table's error column)" if summary.n_failed else ""
    console.print(
        f"{summary.n_done:,} of {summary.n_runs:,} runs stored in [bold]{escape(str(summary.out_dir))}[/]{failed}; "
        f"this session ran {summary.ran:,} in {summary.wall_s:.1f} s ({summary.runs_per_s:.1f} runs/s) "
        f"on {escape(summary.executor)}"
    )
    if summary.interrupted:
        err_console.print("[yellow]interrupted[/]: finished runs are kept; run the same command again to resume")
        raise typer.Exit(code=130)


@app.command("query")
@user_errors
def query_cmd(
    results: ResultsArg,
    sql: Annotated[str, typer.Argument(help="SQL over the views runs, outputs, results, design, timings.")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the whole answer to this CSV file.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows shown on screen.")] = 40,
) -> None:
    """Query batch results with DuckDB SQL, e.g. "SELECT year, avg(res_share) FROM outputs GROUP BY year"."""
    from wecsim.experiments import query

    df = query(results, sql)
    if csv is not None:
        df.to_csv(csv, index=False)
    shown = df.head(limit)
    table = Table(title=f"{len(df):,} row(s)", title_justify="left", header_style="bold")
    for c in shown.columns:
        table.add_column(escape(str(c)), justify="right" if pd.api.types.is_numeric_dtype(shown[c]) else "left")
    for row in shown.itertuples(index=False):
        table.add_row(*(escape(_fmt_cell(v)) for v in row))
    console.print(table)
    if len(df) > limit:
        console.print(f"... {len(df) - limit:,} more row(s); use --limit or --csv")


def _fmt_cell(v) -> str:
    if isinstance(v, float):
        return "-" if pd.isna(v) else f"{v:.6g}"
    return "-" if v is None else str(v)


@app.command("sensitivity")
@user_errors
def sensitivity_cmd(
    results: ResultsArg,
    output: Annotated[list[str], typer.Option("--output", help="Indicator to analyse (repeatable).")],
    year: Annotated[int | None, typer.Option("--year", help="Year of the indicator.")] = None,
    method: Annotated[str, typer.Option("--method", help="sobol, morris or auto (the design's).")] = "auto",
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Chart file prefix (default: RESULTS/sensitivity_<output>_<year>).")
    ] = None,
) -> None:
    """Sobol (first and total order, with confidence intervals) or Morris indices, ranked, with a chart."""
    from wecsim.experiments import load_results
    from wecsim.experiments.reports import sensitivity, write_sensitivity_chart

    res = load_results(results)
    for name in output:
        table, used = sensitivity(res, name, year, method)
        when = f" in {year}" if year else ""
        title = f"{used.capitalize()} indices of {name}{when} ({res.experiment.name}, {len(res.design):,} points)"
        ranked = Table(title=escape(title), title_justify="left", header_style="bold")
        ranked.add_column("rank", justify="right")
        ranked.add_column("parameter")
        for c in (c for c in table.columns if c != "rank"):
            ranked.add_column(escape(c), justify="right")
        for name_, row in table.iterrows():
            ranked.add_row(str(int(row["rank"])), escape(str(name_)), *(f"{row[c]:.3f}" for c in table if c != "rank"))
        console.print(ranked)
        prefix = chart if chart is not None and len(output) == 1 else None
        if prefix is None:
            base = chart if chart is not None else Path(results)
            stem = f"sensitivity_{name}_{year}" if year else f"sensitivity_{name}"
            prefix = (base.parent / f"{base.name}_{stem}") if chart is not None else base / stem
        png, page = write_sensitivity_chart(table, used, name, year, prefix)
        console.print(f"Chart written to [bold]{escape(str(png))}[/] and [bold]{escape(str(page))}[/]")


@app.command("discover")
@user_errors
def discover_cmd(
    results: ResultsArg,
    condition: Annotated[
        str, typer.Argument(help="Outcome of interest, a SQL condition on outputs, e.g. 'recycling_rate < 0.4'.")
    ],
    year: Annotated[int | None, typer.Option("--year", help="Year the condition is checked in (default: any).")] = None,
    method: Annotated[str, typer.Option("--method", help="prim (EMA Workbench) or cart (scikit-learn).")] = "prim",
    inputs: Annotated[str, typer.Option("--inputs", help="all, uncertainties or levers.")] = "all",
    threshold: Annotated[float, typer.Option("--threshold", help="PRIM: density a box should reach.")] = 0.8,
    boxes: Annotated[int, typer.Option("--boxes", help="Boxes to find at most.")] = 3,
) -> None:
    """Scenario discovery: which input ranges lead to the outcome of interest (PRIM or CART boxes)."""
    from wecsim.experiments.reports import discover

    found, n, n_hit, n_failed = discover(
        results, condition, year, method=method, inputs=inputs, threshold=threshold, max_boxes=boxes
    )
    when = f" in {year}" if year else " in any kept year"
    console.print(
        f"{n_hit:,} of {n:,} runs have {escape(condition)}{when} ({100 * n_hit / n:.1f}%)"
        + (f"; {n_failed} failed run(s) left out" if n_failed else "")
    )
    if not found:
        console.print("No box found.")
    for i, box in enumerate(found, 1):
        t = Table(
            title=f"Box {i} ({box.method}): coverage {box.coverage:.2f}, density {box.density:.2f}, "
            f"mass {box.mass:.2f} ({box.n_of_interest} of {box.n} runs of interest)",
            title_justify="left",
            header_style="bold",
        )
        df = box.table()
        cols = ["parameter", "box", "full range"] + (["qp_low", "qp_high"] if box.method == "prim" else [])
        for c in cols:
            t.add_column(c)
        for _, row in df.iterrows():
            t.add_row(*(escape(_fmt_cell(row[c])) for c in cols))
        console.print(t)


def main() -> None:  # pragma: no cover - entry point for `python -m wecsim`
    """Run the CLI."""
    sys.exit(app())
