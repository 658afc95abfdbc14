"""Load and validate a geography directory (format: ``docs/data-format.md``).

``load_geography()`` returns the bundled England 2024 geography; ``load_geography(path)`` loads a
user's directory. Each part is validated before use and a problem raises
:class:`~devoplan.errors.InputError` naming file, row and field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from devoplan.errors import InputError
from devoplan.geography.assets import GeographyAssets
from devoplan.geography.graph import check_connected
from devoplan.geography.model import (
    DIRECTIONS,
    LAYER_KINDS,
    SEXES,
    Adjacency,
    Geography,
    IndicatorMeta,
    Indicators,
    Layer,
    Units,
)
from devoplan.geography.tables import (
    check_known,
    check_not_empty,
    check_unique,
    parse_numbers,
    read_manifest,
    read_table,
    row_number,
)
from devoplan.validate import MAX_POPULATION

BUNDLE_DIR = Path(__file__).resolve().parent.parent / "data" / "england2024"
WEIGHT_TOLERANCE = 1e-6
EDGE_KINDS: tuple[str, ...] = ("border", "link")


def load_geography(path: str | Path | None = None) -> Geography:
    """Load a geography directory, validated; ``None`` means the bundled England 2024 one."""
    directory = Path(path).expanduser() if path is not None else BUNDLE_DIR
    if path is None:
        return _load_cached(str(directory.resolve()))
    return _load(directory)


@lru_cache(maxsize=2)
def _load_cached(directory: str) -> Geography:
    return _load(Path(directory))


def _load(directory: Path) -> Geography:
    if not directory.is_dir():
        what = "is a file, not a geography directory" if directory.exists() else "geography directory not found"
        raise InputError(what, file=directory)
    manifest = read_manifest(directory / "manifest.json")
    units = read_units(directory)
    return Geography(
        name=manifest["name"],
        description=str(manifest.get("description", "")),
        units=units,
        layers=read_layers(directory, units),
        adjacency=read_adjacency(directory, units),
        indicators=read_indicators(directory, units),
        assets=GeographyAssets(directory),
    )


# -- units ----------------------------------------------------------------------------------------
def read_units(directory: Path) -> Units:
    path = directory / "units.csv"
    df = read_table(path, ("code", "name", "population"))
    if df.empty:
        raise InputError("has no units", file=path)
    check_not_empty(df, "code", path)
    check_unique(df, ["code"], path, "unit code")
    population = parse_numbers(df, "population", path, integer=True, minimum=0, maximum=MAX_POPULATION)
    if not population.any():
        raise InputError(f"every unit has population 0; areas are balanced by population, so at least one "
                         f"of the {len(population)} units needs residents", file=path, field="population")
    codes = tuple(df["code"])
    age_sex = read_age_sex(directory, codes, population)
    return Units(codes=codes, names=tuple(df["name"]), population=population.astype(np.int64), age_sex=age_sex)


def read_age_sex(directory: Path, codes: tuple[str, ...], population: np.ndarray) -> np.ndarray | None:
    """The optional single-year-of-age table, which must add up to each unit's population."""
    path = directory / "population_age_sex.csv"
    if not path.exists():
        return None
    df = read_table(path, ("code", "sex"))
    ages = [c for c in df.columns if c not in ("code", "sex")]
    if not ages or any(not a.isdigit() for a in ages) or [int(a) for a in ages] != list(range(len(ages))):
        raise InputError("age columns must be 0, 1, ..., N in order", file=path, field="age")
    index = {c: i for i, c in enumerate(codes)}
    check_known(df, "code", index, path, "unit code")
    check_known(df, "sex", set(SEXES), path, "sex", SEXES)
    check_unique(df, ["code", "sex"], path, "unit and sex")
    table = np.zeros((len(codes), len(SEXES), len(ages)), dtype=np.int64)
    rows = df["code"].map(index).to_numpy()
    sexes = df["sex"].map({s: i for i, s in enumerate(SEXES)}).to_numpy()
    for j, age in enumerate(ages):
        counts = parse_numbers(df, age, path, integer=True, minimum=0, maximum=MAX_POPULATION)
        table[rows, sexes, j] = counts.astype(np.int64)
    seen = np.zeros((len(codes), len(SEXES)), dtype=bool)
    seen[rows, sexes] = True
    if not seen.all():
        u, s = np.argwhere(~seen)[0]
        raise InputError(f"no row for unit {codes[u]} sex {SEXES[s]}", file=path, field="code")
    totals = table.sum(axis=(1, 2))
    mismatch = np.flatnonzero(totals != population)
    if mismatch.size:
        u = int(mismatch[0])
        raise InputError(
            f"ages of {codes[u]} sum to {totals[u]:,} but units.csv says {int(population[u]):,}",
            file=path, row=row_number(int(np.flatnonzero(rows == u)[0])), field="code",
        )
    return table


