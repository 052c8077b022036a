"""Executors: where chunks of runs are computed (this process, a process pool, or Dask).

All three take the same function and the same chunks and yield results as chunks finish,
in whatever order; a bounded number of chunks is in flight at any time, so memory does not
grow with the size of the experiment. Runs are sent in chunks because a task costs a
process pool ~0.1 ms and a Dask scheduler ~1 ms: with chunks of tens of runs the overhead
is far below a run's time.

``SerialExecutor``   in this process, one chunk after another (debugging, the reference)
``PoolExecutor``     a local :class:`concurrent.futures.ProcessPoolExecutor` (the default)
``DaskExecutor``     a Dask ``LocalCluster`` of ``workers`` processes, or an existing
                     scheduler (``tcp://host:8786``) whose workers have wecsim installed
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import functools
import logging
import multiprocessing as mp
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from wecsim.errors import WecsimError
from wecsim.runner import settle_worker

#: Chunks in flight per worker: enough to keep every worker busy while results are written.
IN_FLIGHT_PER_WORKER = 2
#: Most local worker processes: 4 per CPU (each holds a model, ~100-200 MB), and never more than 256.
MAX_WORKERS = min(256, 4 * (os.cpu_count() or 1))
#: A Dask scheduler address: ``[scheme://]host:port`` (host a name, IPv4, or [IPv6]).
_ADDRESS = re.compile(
    r"^(?:(tcp|tls|ws|wss|ucx)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?):(\d{1,5})$"
)


def _watch_parent(parent_pid: int) -> None:  # pragma: no cover - runs in worker processes
    """End this worker when the batch process is gone (e.g. killed with ``kill -9``)."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent_pid, 0)
        except OSError:
            os._exit(1)


def _init_pool_worker(parent_pid: int) -> None:  # pragma: no cover - runs in worker processes
    """Set up a pool worker: Ctrl-C is the batch's to handle, and orphans stop themselves."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    settle_worker()


#: Modules the fork server imports once, so that workers forked from it start at once (and
#: ``forkserver_quiet``, so that a worker whose requester was interrupted ends without a traceback).
FORKSERVER_PRELOAD = [
    "wecsim.experiments.forkserver_quiet",
    "wecsim.experiments.worker",
    "wecsim.runner",
    "distributed",
    "pyarrow.parquet",
]


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore Ctrl-C in this process while child processes start, so they inherit "ignore".

    A terminal sends Ctrl-C to every process of the command. Python keeps SIGINT ignored
    in a child that starts with it ignored, so the fork server (and every worker forked from
    it) never prints a KeyboardInterrupt traceback of its own; the batch process alone
    handles Ctrl-C once its workers are up. Only in the main thread (signals live there).
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def _sigint_deferred():
    """Hold back Ctrl-C while a worker process is being started, and raise it right after.

    A pool records a new process only once it has started; an interrupt in between would
    leave a process nobody stops, which then fails noisily when the batch is gone.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    hits: list[int] = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: hits.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if hits:
        raise KeyboardInterrupt


def _forkserver() -> mp.context.BaseContext:
    """Return the ``forkserver`` context, preloading wecsim, with the server started Ctrl-C-proof."""
    from multiprocessing import forkserver

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    with _sigint_ignored():
        forkserver.ensure_running()
    return ctx


def check_workers(workers: int | None) -> None:
    """Refuse a number of workers outside 1 to :data:`MAX_WORKERS`."""
    from wecsim.errors import check_number

    check_number("--workers", workers, 1, MAX_WORKERS)


def check_executor(kind: str, scheduler: str | None) -> str:
    """Return the executor's name (``dask`` with a scheduler), refusing unknown names and malformed addresses."""
    if scheduler is not None:
        match = _ADDRESS.fullmatch(scheduler.strip())
        if match is None or not 1 <= int(match[3]) <= 65535:
            raise WecsimError(
                "--scheduler: expected an address such as tcp://10.0.0.5:8786 (scheme://host:port), "
                f"got {scheduler[:80]!r}"
            )
        return "dask"
    if kind not in EXECUTORS:
        raise WecsimError(f"--executor: expected one of {', '.join(EXECUTORS)}, got {str(kind)[:40]!r}")
    return kind


