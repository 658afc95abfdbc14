"""Facts about the committed England 2024 bundle, read with pandas directly (independent of the loader)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from devoplan.build.adjacency import CROSSING_LINKS

BUNDLE = Path(__file__).resolve().parents[1] / "src" / "devoplan" / "data" / "england2024"
ISLE_OF_WIGHT, ISLES_OF_SCILLY = "E06000046", "E06000053"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(BUNDLE / name, dtype={"code": str, "unit_code": str, "area_code": str})


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return read("units.csv")


@pytest.fixture(scope="module")
def memberships() -> pd.DataFrame:
    return read("memberships.csv")


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return read("areas.csv")


def test_units_and_population(units: pd.DataFrame) -> None:
    assert len(units) == 296
    assert units["code"].is_unique
    assert units["code"].str.match(r"^E0[6-9]\d{6}$").all()
    assert int(units["population"].sum()) == 56_490_040


def test_age_sex_table_sums_to_population(units: pd.DataFrame) -> None:
    age_sex = read("population_age_sex.csv")
    assert list(age_sex.columns) == ["code", "sex", *[str(a) for a in range(91)]]
    assert sorted(age_sex["sex"].unique()) == ["F", "M"]
    totals = age_sex.set_index(["code", "sex"]).sum(axis=1).groupby(level="code").sum()
    assert totals.reindex(units["code"]).tolist() == units["population"].tolist()


@pytest.mark.parametrize(
    ("layer", "kind", "n_areas", "n_covered", "n_multi"),
    [
        ("ICB", "partition", 42, 296, 13),
        ("LEP", "cover", 38, 296, 7),
        ("CAUTH24", "partial", 11, 72, 0),
        ("ICB26", "partition", 36, 296, 22),
        ("CAUTH25", "partial", 15, 106, 0),
        ("GLA", "partial", 1, 33, 0),
        ("PFA", "partition", 39, 296, 0),
        ("FRA", "partition", 44, 296, 0),
        ("REGION", "partition", 9, 296, 0),
        ("UTLA", "partition", 153, 296, 0),
        ("LSIP", "partition", 38, 296, 0),
    ],
)
def test_layer_facts(
    memberships: pd.DataFrame, areas: pd.DataFrame, layer: str, kind: str, n_areas: int, n_covered: int, n_multi: int
) -> None:
    layers = read("layers.csv").set_index("layer")
    assert layers.loc[layer, "kind"] == kind
    assert (areas["layer"] == layer).sum() == n_areas
    m = memberships[memberships["layer"] == layer]
    assert set(m["area_code"]) == set(areas.loc[areas["layer"] == layer, "area_code"])
    per_unit = m.groupby("unit_code")
    assert per_unit.ngroups == n_covered
    assert int((per_unit.size() > 1).sum()) == n_multi
    assert ((m["weight"] > 0) & (m["weight"] <= 1)).all()
    if kind != "partial":
        assert (per_unit["weight"].sum() - 1).abs().max() < 1e-9
    if kind == "cover":
        assert set(m.loc[m["unit_code"].map(per_unit.size()) > 1, "weight"]) == {0.5}
    if kind == "partial":
        assert (m["weight"] == 1).all()


def test_icb_split_shares_are_lsoa_shares(memberships: pd.DataFrame) -> None:
    """North Yorkshire: 346, 30 and 3 of its 379 LSOA21s are in three ICBs."""
    ny = memberships[(memberships["layer"] == "ICB") & (memberships["unit_code"] == "E06000065")]
    shares = dict(zip(ny["area_code"], ny["weight"], strict=True))
    assert shares == pytest.approx({"E54000051": 346 / 379, "E54000054": 30 / 379, "E54000048": 3 / 379}, abs=1e-6)


def test_adjacency_connected_only_with_island_links(units: pd.DataFrame) -> None:
    edges = read("adjacency.csv")
    assert set(edges["kind"]) == {"border", "link"}
    assert (edges["unit_a"] < edges["unit_b"]).all()
    assert not edges.duplicated(["unit_a", "unit_b"]).any()
    borders = edges[edges["kind"] == "border"]
    assert (borders["length_m"] > 0).all()
    links = edges[edges["kind"] == "link"]
    assert (links["length_m"] == 0).all() and links["note"].notna().all()
    island_links = {("E06000044", ISLE_OF_WIGHT), ("E06000045", ISLE_OF_WIGHT), (ISLE_OF_WIGHT, "E07000091"),
                    ("E06000052", ISLES_OF_SCILLY)}
    crossings = {(lk.unit_a, lk.unit_b) for lk in CROSSING_LINKS}
    assert set(map(tuple, links[["unit_a", "unit_b"]].to_numpy())) == island_links | crossings
    assert len(crossings) == 13 and not island_links & crossings
    # every crossing joins districts that share no border line in the clipped boundaries
    assert not crossings & set(map(tuple, borders[["unit_a", "unit_b"]].to_numpy()))
    full = nx.Graph(list(zip(edges["unit_a"], edges["unit_b"], strict=True)))
    full.add_nodes_from(units["code"])
    assert nx.is_connected(full)
    land = nx.Graph(list(zip(borders["unit_a"], borders["unit_b"], strict=True)))
    land.add_nodes_from(units["code"])
    small = sorted(sorted(c) for c in nx.connected_components(land) if len(c) < 10)
    assert small == [[ISLE_OF_WIGHT], [ISLES_OF_SCILLY]]
    assert nx.number_connected_components(land) == 3
    # the island ferries alone connect the graph: the river crossings add no connectivity, only shortcuts
    ferries = nx.Graph(land)
    ferries.add_edges_from(island_links)
    assert nx.is_connected(ferries)


def test_every_existing_body_is_contiguous_with_the_links(units: pd.DataFrame) -> None:
    """Without the river crossings Wirral is cut off from Liverpool City Region, Merseyside police and
    fire, and Newcastle from Tyne and Wear fire; with them every area of every partition layer holds together."""
    edges = read("adjacency.csv")
    graph = nx.Graph(list(zip(edges["unit_a"], edges["unit_b"], strict=True)))
    memberships = read("memberships.csv")
    broken = []
    for (layer, area), rows in memberships.groupby(["layer", "area_code"]):
        if layer == "LEP":  # a cover: overlapping LEPs need not be contiguous (South East LEP spans the Thames)
            continue
        if layer == "ICB26":  # shares are where practices stand: Lewisham's 0.05% in North East London is
            rows = rows[rows["weight"] >= 0.01]  # one practice's list, not territory (docs/data.md)
        if not nx.is_connected(graph.subgraph(rows["unit_code"])):
            broken.append((layer, area))
    assert broken == []


def test_indicators_cover_units_and_have_meta(units: pd.DataFrame) -> None:
    values = read("indicators.csv")
    meta = read("indicator_meta.csv")
    assert values["code"].tolist() == units["code"].tolist()
    assert list(values.columns[1:]) == meta["key"].tolist()
    for key in [
        "imd_score",
        "avoidable_mortality",
        "life_expectancy",
        "smoking",
        "unemployment",
        "mortality_all_causes",
        "employment_rate",
    ]:
        assert key in meta["key"].tolist()
    assert set(meta["direction"]) <= {"higher_is_worse", "higher_is_better"}
    coverage = values.drop(columns="code").notna().sum()
    assert (coverage >= 294).all(), coverage.to_dict()
    assert coverage["imd_score"] == 296
    assert coverage["employment_rate"] == 295  # the APS has no Isles of Scilly
    hi_missing = set(values.loc[values["life_expectancy"].isna(), "code"])
    assert hi_missing == {ISLES_OF_SCILLY, "E09000001"}  # no Health Index rows: Scilly, City of London


def test_geometry_and_hexmap_cover_units(units: pd.DataFrame) -> None:
    geo = json.loads((BUNDLE / "geometry.geojson").read_text(encoding="utf-8"))
    codes = [f["properties"]["code"] for f in geo["features"]]
    assert codes == units["code"].tolist()
    assert (BUNDLE / "geometry.geojson").stat().st_size < 1_000_000
    hexes = json.loads((BUNDLE / "hexmap.hexjson").read_text(encoding="utf-8"))
    assert hexes["layout"] == "odd-r"
    assert sorted(hexes["hexes"]) == units["code"].tolist()


def test_manifest_and_attribution() -> None:
    manifest = json.loads((BUNDLE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "England 2024" and manifest["format"] == 1 and manifest["description"]
    text = (BUNDLE / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for phrase in [
        "Open Government Licence v3.0",
        "Contains OS data © Crown copyright and database right",
        "Source: Office for National Statistics licensed under the Open Government Licence v3.0",
        "Open Innovations",
        "MIT",
    ]:
        assert phrase in text


def test_bundle_is_small() -> None:
    total = sum(p.stat().st_size for p in BUNDLE.iterdir())
    assert total < 3_000_000


DOC = Path(__file__).resolve().parents[1] / "docs" / "data.md"


def test_documented_file_sizes_match_the_bundle() -> None:
    """docs/data.md's 'What the bundle holds' table states each file's size in bytes."""
    import re

    doc = DOC.read_text(encoding="utf-8")
    sizes = {name: int(size.replace(",", "")) for name, size in re.findall(r"^\| `([^`]+)` \| ([\d,]+) \|", doc, re.M)}
    assert len(sizes) >= 10
    for name, size in sizes.items():
        assert (BUNDLE / name).stat().st_size == size, name
    total = re.search(r"\*\*total\*\* \| \*\*([\d,]+)\*\*", doc)
    assert total is not None
    assert sum(p.stat().st_size for p in BUNDLE.iterdir()) == int(total.group(1).replace(",", ""))


def test_documented_adjacency_statistics() -> None:
    """The figures in docs/data.md's adjacency section, recomputed from adjacency.csv."""
    edges = read("adjacency.csv")
    borders = edges[edges["kind"] == "border"]
    length = borders["length_m"]
    assert (len(borders), int((length < 100).sum()), int((length < 1000).sum())) == (747, 5, 16)
    shortest = borders.loc[length.idxmin()]
    assert (shortest["unit_a"], shortest["unit_b"], shortest["length_m"]) == ("E06000061", "E07000141", 23.3)
    assert round(length.median() / 1000, 1) == 14.9 and round(length.sum() / 1000) == 14_704
    degree = pd.concat([borders["unit_a"], borders["unit_b"]]).value_counts()
    assert (degree.min(), degree.max(), round(2 * len(borders) / 296, 2)) == (1, 15, 5.05)
    doc = DOC.read_text(encoding="utf-8")
    for phrase in ("**Edge count: 747**", "5 are under 100 m and 16 are under 1 km", "at 23.3 m",
                   "median border is 14.9 km", "14,704 km", "between 1 and 15 neighbours, 5.05 on average"):
        assert phrase in doc.replace("\n", " "), phrase