# -- layers ---------------------------------------------------------------------------------------
def read_layers(directory: Path, units: Units) -> dict[str, Layer]:
    meta_path, areas_path, members_path = (directory / f for f in ("layers.csv", "areas.csv", "memberships.csv"))
    meta = read_table(meta_path, ("layer", "name", "kind", "vintage", "source"))
    check_not_empty(meta, "layer", meta_path)
    check_unique(meta, ["layer"], meta_path, "layer")
    check_known(meta, "kind", set(LAYER_KINDS), meta_path, "kind", LAYER_KINDS)
    areas = read_table(areas_path, ("layer", "area_code", "area_name"))
    check_known(areas, "layer", set(meta["layer"]), areas_path, "layer")
    check_not_empty(areas, "area_code", areas_path)
    check_unique(areas, ["layer", "area_code"], areas_path, "area")
    members = read_table(members_path, ("layer", "unit_code", "area_code", "weight"))
    check_known(members, "layer", set(meta["layer"]), members_path, "layer")
    check_known(members, "unit_code", units.index, members_path, "unit code")
    check_unique(members, ["layer", "unit_code", "area_code"], members_path, "membership")
    weights = parse_numbers(members, "weight", members_path)
    bad = np.flatnonzero((weights <= 0) | (weights > 1 + WEIGHT_TOLERANCE))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"weight {members['weight'].iloc[i]} is outside (0, 1]", file=members_path,
                         row=row_number(i), field="weight")
    members = members.assign(_w=weights, _pos=np.arange(len(members)))
    layers: dict[str, Layer] = {}
    for row in meta.itertuples(index=False):
        layer_areas = areas[areas["layer"] == row.layer]
        if layer_areas.empty:
            raise InputError(f"layer '{row.layer}' has no areas", file=areas_path, field="layer")
        layers[row.layer] = _build_layer(row, layer_areas, members[members["layer"] == row.layer],
                                         units, members_path)
    return layers


def _build_layer(row: object, areas: pd.DataFrame, members: pd.DataFrame, units: Units, path: Path) -> Layer:
    key, kind = str(row.layer), str(row.kind)  # type: ignore[attr-defined]
    area_index = {c: i for i, c in enumerate(areas["area_code"])}
    check_known(members.reset_index(drop=True), "area_code", area_index, path, f"area of layer {key}")
    rows = members["unit_code"].map(units.index).to_numpy()
    cols = members["area_code"].map(area_index).to_numpy()
    weights = members["_w"].to_numpy()
    matrix = sparse.csr_array((weights, (rows, cols)), shape=(len(units), len(area_index)))
    _check_weights(key, kind, matrix, members, units, path)
    _check_no_empty_area(key, matrix, areas, path)
    return Layer(
        key=key, name=str(row.name), kind=kind,  # type: ignore[attr-defined,arg-type]
        area_codes=tuple(areas["area_code"]), area_names=tuple(areas["area_name"]),
        membership=matrix, vintage=str(row.vintage), source=str(row.source),  # type: ignore[attr-defined]
    )


def _check_weights(key: str, kind: str, matrix: sparse.csr_array, members: pd.DataFrame,
                   units: Units, path: Path) -> None:
    """Partition and cover layers: every unit's weights sum to 1; partial: 1 area or none."""
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    counts = np.diff(matrix.indptr)
    missing = np.flatnonzero(counts == 0)
    if kind in ("partition", "cover") and missing.size:
        u = int(missing[0])
        raise InputError(f"{kind} layer {key} has no membership for unit {units.codes[u]}"
                         f" ({len(missing)} units missing)", file=path, field="unit_code")
    if kind == "partial":
        multi = np.flatnonzero(counts > 1)
        if multi.size:
            u = int(multi[0])
            raise InputError(f"partial layer {key} puts unit {units.codes[u]} in {counts[u]} areas; "
                             "a partial layer allows one at most", file=path, field="unit_code")
    off = np.flatnonzero((counts > 0) & (np.abs(sums - 1.0) > WEIGHT_TOLERANCE))
    if off.size:
        u = int(off[0])
        first = int(members.loc[members["unit_code"] == units.codes[u], "_pos"].iloc[0])
        raise InputError(f"weights of unit {units.codes[u]} in layer {key} sum to {sums[u]:.6g}, not 1",
                         file=path, row=row_number(first), field="weight")