class Executor:
    """Base class: run ``fn(context, chunk)`` for every chunk and yield the results.

    Parameters
    ----------
    workers
        Number of worker processes.
    """

    name = "base"

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    def describe(self) -> str:
        """Return a one-line description for logs and the manifest."""
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def imap_unordered(self, fn: Callable[[Any, Any], Any], context: Any, chunks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(context, chunk)`` for each chunk, as they finish."""
        raise NotImplementedError


class SerialExecutor(Executor):
    """Run every chunk in this process, in order."""

    name = "serial"

    def imap_unordered(self, fn: Callable[[Any, Any], Any], context: Any, chunks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(context, chunk)`` for each chunk, in order."""
        for chunk in chunks:
            yield fn(context, chunk)


class PoolExecutor(Executor):
    """Run chunks in a local process pool (``forkserver`` processes that preload wecsim).

    Parameters
    ----------
    workers
        Number of processes (default: the number of CPUs).
    """

    name = "pool"

    def __init__(self, workers: int | None = None):
        super().__init__(workers or os.cpu_count() or 1)
        ctx = _forkserver()
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=_init_pool_worker, initargs=(os.getpid(),)
        )

    def imap_unordered(self, fn: Callable[[Any, Any], Any], context: Any, chunks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(context, chunk)`` for each chunk, as they finish."""
        todo = iter(chunks)
        window = IN_FLIGHT_PER_WORKER * self.workers
        running: set[cf.Future] = set()
        for chunk in todo:
            with _sigint_deferred():  # a submit may start a worker process
                running.add(self._pool.submit(fn, context, chunk))
            if len(running) >= window:
                break
        while running:
            done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                nxt = next(todo, None)
                if nxt is not None:
                    with _sigint_deferred():
                        running.add(self._pool.submit(fn, context, nxt))
                yield fut.result()

    def close(self) -> None:
        """Stop the pool at once: queued chunks are dropped and running ones ended."""
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        for proc in processes:
            proc.join(timeout=5)


#: Seconds to wait for a Dask scheduler to answer (a port that accepts but never answers would hang).
CONNECT_TIMEOUT_S = 30.0


def _connect(client_cls: Any, scheduler: str) -> Any:
    """Return a Dask client of ``scheduler``, or raise :class:`WecsimError` within :data:`CONNECT_TIMEOUT_S`.

    Any failure is the address's (unreachable, refused, not a Dask scheduler, TLS without
    certificates, a scheme whose library is missing), so all are reported as one message.
    The connection is made in a daemon thread: a server that accepts but never answers
    cannot hold the batch.
    """
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = client_cls(scheduler.strip(), timeout=f"{max(1, int(CONNECT_TIMEOUT_S) - 5)}s")
        except Exception as exc:
            box["error"] = exc

    thread = threading.Thread(target=connect, name="wecsim-dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT_S)
    where = f"--scheduler: cannot reach the Dask scheduler at {scheduler[:80]}"
    if thread.is_alive():
        raise WecsimError(f"{where}: no answer within {CONNECT_TIMEOUT_S:g} s (is it a Dask scheduler's address?)")
    if "error" in box:
        exc = box["error"]
        text = str(exc) or type(exc).__name__
        raise WecsimError(f"{where}: {text[:300]}")
    return box["client"]


class DaskExecutor(Executor):
    """Run chunks on Dask: a new ``LocalCluster`` or an existing scheduler.

    Parameters
    ----------
    workers
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``; its workers must be
        able to import the same wecsim version.
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
            raise WecsimError(f"the Dask executor needs dask[distributed]: {exc}") from None
        self.scheduler = scheduler
        self._cluster = None
        if scheduler:
            self._client = _connect(Client, scheduler)
            n = len(self._client.scheduler_info(n_workers=-1).get("workers", {}))
            super().__init__(max(n, 1))
        else:
            import dask

            super().__init__(workers or os.cpu_count() or 1)
            # Workers fork from a server that has imported wecsim and distributed once (as the
            # process pool does) instead of each importing them; the statistical profiler, which
            # samples every task's stack 100 times a second, is off (it slows pure-Python runs).
            _forkserver()
            _close_clusters_quietly_at_exit()
            with dask.config.set(
                {
                    "distributed.worker.multiprocessing-method": "forkserver",
                    "distributed.worker.profile.enabled": False,
                }
            ):
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,
                )
            self._client = Client(self._cluster)

    def describe(self) -> str:
        """Return a one-line description for logs and the manifest."""
        where = self.scheduler or "LocalCluster"
        return f"dask {where} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def imap_unordered(self, fn: Callable[[Any, Any], Any], context: Any, chunks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(context, chunk)`` for each chunk, as they finish."""
        from dask.distributed import as_completed

        client = self._client
        ctx = client.scatter(context, broadcast=True)
        todo = iter(chunks)
        window = IN_FLIGHT_PER_WORKER * max(self.workers, len(client.scheduler_info(n_workers=-1)["workers"]), 1)
        first = []
        for chunk in todo:
            first.append(client.submit(fn, ctx, chunk, pure=False))
            if len(first) >= window:
                break
        pending = as_completed(first)
        try:
            for fut in pending:
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(client.submit(fn, ctx, nxt, pure=False))
                result = fut.result()
                fut.release()
                yield result
        finally:
            for fut in list(pending.futures):
                fut.cancel()

    def close(self) -> None:
        """Close the client (and the local cluster, if this executor started one)."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


@functools.cache
def _close_clusters_quietly_at_exit() -> None:
    """At exit, close local Dask clusters ourselves, quietly, before Dask's own hook does.

    A Ctrl-C while a ``LocalCluster`` is still starting leaves a cluster this executor never
    received; Dask's exit hook then closes it and, if that is interrupted too, prints a
    traceback. This hook runs first (exit hooks run last-registered first) and forgets each
    cluster it has tried, so Dask's hook finds nothing left to close. A worker process still
    starting then fails (Python is shutting down: no new thread), and Dask's nanny logs that
    with a traceback: Dask's own log is silenced first, as the batch is ending anyway.
    """

    def close_all() -> None:
        from distributed.deploy.spec import SpecCluster

        if SpecCluster._instances:
            # every logger of Dask's (its config gives some their own levels, so the parent's is not enough)
            for name in [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]:
                logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        for cluster in list(SpecCluster._instances):
            with contextlib.suppress(BaseException):
                cluster.close(timeout=10)
            SpecCluster._instances.discard(cluster)

    atexit.register(close_all)


EXECUTORS = ("serial", "pool", "dask")


def make_executor(kind: str = "pool", workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Return an executor by name.

    Parameters
    ----------
    kind
        ``"serial"``, ``"pool"`` or ``"dask"`` (implied by ``scheduler``).
    workers
        Worker processes (default: the number of CPUs; 1 for serial).
    scheduler
        Address of an existing Dask scheduler.
    """
    kind = check_executor(kind, scheduler)
    check_workers(workers)
    if kind == "serial":
        return SerialExecutor(1)
    if kind == "pool":
        return PoolExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise WecsimError(f"--executor: expected one of {', '.join(EXECUTORS)}, got {kind!r}")
