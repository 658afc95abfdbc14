"""Single commissioning bodies and the devolution roadmap (see ``docs/governance.md``).

Usage::

    from devoplan.governance import governance_model
    model = governance_model(geography, plan)          # candidate body, tiers, leader, cabinet per area
    model.simplification.before, model.simplification.after   # commissioning bodies today and after
"""

from devoplan.governance.cabinet import Budgets, Cabinet, Portfolio
from devoplan.governance.classify import STATUS_WORDS, AreaGovernance, governance
from devoplan.governance.facts import TIER_WORDS, TIERS, BodyFacts, body_table, running_costs
from devoplan.governance.model import AreaModel, GovernanceModel, governance_model
from devoplan.governance.simplify import DEFAULT_FAMILIES, Family, Simplification, simplification

__all__ = [
    "DEFAULT_FAMILIES",
    "STATUS_WORDS",
    "TIERS",
    "TIER_WORDS",
    "AreaGovernance",
    "AreaModel",
    "BodyFacts",
    "Budgets",
    "Cabinet",
    "Family",
    "GovernanceModel",
    "Portfolio",
    "Simplification",
    "body_table",
    "governance",
    "governance_model",
    "running_costs",
    "simplification",
]
