"""Reading and writing plans.

A plan file is a CSV with one row per unit: ``LAD24CD,area_code,area_name`` (``area_name`` may be
left out; ``code`` or ``unit_code`` may name the unit column instead of ``LAD24CD`` for a geography
of other units; ``area`` holding whole-number area ids may replace ``area_code``). Reading checks
that every unit of the geography appears exactly once and nothing else does; a problem raises
:class:`~devoplan.errors.InputError` naming the file, row and field. Plans are written as that CSV
and as GeoJSON areas dissolved from the units' display boundaries, each via a temporary file
moved into place, so a failed write leaves nothing half-written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan.csvcells import neutralise_frame, restore
from devoplan.errors import InputError
from devoplan.fileio import write_atomic
from devoplan.geography.model import Geography
from devoplan.geography.tables import read_table, row_number
from devoplan.plan import Plan
from devoplan.validate import MAX_MAGNITUDE, Cell, parse_document, read_text, readable_file

UNIT_COLUMNS: tuple[str, ...] = ("LAD24CD", "code", "unit_code")
CSV_HEADER: tuple[str, str, str] = ("LAD24CD", "area_code", "area_name")


# -- reading ------------------------------------------------------------------------------------
def read_plan(path: str | Path, geography: Geography) -> Plan:
    """Read and check a plan (CSV, or GeoJSON by its .geojson/.json suffix) against the geography's units."""
    file = readable_file(Path(path), what="plan file")
    if file.suffix.lower() in (".geojson", ".json"):
        return read_plan_geojson(file, geography)
    df = _canonical_columns(read_table(file, ()), file)
    unit_col = _unit_column(df, file)
    labels = _area_labels(df, file).map(restore)
    names = df["area_name"].map(restore) if "area_name" in df.columns else labels
    if df.empty:
        raise InputError("has no rows", file=file)
    positions = _unit_positions(df[unit_col], geography, file, unit_col)
    return _assemble(geography, positions, labels.tolist(), names.tolist(), file)


KNOWN_COLUMNS: tuple[str, ...] = (*UNIT_COLUMNS, "area_code", "area", "area_name")


def _canonical_columns(df: pd.DataFrame, file: Path) -> pd.DataFrame:
    """Match known column names whatever their case (``lad24cd``, ``Area_Code``); refuse repeated columns."""
    canonical = {c.lower(): c for c in KNOWN_COLUMNS}
    names = [canonical.get(str(c).lower(), str(c)) for c in df.columns]
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise InputError(f"column '{name}' appears twice in the header", file=file, row=1, field=name)
        seen.add(name.lower())
    return df.set_axis(names, axis=1)


def _unit_column(df: pd.DataFrame, file: Path) -> str:
    for col in UNIT_COLUMNS:
        if col in df.columns:
            return col
    raise InputError(f"no unit column (expected one of {', '.join(UNIT_COLUMNS)}; found: "
                     f"{', '.join(df.columns)})", file=file, field=UNIT_COLUMNS[0])


def _area_labels(df: pd.DataFrame, file: Path) -> pd.Series:
    if "area_code" in df.columns:
        labels = df["area_code"]
        field = "area_code"
    elif "area" in df.columns:
        labels, field = df["area"], "area"
        values = pd.to_numeric(labels.where(labels != ""), errors="coerce").to_numpy(dtype=np.float64)
        bad = ~_whole(values) & (labels != "").to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"area '{labels.iloc[i]}' is not a whole number", file=file, row=row_number(i),
                             field=field)
    else:
        raise InputError(f"missing column (found: {', '.join(df.columns)})", file=file, field="area_code")
    empty = (labels == "").to_numpy()
    if empty.any():
        raise InputError("area is missing", file=file, row=row_number(int(np.flatnonzero(empty)[0])), field=field)
    return labels


