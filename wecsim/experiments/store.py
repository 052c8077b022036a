"""The results store of a batch: a Parquet dataset streamed chunk by chunk, plus a manifest.

Layout of a results folder::

    manifest.json         the experiment (resolved), file hash, versions, seeds, design,
                          runs done (as id ranges) and one entry per session with timings
    experiment.yaml       a copy of the experiment file
    design.parquet        one row per design point (``point`` + parameter values)
    sample.parquet        the raw SALib/LHS sample behind the design (not for factorials)
    runs/chunk-*.parquet      one row per run: ids, seed, parameters, status, error
    outputs/chunk-*.parquet   one row per run and year: indicators
    timings/chunk-*.parquet   one row per run: elapsed_s, worker

Each chunk of runs becomes one file in each of ``outputs/``, ``timings/`` and ``runs/``,
written to ``.tmp/`` and renamed into place (atomic on POSIX), ``runs/`` last: a run is
done exactly when its ``runs`` file exists. Reopening a folder deletes what an interrupted
write left behind (temporary files, ``outputs``/``timings`` files without their ``runs``
file), so ``kill -9`` at any moment loses at most the chunks in flight and never leaves a
half-written or duplicated row. Nothing is held in memory but the set of finished run ids.

Read results back with :func:`load_results` (pandas), :func:`query` (DuckDB SQL over the
views ``runs``, ``outputs``, ``timings``, ``design`` and ``results`` = runs joined with
outputs), or any Parquet reader (``polars.read_parquet("DIR/outputs/*.parquet")``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import stat
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from wecsim.errors import WecsimError
from wecsim.experiments.lock import LOCK_FILE, FolderLock, read_lock
from wecsim.experiments.outcomes import EXTRA_TABLES, derived_view_sql, sql_identifier
from wecsim.experiments.provenance import changed_files, model_fingerprint
from wecsim.experiments.spec import Experiment
from wecsim.outputs import check_writable, examine, read_small_json, refuse_special, summarise
from wecsim.version import __version__

MANIFEST = "manifest.json"
FORMAT = "wecsim-experiment-results/1"
TABLES = ("runs", "outputs", "timings")
#: Every table a batch may write: the three above and the other tables an experiment keeps.
ALL_TABLES = (*TABLES, *EXTRA_TABLES)
#: Tables written before ``runs`` (which marks a chunk as done).
BEFORE_RUNS = tuple(t for t in ALL_TABLES if t != "runs")
#: The files of a chunk in ``runs/``, ``outputs/`` and ``timings/``.
CHUNK_GLOB = "chunk-*.parquet"
#: Files wecsim writes at the top of a results folder (``--fresh`` deletes only these and the chunks).
TOP_FILES = (MANIFEST, "experiment.yaml", "design.parquet", "sample.parquet")
#: Largest manifest read (wecsim writes tens of kB).
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
#: Seconds between manifest updates while a batch runs (it is always written at the end).
MANIFEST_EVERY_S = 2.0


class StoreError(WecsimError):
    """A results folder cannot be used (another experiment's, or not a results folder)."""


def _read_manifest_file(path: Path) -> dict[str, Any] | None:
    """Return a manifest written by wecsim (a JSON mapping with its format), or ``None``."""
    data = read_small_json(path, MAX_MANIFEST_BYTES)
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def batch_folder_state(root: Path) -> tuple[str, str]:
    """Return what ``root`` is for a batch: ``absent``, ``empty``, ``ours``, ``foreign`` or ``file``, and why.

    ``ours`` needs a manifest written by wecsim. A folder holding only the empty
    sub-folders a batch makes first counts as empty (a batch stopped at its first step).
    """
    kind, entries = examine(root, StoreError)
    if kind != "folder":
        return kind, "does not exist" if kind == "absent" else "is a file"
    if _read_manifest_file(root / MANIFEST) is not None:
        return "ours", "holds wecsim batch results"
    ours = {*ALL_TABLES, ".tmp"}

    def empty_of_ours(p: Path) -> bool:
        if p.name == LOCK_FILE:
            return p.is_file() and not p.is_symlink()
        return p.name in ours and p.is_dir() and not p.is_symlink() and not any(p.iterdir())

    if all(empty_of_ours(p) for p in entries):
        return "empty", "is empty"
    return "foreign", f"is not empty and holds no wecsim batch results (no wecsim {MANIFEST}; {summarise(root)})"


def check_batch_target(root: str | Path, fresh: bool = False) -> str:
    """Check that a batch may write to ``root``; return its :func:`batch_folder_state`.

    Raises
    ------
    StoreError
        If ``root`` is empty text, the current folder (or a parent), a link, a file, or a
        folder holding anything but wecsim batch results.
    """
    root = refuse_special(root, "--out")
    state, why = batch_folder_state(root)
    if state == "file":
        raise StoreError(f"{root}: is a file, not a folder; choose another --out (nothing was written)")
    if state == "foreign":
        also = " (--fresh deletes only wecsim's own results)" if fresh else ""
        raise StoreError(
            f"{root}: {why}; wecsim writes a batch only to a new or empty folder, or resumes its own{also}: "
            "choose another --out (nothing was written or deleted)"
        )
    if state == "absent":
        try:
            check_writable(root)
        except WecsimError as exc:
            raise StoreError(str(exc)) from None
    return state


def _delete_ours(root: Path) -> None:
    """Delete the batch results wecsim wrote in ``root`` (``--fresh``), and nothing else.

    Chunks first, the manifest last, so a folder interrupted half-way is still recognised
    as wecsim's and ``--fresh`` can be given again. Other files (notes, charts) are kept.
    """
    for sub in (*ALL_TABLES, ".tmp"):
        folder = root / sub
        if not folder.is_dir() or folder.is_symlink():
            continue
        for p in folder.glob(CHUNK_GLOB if sub != ".tmp" else "*.tmp"):
            if stat.S_ISREG(p.lstat().st_mode):
                p.unlink()
        with contextlib.suppress(OSError):  # not empty: something of the user's is in it
            folder.rmdir()
    for name in TOP_FILES:
        p = root / name
        if p.exists() and stat.S_ISREG(p.lstat().st_mode):
            p.unlink()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _who(info: dict[str, Any]) -> str:
    return f"batch pid {info.get('pid')} on {info.get('host')} (started {info.get('started')})"


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Name the parts of two resolved experiments that differ, e.g. ``seed, design``."""
    keys = [k for k in new if k not in {"name", "description", "source", "file_sha256"} and old.get(k) != new.get(k)]
    return ", ".join(keys) if keys else "how they were resolved (an older wecsim?)"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - not all platforms allow opening a directory
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, tmp_dir: Path) -> None:
    """Write ``data`` to ``path`` through a temporary file in ``tmp_dir`` and a rename."""
    tmp = tmp_dir / f"{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_parquet(table: pa.Table, path: Path, tmp_dir: Path) -> None:
    """Write an Arrow table to ``path`` through a temporary file in ``tmp_dir`` and a rename."""
    tmp = tmp_dir / f"{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def id_ranges(ids: set[int] | list[int]) -> list[list[int]]:
    """Compress run ids into inclusive ``[first, last]`` ranges."""
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _versions() -> dict[str, str]:
    out = {"wecsim": __version__, "python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("numpy", "pandas", "mesa", "pyarrow", "salib", "dask", "distributed"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            pass
    return out


@dataclass
class Session:
    """Timings of one invocation of a batch (a resumed batch has several)."""

    started: str
    executor: str
    chunk_size: int
    runs_pending: int
    runs_done: int = 0
    runs_failed: int = 0
    wall_s: float = 0.0
    finished: str | None = None
    state: str = "running"
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _t0: float = field(default_factory=time.perf_counter, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the session as JSON data."""
        wall = self.wall_s or (time.perf_counter() - self._t0)
        return {
            "id": self.id,
            "started": self.started,
            "finished": self.finished,
            "state": self.state,
            "pid": self.pid,
            "host": self.host,
            "executor": self.executor,
            "chunk_size": self.chunk_size,
            "runs_pending": self.runs_pending,
            "runs_done": self.runs_done,
            "runs_failed": self.runs_failed,
            "wall_s": round(wall, 3),
            "runs_per_s": round(self.runs_done / wall, 3) if wall > 0 else None,
        }


class ResultStore:
    """A results folder being written by a batch.

    Use :meth:`open` to create it or resume it; then :meth:`write_chunk` for each chunk
    and :meth:`close` at the end.

    Parameters
    ----------
    root
        The folder.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp = self.root / ".tmp"
        self.manifest: dict[str, Any] = {}
        self.done: set[int] = set()
        self.failed: set[int] = set()
        self.session: Session | None = None
        self.lock: FolderLock | None = None
        self._last_manifest = 0.0

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        root: str | Path,
        experiment: Experiment,
        design: pd.DataFrame,
        sample: np.ndarray | None,
        experiment_text: str | None = None,
        *,
        fresh: bool = False,
        retry_failed: bool = False,
        model: dict[str, Any] | None = None,
        allow_model_change: bool = False,
    ) -> ResultStore:
        """Create a results folder, or reopen one of the same experiment to resume it.

        The folder is locked (:class:`~wecsim.experiments.lock.FolderLock`) until
        :meth:`close`: a second batch writing to it at the same time is refused.

        Parameters
        ----------
        root
            The folder (created if needed).
        experiment
            The experiment; a folder holding another experiment's results is refused.
        design, sample
            The design points and raw sample (written once).
        experiment_text
            The experiment file's text, copied into the folder.
        fresh
            Delete the results already in the folder first.
        retry_failed
            Forget the runs that failed, so they run again.
        model
            The model's fingerprint (:func:`~wecsim.experiments.provenance.model_fingerprint`;
            default: computed here).
        allow_model_change
            Resume even if the model's code or data changed since the folder was started
            (recorded in the manifest's ``model_changes``).

        Raises
        ------
        StoreError
            If the folder is a file, holds anything but wecsim batch results, holds another
            experiment's results (without ``fresh``), was written with another model (without
            ``allow_model_change``), is being written by another batch, or cannot be written
            (permissions, a full disk).
        """
        store = cls(root)
        created = False
        try:
            created = check_batch_target(store.root, fresh) == "absent"
            store.root.mkdir(parents=True, exist_ok=True)
            store.lock = FolderLock(store.root).acquire()
            if model is None:
                model = model_fingerprint(experiment.model, experiment.scenario_files)
            store._open(experiment, design, sample, experiment_text, fresh, retry_failed, model, allow_model_change)
            return store
        except OSError as exc:
            store._abandon(created)
            raise StoreError(
                f"--out {root}: cannot write there ({exc.strerror or exc}); free some space or fix the folder, "
                "then run the same command again"
            ) from None
        except BaseException:
            store._abandon(created)
            raise

    def _abandon(self, created: bool) -> None:
        """Unlock after a failed open, and remove the folder if this open made it and it is still empty."""
        self.release()
        if created and not (self.root / MANIFEST).exists():
            for sub in (*ALL_TABLES, ".tmp", ""):
                with contextlib.suppress(OSError):
                    (self.root / sub).rmdir()

    def _open(
        self,
        experiment: Experiment,
        design: pd.DataFrame,
        sample: np.ndarray | None,
        experiment_text: str | None,
        fresh: bool,
        retry_failed: bool,
        model: dict[str, Any],
        allow_model_change: bool,
    ) -> None:
        store, root = self, self.root
        manifest_path = root / MANIFEST
        state = check_batch_target(root, fresh)  # again, now that the folder is ours alone
        if fresh and state == "ours":
            _delete_ours(root)
        for sub in (*TABLES, ".tmp"):
            (root / sub).mkdir(exist_ok=True)
        for leftover in store.tmp.glob("*.tmp"):  # what an interrupted atomic write left
            leftover.unlink()
        spec_hash = experiment.spec_hash()
        new = not manifest_path.exists()
        if not new:
            store.manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            old = store.manifest.get("experiment", {}).get("spec_sha256")
            if old != spec_hash:
                what = _differences(store.manifest.get("experiment", {}).get("resolved", {}), experiment.to_dict())
                raise StoreError(
                    f"{root} holds the results of another experiment ({store.manifest['experiment'].get('name')!r}, "
                    f"spec hash {str(old)[:12]}; this one is {spec_hash[:12]}; they differ in {what}). Resume only "
                    "with the same experiment: use another --out, or --fresh to delete these results."
                )
            store._check_model(model, allow_model_change)
            store._mark_killed_sessions()
            store._redeclare_derived(experiment, experiment_text)
        else:
            store.manifest = {
                "format": FORMAT,
                "created": _now(),
                "experiment": {
                    "name": experiment.name,
                    "file": experiment.source,
                    "file_sha256": experiment.file_sha256,
                    "spec_sha256": spec_hash,
                    "resolved": experiment.to_dict(),
                },
                "model": model,
                "versions": _versions(),
                "seeds": {
                    "experiment_seed": experiment.seed,
                    "design": "numpy.random.SeedSequence(experiment_seed)",
                    "runs": (
                        "SeedSequence(experiment_seed, spawn_key=(replicate,))"
                        if experiment.common_random_numbers
                        else "SeedSequence(experiment_seed, spawn_key=(run_id,))"
                    )
                    + ".generate_state(1, uint64)[0] & (2**63 - 1); the seed of each run is in runs/",
                },
                "design": {
                    "kind": experiment.design.kind,
                    "n_points": len(design),
                    "replicates": experiment.replicates,
                    "n_runs": len(design) * experiment.replicates,
                    "parameters": [p.name for p in experiment.parameters],
                },
                "sessions": [],
            }
            store.write_manifest(force=True)  # first, so that every folder wecsim made is recognisably its own
            if experiment_text is not None:
                atomic_write_bytes(root / "experiment.yaml", experiment_text.encode("utf-8"), store.tmp)
        if store.lock is not None and store.lock.took_over is not None:
            store._warn(f"took over the lock of {_who(store.lock.took_over)}, which no longer runs")
        # the design is a function of the experiment: (re)written if a crash came before it was
        if new or not (root / "design.parquet").exists():
            atomic_write_parquet(
                pa.Table.from_pandas(design.reset_index(), preserve_index=False), root / "design.parquet", store.tmp
            )
        if sample is not None and (new or not (root / "sample.parquet").exists()):
            cols = {p.name: sample[:, i] for i, p in enumerate(experiment.parameters)}
            atomic_write_parquet(pa.table(cols), root / "sample.parquet", store.tmp)
        if store.manifest.get("versions", {}).get("wecsim") != __version__:
            store._warn(f"resumed with wecsim {__version__}; earlier runs used {store.manifest['versions']['wecsim']}")
        store._recover(retry_failed)

    def _redeclare_derived(self, experiment: Experiment, experiment_text: str | None) -> None:
        """Take the experiment's derived outcomes when they changed: they are computed from the stored tables."""
        resolved = self.manifest["experiment"].setdefault("resolved", {})
        new = experiment.to_dict().get("derived")
        if resolved.get("derived") == new:
            return
        if new:
            resolved["derived"] = new
        else:
            resolved.pop("derived", None)
        names = ", ".join(d["name"] for d in new or []) or "none"
        self._warn(
            f"derived outcomes declared anew ({names}); they are computed from the stored tables, no run changes"
        )
        if experiment_text is not None:
            self.manifest["experiment"]["file_sha256"] = experiment.file_sha256
            atomic_write_bytes(self.root / "experiment.yaml", experiment_text.encode("utf-8"), self.tmp)

    def _warn(self, text: str) -> None:
        self.manifest.setdefault("warnings", []).append(f"{_now()}: {text}")

    def _check_model(self, model: dict[str, Any], allow: bool) -> None:
        """Refuse to resume with another model (code, data, scenario files) unless ``allow``."""
        old = self.manifest.get("model")
        if old is not None and old.get("sha256") == model["sha256"]:
            return
        if old is None:
            changed = ["(not recorded: the folder was started by a wecsim that kept no model fingerprint)"]
        else:
            changed = changed_files(old, model)
        shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
        if not allow:
            raise StoreError(
                f"{self.root}: the model changed since these results were started ({shown}); resuming would mix "
                f"runs of two models in one table. Run the old model to finish, use --fresh to start again, "
                f"or --allow-model-change to resume anyway (recorded in {MANIFEST})"
            )
        self.manifest.setdefault("model_changes", []).append(
            {
                "at": _now(),
                "from_sha256": None if old is None else old.get("sha256"),
                "to_sha256": model["sha256"],
                "changed": changed,
                "runs_before": len(self._committed_ids()),
            }
        )
        self.manifest["model"] = model
        self._warn(f"resumed with a changed model (--allow-model-change): {shown}")

    def _committed_ids(self) -> set[int]:
        ids: set[int] = set()
        for p in (self.root / "runs").glob(CHUNK_GLOB):
            ids.update(pq.read_table(p, columns=["run_id"]).column("run_id").to_pylist())
        return ids

    def _mark_killed_sessions(self) -> None:
        """Mark sessions still ``running`` as ``killed``: this batch holds the lock, so they ended unclosed."""
        for s in self.manifest.get("sessions", []):
            if s.get("state") == "running":
                s["state"] = "killed"
                s["note"] = f"ended without closing (killed or crashed); found on reopening at {_now()}"

    def release(self) -> None:
        """Give up the folder's lock (:meth:`close` does it too)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _recover(self, retry_failed: bool) -> None:
        """Delete what an interrupted write left, repair duplicated runs, then read which runs are done."""
        committed = {p.name for p in (self.root / "runs").glob(CHUNK_GLOB)}
        for sub in BEFORE_RUNS:
            for p in (self.root / sub).glob(CHUNK_GLOB):
                if p.name not in committed:
                    p.unlink()
        duplicated = 0
        for p in sorted((self.root / "runs").glob(CHUNK_GLOB)):
            t = pq.read_table(p, columns=["run_id", "status"])
            ids = t.column("run_id").to_numpy()
            bad = np.asarray(t.column("status").to_pylist()) != "ok"
            twice = np.isin(ids, list(self.done)) if self.done else np.zeros(len(ids), dtype=bool)
            drop = twice | (bad if retry_failed else np.zeros(len(ids), dtype=bool))
            if drop.any():  # runs stored twice (two writers before locks) or failed runs to retry
                self._drop_rows(p.name, set(ids[drop].tolist()))
                duplicated += int(twice.sum())
                ids, bad = ids[~drop], bad[~drop]
            self.done.update(ids.tolist())
            self.failed.update(ids[bad].tolist())
        if duplicated:
            self._warn(f"repaired {duplicated} run(s) stored twice (kept the first copy of each)")

    def _drop_rows(self, name: str, run_ids: set[int]) -> None:
        """Rewrite one chunk's files without some runs (failed ones, or runs stored twice)."""
        for sub in (*BEFORE_RUNS, "runs"):  # runs last: it is the commit marker
            path = self.root / sub / name
            if not path.exists():
                continue
            t = pq.read_table(path)
            keep = ~np.isin(t.column("run_id").to_numpy(), list(run_ids))
            if keep.any():
                atomic_write_parquet(t.filter(pa.array(keep)), path, self.tmp)
            elif sub == "runs":
                for s in (*BEFORE_RUNS, "runs"):
                    (self.root / s / name).unlink(missing_ok=True)
            else:
                path.unlink()

    # ------------------------------------------------------------------ writing
    def start_session(self, executor: str, chunk_size: int, runs_pending: int, t0: float | None = None) -> None:
        """Record the start of a batch invocation in the manifest (``t0``: its ``perf_counter``)."""
        self.session = Session(_now(), executor, chunk_size, runs_pending)
        if t0 is not None:
            self.session._t0 = t0
        self.write_manifest(force=True)

    def write_chunk(self, tables: dict[str, pa.Table]) -> tuple[int, int]:
        """Commit one chunk's tables; return (runs written, of which failed).

        Runs already done (a chunk recomputed after a crash) are dropped, so a run is
        never stored twice.
        """
        runs = tables["runs"]
        ids = runs.column("run_id").to_numpy()
        fresh = ~np.isin(ids, list(self.done)) if self.done else np.ones(len(ids), dtype=bool)
        if not fresh.all():
            keep_ids = set(ids[fresh].tolist())
            tables = {
                k: t.filter(pa.array(np.isin(t.column("run_id").to_numpy(), list(keep_ids)))) for k, t in tables.items()
            }
            runs, ids = tables["runs"], ids[fresh]
        if len(ids) == 0:
            return 0, 0
        name = f"chunk-{int(ids.min()):010d}-{uuid.uuid4().hex[:8]}.parquet"
        for sub in (*(t for t in BEFORE_RUNS if t in tables), "runs"):  # runs last: it marks the chunk as done
            (self.root / sub).mkdir(exist_ok=True)
            atomic_write_parquet(tables[sub], self.root / sub / name, self.tmp)
        _fsync_dir(self.root / "runs")
        status = np.asarray(runs.column("status").to_pylist())
        failed = ids[status != "ok"]
        self.done.update(ids.tolist())
        self.failed.update(failed.tolist())
        if self.session is not None:
            self.session.runs_done += len(ids)
            self.session.runs_failed += len(failed)
        self.write_manifest()
        return len(ids), len(failed)

    def write_manifest(self, force: bool = False) -> None:
        """Write the manifest (at most every :data:`MANIFEST_EVERY_S` unless ``force``)."""
        now = time.monotonic()
        if not force and now - self._last_manifest < MANIFEST_EVERY_S:
            return
        self._last_manifest = now
        m = self.manifest
        m["updated"] = _now()
        m["progress"] = {
            "n_runs": m["design"]["n_runs"],
            "n_done": len(self.done),
            "n_failed": len(self.failed),
            "complete": len(self.done) >= m["design"]["n_runs"],
            "done_ranges": id_ranges(self.done),
            "failed_ids": sorted(self.failed)[:1000],
        }
        sessions = list(m.get("sessions", []))
        if self.session is not None:
            entry = self.session.to_dict()
            if sessions and sessions[-1].get("id") == entry["id"]:
                sessions[-1] = entry
            else:
                sessions.append(entry)
        m["sessions"] = sessions
        m["timings"] = {
            "wall_s_total": round(sum(s.get("wall_s", 0.0) for s in sessions), 3),
            "run_s_mean": self._mean_run_time(),
        }
        text = json.dumps(m, indent=2, default=str)
        atomic_write_bytes(self.root / MANIFEST, text.encode("utf-8"), self.tmp)

    def _mean_run_time(self) -> float | None:
        return None if not self.done else _mean_elapsed(self.root)

    def close(self, state: str = "finished") -> None:
        """Record the end of the session (``finished``, ``interrupted`` or ``failed``) and unlock the folder."""
        try:
            if self.session is not None:
                self.session.state = state
                self.session.finished = _now()
                self.session.wall_s = time.perf_counter() - self.session._t0
            self.write_manifest(force=True)
        finally:
            self.release()


