"""Run a whole experiment: design, chunks, an executor, the results store, progress.

:func:`run_batch` is what ``wecsim batch`` calls. It is resumable: it reopens the results
folder, skips the runs already stored and runs the rest, so interrupting it (Ctrl-C or
``kill -9``) and running the same command again completes the experiment with nothing lost
or duplicated.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wecsim.errors import ExperimentError, check_number
from wecsim.experiments.design import design_points, run_rows, sample_matrix
from wecsim.experiments.executors import Executor, check_executor, check_workers, make_executor
from wecsim.experiments.spec import Experiment, load_experiment, resolve_experiment
from wecsim.experiments.store import ResultStore, StoreError, check_batch_target
from wecsim.experiments.worker import RunContext, run_chunk
from wecsim.outputs import refuse_special
from wecsim.scenario.load import read_text_file

#: Largest automatic chunk (runs per task).
MAX_CHUNK = 64
#: Speed-up of a local pool per worker, used by ``--dry-run``'s time estimate: 1,000 runs to 2030
#: ran at 28.0 runs/s with 2 pool workers against 16.1 runs/s serially (README, Benchmarks:
#: ``benchmarks/batch.py`` on the 2-core machine), 1.74 x for 2 workers = 0.87 per worker.
PARALLEL_EFFICIENCY = 0.87


@dataclass
class BatchSummary:
    """What a batch invocation did.

    Attributes
    ----------
    out_dir
        The results folder.
    n_runs
        Runs in the experiment.
    n_done
        Runs stored after this invocation (earlier ones included).
    n_failed
        Stored runs that raised.
    ran
        Runs computed by this invocation.
    wall_s
        Wall time of this invocation [s].
    interrupted
        Whether it was stopped by Ctrl-C before the end.
    executor
        Description of the executor.
    """

    out_dir: Path
    n_runs: int
    n_done: int
    n_failed: int
    ran: int
    wall_s: float
    interrupted: bool
    executor: str

    @property
    def runs_per_s(self) -> float:
        """Return the throughput of this invocation [runs/s]."""
        return self.ran / self.wall_s if self.wall_s > 0 else float("nan")


def auto_chunk_size(n_pending: int, workers: int) -> int:
    """Return runs per chunk: about ten chunks per worker, at most :data:`MAX_CHUNK` runs."""
    return max(1, min(MAX_CHUNK, math.ceil(n_pending / (10 * max(workers, 1)))))


def run_context(exp: Experiment) -> RunContext:
    """Return what every worker needs to run the experiment's runs."""
    if exp.indicators is not None:
        indicators = exp.indicators
    else:
        from wecsim.model import NATIONAL_INDICATORS

        indicators = tuple(NATIONAL_INDICATORS)
    policies = tuple((name, tuple(levers.items())) for name, levers in (exp.policies or {}).items())
    return RunContext(
        exp.model,
        exp.base_scenario,
        exp.parameters,
        indicators,
        exp.years,
        tables=tuple(exp.tables.items()),
        additionality_scope=exp.additionality_scope,
        policies=policies,
    )


def _chunks(exp: Experiment, design, pending: np.ndarray, size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(pending), size):
        yield run_rows(exp, design, pending[start : start + size])


