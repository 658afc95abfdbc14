"""The metrics document a report is rendered from, read once into typed parts.

A report is given one JSON-ready document (``metrics.json`` of the demo, or the parts
:func:`devoplan.report.data.metrics_sections` makes of the design's ``metrics.json``, the funding
``summary.json`` and a contract registry). :meth:`MetricsDocument.from_json` reads it here, once:
every other part of the report uses the attributes of these frozen dataclasses, never keys.

Saved files are checked against :mod:`devoplan.report.schema` before they get here, so a value of
the wrong kind has already been refused naming its file and key path; what is read here is what may
be missing (a part the run did not make, or a key older versions did not write), and each such key
is read in this module only. Where the library has a type for a part it is reused: the audit
(:class:`~devoplan.metrics.audit.Audit`), the comparison table, winners and losers, the spec's
:class:`~devoplan.funding.spec.Figure` and the scenarios' :class:`~devoplan.compare.PlanComparison`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from devoplan.errors import InputError
from devoplan.funding.result import WinnersAndLosers
from devoplan.funding.spec import Figure
from devoplan.metrics.audit import Audit
from devoplan.report.comparison import ComparisonTable

if TYPE_CHECKING:  # compare scores plans with report.comparison: imported where used, not at import time
    from pathlib import Path

    from devoplan.compare import PlanComparison
    from devoplan.ensemble.scoring import MetricSummary

EXACT_MODEL, RELAXATION = "exact model", "term-wise relaxation"
NOT_ASSESSED = "not assessed (no design result given)"


# -- small readers: the one place a document's keys are looked up ------------------------------------------
def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one (a part that is absent or null)."""
    return value if isinstance(value, Mapping) else {}


