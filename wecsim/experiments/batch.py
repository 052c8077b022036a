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
    return RunContext(exp.model, exp.base_scenario, exp.parameters, indicators, exp.years)


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
    store = ResultStore.open(out, exp, design, sample, text, fresh=fresh, retry_failed=retry_failed)
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
        raise StoreError(
            f"cannot write to {out}: {exc.strerror or exc}; the {len(store.done):,} runs stored are kept: "
            "make room (or fix the folder) and run the same command again to resume"
        ) from None
    except BaseException:
        _close_quietly(store, ex if owns_executor else None)
        raise
    if owns_executor:
        ex.close()
    store.close("interrupted" if interrupted else "finished")
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
