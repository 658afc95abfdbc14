"""Public helpers for tests and benchmarks (ours and users'): small geographies whose answers are
known, so a test can state exact expected values and run in milliseconds.

* :func:`line_geography` — a handful of units in a line, for hand-worked aggregations;
* :func:`six_districts` and :func:`six_district_plan` — six districts with a layer of each kind and
  overlaps worked out by hand;
* :func:`write_indigo_export` — three invented outcome contracts in INDIGO's CSV layout;
* :func:`grid_geography` — a random ``rows x cols`` grid with every layer kind (partition with
  split units, cover, partial) plus :func:`grid_plan_labels` and :func:`grid_shapes`;
* :mod:`devoplan.testing.files` — geographies and funding specs written to disk, for tests of bad input.
"""

from devoplan.testing.contracts import two_group_spec, write_indigo_export
from devoplan.testing.grids import grid_geography, grid_plan_labels, grid_shapes
from devoplan.testing.planar import planar_geography
from devoplan.testing.tiny import line_geography, six_district_plan, six_districts

__all__ = ["grid_geography", "grid_plan_labels", "grid_shapes", "line_geography", "planar_geography",
           "six_district_plan", "six_districts", "two_group_spec", "write_indigo_export"]
