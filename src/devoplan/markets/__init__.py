"""Outcome-based markets: payment by results that does not park, market health per area, a contract registry.

- :mod:`devoplan.markets.pbr_spec`, :mod:`devoplan.markets.pbr`: a payment-by-results contract and the
  profit-seeking provider's response (who is served, outcomes, spend, margin, parking index).
- :mod:`devoplan.markets.price_design`: per-group prices that do not park, against flat prices.
"""

from pathlib import Path
from typing import Any

from devoplan.markets.pbr import PbrResult, evaluate
from devoplan.markets.pbr_spec import PbrSpec, load_pbr_spec
from devoplan.markets.price_design import DesignResult, design_prices

__all__ = ["DesignResult", "PbrResult", "PbrSpec", "design_prices", "evaluate", "example_spec_path",
           "load_pbr_spec", "pbr_document"]


def example_spec_path() -> Path:
    """The shipped worked example: the Work Programme's nine payment groups."""
    return Path(__file__).parent / "specs" / "work_programme.toml"


def pbr_document(spec: PbrSpec, design: bool) -> dict[str, Any]:
    """Everything ``devoplan pbr --json`` prints: the spec's groups with provenance, and the results."""
    doc: dict[str, Any] = {
        "spec": {"name": spec.name, "description": spec.description, "file": str(spec.path) if spec.path else None,
                 "provider_margin": spec.margin,
                 "groups": [{"key": g.key, "name": g.name, "size": g.size, "p_without": g.p_without,
                             "p_with": g.p_with, "cost": g.cost, "cost_spread": g.cost_spread,
                             "source": g.provenance.source, "assumptions": list(g.provenance.assumptions)}
                            for g in spec.groups],
                 "prices_source": spec.prices.provenance.source if spec.prices.provenance else None},
    }
    if design:
        doc["design"] = design_prices(spec).as_dict()
    else:
        doc["result"] = evaluate(spec).as_dict()
    return doc
