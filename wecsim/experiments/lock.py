"""One writer per results folder: a lock file that a second batch cannot take.

``DIR/.lock`` holds who writes (``pid``, ``host``, ``started``) and is held with an
exclusive ``flock`` for as long as the batch runs. The operating system releases a
``flock`` when its process ends, however it ends (``kill -9`` included), so a lock left
by a dead batch is *stale*: the next batch takes it over and says so. A second batch
while the first is alive is refused with a message naming the first one's pid and host.

Where ``flock`` is not available (no ``fcntl`` module, or a file system that refuses it),
the lock falls back to the pid in the file: it is stale when it was taken on this host and
that process no longer exists. A lock from another host cannot be checked that way; the
message then says how to remove it by hand once that batch is known to be gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wecsim.errors import WecsimError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"


class LockedError(WecsimError):
    """Another batch is writing to the results folder."""


def pid_alive(pid: int) -> bool:
    """Return whether a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, but is someone else's
        return True
    except OSError:
        return False
    return True


def read_lock(root: Path) -> dict[str, Any] | None:
    """Return what a lock file says (``pid``, ``host``, ``started``), or ``None`` if absent or unreadable."""
    try:
        data = json.loads((root / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _describe(info: dict[str, Any] | None) -> str:
    if not info:
        return "another batch"
    return f"batch pid {info.get('pid')} on {info.get('host')} (started {info.get('started')})"


class FolderLock:
    """The exclusive right to write one results folder; :meth:`acquire`, then :meth:`release`.

    Attributes
    ----------
    took_over
        What the stale lock said, when one left by a dead batch was taken over (else ``None``).
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.path = self.root / LOCK_FILE
        self._fd: int | None = None
        self.took_over: dict[str, Any] | None = None

    def acquire(self) -> FolderLock:
        """Take the lock, or raise :class:`LockedError` if a live batch holds it."""
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        for _ in range(5):  # the file may be replaced between open and lock by a batch ending
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                held = self._flock(fd)
            except BaseException:
                os.close(fd)
                raise
            before = read_lock(self.root)
            if held is False or (held is None and self._alive_elsewhere(before)):
                os.close(fd)
                raise LockedError(self._busy_message(before))
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if not same:  # the file we locked was removed by the batch that held it: lock the new one
                os.close(fd)
                continue
            if before and before.get("pid") is not None:
                self.took_over = before  # a lock file that nobody holds: its batch is gone
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(me).encode())
            os.fsync(fd)
            self._fd = fd
            return self
        raise LockedError(f"{self.root}: cannot take {self.path.name}; another batch keeps replacing it")

    @staticmethod
    def _flock(fd: int) -> bool | None:
        """Return True (locked), False (held by a live process) or None (flock unavailable)."""
        if fcntl is None:  # pragma: no cover - Windows
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:  # e.g. a network file system without locks
            return None
        return True

    @staticmethod
    def _flock_shared(fd: int) -> bool | None:
        """Test the lock without taking it for long: False if a live batch holds it."""
        if fcntl is None:  # pragma: no cover - Windows
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True

    @staticmethod
    def _alive_elsewhere(info: dict[str, Any] | None) -> bool:
        """Without flock: whether the lock file's pid may still be running (unknown on another host)."""
        if not info or not isinstance(info.get("pid"), int):
            return False
        if info.get("host") != socket.gethostname():
            return True
        return info["pid"] != os.getpid() and pid_alive(info["pid"])

    def _busy_message(self, info: dict[str, Any] | None) -> str:
        return (
            f"{self.root}: {_describe(info)} is writing to this results folder; two batches must not write to one "
            f"folder at once (runs would be stored twice). Wait for it to end, stop it, or use another --out. If you "
            f"are sure no batch writes here (e.g. it ran on another machine that is gone), delete {self.path}"
        )

    def release(self) -> None:
        """Give the lock up and delete the lock file."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still locked, so nobody locks the file we delete
        with contextlib.suppress(OSError):
            os.close(self._fd)  # closing releases the flock
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
