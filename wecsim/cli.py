"""The ``wecsim`` command line (Typer + Rich).

Every error the user can cause is a :class:`~wecsim.errors.WecsimError`; it is printed as
one paragraph naming the file or option and the command exits with code 2, never with a
traceback. Anything else is a fault of ours: one line, "internal error: ...", exit code 1.
``wecsim --debug COMMAND`` shows the traceback in both cases. Ctrl-C exits with 130.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wecsim.errors import WecsimError, check_number
from wecsim.version import __version__

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
#: Whether ``--debug`` was given (or ``WECSIM_DEBUG=1`` is set): show tracebacks.
_debug = {"on": os.environ.get("WECSIM_DEBUG", "") not in {"", "0"}}
#: Whether "interrupted" was said already (Typer turns a Ctrl-C outside a command into a silent exit 130).
_interrupt_told = {"done": False}
#: Largest seed accepted (numpy seeds are unbounded; the batch's are 63-bit).
MAX_SEED = 2**63 - 1

ScenarioArg = Annotated[str, typer.Argument(help="Scenario YAML file, or a shipped scenario name (see `wecsim list`).")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed >= 0 (default: the scenario's).")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value, e.g. --set levers.budget_eu_grant_meur=60 (repeatable)."),
]
OverwriteOpt = Annotated[
    bool,
    typer.Option("--overwrite", help="Replace earlier wecsim results (never other files) at the output path."),
]


def _show_version(value: bool) -> None:
    if value:
        console.print(f"wecsim {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors (for developers).")] = False,
) -> None:
    """Simulate water, energy and circular-economy investment policy in Kazakhstan."""
    _debug["on"] = debug or os.environ.get("WECSIM_DEBUG", "") not in {"", "0"}


def _say_interrupted(text: str = "[yellow]interrupted[/]") -> None:
    err_console.print(text)
    _interrupt_told["done"] = True


def _error(text: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)


def user_errors(func):
    """Turn every error of a command into one message and an exit code, never a traceback.

    :class:`WecsimError` (bad input, an unusable output path): exit 2. Ctrl-C: exit 130.
    Anything else is a fault of ours: "internal error", exit 1. With ``--debug`` the
    traceback is printed as well.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except WecsimError as exc:
            if _debug["on"]:
                traceback.print_exc()
            _error(str(exc))
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            if _debug["on"]:
                traceback.print_exc()
            _say_interrupted()
            raise typer.Exit(code=130) from None
        except Exception as exc:
            if _debug["on"]:
                traceback.print_exc()
            text = str(exc)
            text = text if len(text) <= 300 else text[:300] + "..."
            _error(
                f"internal error: {type(exc).__name__}: {text} (a fault of wecsim, not of your input; "
                "run with `wecsim --debug ...` for the traceback and please report it)"
            )
            raise typer.Exit(code=1) from None

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


def _parse_years(years: str) -> list[int]:
    """Parse ``--years`` (comma-separated whole years), before anything runs."""
    try:
        out = [int(y) for y in years.split(",") if y.strip()]
    except ValueError:
        raise WecsimError(f"--years: expected comma-separated years, e.g. 2030,2050; got {years[:60]!r}") from None
    if not out:
        raise WecsimError("--years: expected at least one year, e.g. --years 2030,2050")
    return list(dict.fromkeys(out))


def _check_years(years: list[int] | None, first: int, last: int, default: tuple[int, ...]) -> list[int]:
    """Return the years to show: ``years`` if all were simulated (``first``-``last``), else refuse.

    Without ``--years`` (``None``): the ``default`` years that were simulated, and ``last``.
    Checked before the model runs.
    """
    if years is None:
        return sorted({y for y in default if first <= y <= last} | {last})
    outside = [y for y in years if not first <= y <= last]
    if outside:
        raise WecsimError(f"--years: {', '.join(map(str, outside))} outside the simulated years {first}-{last}")
    return years


