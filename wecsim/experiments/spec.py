"""Experiment files: what varies, how it is sampled, what is kept, and with which seed.

An experiment file is YAML, validated at the door like a scenario file: unknown keys,
unknown parameter names and values outside a parameter's declared range are errors that
name the file, the field path and what was expected (:class:`ExperimentError`, printed by
the CLI with exit code 2).

The ranges come from the one declaration of levers and uncertainties,
``wecsim/data/levers.csv`` (:func:`wecsim.scenario.registry`): an experiment may narrow a
range or pick values inside it, never redeclare it. Only a *function model* (``model:
package.module:function``, used for test functions such as Ishigami) declares its own
ranges, because its parameters are not wecsim's.

Example
-------
.. code-block:: yaml

    name: finance_under_drought
    base: baseline                 # a scenario name or file (relative to this file)
    overrides: {end_year: 2040}    # fixed changes to the base scenario
    seed: 20250101
    replicates: 3
    design: {kind: latin_hypercube, n: 200}
    parameters:
      budget_eu_grant_meur: range              # the whole declared range
      drought_probability_south: {range: [0.15, 0.35]}
      climate_pathway: [SSP1-2.6, SSP5-8.5]    # a list of values
    outputs:
      indicators: [water_deficit_km3, recycling_rate]
      years: [2030, 2040]
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import importlib
import json
import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wecsim.errors import ExperimentError, ScenarioError
from wecsim.experiments.outcomes import AdditionalitySection, DerivedOutcome, check_outcomes
from wecsim.names import NAME_PATTERN, NAME_RULE, shipped_dir, short
from wecsim.scenario.load import read_yaml_mapping

#: Largest experiment file accepted (the scenario reader's limits apply: size, depth, aliases).
MAX_FILE_BYTES = 256 * 1024
#: Most levels of one range in a full factorial design.
MAX_LEVELS = 1_000
#: Where the shipped experiments live (``experiments/`` of a clone, package data when installed).
EXPERIMENT_DIR = shipped_dir("experiments")
#: Largest number of runs (design points x replicates) an experiment may ask for.
MAX_RUNS = 10_000_000
#: The model every experiment runs unless it names a function model.
WECSIM_MODEL = "wecsim"

DesignKind = Literal["full_factorial", "latin_hypercube", "sobol", "morris", "policies_x_scenarios"]
#: The design that crosses named policies with sampled scenarios (EMA Workbench's policies x scenarios).
POLICIES_X_SCENARIOS = "policies_x_scenarios"
#: Name of the design column that holds a run's policy in a policies x scenarios design.
POLICY = "policy"
#: Designs that get common random numbers unless the file says otherwise: their indices
#: compare runs that differ in the parameters (or policies compared scenario by scenario),
#: so the runs must not also differ in weather.
CRN_DEFAULT = frozenset({"sobol", "morris", POLICIES_X_SCENARIOS})
#: Other names accepted for the designs.
DESIGN_ALIASES = {
    "factorial": "full_factorial",
    "full": "full_factorial",
    "grid": "full_factorial",
    "lhs": "latin_hypercube",
    "latin": "latin_hypercube",
    "saltelli": "sobol",
    "policies": POLICIES_X_SCENARIOS,
}


# ---------------------------------------------------------------------------- raw shape
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DesignSection(_Strict):
    """The ``design:`` section: how design points are drawn."""

    kind: DesignKind = Field(
        description="full_factorial, latin_hypercube, sobol (Saltelli), morris or policies_x_scenarios"
    )
    n: int | None = Field(
        None,
        ge=1,
        description="latin_hypercube: points; sobol: base sample N (a power of 2); morris: trajectories; "
        "policies_x_scenarios: scenarios (a Latin hypercube over the uncertainties)",
    )
    second_order: bool = Field(False, description="sobol: also sample for second-order indices")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels; full_factorial: default levels per range")

    @field_validator("kind", mode="before")
    @classmethod
    def _alias(cls, v: Any) -> Any:
        """Accept common other names of the designs (``lhs``, ``factorial``, ``saltelli``, ...)."""
        return DESIGN_ALIASES.get(v, v) if isinstance(v, str) else v


class OutputsSection(_Strict):
    """The ``outputs:`` section: which indicators of which years are kept."""

    indicators: list[str] | None = Field(None, min_length=1, description="indicator names (default: all)")
    years: list[int] | None = Field(None, min_length=1, description="years kept (default: all simulated years)")
    region: list[str] | None = Field(None, min_length=1, description="region indicators kept (all regions)")
    basin: list[str] | None = Field(None, min_length=1, description="basin indicators kept (all basins)")
    funder: list[str] | None = Field(None, min_length=1, description="funder indicators kept (all funders)")
    additionality: AdditionalitySection | None = Field(
        None, description="national indicators with EU money less the same run without it"
    )


class ExperimentFile(_Strict):
    """The raw shape of an experiment file (before parameters are resolved)."""

    #: names the default results folder, ``results/experiments/<name>``: a safe name, never a path
    name: str = Field(min_length=1, max_length=80, pattern=NAME_PATTERN)
    description: str = ""
    model: str = WECSIM_MODEL
    base: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(ge=0, lt=2**63)
    replicates: int = Field(1, ge=1, le=100_000)
    #: default: true for the sensitivity designs (sobol, morris), false for the others
    common_random_numbers: bool | None = None
    design: DesignSection
    parameters: dict[str, Any] = Field(min_length=1)
    outputs: OutputsSection = Field(default_factory=OutputsSection)
    #: outcomes per run computed from the stored tables (:mod:`wecsim.experiments.outcomes`)
    derived: list[DerivedOutcome] = Field(default_factory=list, max_length=200)
    #: policies x scenarios: named lever settings, e.g. ``{eu_grants: {budget_eu_grant_meur: 150}}``
    policies: dict[str, Any] | None = Field(None, max_length=100)


# ---------------------------------------------------------------------------- resolved
@dataclass(frozen=True)
class ParameterSpec:
    """One varied parameter, resolved against its declaration.

    Attributes
    ----------
    name
        Lever, uncertainty or function argument name.
    kind
        ``"lever"``, ``"uncertainty"`` or ``"input"`` (an argument of a function model).
    type
        ``"float"``, ``"int"`` or ``"categorical"``.
    low, high
        Sampled range for a numeric parameter given as a range (``None`` for a list of values).
    values
        The values of a parameter given as a list (always for a categorical parameter).
    levels
        Number of evenly spaced levels of a range in a full factorial design.
    unit
        Unit of the value (from ``levers.csv``).
    scale
        True when the sampled value is a factor on the base scenario's value of the lever (a
        constant or a schedule by year), written ``{scale: [low, high]}`` in the file.
    """

    name: str
    kind: str
    type: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    levels: int | None = None
    unit: str = ""
    scale: bool = False

    @property
    def discrete(self) -> bool:
        """Whether the parameter takes one of a list of values."""
        return self.values is not None

    def salib_bounds(self) -> tuple[float, float]:
        """Return the bounds of the parameter in the SALib problem.

        Floats are sampled in their range; integers in ``[low, high + 1)`` and lists of
        ``k`` values in ``[0, k)``, both floored (:meth:`from_sample`), so every integer or
        value has the same probability.
        """
        if self.discrete:
            return 0.0, float(len(self.values))
        if self.type == "int":
            return float(self.low), float(self.high) + 1.0
        return float(self.low), float(self.high)

    def from_sample(self, x: np.ndarray) -> list[Any]:
        """Map a column of a sample in :meth:`salib_bounds` to parameter values."""
        x = np.asarray(x, dtype=float)
        if self.discrete:
            idx = np.clip(np.floor(x), 0, len(self.values) - 1).astype(int)
            return [self.values[i] for i in idx]
        if self.type == "int":
            return [int(v) for v in np.clip(np.floor(x), self.low, self.high)]
        return [float(v) for v in np.clip(x, self.low, self.high)]

    def grid(self) -> list[Any]:
        """Return the levels of the parameter in a full factorial design."""
        if self.discrete:
            return list(self.values)
        assert self.levels is not None and self.low is not None and self.high is not None
        pts = np.linspace(self.low, self.high, self.levels)
        if self.type == "int":
            return sorted({round(float(v)) for v in pts})
        return [float(v) for v in pts]

    def describe(self) -> str:
        """Return the sampled values as text, e.g. ``0-200 EUR M/yr`` or ``a | b``."""
        if self.discrete:
            return " | ".join(str(v) for v in self.values)
        levels = f" ({self.levels} levels)" if self.levels else ""
        if self.scale:
            return f"x{self.low:g}-{self.high:g} of the base scenario's value" + levels
        return f"{self.low:g}-{self.high:g} {self.unit}".strip() + levels


@dataclass(frozen=True)
class Experiment:
    """A validated experiment, ready to be designed and run.

    Attributes
    ----------
    name, description
        From the file.
    source
        The file it was read from (``"<mapping>"`` for a dict).
    file_sha256
        SHA-256 of the file's bytes (empty for a dict).
    model
        ``"wecsim"`` or ``"package.module:function"``.
    base_scenario
        The resolved base scenario (``model_dump(mode="json")``), with ``overrides`` applied;
        ``None`` for a function model.
    seed
        Experiment seed; design and run seeds derive from it (:mod:`wecsim.experiments.design`).
    replicates
        Runs per design point, each with its own seed.
    common_random_numbers
        If true, replicate ``r`` of every design point uses the same seed (the default for
        Sobol and Morris designs: :data:`CRN_DEFAULT`).
    design
        The ``design:`` section.
    parameters
        The varied parameters, in file order.
    indicators, years
        The outputs kept (``years`` ``None``: every simulated year, or a scalar model).
    scenario_files
        The scenario files the base scenario was read from (for the model fingerprint;
        not part of :meth:`to_dict`, since the resolved scenario is).
    """

    name: str
    description: str
    source: str
    file_sha256: str
    model: str
    base_scenario: dict[str, Any] | None
    seed: int
    replicates: int
    common_random_numbers: bool
    design: DesignSection
    parameters: tuple[ParameterSpec, ...]
    indicators: tuple[str, ...] | None
    years: tuple[int, ...] | None = field(default=None)
    scenario_files: tuple[Path, ...] = field(default=(), compare=False)
    #: other tables kept (``region``, ``basin``, ``funder``, ``additionality``) and their indicators
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    additionality_scope: str = "eu"
    derived: tuple[DerivedOutcome, ...] = ()
    #: policies x scenarios: policy name -> lever settings
    policies: dict[str, dict[str, Any]] | None = None

    @property
    def n_scenarios(self) -> int | None:
        """Scenarios of a policies x scenarios design (``None`` for the other designs)."""
        return self.design.n if self.design.kind == POLICIES_X_SCENARIOS else None

    @property
    def is_wecsim(self) -> bool:
        """Whether the experiment runs the wecsim model (not a function model)."""
        return self.model == WECSIM_MODEL

    def to_dict(self) -> dict[str, Any]:
        """Return the resolved experiment as JSON-ready data (what the manifest stores)."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "file_sha256": self.file_sha256,
            "model": self.model,
            "base_scenario": self.base_scenario,
            "seed": self.seed,
            "replicates": self.replicates,
            "common_random_numbers": self.common_random_numbers,
            "design": self.design.model_dump(),
            "parameters": [asdict(p) for p in self.parameters],
            "indicators": list(self.indicators) if self.indicators is not None else None,
            "years": list(self.years) if self.years is not None else None,
            # added only when used, so the spec hash of older experiments stays the same
            **({"tables": {k: list(v) for k, v in self.tables.items()}} if self.tables else {}),
            **({"additionality_scope": self.additionality_scope} if "additionality" in self.tables else {}),
            **({"derived": [d.model_dump() for d in self.derived]} if self.derived else {}),
            **({"policies": self.policies} if self.policies is not None else {}),
        }

    def spec_hash(self) -> str:
        """Return a SHA-256 of everything that determines the results (not names or text).

        Two files that differ only in comments, description, key order or derived outcomes
        (computed from the stored tables, they change no run) have the same hash, so a batch
        can be resumed after such edits, and only after such edits.
        """
        data = self.to_dict()
        for key in ("name", "description", "source", "file_sha256"):
            data.pop(key)
        data.pop("derived", None)
        canonical = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Experiment:
        """Rebuild an experiment from :meth:`to_dict` output (e.g. a manifest)."""
        params = tuple(
            ParameterSpec(**{**p, "values": tuple(p["values"]) if p["values"] is not None else None})
            for p in data["parameters"]
        )
        return cls(
            name=data["name"],
            description=data["description"],
            source=data["source"],
            file_sha256=data["file_sha256"],
            model=data["model"],
            base_scenario=data["base_scenario"],
            seed=int(data["seed"]),
            replicates=int(data["replicates"]),
            common_random_numbers=bool(data["common_random_numbers"]),
            design=DesignSection(**data["design"]),
            parameters=params,
            indicators=tuple(data["indicators"]) if data["indicators"] is not None else None,
            years=tuple(data["years"]) if data["years"] is not None else None,
            tables={k: tuple(v) for k, v in data.get("tables", {}).items()},
            additionality_scope=data.get("additionality_scope", "eu"),
            derived=tuple(DerivedOutcome(**d) for d in data.get("derived", [])),
            policies=data.get("policies"),
        )


