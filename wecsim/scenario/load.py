"""Load scenario files: YAML, ``extends:`` inheritance, ``--set`` overrides, clear errors.

Every problem becomes a :class:`~wecsim.errors.ScenarioError` naming the file, the field
path and what was expected, so the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

import copy
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from wecsim.errors import InputFileError, ScenarioError
from wecsim.names import NAME_RULE, is_safe_name, shipped_dir, short, slug
from wecsim.scenario.levers import registry
from wecsim.scenario.schema import Scenario

#: Where the shipped scenarios live (``scenarios/`` of a clone, package data when installed).
SCENARIO_DIR = shipped_dir("scenarios")

#: Largest scenario file accepted (a scenario is a few kB; this guards uploads too).
MAX_FILE_BYTES = 256 * 1024
#: Deepest nesting of YAML collections accepted (a scenario needs 4 levels).
MAX_DEPTH = 20
#: Most YAML nodes (scalars, lists, mappings) in one file (the baseline has about 150).
MAX_NODES = 10_000
#: Longest string (key or value) in one file.
MAX_SCALAR_CHARS = 10_000
#: Longest chain of ``extends:`` (a child, its parent, the parent's parent...).
MAX_EXTENDS = 8
#: Most ``--set`` items, and the longest one.
MAX_OVERRIDES = 200
MAX_OVERRIDE_CHARS = 2_000

_YAML_SUFFIXES = (".yaml", ".yml")

#: Parameters that were removed, and what replaces them (a scenario naming one gets this message).
RETIRED = {
    "ppa_price_kzt_per_kwh": (
        "was replaced by `res_auction_ceiling_kzt_per_kwh` under `levers:` (1 Dec 2026): the auction "
        "now has a ceiling price set by the ministry (default 22.7 KZT/kWh) and the price paid is an "
        "output (`res_auction_price_kzt_per_kwh`); a winning price is not a ceiling, so the value is "
        "not carried over (see docs/scenarios.md)"
    ),
}


def shipped_names() -> list[str]:
    """Return the names of the shipped scenarios, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def resolve_path(ref: str | Path) -> Path:
    """Find the scenario a user typed: a path, or a bare name such as ``baseline``.

    Looks at the path as given (relative to the current folder), then in ``./scenarios``,
    then among the shipped scenarios; ``.yaml`` is added when missing. Returns ``ref``
    unchanged when nothing is found (the reader then says "file not found"). References
    *inside* files (``extends:``, ``base:``) follow the stricter :func:`find_parent`.
    """
    text = str(ref)
    path = Path(text)
    if not text.strip() or path.name in {"", ".", ".."}:
        return path
    names = [path] if path.suffix in _YAML_SUFFIXES else [Path(text + ".yaml"), path]
    bases = [Path.cwd()]
    if len(path.parts) == 1:  # a bare name may also be a shipped scenario
        bases += [Path.cwd() / "scenarios", SCENARIO_DIR]
    for name in names:
        for base in bases:
            if (base / name).is_file():
                return (base / name).resolve()
    return path


def find_parent(
    ref: Any, folder: Path | None, shown: str, field: str = "extends", error: type[InputFileError] = ScenarioError
) -> Path:
    """Return the scenario file a reference inside a file (``extends:``, ``base:``) names.

    The reference must be a plain name: a shipped scenario, or a ``.yaml`` file in
    ``folder`` (the folder of the file that holds the reference; ``None`` for uploads,
    which may extend only shipped scenarios). Paths (``/``, a backslash, ``..``), hidden names
    and links that lead out of the folder are refused. Whatever is refused, the message
    shows nothing of the other file and does not say whether it exists.
    """
    where = "a shipped scenario"
    if folder is not None:
        where += f" or a .yaml file in the same folder as {shown}"
    rule = f"expected the name of {where} (shipped: {', '.join(shipped_names())})"
    if not isinstance(ref, str):
        kind = {list: "a list", dict: "a mapping", bool: "true/false", type(None): "nothing"}.get(type(ref), "a number")
        raise error(shown, [(field, f"{rule}; got {kind}")])
    if not is_safe_name(ref):
        raise error(shown, [(field, f"{short(ref, 60)} is not allowed: {rule}; paths and folders are not accepted")])
    names = [ref] if Path(ref).suffix in _YAML_SUFFIXES else [ref + ".yaml", ref + ".yml"]
    if folder is not None:
        real_folder = folder.resolve()
        for name in names:
            candidate = folder / name
            if candidate.is_file() and candidate.resolve().parent == real_folder:
                return candidate.resolve()
    for name in names:
        if (SCENARIO_DIR / name).is_file():
            return (SCENARIO_DIR / name).resolve()
    not_in = "among the shipped scenarios"
    if folder is not None:
        not_in = f"next to {Path(shown).name} or {not_in}"
    raise error(shown, [(field, f"parent scenario {short(ref, 60)} not found {not_in}; {rule}")])


