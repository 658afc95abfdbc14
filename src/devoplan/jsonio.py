"""Strict JSON output shared by every command.

JSON has no NaN or infinity, and a measure can be undefined (no population in common, an empty
area): such values become ``null``. NumPy scalars and arrays become plain JSON values.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None``, recursively (NumPy values as Python)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return finite(value.tolist())
    return value


def json_default(value: Any) -> Any:
    """``default=`` hook for :func:`json.dumps`: NumPy values and paths as plain values, anything else refused."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(doc: Any) -> str:
    """Indented, strict UTF-8 JSON text (undefined values as null) ending in a newline."""
    return json.dumps(finite(doc), indent=2, ensure_ascii=False, default=json_default, allow_nan=False) + "\n"


def write_json(path: Path, doc: Any) -> None:
    path.write_text(dumps(doc), encoding="utf-8")
