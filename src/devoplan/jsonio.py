"""JSON output shared by every command: NumPy scalars and arrays become plain JSON values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def json_default(value: Any) -> Any:
    """``default=`` hook for :func:`json.dumps`: NumPy values as Python ones, anything else refused."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(doc: Any) -> str:
    """Indented UTF-8 JSON text ending in a newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False, default=json_default) + "\n"


def write_json(path: Path, doc: Any) -> None:
    path.write_text(dumps(doc), encoding="utf-8")