class LimitError(yaml.MarkedYAMLError):
    """A YAML file goes beyond a limit of :mod:`wecsim.scenario.load` (depth, size, aliases)."""


def _check_node(event: yaml.Event, nodes: int, depth: int) -> None:
    """Refuse the file's ``nodes``-th node, ``depth`` levels deep, if it breaks a limit (raises :class:`LimitError`)."""
    mark = event.start_mark
    what = None
    if isinstance(event, yaml.AliasEvent):
        what = f"uses a YAML alias (*{event.anchor[:40]}); write the values out instead"
    elif getattr(event, "anchor", None) is not None:
        what = f"uses a YAML anchor (&{event.anchor[:40]}); anchors and aliases are refused"
    elif nodes > MAX_NODES:
        what = f"has more than {MAX_NODES:,} values; a scenario has a few hundred"
    elif isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
        what = f"holds a text of {len(event.value):,} characters (at most {MAX_SCALAR_CHARS:,})"
    elif depth > MAX_DEPTH:
        what = f"is nested deeper than {MAX_DEPTH} levels"
    if what is not None:
        raise LimitError(None, None, what, mark)


class _LimitedLoader(yaml.SafeLoader):
    """A safe YAML loader with limits, and duplicate keys as errors.

    Aliases and anchors are refused (an "alias bomb" of a few hundred bytes expands to
    gigabytes), and nesting depth, node count and string length are bounded while the
    document is composed, before anything is constructed, so a hostile file is refused in
    milliseconds with a short message (:func:`_prescan` checks the same first, faster).
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        self._nodes += 1
        _check_node(self.peek_event(), self._nodes, self._depth + 1)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key (a list): the constructor reports it
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {short(key, 60)}", key_node.start_mark
                )
        return super().construct_mapping(node, deep)


def _prescan(text: str) -> None:
    """Refuse a file beyond the limits of :class:`_LimitedLoader` from libyaml's events, before composing it.

    libyaml's parser (C) reads ~20,000 events in ~20 ms; PyYAML's own scanner and composer took
    0.2-0.4 s to reach a hostile file's 10,001st value. The checks and messages are the
    composer's, in its order; a file libyaml cannot parse is left to the composer, which words
    the error. Without libyaml (a PyYAML built without it) the composer alone checks.
    """
    if not getattr(yaml, "__with_libyaml__", False):
        return
    open_collections = nodes = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                open_collections -= 1
            elif isinstance(event, yaml.NodeEvent):  # not a stream's or a document's start or end
                nodes += 1
                _check_node(event, nodes, open_collections + 1)
                open_collections += isinstance(event, yaml.CollectionStartEvent)
    except LimitError:
        raise
    except (yaml.YAMLError, ValueError):  # e.g. a lone surrogate libyaml cannot encode
        return


def parse_yaml(text: str, shown: str, error: type[InputFileError] = ScenarioError) -> Any:
    """Parse YAML text within the limits of :class:`_LimitedLoader`; errors name the line and column."""
    try:
        _prescan(text)
        return yaml.load(text, Loader=_LimitedLoader)  # a SafeLoader subclass: safe
    except LimitError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise error(shown, [("", f"is refused: at {where} it {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = str(getattr(exc, "problem", None) or str(exc).splitlines()[0])
        problem = problem if len(problem) <= 200 else problem[:200] + "..."
        raise error(shown, [("", f"is not valid YAML at {where}: {problem}")]) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of 5,000 digits
        problem = str(exc) if len(str(exc)) <= 100 else str(exc)[:100] + "..."
        raise error(shown, [("", f"holds a value that cannot be read ({problem})")]) from None


def read_text_file(path: Path, shown: str, error: type[InputFileError] = ScenarioError) -> str:
    """Read a small UTF-8 text file the user named, or raise ``error`` naming it.

    Folders, missing files, devices and pipes, files over :data:`MAX_FILE_BYTES`,
    unreadable and non-UTF-8 files are all refused with a short message. At most
    ``MAX_FILE_BYTES + 1`` bytes are read, whatever the file claims its size to be.
    """
    if not str(shown).strip():
        raise error("(empty name)", [("", "give a file, or the name of a shipped scenario")])
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise error(shown, [("", "file not found (give a path or a shipped name)")]) from None
    except ValueError:  # a NUL character
        raise error(shown, [("", "is not a valid file name")]) from None
    except OSError as exc:
        raise error(shown, [("", f"cannot be read ({exc.strerror or type(exc).__name__})")]) from None
    if stat.S_ISDIR(st.st_mode):
        raise error(shown, [("", "is a folder; give a .yaml file")])
    if not stat.S_ISREG(st.st_mode):
        raise error(shown, [("", "is not a regular file; give a .yaml file")])
    if st.st_size > MAX_FILE_BYTES:
        raise error(shown, [("", f"file is larger than {MAX_FILE_BYTES // 1024} kB; these files are a few kB")])
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise error(shown, [("", f"cannot be read ({exc.strerror or type(exc).__name__})")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise error(shown, [("", f"file is larger than {MAX_FILE_BYTES // 1024} kB; these files are a few kB")])
    return decode_text(data, shown, error)


def decode_text(data: bytes, shown: str, error: type[InputFileError] = ScenarioError) -> str:
    """Decode UTF-8 bytes (a BOM is allowed), or raise ``error`` naming the file."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(shown, [("", "is not a UTF-8 text file")]) from None