def _mean_elapsed(root: Path) -> float | None:
    files = sorted((root / "timings").glob(CHUNK_GLOB))[-20:]
    if not files:
        return None
    vals = np.concatenate([pq.read_table(f, columns=["elapsed_s"]).column("elapsed_s").to_numpy() for f in files])
    return round(float(vals.mean()), 6) if len(vals) else None


def inspect_target(
    root: str | Path, experiment: Experiment, model: dict[str, Any], fresh: bool = False
) -> dict[str, Any]:
    """Say what a batch would find in ``root``, reading only (``wecsim batch --dry-run``).

    Returns
    -------
    dict
        ``state`` (:func:`batch_folder_state`), ``done`` and ``failed`` (run ids stored),
        ``refused`` (why a batch would stop at once, or ``None``), ``changed`` (model files
        changed since the folder was started) and ``writer`` (the lock of a running batch).
    """
    root = refuse_special(root, "--out")
    out: dict[str, Any] = {
        "state": None,
        "done": set(),
        "failed": set(),
        "refused": None,
        "changed": [],
        "writer": None,
    }
    try:
        out["state"] = check_batch_target(root, fresh)
    except StoreError as exc:
        out["refused"] = str(exc)
        return out
    lock = root / LOCK_FILE
    if lock.is_file():
        probe = FolderLock(root)
        try:
            fd = os.open(lock, os.O_RDONLY)
        except OSError:
            fd = None
        if fd is not None:
            try:
                held = probe._flock_shared(fd)
                info = read_lock(root)
                if held is False or (held is None and probe._alive_elsewhere(info)):
                    out["writer"] = info or {}
            finally:
                os.close(fd)
        if out["writer"] is not None:
            out["refused"] = f"{_who(out['writer'])} is writing to this folder now"
    if out["state"] != "ours":
        return out
    manifest = read_manifest(root)
    if fresh:  # its runs would be deleted: no experiment or model to match
        pass
    elif manifest["experiment"].get("spec_sha256") != experiment.spec_hash():
        what = _differences(manifest["experiment"].get("resolved", {}), experiment.to_dict())
        out["refused"] = out["refused"] or f"the folder holds another experiment's results (they differ in {what})"
        return out
    old = manifest.get("model")
    if not fresh and (old is None or old.get("sha256") != model["sha256"]):
        out["changed"] = changed_files(old, model) if old is not None else ["(not recorded)"]
    for p in sorted((root / "runs").glob(CHUNK_GLOB)):
        t = pq.read_table(p, columns=["run_id", "status"])
        ids = t.column("run_id").to_numpy()
        bad = np.asarray(t.column("status").to_pylist()) != "ok"
        out["done"].update(ids.tolist())
        out["failed"].update(ids[bad].tolist())
    return out


