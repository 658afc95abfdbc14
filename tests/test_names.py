"""One resolver for the places users name: districts and layer areas by code or name, any case."""

from __future__ import annotations

import pytest

from devoplan import load_geography
from devoplan.names import AmbiguousNameError, NameIndex, UnknownNameError, districts, place_units


def test_districts_and_layer_areas_by_code_or_name_in_any_case() -> None:
    geo = load_geography()
    liverpool = geo.units.codes.index("E08000012")
    assert place_units(geo, "liverpool").tolist() == [liverpool]
    assert place_units(geo, " E08000012 ").tolist() == [liverpool]
    manchester = place_units(geo, "e47000001")  # Greater Manchester combined authority, by code
    assert len(manchester) == 10 and geo.units.codes.index("E08000003") in manchester
    name = geo.layer("CAUTH24").area_names[geo.layer("CAUTH24").area_index["E47000001"]]
    assert sorted(place_units(geo, name.upper()).tolist()) == sorted(manchester.tolist())
    assert districts(geo).label(liverpool) == "Liverpool (E08000012)"


def test_unknown_places_name_the_field_and_suggest_the_closest() -> None:
    geo = load_geography()
    with pytest.raises(UnknownNameError, match=r"^`together`: unknown district or area 'Manchestr'; did you mean "
                                               r"'Manchester' \(E08000003\)\?$") as caught:
        place_units(geo, "Manchestr", "together")
    assert caught.value.suggestion == ("Manchester", "E08000003") and caught.value.field == "together"
    with pytest.raises(UnknownNameError, match=r"^unknown district 'Qwxz' \(give a district code or name, "
                                               r"e\.g\. Hartlepool \(E06000001\)\)$"):
        districts(geo).position("Qwxz")


def test_partial_names_suggest_every_name_that_holds_them() -> None:
    geo = load_geography()
    with pytest.raises(UnknownNameError, match=r"did you mean 'Newcastle upon Tyne' \(E08000021\) or "
                                               r"'Newcastle-under-Lyme' \(E07000195\)\?$") as caught:
        districts(geo).position("newcastle")
    assert caught.value.suggestions == (("Newcastle upon Tyne", "E08000021"), ("Newcastle-under-Lyme", "E07000195"))


def test_a_name_layers_give_to_different_places_is_refused_with_each_code() -> None:
    geo = load_geography()
    with pytest.raises(AmbiguousNameError, match=r"^`apart`: 'kent' names 2 different areas: .*Kent \(E10000016, "
                                                 r"UTLA: 12 districts\).*; give the code of the one you mean$"):
        place_units(geo, "kent", "apart")
    assert len(place_units(geo, "E10000016")) == 12  # by code: the county
    assert len(place_units(geo, "Greater Manchester")) == 10  # several layers, the same districts: one place


def test_two_things_with_one_name_in_one_index_are_refused() -> None:
    index = NameIndex("area", ("A01", "A02", "A03"), ("North", "North", "South"))
    with pytest.raises(AmbiguousNameError, match=r"'north' names 2 different areas: North \(A01\); North \(A02\)"):
        index.position("north")
    assert index.position("a02") == 1 and index.position("SOUTH") == 2
