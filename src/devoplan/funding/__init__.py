"""Needs-based, multi-year block grants for any set of areas (see ``docs/funding.md``).

Usage::

    from devoplan.funding import fund, load_spec, default_spec_path
    result = fund(geography, "ICB", load_spec(default_spec_path()), draws=1000, seed=1)
    result.allocations  # DataFrame: one row per year, line (and "all") and area
    result.summary      # dict: control totals, top-slices, need indices, winners, assumptions
    result.winners_and_losers  # typed: counts, national growth, largest and smallest gains
"""

from devoplan.funding.allocate import control_totals, default_spec_path, fund, shipped_spec_path
from devoplan.funding.result import AreaGain, FundingResult, LineResult, WinnersAndLosers
from devoplan.funding.sensitivity import SensitivityResult
from devoplan.funding.spec import FundingSpec, load_spec, parse_spec

__all__ = [
    "AreaGain",
    "FundingResult",
    "FundingSpec",
    "LineResult",
    "SensitivityResult",
    "WinnersAndLosers",
    "control_totals",
    "default_spec_path",
    "fund",
    "load_spec",
    "parse_spec",
    "shipped_spec_path",
]