def number_or_none(value: Any) -> float | None:
    """A JSON number as a float; None for null, a missing key, text or a boolean."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int_or_none(value: Any) -> int | None:
    number = number_or_none(value)
    return None if number is None else int(number)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value) if isinstance(value, list) else ()


# -- the design ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PopulationBounds:
    """Residents an area must hold (None where the design gave no bound, or no design was given)."""

    lower: float | None = None
    upper: float | None = None

    @property
    def both(self) -> bool:
        """Whether both bounds are known (and non-zero)."""
        return bool(self.lower) and bool(self.upper)


@dataclass(frozen=True)
class BoundFacts:
    """What a design's bound says beyond its value and gap: proven optimal or not, which kind of bound
    it is (with the exact model's note when it was skipped), and the local search's score and how far
    the exact model improved on it (None when not known)."""

    proven_optimal: bool = False
    bound_kind: str = RELAXATION
    exact_model_note: str | None = None
    search_objective: float | None = None
    improved_by_mip: float | None = None

    @property
    def exact(self) -> bool:
        return self.bound_kind == EXACT_MODEL

    @property
    def mip_improved(self) -> bool:
        """Whether the exact model found a better plan than the local search (and the search's score is known)."""
        return self.improved_by_mip is not None and self.improved_by_mip > 0 and self.search_objective is not None

    def to_dict(self) -> dict[str, Any]:
        """The facts as ``metrics.json`` holds them under ``design.facts`` (unknown ones left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any]) -> BoundFacts:
        """Read back from ``design.facts``. Facts without ``proven_optimal`` (files written before the exact
        model) read as not proven, and without ``bound_kind`` as bounded by the term-wise relaxation."""
        return cls(facts.get("proven_optimal") is True,
                   EXACT_MODEL if facts.get("bound_kind") == EXACT_MODEL else RELAXATION,
                   _str_or_none(facts.get("exact_model_note")),
                   number_or_none(facts.get("search_objective")), number_or_none(facts.get("improved_by_mip")))


def bound_facts(bound: Mapping[str, Any]) -> BoundFacts:
    """What a saved bound (``BoundResult.to_dict``) says beyond its value and gap, as report facts.

    Files written before the exact model carry none of these keys: they read as not proven,
    bounded by the term-wise relaxation (the only bound there was then).
    """
    details = mapping(bound.get("details"))
    proven = bound.get("proven_optimal") is True
    lagrangian, termwise = details.get("lagrangian_bound"), details.get("termwise_bound")
    generated = isinstance(lagrangian, int | float) and isinstance(termwise, int | float) and lagrangian > termwise
    exact = proven or "feasible_areas" in details or generated  # generated: the model without a listing
    note = details.get("exact_model")
    search, improved = (number_or_none(details.get(k)) for k in ("search_objective", "improved_by_mip"))
    return BoundFacts(proven, EXACT_MODEL if exact else RELAXATION,
                      note if not exact and isinstance(note, str) else None,
                      # rounding noise below 1e-6 reads as no improvement
                      None if search is None else round(search, 6), None if improved is None else round(improved, 6))


@dataclass(frozen=True)
class DesignFacts:
    """``design.facts``: the design's figures in the report's words (None: not given)."""

    seed: int | None = None
    objective: float | None = None
    starting_objective: float | None = None
    lower_bound: float | None = None
    gap_to_bound: str | None = None
    min_population_bound: float | None = None
    max_population_bound: float | None = None
    evaluations: int | None = None
    stopped_by: str | None = None
    bound: BoundFacts = field(default_factory=BoundFacts)

    @classmethod
    def from_json(cls, facts: Mapping[str, Any]) -> DesignFacts:
        numbers = {k: number_or_none(facts.get(k)) for k in (
            "objective", "starting_objective", "lower_bound", "min_population_bound", "max_population_bound")}
        return cls(seed=_int_or_none(facts.get("seed")), gap_to_bound=_str_or_none(facts.get("gap_to_bound")),
                   evaluations=_int_or_none(facts.get("evaluations")), stopped_by=_str_or_none(facts.get("stopped_by")),
                   bound=BoundFacts.from_facts(facts), **numbers)


@dataclass(frozen=True)
class DesignChecks:
    """The design's hard constraints: all met, or the names of those broken (``design.result.checks``)."""

    ok: bool
    broken: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, checks: Mapping[str, Any]) -> DesignChecks:
        return cls(bool(checks["ok"]), tuple(k for k, v in checks.items() if isinstance(v, list) and v))


@dataclass(frozen=True)
class Term:
    """One term of the objective: its key, its value and its weight (``design.result.terms``/``weights``)."""

    key: str
    value: float
    weight: float


@dataclass(frozen=True)
class GovernanceNote:
    """Who could run one area, as the report says it: the governance status and one line of text."""

    status: str
    text: str

    @classmethod
    def from_json(cls, entry: Any) -> GovernanceNote:
        """A design result's governance entry: a dict of its findings (``AreaGovernance.to_dict``) or text."""
        status = str(entry.get("status", "")) if isinstance(entry, Mapping) else ""
        return cls(status, governance_text(entry))


def governance_text(entry: Any) -> str:
    """One line from a design result's governance entry (a string, or a dict of its findings)."""
    if entry is None:
        return NOT_ASSESSED
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping) and "status" in entry:
        text = str(entry["status"]).replace("_", " ")
        if entry.get("body"):
            text += f": {entry['body']}"
        if entry.get("note"):
            text += f" ({entry['note']})"
        return text
    if isinstance(entry, Mapping):
        for key in ("summary", "text", "description"):
            if isinstance(entry.get(key), str):
                return str(entry[key])
        parts = [f"{k.replace('_', ' ')}: {v}" for k, v in entry.items()
                 if v not in (None, "", [], {}) and not isinstance(v, Mapping | list)]
        return "; ".join(parts) or NOT_ASSESSED
    return str(entry)


@dataclass(frozen=True)
class DesignPart:
    """The ``design`` part: facts (None when not given), bounds, who could run each area, checks, terms."""

    facts: DesignFacts | None = None
    bounds: PopulationBounds = field(default_factory=PopulationBounds)
    governance: Mapping[str, GovernanceNote] = field(default_factory=dict)
    checks: DesignChecks | None = None
    terms: tuple[Term, ...] | None = None  # None: terms or weights not given

    @classmethod
    def from_json(cls, design: Mapping[str, Any]) -> DesignPart:
        facts, bounds, result = (mapping(design.get(k)) for k in ("facts", "bounds", "result"))
        checks, terms, weights = (result.get(k) for k in ("checks", "terms", "weights"))
        governance = design.get("governance")
        return cls(
            facts=DesignFacts.from_json(facts) if facts else None,
            bounds=PopulationBounds(number_or_none(bounds.get("min_pop")), number_or_none(bounds.get("max_pop"))),
            governance={str(code): GovernanceNote.from_json(entry) for code, entry in governance.items()}
            if isinstance(governance, Mapping) else {},
            checks=DesignChecks.from_json(checks) if isinstance(checks, Mapping) and "ok" in checks else None,
            terms=_terms(terms, weights) if isinstance(terms, Mapping) and isinstance(weights, Mapping) else None,
        )


