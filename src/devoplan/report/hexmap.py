"""Hex-map layout from a HexJSON file: one equal-sized hexagon per unit.

A hex map gives every district the same visual weight, so small dense urban districts (London,
the metropolitan boroughs) are as visible as large rural ones. The geography's optional
``hexmap.hexjson`` (HexJSON, https://odileeds.github.io/hexmaps/hexjson) keys hexes by unit code
with column ``q`` and row ``r``; rows increase northwards. Supported layouts: ``odd-r``, ``even-r``
(pointy-topped hexes, alternate rows shifted by half a hex) and ``odd-q``, ``even-q`` (flat-topped).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devoplan.errors import InputError, reject_unknown
from devoplan.geography.model import Geography

HEXJSON_FILE = "hexmap.hexjson"
LAYOUTS: tuple[str, ...] = ("odd-r", "even-r", "odd-q", "even-q")


@dataclass(frozen=True, eq=False)
class HexLayout:
    """Hexagon centres ``(n, 2)`` in unit order (NaN for units missing from the file) and the vertex offsets."""

    centres: np.ndarray
    offsets: np.ndarray
    missing: tuple[str, ...]

    def polygons(self) -> list[np.ndarray]:
        """Vertex arrays of the hexagons of the units present in the file (in unit order)."""
        return [c + self.offsets for c in self.centres if not np.isnan(c[0])]

    @property
    def present(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.centres[:, 0]))

    def neighbour_pairs(self) -> np.ndarray:
        """``(m, 2)`` unit positions of hexes that touch on the layout (centres one hex width apart)."""
        from scipy.spatial import cKDTree

        present = self.present
        if len(present) < 2:
            return np.zeros((0, 2), dtype=np.int64)
        pairs = cKDTree(self.centres[present]).query_pairs(r=1.01, output_type="ndarray")
        return present[pairs].astype(np.int64)


def read_hexjson(path: Path) -> tuple[str, dict[str, tuple[int, int]]]:
    """Layout name and ``{code: (q, r)}`` from a HexJSON file, validated."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read HexJSON: {exc}", file=path) from None
    if not isinstance(data, dict) or not isinstance(data.get("hexes"), dict):
        raise InputError("not HexJSON (no 'hexes' object)", file=path, field="hexes")
    layout = str(data.get("layout", ""))
    if layout not in LAYOUTS:
        raise InputError(str(reject_unknown("HexJSON layout", layout, LAYOUTS)), file=path, field="layout")
    cells: dict[str, tuple[int, int]] = {}
    for code, hexdata in data["hexes"].items():
        try:
            cells[code] = (int(hexdata["q"]), int(hexdata["r"]))
        except (KeyError, TypeError, ValueError):
            raise InputError(f"hex {code} has no integer q and r", file=path, field="hexes") from None
    return layout, cells


def hex_layout(geography: Geography) -> HexLayout | None:
    """The geography's hex layout, or ``None`` when it ships no HexJSON file."""
    path = geography.assets.path(HEXJSON_FILE)
    if path is None:
        return None
    layout, cells = read_hexjson(path)
    return layout_from_cells(layout, cells, geography.units.codes)


def layout_from_cells(layout: str, cells: dict[str, tuple[int, int]], codes: tuple[str, ...]) -> HexLayout:
    """Centres for each unit code from HexJSON ``(q, r)`` cells, for a unit-width hex grid."""
    pointy = layout.endswith("-r")
    shift_odd = layout.startswith("odd")
    centres = np.full((len(codes), 2), np.nan)
    for i, code in enumerate(codes):
        if code not in cells:
            continue
        q, r = cells[code]
        if pointy:
            shifted = (r % 2 == 1) == shift_odd
            centres[i] = (q + (0.5 if shifted else 0.0), r * math.sqrt(3) / 2)
        else:
            shifted = (q % 2 == 1) == shift_odd
            centres[i] = (q * math.sqrt(3) / 2, r + (0.5 if shifted else 0.0))
    start = 30.0 if pointy else 0.0
    radius = 1 / math.sqrt(3)
    angles = np.radians(start + 60.0 * np.arange(6))
    offsets = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    missing = tuple(c for c in codes if c not in cells)
    return HexLayout(centres, offsets, missing)
