"""Load scenario files: YAML, ``extends:`` inheritance, ``--set`` overrides, clear errors.

Every problem becomes a :class:`~wecsim.errors.ScenarioError` naming the file, the field
path and what was expected, so the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from wecsim.errors import InputFileError, ScenarioError
from wecsim.scenario.levers import registry
from wecsim.scenario.schema import Scenario

#: Where the shipped scenarios live (the repository's ``scenarios/`` folder).
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"

#: Largest scenario file accepted (a scenario is a few kB; this guards uploads too).
MAX_FILE_BYTES = 256 * 1024


def resolve_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """Find a scenario file from a path or a bare name such as ``baseline``.

    Looks at the path as given, then next to ``relative_to`` (the including file), then in
    ``./scenarios`` and the shipped scenario folder; ``.yaml`` is added when missing.
    """
    ref = Path(ref)
    names = [ref] if ref.suffix in {".yaml", ".yml"} else [ref.with_suffix(".yaml"), ref]
    bases = [Path.cwd()] if relative_to is None else [relative_to.parent]
    bases += [Path.cwd() / "scenarios", SCENARIO_DIR]
    for name in names:
        if name.is_absolute() and name.is_file():
            return name
        for base in bases:
            if (base / name).is_file():
                return (base / name).resolve()
    return ref


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def parse_yaml(text: str, shown: str, error: type[InputFileError] = ScenarioError) -> Any:
    """Parse YAML text with duplicate-key detection; errors name the line and column."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(shown, [("", f"is not valid YAML at {where}: {problem}")]) from None


def read_yaml_mapping(
    path: Path, shown: str, error: type[InputFileError] = ScenarioError, keys: str = "name:, levers:, ..."
) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping, or raise ``error`` naming the file.

    Shared by scenario and experiment files: folders, missing, oversized, non-UTF-8, invalid
    or empty files and duplicate keys are all reported the same way.
    """
    if path.is_dir():
        raise error(shown, [("", "is a folder; give a .yaml file")])
    if not path.is_file():
        raise error(shown, [("", "file not found (give a path or a shipped name)")])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise error(shown, [("", f"file is larger than {MAX_FILE_BYTES // 1024} kB; these files are a few kB")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(shown, [("", "is not a UTF-8 text file")]) from None
    data = parse_yaml(text, shown, error)
    if data is None:
        raise error(shown, [("", f"is empty; expected at least {keys}")])
    if not isinstance(data, dict):
        raise error(shown, [("", f"expected a mapping of keys ({keys}), got {type(data).__name__}")])
    return data


def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    return read_yaml_mapping(path, shown, ScenarioError, "`name:` (or `extends: baseline.yaml`)")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated by ``override``; nested mappings merge, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _load_raw(path: Path, shown: str, chain: tuple[Path, ...]) -> dict[str, Any]:
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(shown, [("extends", f"circular extends: {cycle}")])
    data = _read_yaml(path, shown)
    data.setdefault("name", path.stem)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str):
        raise ScenarioError(shown, [("extends", f"expected a file name, got {parent_ref!r}")])
    parent = resolve_path(parent_ref, relative_to=path)
    if not parent.is_file():
        raise ScenarioError(
            shown, [("extends", f"parent scenario {parent_ref!r} not found next to {path.name} or in scenarios/")]
        )
    base = _load_raw(parent, str(parent_ref), (*chain, path))
    base.pop("description", None)
    return deep_merge(base, data)


def parse_override(item: str) -> tuple[list[str | int], Any]:
    """Parse one ``--set path=value`` item into a key path and a YAML-typed value."""
    if "=" not in item:
        raise ScenarioError("--set", [(item, "expected PATH=VALUE, e.g. levers.budget_eu_grant_meur=200")])
    key, raw = item.split("=", 1)
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in key.strip().split(".") if p]
    if not parts:
        raise ScenarioError("--set", [(item, "empty PATH before '='")])
    params = registry()
    if len(parts) == 1 and parts[0] in params:
        parts.insert(0, params[str(parts[0])].section)
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    if isinstance(value, str) and (value.lower() in {"nan", "inf", "-inf", "+inf"} or _SCIENTIFIC.fullmatch(value)):
        value = float(value)  # YAML 1.1 reads 1e-06 (no dot) as text; on the command line it is a number
    return parts, value


_SCIENTIFIC = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``--set`` items to a raw scenario mapping (before validation)."""
    out = copy.deepcopy(data)
    for item in overrides:
        parts, value = parse_override(item)
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if isinstance(node, list):
                if not isinstance(part, int) or part >= len(node):
                    raise ScenarioError("--set", [(item, f"no list item {part} at {'.'.join(map(str, parts[:i]))}")])
                node = node[part]
            else:
                node = node.setdefault(part, [] if isinstance(nxt, int) else {})
        last = parts[-1]
        if isinstance(node, list):
            if not isinstance(last, int) or last >= len(node):
                raise ScenarioError("--set", [(item, f"no list item {last}")])
            node[last] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError("--set", [(item, "path goes inside a value that is not a mapping")])
    return out


def _describe(err: dict[str, Any]) -> tuple[str, str]:
    loc = [str(x) for x in err["loc"]]
    path = ".".join(loc)
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        section = loc[0] if len(loc) > 1 else None
        if section in {"levers", "uncertainties"}:
            allowed = [p.name for p in registry().values() if p.section == section]
        elif len(loc) == 1:
            param = registry().get(loc[0])
            if param is not None:
                kind = "a lever" if param.kind == "lever" else "an uncertainty"
                return path, f"{loc[0]} is {kind}: put it under `{param.section}:`"
            allowed = list(Scenario.model_fields)
        else:
            allowed = []
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return path, f"unknown key{hint}"
    name = loc[-1] if loc else ""
    param = registry().get(name)
    if param is not None and loc[0] == param.section:
        msg = f"{msg} (expected {param.describe_range()}; got {err.get('input')!r})"
    elif loc and "input" in err and err["type"] not in {"missing"}:
        msg = f"{msg} (got {err['input']!r})"
    msg = re.sub(r" or instance of \w+", "", msg.removeprefix("Value error, "))
    return path, msg


def validate(data: dict[str, Any], shown: str) -> Scenario:
    """Validate a raw mapping into a :class:`Scenario`, or raise a :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(shown, [_describe(e) for e in exc.errors()]) from None


def load_scenario(source: str | Path | Scenario | dict, overrides: list[str] | None = None) -> Scenario:
    """Load and validate a scenario from a file, a shipped name, a mapping or a Scenario.

    Parameters
    ----------
    source
        Path to a YAML file, the name of a shipped scenario (``"baseline"``), a raw mapping,
        or an already-validated :class:`Scenario`.
    overrides
        ``PATH=VALUE`` items as given to ``--set``.
    """
    overrides = overrides or []
    if isinstance(source, Scenario):
        if not overrides:
            return source
        data, shown = source.model_dump(mode="json"), f"scenario {source.name!r}"
    elif isinstance(source, dict):
        data, shown = source, "scenario mapping"
    else:
        path = resolve_path(source)
        shown = str(source)
        data = _load_raw(path.resolve() if path.is_file() else path, shown, ())
    if overrides:
        data = apply_overrides(data, overrides)
        shown = f"{shown} (with --set {' '.join(overrides)})"
    return validate(data, shown)


def dump_scenario(scenario: Scenario) -> str:
    """Return the scenario as YAML that :func:`load_scenario` accepts unchanged."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