SOURCE = Path(os.environ.get("DEVOPLAN_SOURCE") or Path(__file__).resolve().parents[2] / "shared" / "data")
needs_source = pytest.mark.skipif(not SOURCE.is_dir(), reason=f"official source data not found at {SOURCE}")


def _layer_sets(memberships: pd.DataFrame, layer: str) -> dict[str, set[str]]:
    m = memberships[memberships["layer"] == layer]
    return {a: set(g["unit_code"]) for a, g in m.groupby("area_code")}


@needs_source
def test_cauth25_is_the_may_2025_lookup(memberships: pd.DataFrame, units: pd.DataFrame) -> None:
    """15 combined authorities on 106 districts, each exactly as ONS lists it (2025 codes of Barnsley and
    Sheffield read as their 2024 codes, same names)."""
    src = pd.read_csv(SOURCE / "lookups" / "lad25_cauth25.csv", dtype=str)
    names = units.set_index("code")["name"]
    recode = {"E08000038": "E08000016", "E08000039": "E08000019"}
    assert set(src["LAD25CD"]) - set(units["code"]) == set(recode)
    for new, old in recode.items():
        assert src.loc[src["LAD25CD"] == new, "LAD25NM"].item() == names[old]
    src = src.assign(unit=src["LAD25CD"].replace(recode))
    expected = {a: set(g["unit"]) for a, g in src.groupby("CAUTH25CD")}
    assert len(expected) == 15 and sum(map(len, expected.values())) == 106
    assert _layer_sets(memberships, "CAUTH25") == expected
    assert {"Greater Lincolnshire", "Lancashire", "Devon and Torbay", "Hull and East Yorkshire"} <= set(
        src["CAUTH25NM"])