@app.command("run")
@user_errors
def run_cmd(
    scenario: ScenarioArg,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            help="New folder for the result tables (default: results/<scenario>, or results/<scenario>-2, ... "
            "when that holds an earlier run).",
        ),
    ] = None,
    overwrite: OverwriteOpt = False,
    years: Annotated[
        str | None,
        typer.Option(help="Years shown in the headline table, comma-separated (default: first, 2030, last)."),
    ] = None,
    eu_effect: Annotated[
        bool,
        typer.Option(
            "--additionality/--no-additionality",
            help="Also run the scenario without EU money (same seed) and say what the EU money changed.",
        ),
    ] = True,
) -> None:
    """Run one scenario, print the headline table and write tidy results (Parquet and CSV).

    Results go to a new folder: --out, or results/<scenario>. Earlier results are never
    replaced without --overwrite; without --out the next free results/<scenario>-N is used.
    """
    from wecsim.scenario import load_scenario

    check_number("--seed", seed, 0, MAX_SEED)
    year_list = _parse_years(years) if years is not None else None
    config = load_scenario(scenario, set_ or [])  # validate before importing the model
    year_list = _check_years(year_list, config.start_year, config.end_year, (config.start_year, 2030))
    target, note = _run_target(out, config.name, overwrite)

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
    if eu_effect:
        from wecsim.additionality import additionality, in_words

        add = additionality(config, seed=res.meta["seed"], by_instrument=False, base=res)
        console.print(f"What EU money changed: {escape(in_words(add))}.", soft_wrap=True)
        console.print(
            "  (one seed; per instrument and per region, with ranges over seeds: "
            f"wecsim additionality {escape(config.name)} --replicates 10)"
        )
    console.print(f"Run took {meta['elapsed_s']:.2f} s")
    written = res.write(target, overwrite=overwrite)
    if note:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    console.print(
        f"Results written to [bold]{escape(str(written))}[/] (national, basin, region, funder, project, "
        "transitions, ledger, refusals as .parquet and .csv; meta.json)"
    )


def _run_target(out: str | None, name: str, overwrite: bool) -> tuple[Path, str]:
    """Return where ``run`` writes, and a note when it is not the default folder; check it first.

    ``--out`` must be new, empty, or (with ``--overwrite``) earlier run results. Without
    ``--out`` the default ``results/<name>`` is used if free; if it holds something, the
    next free ``results/<name>-N`` is used instead, unless ``--overwrite`` asks to replace
    the earlier run results there.
    """
    from wecsim.outputs import check_run_target, check_writable, describe_run, folder_state, next_free, refuse_special
    from wecsim.results import RUN_FILES

    if out is not None:
        path = refuse_special(out, "--out")
        check_run_target(path, RUN_FILES, overwrite)
        check_writable(path)
        return path, ""
    default = Path("results") / name
    state, why = folder_state(default, RUN_FILES)
    note = ""
    path = default
    if state == "ours" and overwrite:
        note = f"replaced the earlier results in {default} ({describe_run(default)}), as --overwrite asked"
    elif state == "ours":
        path = next_free(default, RUN_FILES)
        note = (
            f"{default} holds an earlier run ({describe_run(default)}), kept as it is; these results went to "
            f"{path}. Pass --overwrite to replace {default}, or --out to choose a folder."
        )
    elif state in {"foreign", "file"}:
        if overwrite:
            check_run_target(default, RUN_FILES, overwrite, "--out")  # raises: --overwrite replaces only results
        path = next_free(default, RUN_FILES)
        note = f"{default} {why}, so it was left alone; these results went to {path}."
    check_writable(path)
    return path, note


def _load_results(ref: str):
    """Return the results folder ``ref`` as Results, or ``ref`` loaded as a Scenario (not run)."""
    from wecsim.results import Results
    from wecsim.scenario import load_scenario

    path = Path(ref)
    if ref.strip() and path.is_dir() and (path / "meta.json").exists():
        return Results.read(path)
    return load_scenario(ref)


