"""Names that come from files and become folder or file names, and where shipped files live.

A scenario's ``name:`` and an experiment's ``name:`` choose the default results folder
(``results/<name>``, ``results/experiments/<name>``), and ``extends:``/``base:`` name another
file. Text from a file someone else wrote must never act as a path, so names are *slugs*:
letters, digits, ``_``, ``.`` and ``-``, starting with a letter or a digit. That rules out
``..``, ``/``, backslashes, empty names, hidden (leading-dot) names and control characters.
"""

from __future__ import annotations

import re
from pathlib import Path

#: A name that is safe as one folder or file name on every platform wecsim runs on.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$"
#: The rule of :data:`NAME_PATTERN` in words, for error messages.
NAME_RULE = "1-80 letters, digits, '_', '.' or '-', starting with a letter or a digit"

_NAME = re.compile(NAME_PATTERN)
_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")


def is_safe_name(text: object) -> bool:
    """Return whether ``text`` is a string matching :data:`NAME_PATTERN`."""
    return isinstance(text, str) and _NAME.fullmatch(text) is not None


def slug(text: str, default: str = "scenario") -> str:
    """Return ``text`` made into a safe name (bad characters become ``_``), or ``default``.

    Used only for names the user did not write themselves (a file's stem when the file
    has no ``name:``), never to repair a ``name:`` written in a file.
    """
    out = _BAD.sub("_", text).lstrip("._-")[:80].rstrip("._-")
    return out if is_safe_name(out) else default


def short(value: object, limit: int = 100) -> str:
    """Return ``repr(value)`` cut to about ``limit`` characters, so a message stays short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 15]}... ({len(text):,} chars)"


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def shipped_dir(kind: str) -> Path:
    """Return the folder of shipped ``scenarios`` or ``experiments``.

    An installed wheel carries them as package data in ``wecsim/_shipped/<kind>``; a clone
    (or an editable install) reads the repository's own ``<kind>/`` folder.
    """
    packaged = Path(__file__).resolve().parent / "_shipped" / kind
    return packaged if packaged.is_dir() else _repo_root() / kind
