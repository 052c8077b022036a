"""Small experiment files shared by the batch tests (imported as a plain module, like test_app_batch)."""

from __future__ import annotations

from pathlib import Path

import yaml

#: A quick experiment of a noisy test function: 30 runs in well under a second.
FAST = {
    "name": "fast",
    "model": "wecsim.experiments.testfunctions:noisy_linear",
    "seed": 4,
    "design": {"kind": "latin_hypercube", "n": 30},
    "parameters": {"x1": {"range": [0, 1]}, "x2": {"range": [0, 1]}},
    "outputs": {"indicators": ["y"]},
}


def write(path: Path, data: dict) -> Path:
    """Write an experiment mapping as YAML and return its path."""
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
