"""Where the official source files are, for tests that check the bundle against them.

``DEVOPLAN_SOURCE`` if set, else ``shared/data`` beside the repository (``../shared/data`` from a
checkout); tests that need the files skip with :data:`SOURCE_MISSING` as the reason when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path


def source_dir() -> Path:
    """The official source directory (it may not exist)."""
    env = os.environ.get("DEVOPLAN_SOURCE")
    return Path(env) if env else Path(__file__).resolve().parents[4] / "shared" / "data"


SOURCE_MISSING = f"official source data not found at {source_dir()} (set DEVOPLAN_SOURCE)"
