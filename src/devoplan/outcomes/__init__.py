"""Outcomes: how people fare in any set of areas, benchmarked fairly (docs/outcomes.md).

``indicators`` loads the outcomes bundle, ``aggregate`` combines districts into areas with
intervals, ``benchmark`` compares areas with England the way public-health analysts do,
``comparators`` finds similar areas, and ``whatworks`` holds the library of joining-up models.
"""

from devoplan.outcomes.aggregate import AreaValues, aggregate, areas_for, england_value
from devoplan.outcomes.api import OutcomesResult, outcomes, result_json
from devoplan.outcomes.indicators import Indicator, OutcomeData, load_outcomes

__all__ = ["AreaValues", "Indicator", "OutcomeData", "OutcomesResult", "aggregate", "areas_for", "england_value",
           "load_outcomes", "outcomes", "result_json"]