def yaml_mapping(
    text: str, shown: str, error: type[InputFileError] = ScenarioError, keys: str = "name:, levers:, ..."
) -> dict[str, Any]:
    """Parse YAML text that must hold a mapping, or raise ``error`` naming the file."""
    data = parse_yaml(text, shown, error)
    if data is None:
        raise error(shown, [("", f"is empty; expected at least {keys}")])
    if not isinstance(data, dict):
        raise error(shown, [("", f"expected a mapping of keys ({keys}), got {type(data).__name__}")])
    return data


def read_yaml_mapping(
    path: Path, shown: str, error: type[InputFileError] = ScenarioError, keys: str = "name:, levers:, ..."
) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping, or raise ``error`` naming the file.

    Shared by scenario and experiment files: folders, missing, oversized, non-UTF-8, invalid
    or empty files, duplicate keys and files beyond the reader's limits are all reported the
    same way.
    """
    return yaml_mapping(read_text_file(path, shown, error), shown, error, keys)


_SCENARIO_KEYS = "`name:` (or `extends: baseline.yaml`)"


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated by ``override``; nested mappings merge, anything else replaces.

    A lever's or uncertainty's value replaces the parent's whole, even when both are
    schedules: a child's schedule is the schedule, not a few points added to the parent's.
    """
    out = copy.deepcopy(base)
    params = registry()
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in params:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _load_raw(path: Path, shown: str, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and resolve its ``extends:`` (parents in its folder or shipped)."""
    text = read_text_file(path, shown)
    return _merge_parents(yaml_mapping(text, shown, ScenarioError, _SCENARIO_KEYS), path, shown, chain, path.parent)


def _merge_parents(
    data: dict[str, Any], path: Path, shown: str, chain: tuple[Path, ...], folder: Path | None
) -> dict[str, Any]:
    data.setdefault("name", slug(path.stem))
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    parent = find_parent(parent_ref, folder, shown)
    if parent in chain or parent == path:
        cycle = " -> ".join(p.name for p in (*chain, path, parent))
        raise ScenarioError(shown, [("extends", f"circular extends: {cycle}")])
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(shown, [("extends", f"more than {MAX_EXTENDS} scenarios extend one another")])
    base = _load_raw(parent, str(parent_ref), (*chain, path))
    base.pop("description", None)
    return deep_merge(base, data)


def load_scenario_text(text: str, filename: str) -> Scenario:
    """Validate a scenario given as text (the app's uploads), naming ``filename`` in errors.

    ``extends:`` may name only a shipped scenario: an uploaded file has no folder of its
    own, and the server's files are not the uploader's to read.
    """
    shown = Path(filename or "upload.yaml").name or "upload.yaml"
    data = yaml_mapping(text, shown, ScenarioError, _SCENARIO_KEYS)
    return validate(_merge_parents(data, Path(shown), shown, (), None), shown)


def parse_override(item: str) -> tuple[list[str | int], Any]:
    """Parse one ``--set path=value`` item into a key path and a YAML-typed value.

    The value is read with the same limited YAML reader as files; text that is not YAML is
    taken as a string.
    """
    if len(item) > MAX_OVERRIDE_CHARS:
        raise ScenarioError("--set", [(item[:40] + "...", f"longer than {MAX_OVERRIDE_CHARS:,} characters")])
    if "=" not in item:
        raise ScenarioError("--set", [(item, "expected PATH=VALUE, e.g. levers.budget_eu_grant_meur=200")])
    key, raw = item.split("=", 1)
    names = [p for p in key.strip().split(".") if p]
    if not names:
        raise ScenarioError("--set", [(item, "empty PATH before '='")])
    if len(names) > 6:
        raise ScenarioError("--set", [(item, "PATH has more than 6 parts; scenario files are not that deep")])
    parts: list[str | int] = []
    for p in names:
        if p.isdigit():
            if len(p) > 6:
                raise ScenarioError("--set", [(item, f"list index {short(p, 20)} is too large")])
            parts.append(int(p))
        else:
            parts.append(p)
    params = registry()
    if len(parts) == 1 and parts[0] in params:
        parts.insert(0, params[str(parts[0])].section)
    try:
        value = parse_yaml(raw, "--set") if raw.strip() else None
    except ScenarioError as exc:
        if any("is refused" in m for _, m in exc.problems):
            raise ScenarioError("--set", [(item, exc.problems[0][1])]) from None
        value = raw
    if isinstance(value, str) and (value.lower() in {"nan", "inf", "-inf", "+inf"} or _SCIENTIFIC.fullmatch(value)):
        value = float(value)  # YAML 1.1 reads 1e-06 (no dot) as text; on the command line it is a number
    return parts, value


_TOP_LEVEL_PATH = re.compile(
    r"((?:levers|uncertainties)\.\w+|start_year|end_year|observed_weather_until|projects): (.*)", re.S
)
_SCIENTIFIC = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``--set`` items to a raw scenario mapping (before validation)."""
    if len(overrides) > MAX_OVERRIDES:
        raise ScenarioError("--set", [("", f"{len(overrides):,} items; at most {MAX_OVERRIDES} are accepted")])
    out = copy.deepcopy(data)
    for item in overrides:
        parts, value = parse_override(item)
        _open_schedule(out, parts)
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            here = ".".join(map(str, parts[: i + 1]))
            if isinstance(node, list):
                if not isinstance(part, int) or part >= len(node):
                    raise ScenarioError("--set", [(item, f"no list item {part} at {'.'.join(map(str, parts[:i]))}")])
                node = node[part]
            elif isinstance(node, dict):
                node = node.setdefault(part, [] if isinstance(nxt, int) else {})
            else:
                raise ScenarioError("--set", [(item, f"{here} is inside a value that is not a mapping or a list")])
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


def _open_schedule(data: dict[str, Any], parts: list[str | int]) -> None:
    """Prepare ``--set levers.NAME.YEAR=VALUE``: turn the lever's constant into a schedule.

    The constant (the file's value, or the declared default) holds from the start year,
    so that setting one later year changes the value from that year on, and not before.
    """
    if len(parts) != 3 or parts[0] not in {"levers", "uncertainties"} or not isinstance(parts[2], int):
        return
    param = registry().get(str(parts[1]))
    if param is None or param.section != parts[0] or not param.schedulable:
        return
    section = data.setdefault(parts[0], {})
    if not isinstance(section, dict):
        return
    current = section.get(param.name, param.default)
    if isinstance(current, int | float) and not isinstance(current, bool):
        section[param.name] = {data.get("start_year", Scenario.model_fields["start_year"].default): current}


def _describe(err: dict[str, Any]) -> tuple[str, str]:
    loc = [str(x) for x in err["loc"]]
    path = ".".join(loc)
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        if loc and loc[-1] in RETIRED:
            return path, f"{loc[-1]} {RETIRED[loc[-1]]}"
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
    if err["type"] == "string_pattern_mismatch" and loc == ["name"]:
        return path, f"expected a name of {NAME_RULE} (it names the results folder); got {short(err.get('input'))}"
    name = loc[-1] if loc else ""
    param = registry().get(name)
    if not loc and (where := _TOP_LEVEL_PATH.match(msg.removeprefix("Value error, "))):
        return where[1], where[2]  # a check across fields names its field in the message
    if param is not None and isinstance(err.get("input"), dict):
        return path, msg.removeprefix("Value error, ")  # a schedule: the message says which point
    if param is not None and loc[0] == param.section:
        msg = f"{msg} (expected {param.describe_range()}; got {short(err.get('input'))})"
    elif loc and "input" in err and err["type"] not in {"missing"}:
        msg = f"{msg} (got {short(err['input'])})"
    msg = re.sub(r" or instance of \w+", "", msg.removeprefix("Value error, "))
    return path, msg


def validate(data: dict[str, Any], shown: str) -> Scenario:
    """Validate a raw mapping into a :class:`Scenario`, or raise a :class:`ScenarioError`.

    The list of allowed keys is given once per section, so that many unknown keys still
    make a short message.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems, hinted = [], set()
        for path, msg in (_describe(e) for e in exc.errors()):
            head, sep, hint = msg.partition("; expected one of: ")
            if sep and hint in hinted:
                msg = f"{head} (allowed keys listed above)"
            hinted.add(hint)
            problems.append((path, msg))
        raise ScenarioError(shown, problems) from None


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
        data = _load_raw(path.resolve() if path.is_file() else path, shown)
    if overrides:
        data = apply_overrides(data, overrides)
        shown = f"{shown} (with --set {' '.join(overrides)})"
    return validate(data, shown)


def dump_scenario(scenario: Scenario) -> str:
    """Return the scenario as YAML that :func:`load_scenario` accepts unchanged."""
    data = scenario.model_dump(mode="python", exclude_none=True)  # python: schedule years stay numbers
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