@app.command("validate")
@user_errors
def validate_cmd(files: Annotated[list[str], typer.Argument(help="Scenario files to check.")]) -> None:
    """Check scenario files without running them (exit 2 if any is invalid)."""
    from wecsim.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            s = load_scenario(f)
            console.print(f"[green]ok[/]   {escape(f)}  (scenario {s.name!r}, hash {s.scenario_hash()})")
        except WecsimError as exc:
            bad += 1
            _error(str(exc))
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
    years: Annotated[
        str | None, typer.Option(help="Years to compare, comma-separated (default: 2030 and the last common year).")
    ] = None,
) -> None:
    """Run (or read) two scenarios and print their headline indicators and differences."""
    from wecsim.results import Results
    from wecsim.runner import run

    check_number("--seed", seed, 0, MAX_SEED)
    year_list = _parse_years(years) if years is not None else None
    sources = [_load_results(a), _load_results(b)]
    first = max(int(src.meta["years"][0]) if isinstance(src, Results) else src.start_year for src in sources)
    last = min(int(src.meta["years"][1]) if isinstance(src, Results) else src.end_year for src in sources)
    year_list = _check_years(year_list, first, last, (2030,))  # both must have simulated every year compared
    ra, rb = (src if isinstance(src, Results) else run(src, seed=seed) for src in sources)
    ha, hb = ra.headline(tuple(year_list)), rb.headline(tuple(year_list))
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


@app.command("additionality")
@user_errors
def additionality_cmd(
    scenario: ScenarioArg,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    scope: Annotated[
        str,
        typer.Option(help="eu: the EU budget's instruments; team_europe: adds member states and the EIB."),
    ] = "eu",
    by_instrument: Annotated[
        bool,
        typer.Option("--by-instrument/--all-only", help="Also remove each instrument alone (one run each)."),
    ] = True,
    replicates: Annotated[
        int,
        typer.Option(help="Seeds to run (the seed, then the next ones): the table shows the mean and the range."),
    ] = 1,
    out: Annotated[
        str | None,
        typer.Option("--out", help="New or empty folder for the tidy tables (Parquet and CSV); default: print only."),
    ] = None,
) -> None:
    """Show what EU money changes: the scenario against the same run without it (same seed and weather).

    Prints, per instrument, the EU money it spent and what it added: projects, water, CO2,
    renewables, recycling, flood damage, and its net mobilisation of other money (money the
    EU displaces counts against it). Then the regions where EU money saved the most water.
    """
    from wecsim.additionality import ADDITIONALITY_TABLES, additionality, combine, in_words, summary_table, write_tables
    from wecsim.outputs import check_run_target, check_writable, refuse_special, run_file_names, write_folder
    from wecsim.scenario import load_scenario

    check_number("--seed", seed, 0, MAX_SEED)
    check_number("--replicates", replicates, 1, 100)
    config = load_scenario(scenario, set_ or [])
    allowed = run_file_names(ADDITIONALITY_TABLES)
    if out is not None:
        path = refuse_special(out, "--out")
        check_run_target(path, allowed, False)
        check_writable(path)
    first_seed = config.seed if seed is None else seed
    check_number("--seed + --replicates", first_seed + replicates - 1, 0, MAX_SEED)
    runs = [
        additionality(config, seed=s, scope=scope, by_instrument=by_instrument)
        for s in range(first_seed, first_seed + replicates)
    ]
    add = combine(runs)
    first, last = add.meta["years"]
    seeds = f"{first_seed}-{first_seed + replicates - 1}" if replicates > 1 else str(first_seed)
    console.print(
        _table(
            summary_table(add.summary, first, last),
            f"What EU money changes | scenario {add.meta['scenario']} | seed {seeds}"
            f" | scope {add.meta['scope']} | each column: the run minus the same run without that money"
            + (" | mean [lowest, highest]" if replicates > 1 else ""),
            "added by",
        )
    )
    if replicates == 1:
        console.print(escape(in_words(add)) + ".", soft_wrap=True)
        console.print(
            "One seed: a region's storage or a programme's timing can move either way by chance; "
            "use --replicates 10 before drawing a conclusion.",
            soft_wrap=True,
        )
    region = add.region[add.region["indicator"] == "water_deficit_mm3"]
    saved = (-region.groupby("region")["additional"].sum() / replicates).round(2).sort_values(ascending=False) + 0.0
    moved = pd.concat([saved.head(5), saved.tail(3)])
    console.print(
        _table(
            moved.rename(f"water deficit avoided {first}-{last} [million m3, mean]").to_frame(),
            "Regions where EU money saved the most water (top), and where it lost the most (bottom)",
            "region",
        )
    )
    if out is not None:
        written = write_folder(Path(out), lambda tmp: write_tables(add, tmp), allowed, overwrite=False)
        console.print(
            f"Tables written to [bold]{escape(str(written))}[/] (national, region, projects, summary; meta.json)"
        )