# ---------------------------------------------------------------------------- loading
def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    return read_yaml_mapping(path, shown, ExperimentError, "name:, base:, design:, ...")


def _pydantic_problems(exc: ValidationError) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        path = ".".join(loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            model: type[BaseModel] = ExperimentFile
            if len(loc) == 2 and loc[0] in {"design", "outputs"}:
                model = DesignSection if loc[0] == "design" else OutputsSection
            elif len(loc) == 3 and loc[0] == "derived":
                model = DerivedOutcome
            elif len(loc) == 3 and loc[:2] == ["outputs", "additionality"]:
                model = AdditionalitySection
            msg = f"unknown key; expected one of: {', '.join(model.model_fields)}"
        elif err["type"] == "string_pattern_mismatch" and loc == ["name"]:
            msg = f"expected a name of {NAME_RULE} (it names the results folder); got {short(err.get('input'))}"
        elif err["type"] == "missing":
            msg = "missing (required)"
            if loc == ["seed"]:
                msg += "; every experiment needs a seed, e.g. `seed: 12345`"
        elif "input" in err:
            msg = f"{msg} (got {short(err['input'])})"
        out.append((path, msg))
    return out


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _check_value(p, value: Any, where: str, problems: list[tuple[str, str]]) -> Any:
    """Check one value against a declared :class:`wecsim.scenario.Parameter`; return it typed."""
    if p.type == "categorical":
        if not isinstance(value, str) or value not in p.choices:
            choices = " | ".join(p.choices)
            problems.append((where, f"{short(value)} is not a choice of {p.name}; expected one of {choices}"))
            return None
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        problems.append((where, f"expected a number ({p.describe_range()}), got {short(value)}"))
        return None
    if p.type == "int":
        if float(value) != int(value):
            problems.append((where, f"expected a whole number ({p.describe_range()}), got {short(value)}"))
            return None
        value = int(value)
    else:
        value = float(value)
    if not p.low <= value <= p.high:
        problems.append(
            (
                where,
                f"{short(value)} is outside the declared range of {p.name}: {p.describe_range()} "
                "(wecsim/data/levers.csv)",
            )
        )
        return None
    return value


def _resolve_scale(name: str, raw: Any, declared, base: dict | None, design: DesignSection, problems: list):
    """Resolve ``{scale: [low, high]}``: a factor on the base scenario's value (constant or schedule)."""
    from wecsim.scenario.schedule import largest, parse_schedule

    where = f"parameters.{name}.scale"
    rng = raw.get("scale")
    if set(raw) - {"scale", "levels"}:
        problems.append((f"parameters.{name}", "give `scale: [low, high]` alone (with `levels:` for a full factorial)"))
        return None
    if not declared.schedulable or declared.type != "float":
        problems.append((where, f"{name} cannot be scaled: only numeric levers and uncertainties given in amounts"))
        return None
    ok = (
        isinstance(rng, list)
        and len(rng) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in rng)
    )
    if not ok or not 0 <= rng[0] < rng[1]:
        problems.append(
            (where, f"expected [low, high] factors with 0 <= low < high, e.g. [0.5, 1.5]; got {short(rng)}")
        )
        return None
    value = ((base or {}).get(declared.section) or {}).get(name, declared.default)
    values = parse_schedule(value).values if isinstance(value, dict) else (float(value),)
    low_value, high_value = rng[0] * min(values), rng[1] * largest(value)
    if low_value < declared.low or high_value > declared.high:
        problems.append(
            (
                where,
                f"x{rng[0]:g}-{rng[1]:g} takes {name} to {low_value:g}-{high_value:g}, outside its declared "
                f"{declared.describe_range()}",
            )
        )
        return None
    levels = raw.get("levels", design.levels if design.kind == "full_factorial" else None)
    common = {"name": name, "kind": declared.kind, "type": "float", "unit": "x base"}
    return ParameterSpec(**common, low=float(rng[0]), high=float(rng[1]), levels=levels, scale=True)


