"""The fingerprint of the model a batch runs: its code, its data and the scenario files used.

A results folder records it in its manifest, so that a batch is never resumed with another
model without being asked to (``--allow-model-change``): an edit of
``wecsim/data/parameters.csv`` half-way through a batch would otherwise mix two models in
one table. The fingerprint is a SHA-256 per file of

- every ``.py`` file of the ``wecsim`` package except ``wecsim/app/`` (the browser app,
  which never runs in a batch),
- every ``wecsim/data/*.csv`` table,
- the scenario files the experiment's base scenario is read from (its ``extends:`` chain),
- for a function model, the file of its module,

and one SHA-256 over them all (``sha256``). Only contents count: paths are relative to the
package (or the scenario's name), so a clone moved elsewhere keeps its fingerprint.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Any

import wecsim
from wecsim.scenario.load import MAX_EXTENDS, find_parent, read_yaml_mapping

#: The wecsim package folder.
PACKAGE = Path(wecsim.__file__).resolve().parent
#: Sub-folders of the package left out of the fingerprint (they never run in a batch).
EXCLUDED = ("app", "_shipped")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_files() -> list[tuple[str, Path]]:
    """Return ``(label, path)`` of the package's code and data files, sorted by label."""
    out = []
    for p in PACKAGE.rglob("*.py"):
        rel = p.relative_to(PACKAGE)
        if rel.parts[0] in EXCLUDED or "__pycache__" in rel.parts:
            continue
        out.append(("wecsim/" + rel.as_posix(), p))
    out += [("wecsim/data/" + p.name, p) for p in (PACKAGE / "data").glob("*.csv")]
    return sorted(out)


def scenario_chain(base: str, folder: Path | None, shown: str) -> list[Path]:
    """Return the scenario files a base scenario is read from: the file, its parent, ...

    ``base`` and ``folder`` are as in the experiment file (``base:``, the file's folder);
    the experiment was validated already, so the chain exists.
    """
    files: list[Path] = []
    ref: Any = base
    while ref is not None and len(files) <= MAX_EXTENDS:
        path = find_parent(ref, folder, shown, "base")
        files.append(path)
        ref = read_yaml_mapping(path, str(path)).get("extends")
        folder = path.parent
    return files


def model_fingerprint(model: str, scenario_files: list[Path] | tuple[Path, ...] = ()) -> dict[str, Any]:
    """Return the fingerprint of a model: ``{"sha256", "files": {label: sha256}}``.

    Parameters
    ----------
    model
        ``"wecsim"`` or ``"package.module:function"`` (its module file is included).
    scenario_files
        The scenario files used (:func:`scenario_chain`), labelled ``scenario:<file name>``.
    """
    files = {label: _sha(path) for label, path in package_files()}
    for path in scenario_files:
        files[f"scenario:{Path(path).name}"] = _sha(Path(path))
    if model != "wecsim":
        spec = importlib.util.find_spec(model.partition(":")[0])
        if spec is not None and spec.origin and Path(spec.origin).is_file():
            files[f"model:{model.partition(':')[0]}"] = _sha(Path(spec.origin))
    total = hashlib.sha256("".join(f"{k}\0{v}\n" for k, v in sorted(files.items())).encode()).hexdigest()
    return {"sha256": total, "files": files}


def changed_files(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Return the labels of the files that differ between two fingerprints (added, removed or edited)."""
    a, b = old.get("files", {}), new.get("files", {})
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