@app.command("backcast")
@user_errors
def backcast_cmd(
    scenario: Annotated[
        str,
        typer.Argument(help="A history scenario (file or shipped name) that starts in 2015 (default: history_2015)."),
    ] = "history_2015",
    replicates: Annotated[
        int, typer.Option(help="Runs, 1 to 100; the fit is judged on their median (the target: 10).")
    ] = 10,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Root seed >= 0 of the replicates' seeds (default: the scenario's)."),
    ] = None,
    set_: SetOpt = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", help="New or empty folder for the tidy tables (Parquet and CSV) and a PNG chart per series."
        ),
    ] = None,
    charts: Annotated[
        bool, typer.Option("--charts/--no-charts", help="With --out: also draw a PNG chart per series.")
    ] = True,
    overwrite: OverwriteOpt = False,
) -> None:
    """Compare a history run (from 2015) with published 2015-2024 series: trend and last-year errors.

    Runs the scenario --replicates times and compares the median with each series of
    wecsim/data/observed_series.csv over the judged years 2016-2024 (2015 is the starting
    state): the trend (least-squares slope) should be within 20% of the data's and the last
    observed value within 10%. See docs/validation.md.
    """
    from wecsim import validation
    from wecsim.outputs import check_run_target, check_writable, refuse_special, write_folder
    from wecsim.scenario import load_scenario
    from wecsim.scenario.load import resolve_path

    check_number("--replicates", replicates, 1, 100)
    check_number("--seed", seed, 0, MAX_SEED)
    if scenario == validation.DEFAULT_SCENARIO and not resolve_path(scenario).is_file():
        raise WecsimError(
            f"no scenario {scenario} yet: the observed series are 2015-2024, so the backcast needs a scenario "
            "that starts in 2015; give one as the first argument (wecsim backcast FILE)"
        )
    config = load_scenario(scenario, set_ or [])
    obs = validation.observed()
    validation.check_horizon(config, obs)
    allowed = validation.folder_files(obs)
    if out is not None:
        path = refuse_special(out, "--out")
        check_run_target(path, allowed, overwrite)
        check_writable(path)
    bc = validation.backcast(config, replicates=replicates, seed=seed, obs=obs)
    meta = bc.meta
    first, last = meta["judged_years"]
    console.print(
        _text_table(
            validation.display_table(bc.fit),
            f"How well {meta['scenario']} reproduces {first}-{last} | median of {meta['replicates']} runs "
            f"(root seed {meta['seed']}) | targets: trend within {validation.SLOPE_TOLERANCE:.0%}, "
            f"last observed year within {validation.LAST_TOLERANCE:.0%}",
        )
    )
    judged = int((bc.fit["n_points"].fillna(0) > 0).sum())
    console.print(
        f"{bc.passed()} of {judged} series compared pass. Shares are in % and their trends in points per year. "
        "Data, definitions and sources: wecsim/data/observed_series.csv; why a series misses: docs/validation.md.",
        soft_wrap=True,
    )
    for r in bc.fit.to_dict("records"):
        if r["note"]:
            console.print(f"  {escape(str(r['label']))}: {escape(str(r['note']))}", soft_wrap=True)
    if out is not None:
        written = write_folder(
            Path(out), lambda tmp: validation.write_backcast(bc, tmp, charts=charts), allowed, overwrite=overwrite
        )
        what = " and a PNG chart per series" if charts else ""
        console.print(
            f"Tables written to [bold]{escape(str(written))}[/] (fit, bands, replicates, observed as .parquet "
            f"and .csv; meta.json){what}"
        )