def _check_no_empty_area(key: str, matrix: sparse.csr_array, areas: pd.DataFrame, members_path: Path) -> None:
    """Every area listed in areas.csv must hold at least one unit (an empty area is a typo or a
    stale row, and would give downstream per-head figures a zero population)."""
    per_area = np.bincount(matrix.indices, minlength=matrix.shape[1])
    empty = np.flatnonzero(per_area == 0)
    if empty.size:
        j = int(empty[0])
        raise InputError(
            f"area {areas['area_code'].iloc[j]} of layer {key} has no units in {members_path.name}",
            file=members_path.parent / "areas.csv", row=row_number(int(areas.index[j])), field="area_code",
        )


# -- adjacency ------------------------------------------------------------------------------------
def read_adjacency(directory: Path, units: Units) -> Adjacency:
    path = directory / "adjacency.csv"
    df = read_table(path, ("unit_a", "unit_b", "length_m", "kind", "note"))
    check_known(df, "unit_a", units.index, path, "unit code")
    check_known(df, "unit_b", units.index, path, "unit code")
    check_known(df, "kind", set(EDGE_KINDS), path, "edge kind", EDGE_KINDS)
    length = parse_numbers(df, "length_m", path, minimum=0)
    a = df["unit_a"].map(units.index).to_numpy()
    b = df["unit_b"].map(units.index).to_numpy()
    loops = np.flatnonzero(a == b)
    if loops.size:
        i = int(loops[0])
        raise InputError(f"unit {df['unit_a'].iloc[i]} is adjacent to itself", file=path,
                         row=row_number(i), field="unit_b")
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = pd.DataFrame({"lo": lo, "hi": hi})
    dup = np.flatnonzero(pairs.duplicated().to_numpy())
    if dup.size:
        i = int(dup[0])
        first = int(np.flatnonzero((lo == lo[i]) & (hi == hi[i]))[0])
        raise InputError(f"edge {df['unit_a'].iloc[i]}-{df['unit_b'].iloc[i]} is listed twice "
                         f"(first on row {row_number(first)}; an edge is undirected)", file=path,
                         row=row_number(i), field="unit_b")
    adjacency = Adjacency(
        n_units=len(units), edges=np.column_stack([lo, hi]), length_m=length,
        kind=tuple(df["kind"]), note=tuple(df["note"]),
    )
    check_connected(adjacency, units, path)
    return adjacency


# -- indicators -----------------------------------------------------------------------------------
def read_indicators(directory: Path, units: Units) -> Indicators:
    path, meta_path = directory / "indicators.csv", directory / "indicator_meta.csv"
    if not path.exists():
        return Indicators(meta=(), values=np.empty((len(units), 0)))
    meta = read_table(meta_path, ("key", "name", "year", "unit", "direction", "source"))
    check_not_empty(meta, "key", meta_path)
    check_unique(meta, ["key"], meta_path, "indicator key")
    check_known(meta, "direction", set(DIRECTIONS), meta_path, "direction", DIRECTIONS)
    df = read_table(path, ("code", *meta["key"]))
    check_known(df, "code", units.index, path, "unit code")
    check_unique(df, ["code"], path, "unit code")
    extra = [c for c in df.columns if c != "code" and c not in set(meta["key"])]
    if extra:
        raise InputError(f"column has no entry in {meta_path.name}", file=path, field=extra[0])
    values = np.full((len(units), len(meta)), np.nan)
    rows = df["code"].map(units.index).to_numpy()
    for j, key in enumerate(meta["key"]):
        values[rows, j] = parse_numbers(df, key, path, allow_missing=True)
    metas = tuple(
        IndicatorMeta(key=r.key, name=r.name, year=r.year, unit=r.unit, direction=r.direction, source=r.source)
        for r in meta.itertuples(index=False)
    )
    return Indicators(meta=metas, values=values)