def _whole(values: np.ndarray) -> np.ndarray:
    """Finite whole numbers of a sane size (``inf`` and ``1e400`` are not area ids)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values == np.floor(values)) & (np.abs(values) <= MAX_MAGNITUDE)


def _not_in(geography: Geography) -> str:
    """Where the unknown code was looked for, and the usual cause: a plan made for another geography."""
    return f"(not in geography '{geography.name}'; a plan for another geography needs its own `geography`)"


def _unit_positions(codes: pd.Series, geography: Geography, file: Path, field: str) -> np.ndarray:
    index = geography.units.index
    positions = np.empty(len(codes), dtype=np.int64)
    seen: dict[str, int] = {}
    for i, code in enumerate(codes.tolist()):
        if code == "":
            raise InputError("unit code is missing", file=file, row=row_number(i), field=field)
        if code not in index:
            raise InputError(f"unknown unit '{code}' {_not_in(geography)}", file=file, row=row_number(i), field=field)
        if code in seen:
            raise InputError(f"unit '{code}' appears twice (first on row {seen[code]})", file=file,
                             row=row_number(i), field=field)
        seen[code] = row_number(i)
        positions[i] = index[code]
    if len(seen) < geography.n_units:
        missing = [c for c in geography.units.codes if c not in seen]
        raise InputError(f"plan misses {len(missing)} of the {geography.n_units} units, first "
                         f"{missing[0]} ({geography.units.names[geography.units.index[missing[0]]]})", file=file)
    return positions


def _assemble(geography: Geography, positions: np.ndarray, labels: list[str], names: list[str],
              file: Path) -> Plan:
    """Areas in order of first appearance in the file; one name per area (a blank name is no name)."""
    order: dict[str, int] = {}
    given: list[str] = []  # the area's name as first given, "" until a row names it
    named_on: list[int] = []
    assignment = np.empty(geography.n_units, dtype=np.int64)
    for i, (pos, label, name) in enumerate(zip(positions, labels, names, strict=True)):
        if label not in order:
            order[label] = len(order)
            given.append("")
            named_on.append(0)
        a = order[label]
        if name and not given[a]:
            given[a], named_on[a] = name, row_number(i)
        elif name and name != given[a]:
            raise InputError(f"area '{label}' is named '{name}' here but '{given[a]}' on row {named_on[a]}",
                             file=file, row=row_number(i), field="area_name")
        assignment[pos] = a
    area_names = tuple(n or label for n, label in zip(given, order, strict=True))
    return Plan(geography.units.codes, assignment, tuple(order), area_names)


def read_plan_geojson(path: str | Path, geography: Geography) -> Plan:
    """Read a plan from GeoJSON areas: one feature per area with an ``area_code`` property.

    Features written by :func:`write_plan_geojson` list their units in ``unit_codes`` and are read
    exactly. A feature without ``unit_codes`` (areas drawn in a GIS) takes the units whose
    representative point, from the display boundaries, falls inside its geometry. Errors name the
    feature (``features[3].properties.unit_codes``), not a row.
    """
    file = Path(path)
    features = _features(file)
    codes, names, members = [], [], []
    first: dict[str, int] = {}
    for i, feature in enumerate(features):
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        code = str(props.get("area_code") or "").strip()
        field = f"features[{i}].properties"
        if not code:
            raise InputError("feature has no area_code", file=file, field=f"{field}.area_code")
        if code in first:
            raise InputError(f"area code '{code}' is already used by features[{first[code]}] (one feature per area)",
                             file=file, field=f"{field}.area_code")
        first[code] = i
        codes.append(code)
        names.append(str(props.get("area_name") or code))
        listed = props.get("unit_codes")
        if listed is not None and not (isinstance(listed, list) and all(isinstance(c, str) for c in listed)):
            raise InputError("must be a list of unit codes", file=file, field=f"{field}.unit_codes")
        members.append(listed)
    spatial = any(m is None for m in members)
    if spatial:
        _fill_spatially(file, geography, features, members)
    assignment = _feature_assignment(file, geography, [m or [] for m in members], spatial)
    return Plan(geography.units.codes, assignment, tuple(codes), tuple(names))


def _feature_assignment(file: Path, geography: Geography, members: list[list[str]], spatial: bool) -> np.ndarray:
    """Area (feature position) of every unit: each unit in exactly one feature, no unknown codes."""
    index = geography.units.index
    assignment = np.full(geography.n_units, -1, dtype=np.int64)
    for i, listed in enumerate(members):
        field = f"features[{i}].properties.unit_codes"
        if not listed:
            why = "its geometry holds no unit's representative point" if spatial else "the list is empty"
            raise InputError(f"area has no units ({why})", file=file, field=field)
        for code in listed:
            code = code.strip()
            if code not in index:
                raise InputError(f"unknown unit '{code}' {_not_in(geography)}", file=file, field=field)
            u = index[code]
            if assignment[u] >= 0:
                where = "lies in" if spatial else "is listed in"
                raise InputError(f"unit '{code}' {where} two areas (also features[{assignment[u]}])", file=file,
                                 field=field)
            assignment[u] = i
    missing = np.flatnonzero(assignment < 0)
    if missing.size:
        u = int(missing[0])
        hint = " (its representative point lies in no feature)" if spatial else ""
        raise InputError(f"plan misses {missing.size} of the {geography.n_units} units, first "
                         f"{geography.units.codes[u]} ({geography.units.names[u]}){hint}", file=file)
    return assignment


def _features(file: Path) -> list[dict[str, Any]]:
    try:
        data = parse_document(read_text(file, what="plan file"), json.loads, Cell(file))
    except json.JSONDecodeError as exc:
        raise InputError(f"is not valid GeoJSON ({exc})", file=file) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise InputError("is not a GeoJSON FeatureCollection with features", file=file, field="features")
    if not all(isinstance(f, dict) for f in features):
        raise InputError("every feature must be a JSON object", file=file, field="features")
    return features


def _fill_spatially(file: Path, geography: Geography, features: list[dict[str, Any]],
                    members: list[list[str] | None]) -> None:
    """Give each feature without ``unit_codes`` the units whose representative point it contains."""
    import geopandas as gpd
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    for i, feature in enumerate(features):
        if members[i] is None and not isinstance(feature.get("geometry"), dict):
            raise InputError("feature has neither unit_codes nor a geometry", file=file,
                             field=f"features[{i}].geometry")
    points = geography.display_geometry().to_crs(27700).representative_point()
    for i, feature in enumerate(features):
        if members[i] is not None:
            continue
        try:
            geom = gpd.GeoSeries([shape(feature["geometry"])], crs=4326).to_crs(27700).iloc[0]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError) as exc:
            raise InputError(f"geometry cannot be read ({exc})", file=file, field=f"features[{i}].geometry") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
            why = geom.geom_type if geom.geom_type not in ("Polygon", "MultiPolygon") else "an invalid polygon"
            raise InputError(f"an area must be a Polygon or MultiPolygon, not {why}", file=file,
                             field=f"features[{i}].geometry")
        inside = np.flatnonzero(points.within(geom).to_numpy())
        members[i] = [geography.units.codes[u] for u in inside]


# -- writing ------------------------------------------------------------------------------------
def plan_table(plan: Plan) -> pd.DataFrame:
    """One row per unit: ``LAD24CD,area_code,area_name``."""
    return pd.DataFrame({
        CSV_HEADER[0]: list(plan.unit_codes),
        CSV_HEADER[1]: [plan.area_codes[a] for a in plan.assignment],
        CSV_HEADER[2]: [plan.area_names[a] for a in plan.assignment],
    })


def is_plan_csv(path: Path) -> bool:
    """Whether ``path`` starts with the header devoplan writes for plans (so overwriting it loses no
    other kind of file)."""
    try:
        with path.open("rb") as f:
            first = f.readline(4096)
    except OSError:
        return False
    return first.decode("utf-8", "replace").strip().lstrip("\ufeff") == ",".join(CSV_HEADER)


def write_plan_csv(plan: Plan, path: str | Path) -> Path:
    """Write the plan CSV (readable by :func:`read_plan`)."""
    table = neutralise_frame(plan_table(plan))  # names starting with = + - @ are written as text
    return write_atomic(path, lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8"))


def plan_areas_geojson(plan: Plan, geography: Geography) -> dict[str, object]:
    """A GeoJSON FeatureCollection of the plan's areas dissolved from unit display boundaries."""
    plan.check(geography)
    gdf = geography.display_geometry()[["geometry"]].copy()
    gdf["area_code"] = [plan.area_codes[a] for a in plan.assignment]
    gdf["population"] = geography.units.population
    gdf["units"] = 1
    dissolved = gdf.dissolve(by="area_code", aggfunc="sum").reindex(list(plan.area_codes)).reset_index()
    dissolved["area_name"] = list(plan.area_names)
    dissolved["unit_codes"] = [[plan.unit_codes[u] for u in plan.members(a)] for a in range(plan.n_areas)]
    dissolved = dissolved[["area_code", "area_name", "population", "units", "unit_codes", "geometry"]]
    result: dict[str, object] = json.loads(dissolved.to_json(drop_id=True))
    return result


def write_plan_geojson(plan: Plan, geography: Geography, path: str | Path) -> Path:
    """Write the plan's dissolved areas as GeoJSON (EPSG:4326)."""
    data = plan_areas_geojson(plan, geography)
    return write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data), encoding="utf-8"))