def _text_table(df: pd.DataFrame, title: str) -> Table:
    """Return a Rich table of text cells: the first column left, the others right-aligned."""
    table = Table(title=escape(title), title_justify="left", header_style="bold")
    for i, c in enumerate(df.columns):
        table.add_column(escape(str(c)), justify="left" if i == 0 or c == "verdict" else "right")
    for row in df.itertuples(index=False):
        table.add_row(*(escape(str(v)) for v in row))
    return table


# ---------------------------------------------------------------------- batch experiments
ResultsArg = Annotated[Path, typer.Argument(help="A results folder written by `wecsim batch`.")]


@app.command("batch")
@user_errors
def batch_cmd(
    experiment: Annotated[
        str, typer.Argument(help="Experiment file (YAML), e.g. experiments/quick_lhs.yaml, or a shipped name.")
    ],
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Worker processes (default: CPUs; at most 4 x CPUs).")
    ] = None,
    executor: Annotated[str, typer.Option("--executor", "-e", help="serial, pool (default) or dask.")] = "pool",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (means dask)"),
    ] = None,
    out: Annotated[
        str | None, typer.Option("--out", "-o", help="Results folder (default: results/experiments/<name>).")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option("--chunk-size", help="Runs per task, >= 1 (default: automatic).")
    ] = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            "--overwrite",
            help="Delete the earlier results of wecsim in the folder first (never other files).",
        ),
    ] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Run again the runs that failed.")] = False,
    max_runs: Annotated[
        int | None, typer.Option("--max-runs", help="Stop after this many runs, >= 1 (resume later).")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show the progress bar.")] = True,
    allow_model_change: Annotated[
        bool,
        typer.Option(
            "--allow-model-change",
            help="Resume a folder started with other model code or data (recorded in its manifest).",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the runs, time estimate (one run timed) and outputs; write nothing."),
    ] = False,
) -> None:
    """Run every (design point x replicate) of an experiment; rerun the same command to resume."""
    from wecsim.experiments import run_batch

    if dry_run:
        _print_plan(experiment, out, executor, workers, scheduler, fresh, retry_failed, max_runs, allow_model_change)
        return
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
        allow_model_change=allow_model_change,
    )
    failed = f", [red]{summary.n_failed} failed[/] (see the runs table's error column)" if summary.n_failed else ""
    console.print(
        f"{summary.n_done:,} of {summary.n_runs:,} runs stored in [bold]{escape(str(summary.out_dir))}[/]{failed}; "
        f"this session ran {summary.ran:,} in {summary.wall_s:.1f} s ({summary.runs_per_s:.1f} runs/s) "
        f"on {escape(summary.executor)}"
    )
    if summary.interrupted:
        _say_interrupted("[yellow]interrupted[/]: finished runs are kept; run the same command again to resume")
        raise typer.Exit(code=130)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _print_plan(experiment, out, executor, workers, scheduler, fresh, retry_failed, max_runs, allow_model_change):
    """Print what ``wecsim batch --dry-run`` found; exit 2 if the batch would be refused."""
    from wecsim.experiments.batch import PARALLEL_EFFICIENCY, plan_batch

    plan = plan_batch(
        experiment,
        out,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        fresh=fresh,
        retry_failed=retry_failed,
        max_runs=max_runs,
        allow_model_change=allow_model_change,
    )
    exp = plan.experiment
    crn = "common random numbers (replicate r of every point has the same weather)"
    own = "independent weather per run"
    lines = [
        f"[bold]dry run[/] of {escape(exp.name)}: nothing was written",
        f"  design     {exp.design.kind}: {plan.n_points:,} design points x {exp.replicates} replicate(s) "
        f"= {plan.n_runs:,} runs; {crn if exp.common_random_numbers else own}",
        f"  folder     {escape(str(plan.out_dir))}: {plan.n_stored:,} runs stored"
        + (f" ({plan.n_failed_stored:,} failed)" if plan.n_failed_stored else "")
        + f", {plan.n_pending:,} to run"
        + (" (--fresh: the stored runs would be deleted first)" if fresh and plan.n_stored else ""),
    ]
    if plan.probe_error is not None:
        lines.append(f"  [red]probe[/]      the first run failed: {escape(plan.probe_error[:300])}")
    elif plan.run_s is not None:
        where = f"{plan.executor}, {plan.workers} worker(s)" if plan.workers else plan.executor
        if plan.estimate_s is not None:
            how = (
                f"{plan.n_pending:,} x {plan.run_s:.3f} s / ({plan.workers} x {PARALLEL_EFFICIENCY})"
                if plan.workers and plan.workers > 1
                else f"{plan.n_pending:,} x {plan.run_s:.3f} s"
            )
            lines.append(
                f"  time       about {_duration(plan.estimate_s)} on {escape(where)} ({how}; one run timed "
                "here, plus the workers' start-up)"
            )
        else:
            serial = plan.n_pending * plan.run_s
            lines.append(
                f"  time       {_duration(serial)} of runs ({plan.run_s:.3f} s each, timed here), divided among "
                "the scheduler's workers"
            )
    for table, (rows, cols) in plan.output_rows().items():
        lines.append(f"  {table:<10} +{rows:,} rows x {cols} columns ({escape(str(plan.out_dir / table))}/)")
    years = ", ".join(map(str, exp.years)) if exp.years else "every simulated year"
    indicators = ", ".join(exp.indicators) if exp.indicators else "every national indicator"
    lines.append(f"  kept       {escape(indicators)}; years: {years}")
    if plan.model_changed:
        shown = ", ".join(plan.model_changed[:8])
        lines.append(f"  model      changed since the folder was started: {escape(shown)}")
    console.print("\n".join(lines), highlight=False)
    if plan.refused:
        _error(f"the batch would stop at once: {plan.refused}")
        raise typer.Exit(code=2)