@needs_source
def test_gla_is_the_33_london_districts(memberships: pd.DataFrame) -> None:
    regions = pd.read_csv(SOURCE / "lookups" / "lad24_rgn24.csv", dtype=str)
    london = set(regions.loc[regions["RGN24NM"] == "London", "LAD24CD"])
    assert len(london) == 33 and "E09000001" in london  # the City of London
    assert _layer_sets(memberships, "GLA") == {"E61000001": london}


@needs_source
def test_icb26_shares_are_registered_patient_shares(memberships: pd.DataFrame, units: pd.DataFrame) -> None:
    """36 ICBs; every district's weights are its practices' registered-patient shares (to 1e-6)."""
    raw = pd.read_csv(SOURCE / "spending" / "nhse_place_tool_gp_practice_weighted_population_2026_2027.csv",
                      dtype={"LAD": str}, encoding="utf-8-sig")
    later = pd.read_csv(SOURCE / "lookups" / "lad22_lad23_uk.csv", dtype=str)
    raw["LAD"] = raw["LAD"].replace(dict(zip(later["LAD22CD"], later["LAD23CD"], strict=True)))
    assert set(raw["LAD"]) == set(units["code"])
    assert raw["ICB"].nunique() == 36 and {f"T0{i}" for i in (1, 2, 3, 4, 5, 7)} <= set(raw["ICB"])
    counts = raw.groupby(["LAD", "ICB"])["Registered Patients"].sum()
    expected = (counts / counts.groupby(level="LAD").transform("sum")).rename("share")
    m = memberships[memberships["layer"] == "ICB26"].set_index(["unit_code", "area_code"])["weight"]
    joined = pd.concat([m, expected], axis=1).fillna(0.0)
    assert (joined["weight"] - joined["share"]).abs().max() <= 1e-6
    assert int((m.groupby(level="unit_code").size() > 1).sum()) == 22
