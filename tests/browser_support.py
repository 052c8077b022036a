"""What every browser test needs before it starts: Debian's Chromium, or a clear reason why not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wecsim.app.serve import CHROMIUM


def require_chromium() -> None:
    """Skip when /usr/bin/chromium is missing, except on CI (``CI=true``), where that fails the test."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI (.ci/run installs it with apt-get)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