def _resolve_declared(
    name: str, raw: Any, declared, design: DesignSection, problems: list, base: dict | None = None
) -> ParameterSpec | None:
    """Resolve one entry of ``parameters:`` for a lever or uncertainty of ``levers.csv``."""
    where = f"parameters.{name}"
    n0 = len(problems)
    common = {"name": name, "kind": declared.kind, "type": declared.type, "unit": declared.unit}
    if isinstance(raw, dict) and "scale" in raw:
        return _resolve_scale(name, raw, declared, base, design, problems)
    spec = raw
    if isinstance(raw, str) and raw in {"range", "full"}:
        spec = {"range": "full"}
    elif isinstance(raw, list):
        spec = {"values": raw}
    if not isinstance(spec, dict) or not spec or set(spec) - {"values", "range", "levels"}:
        problems.append(
            (
                where,
                f"expected a list of values, `range` (the declared {declared.describe_range()}), "
                f"{{range: [low, high]}}, {{values: [...]}} or {{scale: [low, high]}} (a factor on the base "
                f"scenario's value or schedule), optionally with levels: N; got {short(raw)}",
            )
        )
        return None
    if "values" in spec and "range" in spec:
        problems.append((where, "give either `values` or `range`, not both"))
        return None
    if "values" in spec:
        values = spec["values"]
        if not isinstance(values, list) or not values:
            problems.append((f"{where}.values", f"expected a non-empty list, got {short(values)}"))
            return None
        if "levels" in spec:
            problems.append((f"{where}.levels", "levels go with a range, not with a list of values"))
        checked = [_check_value(declared, v, f"{where}.values[{i}]", problems) for i, v in enumerate(values)]
        if len(problems) > n0:
            return None
        if len(set(checked)) != len(checked):
            problems.append((f"{where}.values", f"values repeat: {short(values)}"))
            return None
        return ParameterSpec(**common, values=tuple(checked))
    # a range
    rng = spec["range"]
    if declared.type == "categorical":
        if rng not in ("full", "range"):
            problems.append((f"{where}.range", f"{name} is categorical: use `range` (all choices) or a list of values"))
            return None
        return ParameterSpec(**common, values=tuple(declared.choices))
    if rng in ("full", "range"):
        low, high = declared.low, declared.high
    elif isinstance(rng, list) and len(rng) == 2:
        low = _check_value(declared, rng[0], f"{where}.range[0]", problems)
        high = _check_value(declared, rng[1], f"{where}.range[1]", problems)
        if len(problems) > n0:
            return None
        if not low < high:
            problems.append((f"{where}.range", f"expected low < high, got {short(rng)}"))
            return None
    else:
        expected = f"expected [low, high] inside {declared.describe_range()}"
        problems.append((f"{where}.range", f"{expected}, got {short(rng)}"))
        return None
    levels = spec.get("levels")
    if levels is not None and (
        isinstance(levels, bool) or not isinstance(levels, int) or not 2 <= levels <= MAX_LEVELS
    ):
        problems.append((f"{where}.levels", f"expected a whole number from 2 to {MAX_LEVELS:,}, got {short(levels)}"))
        return None
    if levels is None and design.kind == "full_factorial":
        levels = design.levels
    return ParameterSpec(**common, low=low, high=high, levels=levels)


