"""Ensembles of valid plans by a ReCom merge-split Markov chain, and where a plan falls among them.

``ensemble(geography, DesignOptions(...), EnsembleOptions(plans=1000), seed=0)`` draws the plans
(:mod:`devoplan.ensemble.chain`), scores every one with the design objective and every plan metric
(:mod:`devoplan.ensemble.scoring`) and summarises each metric with the compared plan's percentile.
Files: :mod:`devoplan.ensemble.output`. Method and choices: docs/ensemble.md.
"""

from devoplan.ensemble.chain import ChainModel, ChainStats, recom_step, run_chain
from devoplan.ensemble.run import EnsembleOptions, EnsembleResult, ensemble
from devoplan.ensemble.scoring import MetricSummary, PlanScorer, percentile_of

__all__ = ["ChainModel", "ChainStats", "EnsembleOptions", "EnsembleResult", "MetricSummary", "PlanScorer",
           "ensemble", "percentile_of", "recom_step", "run_chain"]
