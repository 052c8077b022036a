"""Error types that carry a clear, user-facing message.

Every error a user can cause (a bad scenario file, a bad ``--set`` value, a broken data
table) is raised as a subclass of :class:`WecsimError`. The CLI prints ``str(error)`` as
one paragraph and exits with code 2, so the message must name the file, the field and
what was expected.
"""

from __future__ import annotations

#: Problems listed in one message at most (the rest are counted), so a hostile file cannot
#: produce a message of megabytes.
MAX_PROBLEMS_SHOWN = 20
#: Characters of one field path and of one problem's text shown at most.
MAX_PATH_CHARS = 120
MAX_PROBLEM_CHARS = 1200


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text):,} chars)"


class WecsimError(Exception):
    """Base class for errors caused by the user's input, reported without a traceback."""


class InputFileError(WecsimError, ValueError):
    """An input file (or an override of it) is invalid; ``kind`` names what the file holds.

    Parameters
    ----------
    file
        The file the problem is in (or ``"--set"`` for command-line overrides).
    problems
        ``(field_path, message)`` pairs, one per problem found. All are kept in
        ``problems``; the message shows the first :data:`MAX_PROBLEMS_SHOWN`, each cut short.
    """

    kind = "input"

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        lines = [f"{_cut(str(file), 300)}: {len(problems)} problem(s) in the {self.kind}:"]
        lines += [
            f"  - {_cut(str(path), MAX_PATH_CHARS) or '(top level)'}: {_cut(str(msg), MAX_PROBLEM_CHARS)}"
            for path, msg in problems[:MAX_PROBLEMS_SHOWN]
        ]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN:,} more")
        super().__init__("\n".join(lines))


class ScenarioError(InputFileError):
    """A scenario file (or an override) is invalid."""

    kind = "scenario"


class ExperimentError(InputFileError):
    """An experiment file is invalid."""

    kind = "experiment"


class DataError(WecsimError, ValueError):
    """A bundled data table is inconsistent (raised once, when the data are loaded)."""


class ResultsFolderError(WecsimError, ValueError):
    """A folder given as written results is incomplete (a table or ``meta.json`` is missing)."""


class OutputError(WecsimError, ValueError):
    """Results cannot be written where asked (a foreign folder, a file, no permission, disk full).

    Nothing of the user's is deleted or replaced when this is raised; the message says what
    is there and what to do.
    """


def check_number(
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    *,
    integer: bool = True,
    low_open: bool = False,
) -> None:
    """Raise :class:`WecsimError` naming ``name`` unless ``value`` is a number in range.

    ``None`` passes (an option left at its default). Booleans, NaN and infinities fail.
    ``low_open`` excludes ``low`` itself, as in ``(0, 1]``.
    """
    if value is None:
        return
    ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok_type or value != value or value in (float("inf"), float("-inf")):
        kind = "a whole number" if integer else "a number"
        raise WecsimError(f"{name}: expected {kind}, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and value > high
    if too_low or too_high:
        if low is not None and high is not None and not low_open:
            bounds = f"from {low} to {high}"
        else:
            lo = "" if low is None else (f"> {low}" if low_open else f">= {low}")
            hi = "" if high is None else f"<= {high}"
            bounds = " and ".join(x for x in (lo, hi) if x)
        raise WecsimError(f"{name}: expected a {'whole ' if integer else ''}number {bounds}, got {value!r}")