@app.command("query")
@user_errors
def query_cmd(
    results: ResultsArg,
    sql: Annotated[str, typer.Argument(help="SQL over the views runs, outputs, results, design, timings.")],
    csv: Annotated[str | None, typer.Option("--csv", help="Also write the whole answer to this new CSV file.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the --csv file if it exists.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Rows shown on screen, >= 0.")] = 40,
) -> None:
    """Query batch results with DuckDB SQL, e.g. "SELECT year, avg(res_share) FROM outputs GROUP BY year".

    The SQL runs with your permissions (DuckDB can read and write files): a power-user tool.
    """
    from wecsim.experiments import query
    from wecsim.outputs import check_file_target, write_file

    check_number("--limit", limit, 0)
    if csv is not None:
        check_file_target(csv, overwrite=overwrite, option="--csv")  # before the query runs
    df = query(results, sql)
    if csv is not None:
        write_file(csv, lambda tmp: df.to_csv(tmp, index=False), overwrite=overwrite, option="--csv")
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


def _index_table(df: pd.DataFrame, title: str, index_names: list[str]) -> Table:
    t = Table(title=escape(title), title_justify="left", header_style="bold")
    has_rank = "rank" in df.columns
    if has_rank:
        t.add_column("rank", justify="right")
    for n in index_names:
        t.add_column(n)
    cols = [c for c in df.columns if c != "rank"]
    for c in cols:
        t.add_column(escape(str(c)), justify="right")
    for idx, row in df.iterrows():
        keys = idx if isinstance(idx, tuple) else (idx,)
        cells = [str(int(row["rank"]))] if has_rank else []
        t.add_row(*cells, *(escape(str(k)) for k in keys), *(f"{row[c]:.3f}" for c in cols))
    return t


