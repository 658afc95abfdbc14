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
from devoplan.report.comparison import ComparisonTable, comparison_of
from devoplan.report.data import BoundFacts, FundingView, audit_of, winners_of
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


def findings(metrics: Mapping[str, Any], fv: FundingView | None, n_areas: int,
             national: str = "England's") -> list[str]:
    """The report's key findings as sentences, each only when its figures are present.

    ``national`` names the whole geography's growth ("England's", or "the national" for another geography)."""
    out: list[str] = []
    audit = audit_of(metrics)
    matrix = audit.coterminosity if audit is not None else {}
    health, economic = today_keys(matrix)
    if audit is not None and health in matrix and economic in matrix.get(health, {}):
        split, shared = len(audit.splits_of(health)), len(audit.splits_of(economic))
        shared_text = (f"{shared} sit in two or more {areas_word(economic)}" if shared else
                       f"every district lies in one {areas_word(economic, 1)}")
        out.append(f"Today, the {areas_word(health)} and the {areas_word(economic)} have a coterminosity of "
                   f"{float(matrix[health][economic]):.3f} with each other (1 = the same map); {split} districts are "
                   f"split between {areas_word(health)} and {shared_text}.")
    out += alignment_sentences(comparison_of(metrics), n_areas)
    out += governance_sentences(metrics)
    if fv is not None:
        out.append(_money_sentence(metrics, fv, national))
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


def governance_sentences(metrics: Mapping[str, Any]) -> list[str]:
    design = metrics.get("design") if isinstance(metrics.get("design"), Mapping) else {}
    governance = design.get("governance") if isinstance(design, Mapping) else None
    if not isinstance(governance, Mapping) or not governance:
        return []
    counts: dict[str, int] = {}
    for entry in governance.values():
        status = str(entry.get("status", "")) if isinstance(entry, Mapping) else ""
        counts[status] = counts.get(status, 0) + 1
    ranked = sorted(counts.items(), key=lambda x: (-x[1], x[0]))
    parts = [f"{n} {STATUS_WORDS.get(s, s.replace('_', ' '))}" for s, n in ranked]
    return ["Who would run them: " + "; ".join(parts) + "."]


def _money_sentence(metrics: Mapping[str, Any], fv: FundingView, national: str = "England's") -> str:
    first, last = fv.years[0], fv.years[-1]
    pop = float(fv.population.sum())
    a0, a1 = float(fv.allocation[0].sum()), float(fv.allocation[-1].sum())
    text = (f"The settlement gives areas £{a0 / 1e9:,.1f}bn in {first} (£{a0 / pop:,.0f} per head), rising to "
            f"£{a1 / 1e9:,.1f}bn in {last}.")
    funding = metrics.get("funding") if isinstance(metrics.get("funding"), Mapping) else {}
    text += totals_sentence(funding if isinstance(funding, Mapping) else {})
    wl = winners_of(metrics)
    if wl is not None:
        text += (f" By {wl.year}, {wl.n_winners} areas grow faster than {national} "
                 f"{wl.national_cash_growth_pct:.1f}% cash growth on the baseline and {wl.n_losers} slower.")
    if baseline_assumed(metrics):
        text += " " + baseline_caveat(metrics)
    return text


def totals_sentence(funding: Mapping[str, Any]) -> str:
    """Where the control totals come from: how many lines' totals are sourced and from what."""
    lines = funding.get("lines") if isinstance(funding, Mapping) else None
    if not isinstance(lines, list) or not lines:
        return ""
    sourced = {f.get("key"): f.get("source") for f in funding.get("sources", []) if isinstance(f, Mapping)}
    assumed = {f.get("key") for f in funding.get("assumptions", []) if isinstance(f, Mapping)}
    keys = [f"lines.{ln.get('key')}.total" for ln in lines if isinstance(ln, Mapping)]
    good = [k for k in keys if sourced.get(k) and k not in assumed]
    if not good:
        return " Its control totals are assumptions (see Assumptions and sources)."
    publishers = [p for p in ("NHS England", "MHCLG") if any(p in str(sourced[k]) for k in good)]
    return (f" {len(good)} of its {len(keys)} service lines' totals are published figures"
            + (f" ({' and '.join(publishers)})" if publishers else "")
            + (f"; the other {len(keys) - len(good)} are assumptions" if len(good) < len(keys) else "") + ".")


def assumed_lines(metrics: Mapping[str, Any]) -> list[str]:
    """Service lines whose baseline is assumed (no data by area and no baseline file)."""
    funding = metrics.get("funding")
    baseline = funding.get("baseline") if isinstance(funding, Mapping) else None
    lines = baseline.get("lines_assumed") if isinstance(baseline, Mapping) else None
    return [str(x) for x in lines] if isinstance(lines, list) else []


