"""Adapter between the array core and GeoDataFrames (display boundaries only).

It knows files and unit codes, not the :class:`~devoplan.geography.model.Geography` value, so the
model never imports it back (the geometry is reached through :class:`GeographyAssets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from devoplan.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

GEOMETRY_FILE = "geometry.geojson"


def read_display_geometry(path: Path, unit_codes: Sequence[str]) -> gpd.GeoDataFrame:
    """Display boundaries in unit order (EPSG:4326), checked to cover exactly ``unit_codes``."""
    import geopandas as gpd

    if not path.is_file():
        raise InputError("display geometry file is missing (needed for maps and compactness)", file=path)
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    try:
        gdf = gpd.read_file(path)
    except (DataSourceError, DataLayerError, FieldError, GeometryError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot be read as GeoJSON ({first.split(';')[0]})", file=path) from None
    if "code" not in gdf.columns:
        raise InputError("features have no 'code' property", file=path, field="code")
    codes = set(gdf["code"])
    missing = [c for c in unit_codes if c not in codes]
    if missing:
        raise InputError(f"no boundary for unit {missing[0]} ({len(missing)} missing)", file=path, field="code")
    if gdf["code"].duplicated().any():
        raise InputError(f"unit {gdf.loc[gdf['code'].duplicated(), 'code'].iloc[0]} has two features",
                         file=path, field="code")
    gdf = gdf.set_index("code").loc[list(unit_codes)].reset_index()
    return gdf.set_crs(4326, allow_override=True) if gdf.crs is None else gdf.to_crs(4326)
