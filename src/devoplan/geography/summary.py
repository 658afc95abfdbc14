"""A JSON-ready summary of a geography: what `devoplan info` prints and the report reuses."""

from __future__ import annotations

from typing import Any

import numpy as np

from devoplan.geography.graph import isolated_without_links
from devoplan.geography.model import Geography, Layer


def layer_summary(geography: Geography, layer: Layer) -> dict[str, Any]:
    """Area count and the units a layer splits (partition), double-covers (cover) or leaves out (partial)."""
    multi = layer.multi_member_units()
    covered = layer.covered_units()
    return {
        "key": layer.key,
        "name": layer.name,
        "kind": layer.kind,
        "vintage": layer.vintage,
        "areas": layer.n_areas,
        "units_covered": int(covered.size),
        "population_covered": int(geography.units.population[covered].sum()),
        "units_outside": geography.n_units - int(covered.size),
        "units_in_several_areas": int(multi.size),
        "units_in_several_areas_codes": [geography.units.codes[u] for u in multi],
        "max_areas_per_unit": int(layer.areas_per_unit.max(initial=0)),
    }


def summarise(geography: Geography) -> dict[str, Any]:
    """Units, population, each layer (:func:`layer_summary`), adjacency and indicator coverage."""
    units, adjacency, indicators = geography.units, geography.adjacency, geography.indicators
    kinds = np.array(adjacency.kind)
    islands = isolated_without_links(adjacency)
    return {
        "name": geography.name,
        "directory": str(geography.assets.directory) if geography.assets.directory else None,
        "units": len(units),
        "population": units.total_population,
        "layers": [layer_summary(geography, layer) for layer in geography.layers.values()],
        "adjacency": {
            "border_edges": int((kinds == "border").sum()),
            "links": [
                {"a": units.codes[a], "b": units.codes[b], "note": note}
                for (a, b), kind, note in zip(adjacency.edges, adjacency.kind, adjacency.note, strict=True)
                if kind == "link"
            ],
            "isolated_without_links": [units.codes[u] for u in islands],
        },
        "indicators": [
            {"key": m.key, "name": m.name, "year": m.year, "unit": m.unit, "direction": m.direction,
             "coverage": int(c), "source": m.source}
            for m, c in zip(indicators.meta, indicators.coverage(), strict=True)
        ],
    }