def _terms(terms: Mapping[str, Any], weights: Mapping[str, Any]) -> tuple[Term, ...]:
    """The objective's terms with their weights (a weight not given is 1; a term without a value is left out)."""
    out = []
    for key, value in terms.items():
        number, weight = number_or_none(value), number_or_none(weights.get(key))
        if number is not None:
            out.append(Term(str(key), number, 1.0 if weight is None else weight))
    return tuple(out)


# -- the funding settlement ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FundingLine:
    """One service line of the funding summary: its total to areas in the base year and its top-slices
    by settlement year (``{year: {top-slice name: £}}``)."""

    key: str
    name: str
    baseline_to_areas: float
    top_slices: Mapping[str, Mapping[str, float]]

    @property
    def total_key(self) -> str:
        """The spec figure that holds this line's control total."""
        return f"lines.{self.key}.total"

    @classmethod
    def from_json(cls, line: Mapping[str, Any]) -> FundingLine:
        years = mapping(line.get("years"))
        slices = {str(y): mapping(mapping(year).get("top_slices")) for y, year in years.items()}
        return cls(str(line.get("key")), str(line.get("name", line.get("key"))),
                   number_or_none(line.get("baseline_to_areas")) or 0.0,
                   {y: {str(n): v for n, amount in named.items() if (v := number_or_none(amount)) is not None}
                    for y, named in slices.items()})


def _figure(item: Mapping[str, Any], assumption: bool) -> Figure:
    return Figure(str(item.get("key", "")), item.get("value"), _str_or_none(item.get("source")), assumption,
                  str(item.get("note") or ""))


@dataclass(frozen=True)
class FundingSummary:
    """The ``funding`` part (the ``summary`` of :class:`~devoplan.funding.result.FundingResult`)."""

    lines: tuple[FundingLine, ...] = ()
    sources: tuple[Figure, ...] = ()
    assumptions: tuple[Figure, ...] = ()
    baseline_year: str = ""
    lines_assumed: tuple[str, ...] = ()  # lines whose baseline is an assumed share (no data by area)
    baseline_assumed: bool = False  # the summary says some baseline is an assumption
    top_sliced: Mapping[str, float] = field(default_factory=dict)  # national £ kept central, by year
    spec_file: str | None = None
    winners: WinnersAndLosers | None = None

    @classmethod
    def from_json(cls, funding: Mapping[str, Any]) -> FundingSummary:
        baseline, spec, winners = (funding.get(k) for k in ("baseline", "spec", "winners_and_losers"))
        baseline = mapping(baseline)
        lines = funding.get("lines")
        return cls(
            lines=tuple(FundingLine.from_json(ln) for ln in lines if isinstance(ln, Mapping))
            if isinstance(lines, list) else (),
            sources=tuple(_figure(f, False) for f in funding.get("sources") or [] if isinstance(f, Mapping)),
            assumptions=tuple(_figure(f, True) for f in funding.get("assumptions") or [] if isinstance(f, Mapping)),
            baseline_year=str(funding.get("baseline_year", "")),
            lines_assumed=_strings(baseline.get("lines_assumed")),
            baseline_assumed=bool(baseline.get("assumption")),
            top_sliced={str(y): top for y, v in mapping(funding.get("national")).items()
                        if (top := number_or_none(mapping(v).get("top_sliced"))) is not None},
            spec_file=_str_or_none(mapping(spec).get("file")) or None,
            winners=WinnersAndLosers.from_dict(winners)
            if isinstance(winners, Mapping) and winners.get("n_winners") is not None else None,
        )