def _resolve_input(name: str, raw: Any, design: DesignSection, problems: list) -> ParameterSpec | None:
    """Resolve one ``parameters:`` entry of a function model, which declares its own range."""
    where = f"parameters.{name}"
    spec = {"values": raw} if isinstance(raw, list) else raw
    if not isinstance(spec, dict) or set(spec) - {"values", "range", "levels", "type"}:
        needs = "a function model's parameter needs {range: [low, high]} or a list"
        problems.append((where, f"{needs}; got {short(raw)}"))
        return None
    typ = spec.get("type", "float")
    if typ not in {"float", "int", "categorical"}:
        problems.append((f"{where}.type", f"expected float, int or categorical, got {short(typ)}"))
        return None
    if "values" in spec:
        values = spec["values"]
        if not isinstance(values, list) or not values or len(set(map(str, values))) != len(values):
            problems.append((f"{where}.values", f"expected a non-empty list of distinct values, got {short(values)}"))
            return None
        return ParameterSpec(name, "input", "categorical" if typ == "categorical" else typ, values=tuple(values))
    rng = spec.get("range")
    ok = isinstance(rng, list) and len(rng) == 2 and all(isinstance(v, int | float) for v in rng) and rng[0] < rng[1]
    if not ok:
        problems.append((f"{where}.range", f"expected [low, high] with low < high, got {short(rng)}"))
        return None
    levels = spec.get("levels", design.levels if design.kind == "full_factorial" else None)
    if levels is not None and (
        isinstance(levels, bool) or not isinstance(levels, int) or not 2 <= levels <= MAX_LEVELS
    ):
        problems.append((f"{where}.levels", f"expected a whole number from 2 to {MAX_LEVELS:,}, got {short(levels)}"))
        return None
    cast = int if typ == "int" else float
    return ParameterSpec(name, "input", typ, low=cast(rng[0]), high=cast(rng[1]), levels=levels)