def run_batch(
    experiment: str | Path | Experiment,
    out_dir: str | Path | None = None,
    *,
    executor: str | Executor = "pool",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    fresh: bool = False,
    retry_failed: bool = False,
    max_runs: int | None = None,
    allow_model_change: bool = False,
) -> BatchSummary:
    """Run every (design point x replicate) of an experiment not yet in ``out_dir``.

    Parameters
    ----------
    experiment
        An experiment file, or a loaded :class:`~wecsim.experiments.spec.Experiment`.
    out_dir
        Results folder (default ``results/experiments/<name>``).
    executor
        ``"serial"``, ``"pool"``, ``"dask"`` or an :class:`~wecsim.experiments.executors.Executor`.
    workers
        Worker processes (default: the number of CPUs; at most :data:`~wecsim.experiments.executors.MAX_WORKERS`).
    scheduler
        Address of an existing Dask scheduler (implies ``executor="dask"``).
    chunk_size
        Runs per task, >= 1 (default: :func:`auto_chunk_size`).
    progress
        Show a Rich progress bar (runs done, rate, ETA).
    fresh
        Delete the earlier results wecsim wrote in ``out_dir`` first (other files are kept;
        a folder without a wecsim manifest is refused).
    retry_failed
        Run again the runs that failed before.
    max_runs
        Run at most this many of the pending runs, >= 1 (then stop, resumable).
    allow_model_change
        Resume a folder started with another version of the model's code or data (recorded).

    Returns
    -------
    BatchSummary
    """
    check_number("--chunk-size", chunk_size, 1, 1_000_000)
    check_number("--max-runs", max_runs, 1)
    check_workers(workers)
    kind = check_executor(executor, scheduler) if not isinstance(executor, Executor) else None
    if out_dir is not None:
        check_batch_target(out_dir, fresh)  # before the experiment is designed
    text = None
    if isinstance(experiment, Experiment):
        exp = experiment
    else:
        exp = load_experiment(experiment)
        text = read_text_file(resolve_experiment(experiment), str(experiment), ExperimentError)
    out = refuse_special(out_dir, "--out") if out_dir is not None else Path("results") / "experiments" / exp.name
    sample = sample_matrix(exp)
    design = design_points(exp, sample)
    store = ResultStore.open(
        out, exp, design, sample, text, fresh=fresh, retry_failed=retry_failed, allow_model_change=allow_model_change
    )
    n_runs = len(design) * exp.replicates
    pending = np.setdiff1d(np.arange(n_runs, dtype=np.int64), np.fromiter(store.done, dtype=np.int64))
    if max_runs is not None:
        pending = pending[:max_runs]
    t0 = time.perf_counter()  # the session's wall time includes starting the executor
    owns_executor = not isinstance(executor, Executor)
    try:
        ex = make_executor(kind, workers, scheduler) if kind is not None else executor
    except KeyboardInterrupt:  # Ctrl-C while the workers start: nothing ran, nothing is lost
        store.close("interrupted")
        return BatchSummary(out, n_runs, len(store.done), len(store.failed), 0, time.perf_counter() - t0, True, kind)
    except BaseException:  # no workers (an unreachable scheduler): nothing ran; the folder is free again
        store.release()
        raise
    assert isinstance(ex, Executor)
    size = chunk_size or auto_chunk_size(len(pending), ex.workers)
    interrupted = False
    ran = 0
    try:
        store.start_session(ex.describe(), size, len(pending), t0)
        context = run_context(exp)
        bar = _Progress(progress, n_runs, len(store.done), ex.describe(), exp.name)
        with bar:
            for tables in ex.imap_unordered(run_chunk, context, _chunks(exp, design, pending, size)):
                n, n_failed = store.write_chunk(tables)
                ran += n
                bar.advance(n, n_failed)
    except KeyboardInterrupt:
        interrupted = True
    except OSError as exc:  # the disk is full, or the folder became unwritable
        _close_quietly(store, ex if owns_executor else None)
        raise _write_error(out, exc, store) from None
    except BaseException:
        _close_quietly(store, ex if owns_executor else None)
        raise
    if owns_executor:
        ex.close()
    try:
        store.close("interrupted" if interrupted else "finished")
    except OSError as exc:  # the last manifest could not be written: the runs are in runs/ all the same
        raise _write_error(out, exc, store) from None
    session = store.session
    assert session is not None
    return BatchSummary(
        out_dir=out,
        n_runs=n_runs,
        n_done=len(store.done),
        n_failed=len(store.failed),
        ran=ran,
        wall_s=session.wall_s,
        interrupted=interrupted,
        executor=ex.describe(),
    )


def _write_error(out: Path, exc: OSError, store: ResultStore) -> StoreError:
    """Return the message of a write that failed mid-batch (a full disk): what is kept, what to do."""
    return StoreError(
        f"cannot write to {out}: {exc.strerror or exc}; the {len(store.done):,} runs stored are kept: "
        "make room (or fix the folder) and run the same command again to resume"
    )


def _close_quietly(store: ResultStore, ex: Executor | None) -> None:
    """Record a failed session and stop the workers, as far as possible (the original error matters)."""
    with contextlib.suppress(Exception):
        store.close("failed")
    if ex is not None:
        with contextlib.suppress(Exception):
            ex.close()


