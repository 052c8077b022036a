"""Quiet start-up failures of worker processes whose requester is already gone.

Imported only in the ``forkserver`` process (it is in ``FORKSERVER_PRELOAD``), so every
worker forked from it inherits the hook. After a Ctrl-C, a Dask nanny can stop and remove
the semaphore it handed to a worker that the fork server is still starting; the new child
then fails to rebuild that semaphore and CPython's fork server prints the child's traceback
on the terminal of an interrupted batch. Nobody is waiting for that worker, so the child
ends without a word; every other exception is reported as before.
"""

from __future__ import annotations

import os
import sys
import traceback
from types import TracebackType


def _is_vanished_semaphore(exc_type: type[BaseException], tb: TracebackType | None) -> bool:
    """Tell whether a FileNotFoundError was raised while a child rebuilds a semaphore it was sent."""
    if not issubclass(exc_type, FileNotFoundError) or tb is None:
        return False
    last = traceback.extract_tb(tb)[-1]
    return os.path.basename(last.filename) == "synchronize.py" and last.name == "__setstate__"


def quiet_excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, _report=sys.excepthook
) -> None:
    """Say nothing for a semaphore removed by a stopped requester; report anything else."""
    if _is_vanished_semaphore(exc_type, tb):
        return
    _report(exc_type, exc, tb)


sys.excepthook = quiet_excepthook