def resolve_function(ref: str) -> Callable[..., Any]:
    """Import a function model from ``package.module:function``.

    Modules of Python's standard library are refused: none of them is a model, and an
    experiment file must not make wecsim call, say, ``os`` or ``shutil`` functions.

    Raises
    ------
    ImportError
        If the module is part of the standard library or cannot be imported.
    AttributeError
        If the module has no such function.
    """
    module_name, _, func_name = ref.partition(":")
    if module_name.split(".")[0] in sys.stdlib_module_names or module_name.split(".")[0] == "builtins":
        raise ImportError("modules of the Python standard library are not models")
    module = importlib.import_module(module_name)
    return getattr(module, func_name)


def resolve_experiment(ref: str | Path) -> Path:
    """Find the experiment a user typed: a path, or the name of a shipped experiment (``quick_lhs``).

    Returns ``ref`` as a path when nothing is found (the reader then says "file not found").
    """
    path = Path(ref)
    if path.exists() or len(path.parts) != 1 or path.name in {"", ".", ".."}:
        return path
    for name in (path.name, f"{path.name}.yaml"):
        if (EXPERIMENT_DIR / name).is_file():
            return EXPERIMENT_DIR / name
    return path


def _check_design(exp: ExperimentFile, params: list[ParameterSpec], problems: list) -> None:
    d = exp.design
    if d.kind == POLICIES_X_SCENARIOS:
        if d.n is None:
            problems.append(("design.n", "missing: the number of scenarios for a policies_x_scenarios design"))
            return
        n_points = len(exp.policies or {}) * d.n
    elif d.kind == "full_factorial":
        if d.n is not None:
            problems.append(("design.n", "full_factorial takes no n: its size is the product of the levels"))
        n_points = math.prod(len(p.grid()) for p in params)
    else:
        if d.n is None:
            what = {"latin_hypercube": "points", "sobol": "base samples N", "morris": "trajectories"}[d.kind]
            problems.append(("design.n", f"missing: the number of {what} for a {d.kind} design"))
            return
        if d.kind == "sobol" and d.n & (d.n - 1):
            lower = 1 << (d.n.bit_length() - 1)
            problems.append(
                ("design.n", f"Sobol (Saltelli) sampling needs a power of 2, got {d.n}; try {lower} or {2 * lower}")
            )
        k = len(params)
        n_points = {"latin_hypercube": d.n, "sobol": d.n * (2 * k + 2 if d.second_order else k + 2)}.get(
            d.kind, d.n * (k + 1)
        )
        if d.kind in {"sobol", "morris"} and k < 2:
            problems.append(("parameters", f"a {d.kind} design needs at least 2 varied parameters"))
    if n_points * exp.replicates > MAX_RUNS:
        problems.append(("design", f"{n_points * exp.replicates:,} runs is more than the limit of {MAX_RUNS:,}"))