class _Progress:
    """A Rich progress bar with runs done, failed runs, rate and ETA (or nothing)."""

    def __init__(self, enabled: bool, total: int, done: int, executor: str, name: str):
        self.enabled = enabled
        self.failed = 0
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("[red]{task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.progress.add_task(f"{name} [{executor}]", total=total, completed=done, rate="", failed="")
        self._done0 = done

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()

    def advance(self, n: int, n_failed: int) -> None:
        """Add ``n`` runs done, of which ``n_failed`` failed."""
        if not self.enabled:
            return
        self.failed += n_failed
        task = self.progress.tasks[0]
        self.progress.update(self.task, advance=n)
        elapsed = task.elapsed or 0.0
        rate = (task.completed - self._done0) / elapsed if elapsed > 0 else 0.0
        failed = f"{self.failed} failed" if self.failed else ""
        self.progress.update(self.task, rate=f"{rate:,.1f} runs/s", failed=failed)


@dataclass
class BatchPlan:
    """What ``wecsim batch --dry-run`` reports: the runs, a time estimate, the outputs; nothing is written.

    Attributes
    ----------
    experiment
        The experiment.
    out_dir
        The results folder.
    n_points, n_runs
        Design points, and runs (points x replicates).
    n_stored, n_failed_stored, n_pending
        Runs already in the folder (of which failed), and runs this batch would run.
    executor, workers
        Where the runs would go (``workers`` ``None``: a scheduler's, unknown without connecting).
    run_s
        Seconds of one run, measured by running the first run twice in this process (the
        second time: the first includes loading the model's data); ``None`` if it failed.
    probe_error
        The error of the probe run, if it failed (the batch's runs would likely fail too).
    estimate_s
        ``n_pending x run_s / (workers x PARALLEL_EFFICIENCY)`` (1 serially) [s], without
        the workers' start-up; ``None`` when unknown.
    refused
        Why the batch would stop at once (another experiment's folder, a running batch,
        a changed model without ``--allow-model-change``), or ``None``.
    model_changed
        Model files changed since the folder was started.
    """

    experiment: Experiment
    out_dir: Path
    n_points: int
    n_runs: int
    n_stored: int
    n_failed_stored: int
    n_pending: int
    executor: str
    workers: int | None
    run_s: float | None
    probe_error: str | None
    estimate_s: float | None
    refused: str | None
    model_changed: list[str]

    def output_rows(self) -> dict[str, tuple[int, int]]:
        """Return ``{table: (rows, columns)}`` the pending runs would add."""
        exp = self.experiment
        k = len(run_context(exp).indicators)
        if exp.years is not None:
            years = len(exp.years)
        elif exp.is_wecsim:
            years = int(exp.base_scenario["end_year"]) - int(exp.base_scenario["start_year"]) + 1
        else:
            years = 1
        n = self.n_pending
        rows = {
            "runs": (n, 7 + len(exp.parameters)),
            "outputs": (n * years, 2 + k),
            "timings": (n, 3),
        }
        from wecsim.datasets import table
        from wecsim.experiments.outcomes import TABLE_KEYS

        per_year = {"region": len(table("regions")), "basin": len(table("basins")), "funder": len(table("funders"))}
        for name, indicators in exp.tables.items():
            rows[name] = (n * years * per_year.get(name, 1), 2 + len(TABLE_KEYS[name]) + len(indicators))
        return rows


def plan_batch(
    experiment: str | Path | Experiment,
    out_dir: str | Path | None = None,
    *,
    executor: str = "pool",
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    max_runs: int | None = None,
    allow_model_change: bool = False,
    probe: bool = True,
) -> BatchPlan:
    """Plan a batch without writing anything: the runs, their time and outputs (``--dry-run``).

    Parameters are those of :func:`run_batch`; ``probe`` runs the first run (twice) to
    time it.
    """
    import os

    from wecsim.experiments.provenance import model_fingerprint
    from wecsim.experiments.store import inspect_target

    check_number("--max-runs", max_runs, 1)
    check_workers(workers)
    kind = check_executor(executor, scheduler)
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    out = refuse_special(out_dir, "--out") if out_dir is not None else Path("results") / "experiments" / exp.name
    design = design_points(exp, sample_matrix(exp))
    n_runs = len(design) * exp.replicates
    model = model_fingerprint(exp.model, exp.scenario_files)
    found = inspect_target(out, exp, model, fresh)
    refused = found["refused"]
    if refused is None and found["changed"] and not allow_model_change:
        refused = "the model changed since these results were started; resuming needs --allow-model-change"
    done = set() if fresh else set(found["done"]) - (set(found["failed"]) if retry_failed else set())
    n_pending = n_runs - len(done)
    if max_runs is not None:
        n_pending = min(n_pending, max_runs)
    run_s = error = None
    if probe:
        context = run_context(exp)
        rows = run_rows(exp, design, [0])
        times = []
        for _ in range(2):
            tables = run_chunk(context, rows)
            status = tables["runs"].column("status")[0].as_py()
            if status != "ok":
                error = tables["runs"].column("error")[0].as_py()
                break
            times.append(tables["timings"].column("elapsed_s")[0].as_py())
        run_s = times[-1] if error is None else None
    n_workers = None if kind == "dask" and scheduler else 1 if kind == "serial" else (workers or os.cpu_count() or 1)
    estimate = None
    if run_s is not None and n_workers is not None:
        speed = 1.0 if n_workers == 1 else n_workers * PARALLEL_EFFICIENCY
        estimate = n_pending * run_s / speed
    return BatchPlan(
        experiment=exp,
        out_dir=out,
        n_points=len(design),
        n_runs=n_runs,
        n_stored=len(found["done"]),
        n_failed_stored=len(found["failed"]),
        n_pending=n_pending,
        executor=kind if not scheduler else f"dask {scheduler}",
        workers=n_workers,
        run_s=run_s,
        probe_error=error,
        estimate_s=estimate,
        refused=refused,
        model_changed=found["changed"],
    )