def baseline_caveat(metrics: Mapping[str, Any]) -> str:
    """Which baselines are today's money and which are assumed, in one or two sentences."""
    assumed = assumed_lines(metrics)
    funding = metrics.get("funding") if isinstance(metrics.get("funding"), Mapping) else {}
    n_lines = len(funding.get("lines", [])) if isinstance(funding, Mapping) else 0
    if assumed and n_lines and len(assumed) < n_lines:
        return (f"Baselines are what each area's districts receive or spend today, except for {', '.join(assumed)}: "
                "there is no spending data by area for those, so their baseline is an assumed share and their "
                "gains show the formula's direction, not changes from today's budgets.")
    return ("The baseline is assumed, not measured (no spending by area was given), so gains and distances from "
            "target show the formula's direction, not changes from today's budgets.")


def baseline_assumed(metrics: Mapping[str, Any]) -> bool:
    """Whether the funding summary says the baseline is an assumption (the default spec's stand-in)."""
    funding = metrics.get("funding")
    baseline = funding.get("baseline") if isinstance(funding, Mapping) else None
    return bool(isinstance(baseline, Mapping) and baseline.get("assumption"))


def design_facts(design: Mapping[str, Any]) -> str:
    """How the plan was found, in words: constraints met, the objective and its parts, the bound and gap."""
    facts = design.get("facts")
    if not isinstance(facts, Mapping) or not facts:
        return ""
    result = design.get("result") if isinstance(design.get("result"), Mapping) else {}
    rows: list[list[Any]] = []
    lo, hi = facts.get("min_population_bound"), facts.get("max_population_bound")
    if lo is not None and hi is not None:
        rows.append(["population bounds", f"{int(lo):,}–{int(hi):,} residents per area"])
    checks = result.get("checks") if isinstance(result, Mapping) else None
    if isinstance(checks, Mapping) and "ok" in checks:
        rows.append(["constraints", _checks_text(checks)])
    if "objective" in facts:
        rows.append(["objective (lower is better)", f"{float(facts['objective']):.3f}" +
                     (f" (the starting plan scored {float(facts['starting_objective']):.3f})"
                      if "starting_objective" in facts else "")])
    if isinstance(result, Mapping):
        rows += _term_rows(result)
    rows += bound_rows(facts)
    if "evaluations" in facts:
        stop = STOPPED_BY.get(str(facts.get("stopped_by")), str(facts.get("stopped_by", "")))
        rows.append(["search", f"{int(facts['evaluations']):,} candidate plans scored with seed "
                               f"{facts.get('seed', '–')}; stopped when {stop}"])
    return "<h3>How the plan was found</h3>" + table(["", ""], rows, head=False)


def bound_rows(facts: Mapping[str, Any]) -> list[list[Any]]:
    """The evidence of quality: proven optimal, or the bound, which kind it is, and the gap to it."""
    rows: list[list[Any]] = []
    if "lower_bound" not in facts:
        return rows
    bound, kind = float(facts["lower_bound"]), BoundFacts.from_facts(facts)
    if kind.proven_optimal:
        rows.append(["proven optimal", f"yes: no plan meeting the same constraints scores lower on this objective "
                                       f"(the exact model's lower bound {bound:.3f} meets it; gap 0.0%)"])
    else:
        rows.append(["proven lower bound", f"{bound:.3f}: no plan meeting the same constraints can score below "
                                           f"this ({_bound_kind_text(kind)})"])
        if "gap_to_bound" in facts:
            rows.append(["gap to the bound", f"{facts['gap_to_bound']}: the most a better plan could improve on "
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


def _checks_text(checks: Mapping[str, Any]) -> str:
    if checks.get("ok"):
        return "all met: every area in one piece and within the bounds, kept-whole councils not split"
    broken = [k.replace("_", " ") for k, v in checks.items() if isinstance(v, list) and v]
    return "NOT all met: " + ", ".join(broken)


def _term_rows(result: Mapping[str, Any]) -> list[list[Any]]:
    terms, weights = result.get("terms"), result.get("weights")
    if not isinstance(terms, Mapping) or not isinstance(weights, Mapping):
        return []
    rows: list[list[Any]] = []
    for key, value in terms.items():
        w = float(weights.get(key, 1.0))
        if w == 0:
            continue
        weight = f"{w:g} × " if w != 1 else ""
        rows.append([Html(f"&nbsp;&nbsp;+ {esc(TERM_WORDS.get(key, key))}"), f"{weight}{float(value):.3f}"])
    return rows