def _resolve_base(exp: ExperimentFile, path: Path | None, shown: str, problems: list) -> dict[str, Any] | None:
    """Load the base scenario: a shipped one, or a file in the experiment file's folder."""
    from wecsim.scenario import load_scenario
    from wecsim.scenario.load import deep_merge, find_parent

    ref = exp.base or "baseline"
    try:
        parent = find_parent(ref, path.parent if path is not None else None, shown, "base")
        base = load_scenario(parent)
    except ScenarioError as exc:
        if exc.file == shown:  # the reference itself is refused or not found
            problems.extend(exc.problems)
        else:
            problems.append(
                ("base", f"scenario {short(ref)} is invalid: " + "; ".join(f"{p}: {m}" for p, m in exc.problems))
            )
        return None
    data = deep_merge(base.model_dump(mode="json"), exp.overrides)
    try:
        scenario = load_scenario(data)
    except ScenarioError as exc:
        problems.extend((f"overrides.{p}" if p else "overrides", m) for p, m in exc.problems)
        return None
    return scenario.model_dump(mode="json")


def _resolve_policies(exp: ExperimentFile, declared: dict, problems: list) -> ParameterSpec | None:
    """Check the ``policies:`` of a policies x scenarios design; return the ``policy`` design column."""
    import re

    is_px = exp.design.kind == POLICIES_X_SCENARIOS
    if not is_px:
        if exp.policies is not None:
            problems.append(("policies", f"policies go with `design: {{kind: {POLICIES_X_SCENARIOS}, n: ...}}`"))
        return None
    policies = exp.policies or {}
    if len(policies) < 2:
        problems.append(
            (
                "policies",
                "expected at least 2 named policies, e.g. {status_quo: {}, grants: {budget_eu_grant_meur: 150}}",
            )
        )
        return None
    n0 = len(problems)
    for name, levers in policies.items():
        where = f"policies.{name}"
        if not re.fullmatch(NAME_PATTERN, name) or name == POLICY:
            problems.append((where, f"a policy name must be {NAME_RULE}; got {short(name)}"))
        if not isinstance(levers, dict):
            problems.append(
                (where, f"expected a mapping of lever: value (or {{}} for the base scenario), got {short(levers)}")
            )
            continue
        for lever, value in levers.items():
            p = declared.get(lever)
            if p is None or p.kind != "lever":
                what = "an uncertainty: vary it under parameters" if p is not None else "unknown lever"
                problems.append(
                    (
                        f"{where}.{lever}",
                        f"{what}{_suggest(lever, [k for k, v in declared.items() if v.kind == 'lever'])}",
                    )
                )
            elif lever in exp.parameters:
                problems.append((f"{where}.{lever}", "also varied under parameters; a policy fixes its levers"))
            else:
                _check_value(p, value, f"{where}.{lever}", problems)
    for name in exp.parameters:
        if name in declared and declared[name].kind == "lever":
            problems.append(
                (
                    f"parameters.{name}",
                    "a policies x scenarios design samples uncertainties only; set levers in policies",
                )
            )
    if len(problems) > n0:
        return None
    return ParameterSpec(POLICY, POLICY, "categorical", values=tuple(policies))


