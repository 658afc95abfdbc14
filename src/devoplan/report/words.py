"""The report's plain-language parts: key findings, how the plan was found, a glossary of layer codes.

Every sentence here is assembled from figures in the metrics document, the funding view or the
geography; nothing is stated that was not computed. Where a figure rests on an assumption (the
funding baseline) or on a search that proves no optimum (the design gap), the sentence says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from devoplan.geography.model import Geography
from devoplan.governance.classify import STATUS_WORDS
from devoplan.report.comparison import ComparisonTable
from devoplan.report.data import FundingView
from devoplan.report.document import (
    BoundFacts,
    DesignChecks,
    DesignFacts,
    DesignPart,
    FundingSummary,
    GovernanceNote,
    MetricsDocument,
    Term,
)
from devoplan.report.html import esc
from devoplan.report.layerwords import areas_word, today_keys
from devoplan.report.tables import Html, table

TERM_WORDS: dict[str, str] = {
    "health": "health misalignment (1 − alignment with health layers; a split weighs 3x a merge)",
    "economic": "economic misalignment (1 − alignment with economic layers; a split weighs 3x a merge)",
    "police": "police misalignment (1 − alignment with police force areas)",
    "needs": "needs mixing (share of indicator variance inside areas)",
    "compact": "ragged borders (share of district borders that are area borders)",
    "balance": "population imbalance (total deviation from equal areas)",
    "identity": "broken local identity (1 − containment of soft keep-whole layers)",
}
STOPPED_BY: dict[str, str] = {
    "budget": "its evaluation budget (set from the time limit, so the same seed gives the same plan) ran out",
    "time": "the wall-clock guard stopped it (the machine was slower than the budget assumes)",
}


def glossary(geo: Geography, keys: Sequence[str] | None = None) -> str:
    """A line naming each layer code (``ICB: Integrated Care Boards · ...``) for tables that use codes."""
    layers = [geo.layer(k) for k in (keys or list(geo.layers)) if k.upper() in {x.upper() for x in geo.layers}]
    if not layers:
        return ""
    return '<p class="small">' + " · ".join(f"<b>{esc(layer.key)}</b>: {esc(layer.name)}" for layer in layers) + "</p>"


def findings(doc: MetricsDocument, fv: FundingView | None, n_areas: int, national: str = "England's") -> list[str]:
    """The report's key findings as sentences, each only when its figures are present.

    ``national`` names the whole geography's growth ("England's", or "the national" for another geography)."""
    out: list[str] = []
    audit = doc.audit
    matrix = audit.coterminosity if audit is not None else {}
    health, economic = today_keys(matrix)
    if audit is not None and health in matrix and economic in matrix.get(health, {}):
        split, shared = len(audit.splits_of(health)), len(audit.splits_of(economic))
        shared_text = (f"{shared} sit in two or more {areas_word(economic)}" if shared else
                       f"every district lies in one {areas_word(economic, 1)}")
        out.append(f"Today, the {areas_word(health)} and the {areas_word(economic)} have a coterminosity of "
                   f"{float(matrix[health][economic]):.3f} with each other (1 = the same map); {split} districts are "
                   f"split between {areas_word(health)} and {shared_text}.")
    out += alignment_sentences(doc.comparison, n_areas)
    out += governance_sentences(doc.design.governance)
    if fv is not None:
        out.append(_money_sentence(doc, fv, national))
    return out


def alignment_sentences(comparison: ComparisonTable | None, n_areas: int) -> list[str]:
    """The plan's coterminosity with today's health and economic layers, and how many of them it splits."""
    if comparison is None:
        return []
    health, economic = today_keys(k for k in comparison.layers if k)
    c_h, c_e = comparison.value(f"coterminosity@{health}", 0), comparison.value(f"coterminosity@{economic}", 0)
    if c_h is None or c_e is None:
        return []
    text = (f"The proposed {n_areas} areas have a coterminosity of {c_h:.3f} with the {areas_word(health)} "
            f"and {c_e:.3f} with the {areas_word(economic)}")
    cut_h = comparison.value(f"split_layer_areas@{health}", 0)
    cut_e = comparison.value(f"split_layer_areas@{economic}", 0)
    ih, ie = comparison.column_of(health), comparison.column_of(economic)
    if cut_h is not None and cut_e is not None and ih is not None and ie is not None:
        text += (f"; they split {int(cut_h)} of the {comparison.areas[ih]} {areas_word(health)} and {int(cut_e)} "
                 f"of the {comparison.areas[ie]} {areas_word(economic)} between areas")
    return [text + "."]


def governance_sentences(governance: Mapping[str, GovernanceNote]) -> list[str]:
    """How many areas each kind of body could run, largest count first (none without a design result)."""
    if not governance:
        return []
    counts: dict[str, int] = {}
    for entry in governance.values():
        counts[entry.status] = counts.get(entry.status, 0) + 1
    ranked = sorted(counts.items(), key=lambda x: (-x[1], x[0]))
    parts = [f"{n} {STATUS_WORDS.get(s, s.replace('_', ' '))}" for s, n in ranked]
    return ["Who would run them: " + "; ".join(parts) + "."]


