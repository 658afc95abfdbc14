"""Display geometry (simplified GeoJSON) and the hex map, both keyed by unit code.

The coverage is simplified with ``shapely.coverage_simplify`` (Visvalingam-Whyatt on shared
edges, so neighbours stay edge-matched with no gaps or overlaps), reprojected to WGS84 and rounded
to 5 decimals (about 1 m). It is for drawing maps only; adjacency uses the unsimplified coverage.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from devoplan.build import sources
from devoplan.build.sources import SourceDir

SIMPLIFY_TOLERANCE_M = 300.0
DECIMALS = 5


def _rounded(coords: Any) -> Any:
    """Nested coordinate lists with every number rounded to :data:`DECIMALS`."""
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DECIMALS) for c in coords]
    return [_rounded(c) for c in coords]


def display_geometry(coverage: gpd.GeoDataFrame, tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326) of simplified units with ``code`` and ``name``."""
    simplified = shapely.coverage_simplify(coverage.geometry.to_numpy(), tolerance_m)
    wgs84 = gpd.GeoSeries(simplified, crs=coverage.crs).to_crs("EPSG:4326").to_numpy()
    wgs84 = shapely.set_precision(wgs84, 10.0**-DECIMALS)
    features = []
    for code, name, geom in zip(coverage["code"], coverage["name"], wgs84, strict=True):
        mapping = shapely.geometry.mapping(shapely.MultiPolygon(shapely.get_parts(geom).tolist()))
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": {"type": "MultiPolygon", "coordinates": _rounded(mapping["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_text(collection: dict[str, Any]) -> str:
    """Compact GeoJSON with one feature per line (diff-friendly and deterministic)."""
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def hexmap(src: SourceDir, codes: tuple[str, ...]) -> dict[str, Any]:
    """The Open Innovations LAD 2023 HexJSON cut to the bundle's units (LAD23 = LAD24 in England)."""
    path = src.path(sources.HEXMAP)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        layout, hexes = data["layout"], data["hexes"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise src.fail(sources.HEXMAP, f"not a HexJSON file ({exc})") from exc
    absent = [c for c in codes if c not in hexes]
    if absent:
        raise src.fail(sources.HEXMAP, f"no hex for {absent[0]}")
    kept = {c: {k: hexes[c][k] for k in ("n", "q", "r", "region") if k in hexes[c]} for c in codes}
    return {"layout": layout, "hexes": kept}


def hexjson_text(hexjson: dict[str, Any]) -> str:
    """HexJSON with one hex per line, in unit order."""
    lines = [
        f"{json.dumps(code)}:{json.dumps(h, separators=(',', ':'), ensure_ascii=False)}"
        for code, h in hexjson["hexes"].items()
    ]
    return '{"layout":' + json.dumps(hexjson["layout"]) + ',"hexes":{\n' + ",\n".join(lines) + "\n}}\n"


def bounds_ok(collection: dict[str, Any]) -> bool:
    """True when every coordinate lies within England's rough lon/lat box (a projection sanity check)."""
    coords = np.array(
        [pt for f in collection["features"] for poly in f["geometry"]["coordinates"] for ring in poly for pt in ring]
    )
    return bool((coords[:, 0] > -7).all() and (coords[:, 0] < 2).all() and (coords[:, 1] > 49).all())