# ---------------------------------------------------------------------- reading
def read_manifest(root: str | Path) -> dict[str, Any]:
    """Return the manifest of a results folder."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise StoreError(
            f"{root}: not a wecsim batch results folder (no {MANIFEST}); give a folder written by `wecsim batch`"
        )
    manifest = _read_manifest_file(path)
    if manifest is None:
        raise StoreError(f"{path}: not a manifest written by wecsim batch (damaged, or another program's)")
    return manifest


def _read_table(root: Path, sub: str) -> pd.DataFrame:
    files = sorted((root / sub).glob(CHUNK_GLOB))
    if not files:
        return pd.DataFrame()
    t = pa.concat_tables([pq.read_table(f) for f in files])
    df = t.to_pandas()
    keys = ["run_id", "year"] if sub == "outputs" else ["run_id"]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


@dataclass
class ExperimentResults:
    """The results of a batch as plain pandas tables, aligned on ``run_id``.

    Attributes
    ----------
    runs
        One row per run: ``run_id, point, replicate, seed``, parameters, ``status, error``.
    outputs
        One row per run and year: ``run_id, year`` and the indicators.
    design
        One row per design point.
    manifest
        The manifest.
    experiment
        The resolved experiment, rebuilt from the manifest.
    sample
        The raw design sample (``None`` for a factorial design).
    derived
        The experiment's derived outcomes, one row per successful run (index ``run_id``),
        computed by DuckDB from the stored tables (the view ``derived``).
    """

    runs: pd.DataFrame
    outputs: pd.DataFrame
    design: pd.DataFrame
    manifest: dict[str, Any]
    experiment: Experiment
    sample: np.ndarray | None
    derived: pd.DataFrame = field(default_factory=pd.DataFrame)

    def outcome(self, indicator: str, year: int | None = None) -> pd.Series:
        """Return one indicator of one year per run (index ``run_id``; NaN where a run failed).

        Parameters
        ----------
        indicator
            An output column.
        year
            The year (may be omitted when only one year is stored); not used for a derived
            outcome, which has one value per run.
        """
        if indicator in self.derived.columns:
            return self.derived[indicator].reindex(self.runs["run_id"].to_numpy())
        if indicator not in self.outputs.columns or indicator in {"run_id", "year"}:
            known = [c for c in self.outputs.columns if c not in {"run_id", "year"}]
            if len(self.derived.columns):
                known.append(f"derived: {', '.join(self.derived.columns)}")
            raise WecsimError(f"no output named {indicator!r}; the experiment kept: {', '.join(known)}")
        years = sorted(int(y) for y in self.outputs["year"].unique())
        kept = ", ".join(map(str, years))
        if year is None:
            if len(years) != 1:
                raise WecsimError(f"give a year (--year) for {indicator!r}: the experiment kept the years {kept}")
            year = years[0]
        if year not in years:
            raise WecsimError(f"year {year} was not kept; the experiment kept the years {kept}")
        sel = self.outputs.loc[self.outputs["year"] == year, ["run_id", indicator]].set_index("run_id")[indicator]
        return sel.reindex(self.runs["run_id"].to_numpy())

    def parameters(self) -> pd.DataFrame:
        """Return the varied parameters per run (index ``run_id``)."""
        names = [p.name for p in self.experiment.parameters]
        return self.runs.set_index("run_id")[names]

    def by_point(self, indicator: str, year: int | None = None) -> np.ndarray:
        """Return an indicator averaged over replicates, one value per design point (NaN if missing)."""
        y = self.outcome(indicator, year)
        points = self.runs.set_index("run_id")["point"]
        means = y.groupby(points).mean()
        return means.reindex(range(len(self.design))).to_numpy(dtype=float)


def load_results(root: str | Path) -> ExperimentResults:
    """Load a results folder into pandas tables (sorted by ``run_id`` and ``year``).

    Parameters
    ----------
    root
        A folder written by ``wecsim batch``.
    """
    root = Path(root)
    manifest = read_manifest(root)
    runs = _read_table(root, "runs")
    if not runs.empty and runs["run_id"].duplicated().any():
        n = int(runs["run_id"].duplicated().sum())
        raise StoreError(
            f"{root}: {n} run(s) stored twice (two batches wrote to the folder at once, before wecsim locked "
            "folders); run the same `wecsim batch` command again (the experiment file is copied in "
            f"{root / 'experiment.yaml'}): it repairs the folder, keeping one copy of each run"
        )
    outputs = _read_table(root, "outputs")
    design = pd.read_parquet(root / "design.parquet").set_index("point")
    sample_path = root / "sample.parquet"
    sample = pd.read_parquet(sample_path).to_numpy() if sample_path.exists() else None
    try:
        experiment = Experiment.from_dict(manifest["experiment"]["resolved"])
    except (KeyError, TypeError, ValueError):  # pydantic's ValidationError is a ValueError
        raise StoreError(f"{root / MANIFEST}: the experiment it records is damaged; run the batch again") from None
    derived = pd.DataFrame(index=pd.Index([], name="run_id", dtype="int64"))
    if experiment.derived:
        con = connect(root)
        try:
            derived = con.execute("SELECT * FROM derived ORDER BY run_id").df().set_index("run_id")
        finally:
            con.close()
    return ExperimentResults(runs, outputs, design, manifest, experiment, sample, derived)


def connect(root: str | Path):
    """Return a DuckDB connection with views over a results folder.

    Views: ``runs``, ``outputs`` (also named ``national``), ``timings``, ``design``,
    ``results`` (runs joined with outputs on ``run_id``), the other tables the experiment
    keeps (``region``, ``basin``, ``funder``, ``additionality``), ``derived`` (one row per
    successful run, one column per derived outcome) and ``outcomes`` (``outputs`` with the
    derived outcomes of its run on every row).
    """
    import duckdb

    root = Path(root)
    manifest = read_manifest(root)
    resolved = manifest.get("experiment", {}).get("resolved", {})
    con = duckdb.connect()
    kept = resolved.get("tables") if isinstance(resolved.get("tables"), dict) else {}
    for sub in (*TABLES, *(t for t in EXTRA_TABLES if t in kept)):
        files = sorted((root / sub).glob(CHUNK_GLOB))
        if files:
            paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            con.execute(f"CREATE VIEW {sub} AS SELECT * FROM read_parquet([{paths}])")
        elif sub == "runs":
            con.execute("CREATE VIEW runs AS SELECT NULL::BIGINT AS run_id, NULL::VARCHAR AS status WHERE false")
        else:
            con.execute(f"CREATE VIEW {sub} AS SELECT NULL::BIGINT AS run_id, NULL::BIGINT AS year WHERE false")
    con.execute("CREATE VIEW national AS SELECT * FROM outputs")
    design = str(root / "design.parquet").replace("'", "''")
    con.execute(f"CREATE VIEW design AS SELECT * FROM read_parquet('{design}')")
    con.execute("CREATE VIEW results AS SELECT * FROM runs JOIN outputs USING (run_id)")
    if resolved.get("derived"):
        from wecsim.experiments.outcomes import DerivedOutcome

        try:
            derived = [DerivedOutcome(**d) for d in resolved["derived"]]
        except (TypeError, ValueError):  # pydantic's ValidationError is a ValueError
            con.close()
            raise StoreError(f"{root / MANIFEST}: its derived outcomes are damaged; run the batch again") from None
        if (root / "outputs").is_dir() and any((root / "runs").glob(CHUNK_GLOB)):
            con.execute(f"CREATE VIEW derived AS {derived_view_sql(derived)}")
        else:
            cols = ", ".join(f"NULL::DOUBLE AS {sql_identifier(d.name)}" for d in derived)
            con.execute(f"CREATE VIEW derived AS SELECT NULL::BIGINT AS run_id, {cols} WHERE false")
        con.execute("CREATE VIEW outcomes AS SELECT * FROM outputs LEFT JOIN derived USING (run_id)")
    else:
        con.execute("CREATE VIEW outcomes AS SELECT * FROM outputs")
    return con


def query(root: str | Path, sql: str) -> pd.DataFrame:
    """Run a DuckDB SQL query over a results folder and return a DataFrame.

    Parameters
    ----------
    root
        A folder written by ``wecsim batch``.
    sql
        SQL over the views ``runs``, ``outputs``, ``timings``, ``design``, ``results``.

    Examples
    --------
    >>> query("results/exp", "SELECT year, avg(water_deficit_km3) FROM outputs GROUP BY year")  # doctest: +SKIP
    """
    import duckdb

    if not sql.strip():
        raise WecsimError('the SQL is empty; e.g. "SELECT year, avg(res_share) FROM outputs GROUP BY year"')
    con = connect(root)
    try:
        result = con.execute(sql)
        if result is None:
            raise WecsimError("the SQL holds no statement (only comments?); give a query")
        return result.df()
    except duckdb.Error as exc:
        text = str(exc).strip()
        raise WecsimError(f"query failed: {text if len(text) <= 600 else text[:600] + '...'}") from None
    finally:
        con.close()