def _print_checks(checks) -> None:
    marks = {"warning": "[bold yellow]WARNING[/]", "note": "[cyan]note[/]", "ok": "[green]ok[/]"}
    n_warn = sum(c.level == "warning" for c in checks)
    head = (
        f"[bold]Checks[/]: [bold yellow]{n_warn} warning(s)[/]: do not read these indices as the model's "
        "sensitivity until they are resolved"
        if n_warn
        else "[bold]Checks[/]: no warning"
    )
    console.print(head, highlight=False)
    for c in checks:
        console.print(f"  {marks.get(c.level, c.level)} {escape(c.text)}", highlight=False, soft_wrap=True)


@app.command("sensitivity")
@user_errors
def sensitivity_cmd(
    results: ResultsArg,
    output: Annotated[list[str], typer.Option("--output", help="Indicator to analyse (repeatable).")],
    year: Annotated[int | None, typer.Option("--year", help="Year of the indicator.")] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="auto (the design's; delta for a Latin hypercube), sobol, morris, delta, pawn or rbd_fast.",
        ),
    ] = "auto",
    chart: Annotated[
        str | None, typer.Option("--chart", help="Chart file prefix (default: RESULTS/sensitivity_<output>_<year>).")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace chart files that exist.")] = False,
) -> None:
    """Sensitivity indices, ranked and checked: Sobol (with convergence), Morris, delta, PAWN or RBD-FAST, with a chart.

    The indices are of the mean over replicates of each sample row. Every table is followed
    by checks in plain words (noise, impossible or unconverged indices). Charts are written
    as PNG and HTML; existing files are replaced only with --overwrite.
    """
    from wecsim.experiments import load_results
    from wecsim.experiments.reports import sensitivity_report, write_sensitivity_chart
    from wecsim.outputs import check_file_target, refuse_special

    output = list(dict.fromkeys(output))
    chart_path = refuse_special(chart, "--chart", "file") if chart is not None else None
    prefixes = {}
    for name in output:  # every chart file is checked before anything is computed or written
        stem = f"sensitivity_{name}_{year}" if year else f"sensitivity_{name}"
        if chart_path is None:
            prefixes[name] = Path(results) / stem
        else:
            prefixes[name] = chart_path if len(output) == 1 else chart_path.parent / f"{chart_path.name}_{stem}"
        for suffix in (".png", ".html"):
            check_file_target(f"{prefixes[name]}{suffix}", overwrite=overwrite, option="--chart")
    res = load_results(results)
    for name in output:
        rep = sensitivity_report(res, name, year, method)
        when = f" in {year}" if year else ""
        reps = f" x {rep.replicates} replicates" if rep.replicates > 1 else ""
        weather = "common random numbers" if rep.crn else "independent weather per run"
        title = (
            f"{rep.method.capitalize()} indices of {name}{when} ({res.experiment.name}: {rep.n_rows:,} sample rows"
            f"{reps} = {rep.n_runs:,} runs, {weather})"
        )
        console.print(_index_table(rep.table, title, ["parameter"]))
        if rep.second_order is not None:
            console.print(_index_table(rep.second_order, f"Second-order indices of {name}{when} (pairs)", ["a", "b"]))
        if rep.convergence is not None:
            wide = rep.convergence.pivot(index="parameter", columns="n_base", values="ST")
            wide = wide.loc[rep.table.index]
            wide.columns = [f"ST N={c}" for c in wide.columns]
            console.print(
                _index_table(wide, "Convergence: total-order index against base sample size N", ["parameter"])
            )
        _print_checks(rep.checks)
        png, page = write_sensitivity_chart(rep, name, year, prefixes[name], overwrite=overwrite)
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
    threshold: Annotated[
        float, typer.Option("--threshold", help="Density a box should reach, in (0, 1]; boxes below are labelled.")
    ] = 0.8,
    boxes: Annotated[int, typer.Option("--boxes", help="Boxes to find at most, 1 to 100.")] = 3,
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
        below = (
            f" [yellow]BELOW THE THRESHOLD[/] (density {box.density:.2f} < --threshold {threshold:g}: "
            "no box reaches it; this is the densest found)"
            if box.extra.get("below_threshold")
            else ""
        )
        t = Table(
            title=f"Box {i} ({box.method}): coverage {box.coverage:.2f}, density {box.density:.2f}, "
            f"mass {box.mass:.2f} ({box.n_of_interest} of {box.n} runs of interest){below}",
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


@app.command("robustness")
@user_errors
def robustness_cmd(
    results: ResultsArg,
    outcome: Annotated[list[str], typer.Option("--outcome", help="Indicator or derived outcome (repeatable).")],
    year: Annotated[
        int | None, typer.Option("--year", help="Year of the indicators (not of derived outcomes).")
    ] = None,
    direction: Annotated[
        list[str] | None, typer.Option("--direction", help="OUTCOME=min|max, when it has none or to override.")
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option("--threshold", help="Satisficing threshold OUTCOME<=VALUE (or <, >=, >), repeatable."),
    ] = None,
    csv: Annotated[str | None, typer.Option("--csv", help="Also write the table to this new CSV file.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the --csv file if it exists.")] = False,
) -> None:
    """Robustness of each policy of a policies x scenarios batch: regret, satisficing share, percentiles.

    Regret is the gap to the best policy in each scenario (0 for the best, never negative);
    rank 1 has the smallest maximum regret. Outcomes are averaged over replicates.
    """
    from wecsim.experiments.analysis.robustness import parse_threshold
    from wecsim.experiments.reports import robustness_report
    from wecsim.outputs import check_file_target, write_file

    outcome = list(dict.fromkeys(outcome))
    directions = {}
    for item in direction or []:
        name, sep, value = item.partition("=")
        if not sep or value.strip() not in {"min", "max"}:
            raise WecsimError(f"--direction: expected OUTCOME=min or OUTCOME=max, got {item!r}")
        directions[name.strip()] = value.strip()
    thresholds = {}
    for item in threshold or []:
        name, op, value = parse_threshold(item)
        thresholds[name] = (op, value)
    if csv is not None:
        check_file_target(csv, overwrite=overwrite, option="--csv")  # before anything is computed
    table = robustness_report(results, outcome, year, directions, thresholds)
    if csv is not None:
        write_file(csv, lambda tmp: table.to_csv(tmp, index=False), overwrite=overwrite, option="--csv")
    when = f" in {year}" if year else ""
    for name, part in table.groupby("outcome", sort=False):
        d = part["direction"].iloc[0]
        t = Table(
            title=f"{escape(name)}{when} ({'less' if d == 'min' else 'more'} is better; "
            f"{int(part['scenarios'].iloc[0])} scenarios)",
            title_justify="left",
            header_style="bold",
        )
        cols = ["rank", "policy", "mean", "p10", "p50", "p90", "regret_mean", "regret_p90", "regret_max"]
        cols += ["best_in_share"] + (["satisficing_share"] if part["threshold"].iloc[0] else [])
        for c in cols:
            t.add_column(c if c != "satisficing_share" else f"share {part['threshold'].iloc[0]}", justify="right")
        for _, row in part.iterrows():
            t.add_row(*(escape(_fmt_cell(row[c])) for c in cols))
        console.print(t)
    if csv is not None:
        console.print(f"Table written to [bold]{escape(str(csv))}[/]")


# `wecsim workshop ...` lives with the workshops
from wecsim.workshop.cli import register as _register_workshop  # noqa: E402

_register_workshop(app)


def main() -> None:
    """Run the CLI (the ``wecsim`` command and ``python -m wecsim``)."""
    try:
        app(prog_name="wecsim")
    except KeyboardInterrupt:  # pressed before a command started (e.g. during imports)
        _say_interrupted()
        sys.exit(130)
    except SystemExit as exc:  # Typer exits 130 without a word for a Ctrl-C while it parses
        if exc.code == 130 and not _interrupt_told["done"]:
            _say_interrupted()
        raise
