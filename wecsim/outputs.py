"""Where wecsim may write: a new (or empty) folder, or its own results when asked, nothing else.

The rules, shared by ``wecsim run``, :meth:`wecsim.results.Results.write`, ``query --csv``
and ``sensitivity --chart``:

- results go to a folder that does not exist yet or is empty;
- a folder that already holds wecsim results *of the same kind* (run results: a
  ``meta.json`` written by wecsim and only the files wecsim writes) is replaced only when
  the user asks (``--overwrite``, ``overwrite=True``), and atomically: the new results are
  written beside it first, and the old ones are removed only once the new ones are in place;
- anything else (a file, a folder with other files, the current folder or one of its
  parents, a symbolic link, an empty path) is refused with :class:`~wecsim.errors.OutputError`,
  a message that says what is there and what to do, and nothing written or deleted;
- writing problems of the system (no permission, disk full) are reported the same way, and
  leave the earlier results as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from wecsim.errors import OutputError, WecsimError

#: Marker in the ``meta.json`` of run results (``Results.write``).
RUN_FORMAT = "wecsim-run-results/1"
#: Largest ``meta.json`` read to recognise results (wecsim writes a few kB).
MAX_META_BYTES = 4 * 1024 * 1024

State = Literal["absent", "empty", "ours", "foreign", "file"]


def run_file_names(tables: Iterable[str]) -> frozenset[str]:
    """Return the names of the files a run's results folder may hold."""
    return frozenset({"meta.json", *(f"{t}.{ext}" for t in tables for ext in ("parquet", "csv"))})


def summarise(folder: Path, limit: int = 5) -> str:
    """Return a short list of what a folder holds, e.g. ``3 entries: a.txt, notes/, x.csv``."""
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        return f"cannot be listed: {exc.strerror}"
    names = [p.name + ("/" if p.is_dir() and not p.is_symlink() else "") for p in entries[:limit]]
    more = f", ... ({len(entries) - limit} more)" if len(entries) > limit else ""
    return f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}: {', '.join(names)}{more}"


def refuse_special(path: str | Path, option: str, what: str = "folder") -> Path:
    """Return ``path`` as a :class:`Path`, refusing paths no results may ever go to.

    Refused: an empty path, the current folder or one of its parents (``.``, ``..``, ``/``),
    and a symbolic link (replacing it would act on what it points to). ``what`` (``folder``
    or ``file``) words the messages.
    """
    text = str(path)
    if not text.strip():
        raise OutputError(f"{option}: empty path; give the path of a new {what}")
    if "\x00" in text:
        raise OutputError(f"{option}: the path holds a NUL character; give the path of a new {what}")
    p = Path(text)
    absolute = Path(os.path.abspath(p))
    cwd = Path(os.path.abspath(Path.cwd()))
    if absolute == cwd or absolute in cwd.parents:
        raise OutputError(
            f"{option} {text}: is the current folder or one of its parents; wecsim writes only to a new {what} "
            "or over its own results: give one"
        )
    if p.is_symlink():
        raise OutputError(f"{option} {text}: is a symbolic link; give the folder itself (nothing was written)")
    return p


def examine(path: Path, error: type[WecsimError] = OutputError) -> tuple[str, list[Path]]:
    """Return ``("absent", [])``, ``("file", [])`` or ``("folder", entries)`` for ``path``.

    A symbolic link counts as a file (it is never followed); a path below a file counts as
    absent (making it fails later, with its own message).

    Raises
    ------
    WecsimError
        ``error``, if ``path`` cannot be examined or listed (no permission).
    """
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return "absent", []
    except OSError as exc:
        raise error(f"{path}: cannot be examined ({exc.strerror})") from None
    if not stat.S_ISDIR(st.st_mode):
        return "file", []
    try:
        return "folder", list(path.iterdir())
    except OSError as exc:
        raise error(f"{path}: cannot be listed ({exc.strerror})") from None


def read_small_json(path: Path, max_bytes: int) -> object | None:
    """Return the JSON in a regular file of at most ``max_bytes``, or ``None`` (missing, too big, not JSON)."""
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def folder_state(path: Path, allowed: frozenset[str]) -> tuple[State, str]:
    """Return what ``path`` is for a run's results, and a phrase saying why.

    ``ours`` means a folder whose ``meta.json`` was written by wecsim and whose every entry
    is a regular file with one of the ``allowed`` names.
    """
    kind, entries = examine(path)
    if kind == "absent":
        return "absent", "does not exist"
    if kind == "file":
        return "file", "is a file, not a folder"
    if not entries:
        return "empty", "is empty"
    if not _is_run_meta(path / "meta.json"):
        return "foreign", f"is not empty and holds no wecsim run results ({summarise(path)})"
    others = [p for p in entries if p.name not in allowed or not stat.S_ISREG(p.lstat().st_mode)]
    if others:
        names = ", ".join(sorted(p.name for p in others)[:5])
        return "foreign", f"holds wecsim run results and {len(others)} other file(s) or folder(s) ({names})"
    return "ours", "holds wecsim run results"


def _is_run_meta(meta: Path) -> bool:
    """Whether ``meta`` is a ``meta.json`` written by :meth:`Results.write` (this or an older wecsim)."""
    data = read_small_json(meta, MAX_META_BYTES)
    if not isinstance(data, dict):
        return False
    # results written before the marker existed carry these keys
    return data.get("format") == RUN_FORMAT or {"wecsim_version", "scenario_hash", "seed"} <= data.keys()


