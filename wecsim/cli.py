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
    console.print(
        f"EU leverage: {res.eu_leverage():.1f} EUR of other money per EUR of EU grant; "
        f"run took {meta['elapsed_s']:.2f} s"
    )
    target = out or Path("results") / meta["scenario"]
    written = res.write(target)
    console.print(
        f"Results written to [bold]{written}[/] (national, basin, region, funder, project, "
        "transitions, ledger as .parquet and .csv; meta.json)"
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


def main() -> None:  # pragma: no cover - entry point for `python -m wecsim`
    """Run the CLI."""
    sys.exit(app())
