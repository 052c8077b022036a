"""Scenarios in and out of the app: build one from the sliders, read uploads, write YAML.

Uploads go through the same reader and validation as ``wecsim run``
(:func:`wecsim.scenario.load.load_scenario_text`), with its limits (size, depth, aliases), so
the errors are the CLI's, word for word, naming the uploaded file and the field. An upload may
``extends:`` only a shipped scenario (``extends: baseline.yaml``): it has no folder of its own,
and no file on the server is the uploader's to read. Downloads come from
:func:`wecsim.scenario.dump_scenario`, whose output ``wecsim run`` accepts unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from wecsim.errors import ScenarioError
from wecsim.scenario import SCENARIO_DIR, Scenario, dump_scenario, load_scenario, registry
from wecsim.scenario.load import MAX_FILE_BYTES, decode_text, load_scenario_text

__all__ = [
    "MAX_FILE_BYTES",
    "UploadError",
    "build_scenario",
    "read_upload",
    "safe_filename",
    "scenario_yaml",
    "shipped_scenarios",
    "upload_name",
]


class UploadError(ValueError):
    """An uploaded scenario was refused; ``str()`` is the message shown on the page."""


def shipped_scenarios() -> list[str]:
    """Return the names of the scenarios shipped in ``scenarios/``, baseline first."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    return sorted(names, key=lambda n: (n != "baseline", n))


def build_scenario(base: Scenario, values: dict[str, Any], name: str | None = None) -> Scenario:
    """Return ``base`` with its levers and uncertainties set to ``values``.

    Funder overrides, pinned projects, horizon and description are kept from ``base``. The
    result is validated like a file would be, so an out-of-range value raises
    :class:`~wecsim.errors.ScenarioError`.
    """
    data = base.model_dump(mode="json")
    params = registry()
    moved = []
    for key, value in values.items():
        p = params[key]
        was = base.value(key)
        if value != was and not (isinstance(value, int | float) and isinstance(was, int | float) and value == was):
            moved.append(f"{p.label} {_short(was)} -> {_short(value)}" + ("" if p.unit in ("", "-") else f" {p.unit}"))
        data[p.section][key] = value
    if moved:  # the base's words (e.g. "~EUR 15 M/yr of EU grants") no longer describe it
        shown = moved[:MAX_LISTED_CHANGES]
        more = f"; and {len(moved) - len(shown)} more" if len(moved) > len(shown) else ""
        data["description"] = (
            f"Edited in the app from the scenario '{base.name}', whose own description no longer applies. "
            f"Changed: {'; '.join(shown)}{more}."
        )
    if name:
        data["name"] = name
    return load_scenario(data)


#: Changed levers listed by name in an edited scenario's description (a design choice: the
#: file itself holds every value; a longer list would not be read).
MAX_LISTED_CHANGES = 12


def _short(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def scenario_yaml(scenario: Scenario, header: str | None = None) -> str:
    """Return the scenario as YAML for ``wecsim run``, optionally after ``#`` comment lines."""
    text = dump_scenario(scenario)
    if header:
        text = "".join(f"# {line}\n" for line in header.splitlines()) + text
    return text


def safe_filename(name: str, suffix: str = "") -> str:
    """Return ``name`` made safe as a file name (letters, digits, ``-_.``) plus ``suffix``."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "scenario"
    return stem[:80] + suffix


def upload_name(filename: object) -> str:
    """Return the name an uploaded file is shown by: its base name, at most ~120 characters.

    Never a path: folders (slashes and backslashes) are dropped; a long name keeps its suffix.
    """
    name = Path(str(filename or "").replace("\\", "/")).name
    if name in {"", ".", ".."}:
        return "upload.yaml"
    if len(name) > 120:
        suffix = Path(name).suffix[:10]
        name = name[:100] + "..." + suffix
    return name


def read_upload(filename: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file and return it.

    Parameters
    ----------
    filename
        The name the user's file had (shown in error messages, never used as a path).
    data
        The file's bytes.

    Raises
    ------
    UploadError
        With the same message ``wecsim run`` or ``wecsim validate`` would print: the file
        name, each bad field and what was expected. Files larger than ``MAX_FILE_BYTES``,
        with another extension than ``.yaml``/``.yml``, not UTF-8, beyond the reader's limits
        or extending anything but a shipped scenario are refused too.
    """
    shown = upload_name(filename)
    if len(data) > MAX_FILE_BYTES:
        raise UploadError(
            str(
                ScenarioError(shown, [("", f"file is larger than {MAX_FILE_BYTES // 1024} kB; a scenario is a few kB")])
            )
        )
    if Path(shown).suffix.lower() not in (".yaml", ".yml"):
        raise UploadError(str(ScenarioError(shown, [("", "expected a .yaml or .yml scenario file")])))
    try:
        return load_scenario_text(decode_text(data, shown), shown)
    except ScenarioError as exc:
        raise UploadError(str(exc)) from None