# -- an ensemble of plans ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EnsembleSummary:
    """The ``ensemble`` part: the summary ``devoplan ensemble`` wrote (``ensemble.json``) with the values of
    the charted metrics over the ensemble's plans (``values``, read from its ``metrics.csv``)."""

    plans: int
    distinct_plans: int
    areas: int
    min_pop: int
    max_pop: int
    seed: int
    compared_plan: str | None
    metrics: tuple[MetricSummary, ...]
    values: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, doc: Any, *, file: str | Path | None = None) -> EnsembleSummary:
        """Read an ensemble summary; one that is not is refused in one line naming the file (or the part)."""
        from devoplan.ensemble.scoring import MetricSummary

        def metric(row: Mapping[str, Any]) -> MetricSummary:
            nan = float("nan")
            numbers = {k: nan if (v := number_or_none(row.get(k))) is None else v
                       for k in ("mean", "sd", "minimum", "p05", "median", "p95", "maximum")}
            return MetricSummary(str(row["metric"]), _int_or_none(row.get("count")) or 0, **numbers,
                                 plan_value=number_or_none(row.get("plan_value")),
                                 percentile=number_or_none(row.get("percentile")))

        try:
            bounds = doc["population_bounds"]
            return cls(int(doc["plans"]), int(doc.get("distinct_plans", doc["plans"])), int(doc["areas"]),
                       int(bounds["min"]), int(bounds["max"]), int(doc["seed"]),
                       _str_or_none(doc.get("compared_plan")) or None, tuple(metric(m) for m in doc["metrics"]),
                       {str(k): tuple(float(x) for x in v) for k, v in mapping(doc.get("values")).items()})
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"is not an ensemble summary ({type(exc).__name__}: {exc})", file=file,
                             field=None if file is not None else "ensemble") from None


# -- the whole document -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunFacts:
    """How the demo was run (``run``): seed, optimiser time limit, Monte Carlo draws (None: not said)."""

    seed: int | None = None
    time_limit_s: float | None = None
    draws: int | None = None

    @classmethod
    def from_json(cls, run: Mapping[str, Any]) -> RunFacts:
        return cls(_int_or_none(run.get("seed")), number_or_none(run.get("time_limit_s")),
                   _int_or_none(run.get("draws")))


@dataclass(frozen=True, eq=False)
class MetricsDocument:
    """A report's metrics document, typed: each part None (or empty) when the document does not hold it.

    ``contracts`` stays JSON: the placed registry is read against the geography, by
    :func:`devoplan.markets.document.placed_from_document`.
    """

    design: DesignPart = field(default_factory=DesignPart)
    funding: FundingSummary | None = None
    audit: Audit | None = None
    comparison: ComparisonTable | None = None
    run: RunFacts | None = None
    scenarios: PlanComparison | None = None
    contracts: Mapping[str, Any] | None = None
    ensemble: EnsembleSummary | None = None
    report_notes: tuple[str, ...] = ()
    steps_not_run: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> MetricsDocument:
        """Read every part the report uses, once."""
        funding, run, audit, comparison, contracts, ensemble = (
            doc.get(k) for k in ("funding", "run", "audit", "comparison", "contracts", "ensemble"))
        return cls(
            design=DesignPart.from_json(mapping(doc.get("design"))),
            funding=FundingSummary.from_json(funding) if isinstance(funding, Mapping) else None,
            audit=Audit.from_dict(audit) if isinstance(audit, Mapping) and "coterminosity" in audit else None,
            comparison=ComparisonTable.from_dict(comparison)
            if isinstance(comparison, Mapping) and comparison.get("rows") else None,
            run=RunFacts.from_json(run) if isinstance(run, Mapping) and run else None,
            scenarios=_scenarios(doc.get("scenarios")),
            contracts=contracts if isinstance(contracts, Mapping) else None,
            ensemble=EnsembleSummary.from_json(ensemble) if ensemble is not None else None,
            report_notes=tuple(str(t) for t in doc.get("report_notes") or []),
            steps_not_run=tuple(str(t) for t in doc.get("steps_not_run") or []),
        )

    @property
    def winners(self) -> WinnersAndLosers | None:
        return self.funding.winners if self.funding is not None else None

    @property
    def baseline_assumed(self) -> bool:
        """Whether the funding summary says the baseline is an assumption (the default spec's stand-in)."""
        return self.funding is not None and self.funding.baseline_assumed

    @property
    def lines_assumed(self) -> tuple[str, ...]:
        """Service lines whose baseline is assumed (no data by area and no baseline file)."""
        return self.funding.lines_assumed if self.funding is not None else ()


def _scenarios(doc: Any) -> PlanComparison | None:
    """The plans ``devoplan compare --report`` put side by side (None without them); a hand-edited part that
    is not a comparison is refused in one line naming it."""
    if not isinstance(doc, Mapping) or not doc.get("plans"):
        return None
    from devoplan.compare import from_dict as comparison_from_dict

    try:
        return comparison_from_dict(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"is not a comparison of plans from devoplan compare ({type(exc).__name__}: {exc})",
                         field="scenarios") from None
