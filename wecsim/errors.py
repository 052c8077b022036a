"""Error types that carry a clear, user-facing message.

Every error a user can cause (a bad scenario file, a bad ``--set`` value, a broken data
table) is raised as a subclass of :class:`WecsimError`. The CLI prints ``str(error)`` as
one paragraph and exits with code 2, so the message must name the file, the field and
what was expected.
"""

from __future__ import annotations


class WecsimError(Exception):
    """Base class for errors caused by the user's input, reported without a traceback."""


class InputFileError(WecsimError, ValueError):
    """An input file (or an override of it) is invalid; ``kind`` names what the file holds.

    Parameters
    ----------
    file
        The file the problem is in (or ``"--set"`` for command-line overrides).
    problems
        ``(field_path, message)`` pairs, one per problem found.
    """

    kind = "input"

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        lines = [f"{file}: {len(problems)} problem(s) in the {self.kind}:"]
        lines += [f"  - {path or '(top level)'}: {msg}" for path, msg in problems]
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