def describe_run(path: Path) -> str:
    """Return what a run results folder holds, e.g. ``scenario 'baseline', seed 42``."""
    try:
        data = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        return f"scenario {data.get('scenario')!r}, seed {data.get('seed')}, wecsim {data.get('wecsim_version')}"
    except (OSError, ValueError, AttributeError):
        return "an earlier run"


def check_run_target(path: Path, allowed: frozenset[str], overwrite: bool, option: str = "--out") -> bool:
    """Check that run results may be written to ``path``; return whether they replace earlier ones.

    Raises
    ------
    OutputError
        If ``path`` is a file, a folder with anything but wecsim run results, or wecsim run
        results and ``overwrite`` is false.
    """
    state, why = folder_state(path, allowed)
    if state in {"absent", "empty"}:
        return False
    if state == "ours":
        if overwrite:
            return True
        raise OutputError(
            f"{path}: already holds wecsim run results ({describe_run(path)}); pass --overwrite to replace "
            f"them, or choose another folder with {option} (nothing was written)"
        )
    hint = " (--overwrite replaces only wecsim results)" if overwrite else ""
    raise OutputError(
        f"{path}: {why}; wecsim writes results only to a new or empty folder, or over its own results"
        f"{hint}: choose another folder with {option} (nothing was written)"
    )


def check_writable(path: Path, option: str = "--out") -> None:
    """Check, before any work, that a folder can be created at ``path`` (permission, read-only disk)."""
    probe = Path(os.path.abspath(path)).parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{option} {path}: {probe} is a file, so no folder can be made inside it")
    try:
        tmp = tempfile.mkdtemp(prefix=".wecsim-probe-", dir=probe)
    except OSError as exc:
        raise OutputError(f"{option} {path}: cannot write in {probe} ({exc.strerror})") from None
    os.rmdir(tmp)


def next_free(path: Path, allowed: frozenset[str], limit: int = 999) -> Path:
    """Return ``path``, or ``path-2``, ``path-3``, ... : the first that is absent or empty."""
    for i in range(1, limit + 1):
        candidate = path if i == 1 else path.with_name(f"{path.name}-{i}")
        if folder_state(candidate, allowed)[0] in {"absent", "empty"}:
            return candidate
    raise OutputError(f"{path}: {limit} result folders of this name already exist; give one with --out")


def write_folder(
    out: Path, write: Callable[[Path], None], allowed: frozenset[str], *, overwrite: bool, option: str = "--out"
) -> Path:
    """Write a results folder atomically with ``write(tmp_folder)``; return the folder.

    The files are written into a temporary folder beside ``out`` which is then renamed into
    place. When earlier results are replaced (``overwrite``), they are moved aside first and
    deleted, file by file and only the files wecsim writes, once the new folder is in place;
    any failure before that puts them back.
    """
    out = Path(os.path.abspath(refuse_special(out, option)))
    replace = check_run_target(out, allowed, overwrite, option)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{option} {out}: cannot write there ({exc.strerror}); nothing was written") from None
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    moved = False
    try:
        write(tmp)
        if replace:
            os.rename(out, old)
            moved = True
        os.rename(tmp, out)  # an empty folder at ``out`` is replaced; a non-empty one makes this fail
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if moved and not out.exists():
            os.rename(old, out)
        if isinstance(exc, OSError):
            kept = "; the earlier results are kept" if replace else ""
            raise OutputError(
                f"cannot write results to {out}: {exc.strerror or exc}; nothing was written{kept}"
            ) from None
        raise
    if moved:
        _remove_ours(old, allowed, out)
    return out


def _remove_ours(old: Path, allowed: frozenset[str], out: Path) -> None:
    """Delete the replaced results: only files with the names wecsim writes, then the folder."""
    for p in old.iterdir():
        if p.name in allowed and stat.S_ISREG(p.lstat().st_mode):
            p.unlink()
    try:
        old.rmdir()
    except OSError:
        raise OutputError(
            f"new results are in {out}; the folder they replaced had gained other files meanwhile, "
            f"kept in {old}: move them back"
        ) from None


def check_file_target(path: str | Path, *, overwrite: bool, option: str) -> Path:
    """Check that a file may be written at ``path``: not a folder or a link; existing only with ``overwrite``."""
    p = refuse_special(path, option, "file")
    if p.is_dir():
        raise OutputError(f"{option} {p}: is a folder; give a file name (nothing was written)")
    if p.exists() and not overwrite:
        raise OutputError(f"{option} {p}: exists; pass --overwrite to replace it, or give another name")
    check_writable(p, option)
    return p


def write_file(path: str | Path, write: Callable[[Path], None], *, overwrite: bool, option: str) -> Path:
    """Write one file atomically with ``write(tmp_path)``, replacing an existing file only if ``overwrite``.

    Folders, symbolic links and (without ``overwrite``) existing files are refused.
    """
    p = check_file_target(path, overwrite=overwrite, option=option)
    tmp = p.parent / f".{p.name}.tmp-{uuid.uuid4().hex[:8]}{p.suffix}"
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{option} {p}: cannot write it ({exc.strerror or exc}); nothing was written") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p
