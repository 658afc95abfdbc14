"""Design k coterminous commissioning areas out of districts (``docs/design.md``).

``design(geography, DesignOptions(...), seed=0, progress=None) -> DesignResult`` is the entry point;
the modules hold one concept each: options, blocks, feasibility, objective, construct, search, bound,
naming, verify, output (governance readiness is :mod:`devoplan.governance`).
"""

from devoplan.design.api import DesignResult, design
from devoplan.design.bound import BoundResult
from devoplan.design.options import DesignOptions
from devoplan.design.search import Progress

__all__ = ["BoundResult", "DesignOptions", "DesignResult", "Progress", "design"]
