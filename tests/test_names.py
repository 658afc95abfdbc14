"""One resolver for the places users name: districts and layer areas by code or name, any case."""

from __future__ import annotations

import pytest

from devoplan import load_geography
from devoplan.names import UnknownNameError, districts, place_units


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
