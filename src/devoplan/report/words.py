"""The report's plain-language parts: key findings, how the plan was found, a glossary of layer codes.

Every sentence here is assembled from figures in the metrics document, the funding view or the
geography; nothing is stated that was not computed. Where a figure rests on an assumption (the
funding baseline) or on a search that proves no optimum (the design gap), the sentence says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from devoplan.geography.model import Geography
from devoplan.report.data import FundingView
from devoplan.report.html import esc
from devoplan.report.tables import Html, table

# Today's health and economic layers, the ones the report measures the plan against (the 2024 ICBs and
# the LEPs, wound down in 2024, stay in the bundle as historical layers).
HEALTH, ECONOMIC = "ICB26", "LSIP"
# A geography without them (an older or custom bundle) is read against the first of these it has.
HEALTH_KEYS, ECONOMIC_KEYS = (HEALTH, "ICB"), (ECONOMIC, "LEP")
# How a reader says a layer's areas: (one, several).
LAYER_WORDS: dict[str, tuple[str, str]] = {
    "ICB26": ("2026 ICB", "2026 ICBs"), "LSIP": ("LSIP area", "LSIP areas"), "ICB": ("ICB", "ICBs"),
    "LEP": ("LEP", "LEPs"), "REGION": ("region", "regions"), "PFA": ("police force area", "police force areas"),
    "CAUTH25": ("combined authority", "combined authorities"), "UTLA": ("upper-tier council", "upper-tier councils"),
}
STATUS_WORDS: dict[str, str] = {
    "existing_combined_authority": "could be run by an existing combined authority",
    "extend_combined_authority": "would extend an existing combined authority",
    "merge_combined_authorities": "would merge combined authorities",
    "new_combined_authority": "need a new combined authority",
    "single_unitary": "are a single unitary council",
    "single_county": "are a single county",
}
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


def today_keys(available: Iterable[str]) -> tuple[str, str]:
    """The health and economic layers to read a report against: today's (ICB26, LSIP) where ``available``
    (layer keys) has them, else the historical ICB and LEP, else today's keys (whose figures are then absent)."""
    present = {str(k).upper(): str(k) for k in available if k is not None}
    health = next((present[k] for k in HEALTH_KEYS if k in present), HEALTH)
    economic = next((present[k] for k in ECONOMIC_KEYS if k in present), ECONOMIC)
    return health, economic


def areas_word(key: str, n: int = 2) -> str:
    """A layer's areas as a reader says them: ``2026 ICBs``, ``LSIP area``; the key itself if unknown."""
    one, many = LAYER_WORDS.get(key.upper(), (key, f"{key} areas"))
    return one if n == 1 else many


def glossary(geo: Geography, keys: Sequence[str] | None = None) -> str:
    """A line naming each layer code (``ICB: Integrated Care Boards · ...``) for tables that use codes."""
    layers = [geo.layer(k) for k in (keys or list(geo.layers)) if k.upper() in {x.upper() for x in geo.layers}]
    if not layers:
        return ""
    return '<p class="small">' + " · ".join(f"<b>{esc(layer.key)}</b>: {esc(layer.name)}" for layer in layers) + "</p>"


def _row(comparison: Mapping[str, Any], metric: str) -> list[Any] | None:
    for row in comparison.get("rows", []):
        if row.get("metric") == metric:
            return list(row.get("values", []))
    return None


def _column(comparison: Mapping[str, Any], key: str) -> int | None:
    """The comparison column of today's layer ``key`` (``layers`` lists each column's layer key)."""
    layers = comparison.get("layers") or [str(c).removeprefix("Today's ") for c in comparison.get("columns", [])]
    return next((i for i, k in enumerate(layers) if k == key), None)


