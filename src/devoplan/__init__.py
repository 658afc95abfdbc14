"""devoplan: plan devolved, coterminous public-service commissioning areas for England.

The public API starts from :func:`load_geography`, which returns the bundled England 2024
geography (or a user's own directory in the same format, see ``docs/data-format.md``).
"""

from devoplan.errors import DevoplanError, InfeasibleError, InputError, SpecError
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units
from devoplan.plan import Plan
from devoplan.zoning import Zoning

__all__ = [
    "Adjacency",
    "DevoplanError",
    "Geography",
    "IndicatorMeta",
    "Indicators",
    "InfeasibleError",
    "InputError",
    "Layer",
    "Plan",
    "SpecError",
    "Units",
    "Zoning",
    "load_geography",
]
__version__ = "0.1.0"