def _money_sentence(doc: MetricsDocument, fv: FundingView, national: str = "England's") -> str:
    first, last = fv.years[0], fv.years[-1]
    pop = float(fv.population.sum())
    a0, a1 = float(fv.allocation[0].sum()), float(fv.allocation[-1].sum())
    text = (f"The settlement gives areas £{a0 / 1e9:,.1f}bn in {first} (£{a0 / pop:,.0f} per head), rising to "
            f"£{a1 / 1e9:,.1f}bn in {last}.")
    text += totals_sentence(doc.funding)
    wl = doc.winners
    if wl is not None:
        text += (f" By {wl.year}, {wl.n_winners} areas grow faster than {national} "
                 f"{wl.national_cash_growth_pct:.1f}% cash growth on the baseline and {wl.n_losers} slower.")
    if doc.baseline_assumed:
        text += " " + baseline_caveat(doc)
    return text


def totals_sentence(funding: FundingSummary | None) -> str:
    """Where the control totals come from: how many lines' totals are sourced and from what."""
    if funding is None or not funding.lines:
        return ""
    sourced = {f.key: f.source for f in funding.sources}
    assumed = {f.key for f in funding.assumptions}
    keys = [ln.total_key for ln in funding.lines]
    good = [k for k in keys if sourced.get(k) and k not in assumed]
    if not good:
        return " Its control totals are assumptions (see Assumptions and sources)."
    publishers = [p for p in ("NHS England", "MHCLG") if any(p in str(sourced[k]) for k in good)]
    return (f" {len(good)} of its {len(keys)} service lines' totals are published figures"
            + (f" ({' and '.join(publishers)})" if publishers else "")
            + (f"; the other {len(keys) - len(good)} are assumptions" if len(good) < len(keys) else "") + ".")


def baseline_caveat(doc: MetricsDocument) -> str:
    """Which baselines are today's money and which are assumed, in one or two sentences."""
    assumed = doc.lines_assumed
    n_lines = len(doc.funding.lines) if doc.funding is not None else 0
    if assumed and n_lines and len(assumed) < n_lines:
        return (f"Baselines are what each area's districts receive or spend today, except for {', '.join(assumed)}: "
                "there is no spending data by area for those, so their baseline is an assumed share and their "
                "gains show the formula's direction, not changes from today's budgets.")
    return ("The baseline is assumed, not measured (no spending by area was given), so gains and distances from "
            "target show the formula's direction, not changes from today's budgets.")


def design_facts(design: DesignPart) -> str:
    """How the plan was found, in words: constraints met, the objective and its parts, the bound and gap."""
    facts = design.facts
    if facts is None:
        return ""
    rows: list[list[Any]] = []
    lo, hi = facts.min_population_bound, facts.max_population_bound
    if lo is not None and hi is not None:
        rows.append(["population bounds", f"{int(lo):,}–{int(hi):,} residents per area"])
    if design.checks is not None:
        rows.append(["constraints", _checks_text(design.checks)])
    if facts.objective is not None:
        rows.append(["objective (lower is better)", f"{facts.objective:.3f}" +
                     (f" (the starting plan scored {facts.starting_objective:.3f})"
                      if facts.starting_objective is not None else "")])
    rows += _term_rows(design.terms or ())
    rows += bound_rows(facts)
    if facts.evaluations is not None:
        stop = STOPPED_BY.get(facts.stopped_by, facts.stopped_by) if facts.stopped_by else ""
        rows.append(["search", f"{facts.evaluations:,} candidate plans scored with seed "
                               f"{'–' if facts.seed is None else facts.seed}; stopped when {stop}"])
    return "<h3>How the plan was found</h3>" + table(["", ""], rows, head=False)


def bound_rows(facts: DesignFacts) -> list[list[Any]]:
    """The evidence of quality: proven optimal, or the bound, which kind it is, and the gap to it."""
    rows: list[list[Any]] = []
    if facts.lower_bound is None:
        return rows
    bound, kind = facts.lower_bound, facts.bound
    if kind.proven_optimal:
        rows.append(["proven optimal", f"yes: no plan meeting the same constraints scores lower on this objective "
                                       f"(the exact model's lower bound {bound:.3f} meets it; gap 0.0%)"])
    else:
        rows.append(["proven lower bound", f"{bound:.3f}: no plan meeting the same constraints can score below "
                                           f"this ({_bound_kind_text(kind)})"])
        if facts.gap_to_bound is not None:
            rows.append(["gap to the bound", f"{facts.gap_to_bound}: the most a better plan could improve on "
                                             "this one; it does not say a better plan exists"
                                             + ("" if kind.exact else " (the relaxation may be loose)")])
    if kind.mip_improved:
        rows.append(["exact model", f"improved on the local search's plan, which scored "
                                    f"{kind.search_objective:.3f}; this is the exact model's plan"])
    return rows


def _bound_kind_text(kind: BoundFacts) -> str:
    if kind.exact:
        return "the exact model's LP (Lagrangian) bound"
    return "the term-wise relaxation" + (f"; exact model {kind.exact_model_note}" if kind.exact_model_note else "")


def _checks_text(checks: DesignChecks) -> str:
    if checks.ok:
        return "all met: every area in one piece and within the bounds, kept-whole councils not split"
    return "NOT all met: " + ", ".join(k.replace("_", " ") for k in checks.broken)


def _term_rows(terms: Sequence[Term]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for term in terms:
        if term.weight == 0:
            continue
        weight = f"{term.weight:g} × " if term.weight != 1 else ""
        rows.append([Html(f"&nbsp;&nbsp;+ {esc(TERM_WORDS.get(term.key, term.key))}"), f"{weight}{term.value:.3f}"])
    return rows