def findings(metrics: Mapping[str, Any], fv: FundingView | None, n_areas: int,
             national: str = "England's") -> list[str]:
    """The report's key findings as sentences, each only when its figures are present.

    ``national`` names the whole geography's growth ("England's", or "the national" for another geography)."""
    out: list[str] = []
    audit = metrics.get("audit") if isinstance(metrics.get("audit"), Mapping) else {}
    matrix = audit.get("coterminosity", {}) if isinstance(audit, Mapping) else {}
    splits = audit.get("unit_splits", []) if isinstance(audit, Mapping) else []
    health, economic = today_keys(matrix)
    if health in matrix and economic in matrix.get(health, {}):
        split = sum(1 for s in splits if s.get("layer") == health)
        shared = sum(1 for s in splits if s.get("layer") == economic)
        shared_text = (f"{shared} sit in two or more {areas_word(economic)}" if shared else
                       f"every district lies in one {areas_word(economic, 1)}")
        out.append(f"Today, the {areas_word(health)} and the {areas_word(economic)} have a coterminosity of "
                   f"{float(matrix[health][economic]):.3f} with each other (1 = the same map); {split} districts are "
                   f"split between {areas_word(health)} and {shared_text}.")
    comparison = metrics.get("comparison") if isinstance(metrics.get("comparison"), Mapping) else {}
    out += alignment_sentences(comparison or {}, n_areas)
    out += governance_sentences(metrics)
    if fv is not None:
        out.append(_money_sentence(metrics, fv, national))
    return out


def alignment_sentences(comparison: Mapping[str, Any], n_areas: int) -> list[str]:
    health, economic = today_keys(comparison.get("layers") or ())
    c_h, c_e = _row(comparison, f"coterminosity@{health}"), _row(comparison, f"coterminosity@{economic}")
    if not c_h or not c_e or c_h[0] is None or c_e[0] is None:
        return []
    text = (f"The proposed {n_areas} areas have a coterminosity of {c_h[0]:.3f} with the {areas_word(health)} "
            f"and {c_e[0]:.3f} with the {areas_word(economic)}")
    cut_h, cut_e = _row(comparison, f"split_layer_areas@{health}"), _row(comparison, f"split_layer_areas@{economic}")
    areas = comparison.get("areas", [])
    ih, ie = _column(comparison, health), _column(comparison, economic)
    if cut_h and cut_e and ih is not None and ie is not None and cut_h[0] is not None and cut_e[0] is not None:
        text += (f"; they split {int(cut_h[0])} of the {int(areas[ih])} {areas_word(health)} and {int(cut_e[0])} "
                 f"of the {int(areas[ie])} {areas_word(economic)} between areas")
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
    wl = funding.get("winners_and_losers") if isinstance(funding, Mapping) else None
    if isinstance(wl, Mapping) and wl.get("n_winners") is not None:
        text += (f" By {wl.get('year', last)}, {wl['n_winners']} areas grow faster than {national} "
                 f"{float(wl.get('national_cash_growth_pct', 0.0)):.1f}% cash growth on the baseline and "
                 f"{wl['n_losers']} slower.")
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
    """The evidence of quality: proven optimal, or the bound, which kind it is, and the gap to it.

    Facts without ``proven_optimal`` (files written before the exact model) read as not proven,
    and without ``bound_kind`` as bounded by the term-wise relaxation, the only bound there was then.
    """
    rows: list[list[Any]] = []
    if "lower_bound" not in facts:
        return rows
    bound = float(facts["lower_bound"])
    if facts.get("proven_optimal") is True:
        rows.append(["proven optimal", f"yes: no plan meeting the same constraints scores lower on this objective "
                                       f"(the exact model's lower bound {bound:.3f} meets it; gap 0.0%)"])
    else:
        exact = facts.get("bound_kind") == "exact model"
        rows.append(["proven lower bound", f"{bound:.3f}: no plan meeting the same constraints can score below "
                                           f"this ({_bound_kind_text(facts)})"])
        if "gap_to_bound" in facts:
            rows.append(["gap to the bound", f"{facts['gap_to_bound']}: the most a better plan could improve on "
                                             "this one; it does not say a better plan exists"
                                             + ("" if exact else " (the relaxation may be loose)")])
    if mip_improved(facts):
        rows.append(["exact model", f"improved on the local search's plan, which scored "
                                    f"{float(facts['search_objective']):.3f}; this is the exact model's plan"])
    return rows


def _bound_kind_text(facts: Mapping[str, Any]) -> str:
    if facts.get("bound_kind") == "exact model":
        return "the exact model's LP (Lagrangian) bound"
    note = facts.get("exact_model_note")
    return "the term-wise relaxation" + (f"; exact model {note}" if note else "")


def mip_improved(facts: Mapping[str, Any]) -> bool:
    """Whether the exact model found a better plan than the local search (and the search's score is known)."""
    improved = facts.get("improved_by_mip")
    return (isinstance(improved, int | float) and improved > 0
            and isinstance(facts.get("search_objective"), int | float))


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