def _check_outputs(exp: ExperimentFile, base: dict[str, Any] | None, problems: list) -> None:
    if base is None:
        if exp.derived or exp.outputs.region or exp.outputs.basin or exp.outputs.funder or exp.outputs.additionality:
            problems.append(
                ("outputs", "only the wecsim model keeps region, basin, funder, additionality or derived outcomes")
            )
        return
    from wecsim.model import NATIONAL_INDICATORS

    for i, name in enumerate(exp.outputs.indicators or []):
        if name not in NATIONAL_INDICATORS:
            problems.append(
                (f"outputs.indicators[{i}]", f"unknown indicator {short(name)}{_suggest(name, NATIONAL_INDICATORS)}")
            )
    first, last = int(base["start_year"]), int(base["end_year"])
    for i, year in enumerate(exp.outputs.years or []):
        if not first <= year <= last:
            problems.append((f"outputs.years[{i}]", f"{year} is outside the simulated years {first}-{last}"))
    problems += check_outcomes(exp.outputs, exp.derived, first, last, _suggest)


def load_experiment(source: str | Path | dict[str, Any]) -> Experiment:
    """Load and validate an experiment file (or mapping) into an :class:`Experiment`.

    Parameters
    ----------
    source
        Path to a YAML experiment file, or the mapping such a file holds.

    Raises
    ------
    ExperimentError
        With every problem found, each with its field path and what was expected.
    """
    if isinstance(source, dict):
        raw, path, shown, digest = copy.deepcopy(source), None, "<experiment mapping>", ""
    else:
        path = resolve_experiment(source)
        shown = str(source)
        raw = _read_yaml(path, shown)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        path = path.resolve()
    try:
        exp = ExperimentFile.model_validate(raw)
    except ValidationError as exc:
        raise ExperimentError(shown, _pydantic_problems(exc)) from None

    problems: list[tuple[str, str]] = []
    is_wecsim = exp.model == WECSIM_MODEL
    if not is_wecsim:
        if ":" not in exp.model:
            problems.append(("model", f"expected `wecsim` or `package.module:function`, got {short(exp.model)}"))
        else:
            try:
                if not callable(resolve_function(exp.model)):
                    problems.append(("model", f"{short(exp.model)} is not callable"))
            except Exception as err:  # importing runs the module's code: any error is the file's
                problems.append(("model", f"cannot import {short(exp.model)}: {short(str(err), 200)}"))
        for key in ("base", "overrides"):
            if getattr(exp, key):
                problems.append((key, "only the wecsim model has a base scenario"))

    base = _resolve_base(exp, path, shown, problems) if is_wecsim else None
    scenario_files: tuple[Path, ...] = ()
    if base is not None:
        from wecsim.experiments.provenance import scenario_chain

        scenario_files = tuple(scenario_chain(exp.base or "baseline", path.parent if path else None, shown))
    params: list[ParameterSpec] = []
    n_declared = len(exp.parameters)
    if is_wecsim:
        from wecsim.scenario import registry

        declared = registry()
        policy = _resolve_policies(exp, declared, problems)
        if policy is not None:
            params.append(policy)
            n_declared += 1
        for name, raw_param in exp.parameters.items():
            if name not in declared:
                problems.append(
                    (
                        f"parameters.{name}",
                        f"unknown lever or uncertainty{_suggest(name, list(declared))} "
                        "(see `wecsim list` or wecsim/data/levers.csv)",
                    )
                )
                continue
            p = _resolve_declared(name, raw_param, declared[name], exp.design, problems, base)
            if p is not None:
                params.append(p)
    else:
        if exp.design.kind == POLICIES_X_SCENARIOS:
            problems.append(("design.kind", "policies_x_scenarios needs the wecsim model (its policies set levers)"))
        for name, raw_param in exp.parameters.items():
            p = _resolve_input(name, raw_param, exp.design, problems)
            if p is not None:
                params.append(p)
    if len(params) == n_declared:
        _check_design(exp, params, problems)
    _check_outputs(exp, base, problems)
    if not is_wecsim and not exp.outputs.indicators:
        problems.append(("outputs.indicators", "a function model needs the names of the outputs it returns"))
    if problems:
        raise ExperimentError(shown, problems)
    return Experiment(
        name=exp.name,
        description=exp.description,
        source=shown,
        file_sha256=digest,
        model=exp.model,
        base_scenario=base,
        seed=exp.seed,
        replicates=exp.replicates,
        common_random_numbers=(
            exp.common_random_numbers if exp.common_random_numbers is not None else exp.design.kind in CRN_DEFAULT
        ),
        design=exp.design,
        parameters=tuple(params),
        indicators=tuple(exp.outputs.indicators) if exp.outputs.indicators else None,
        years=tuple(sorted(set(exp.outputs.years))) if exp.outputs.years else None,
        scenario_files=scenario_files,
        tables=_kept_tables(exp.outputs),
        additionality_scope=exp.outputs.additionality.scope if exp.outputs.additionality else "eu",
        derived=tuple(exp.derived),
        policies=exp.policies if exp.design.kind == POLICIES_X_SCENARIOS else None,
    )


def _kept_tables(outputs: OutputsSection) -> dict[str, tuple[str, ...]]:
    """Return the tables kept besides the national one, with their indicators."""
    kept = {name: tuple(getattr(outputs, name)) for name in ("region", "basin", "funder") if getattr(outputs, name)}
    if outputs.additionality is not None:
        kept["additionality"] = tuple(outputs.additionality.indicators)
    return kept
