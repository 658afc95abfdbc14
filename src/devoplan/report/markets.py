"""The report's Markets section: how contestable each proposed area's GP market is, what it costs,
how concentrated it is, and the outcome contracts already running there.

Market health (:func:`devoplan.markets.health.market_health`) is a function of the geography and
the plan, so the section is always there when the geography has a GP practice table. Outcome
contracts come from a placed contract registry given to the report as ``metrics["contracts"]``
(``devoplan contracts REGISTRY --json > contracts.json``, then ``devoplan report --metrics
contracts.json``); without one the section says how to add it. The same figures give each area card
its market line (:func:`market_lines`).
"""

from __future__ import annotations

import math

import numpy as np

from devoplan.markets.document import placed_from_document
from devoplan.markets.health import AreaMarket, MarketHealth, market_health
from devoplan.report import maps
from devoplan.report.data import ReportData
from devoplan.report.figures import FigureSink
from devoplan.report.html import Section, esc, figure, kpis, note
from devoplan.report.tables import Cell, money, table

TITLE = "Markets: contestability and outcome contracts"


def plan_markets(data: ReportData) -> MarketHealth | None:
    """Market health of the report's plan (with its contracts when given), or None without a GP table."""
    if data.geography.assets.path("gp_practices.csv") is None:
        return None
    doc = data.doc.contracts
    placed = placed_from_document(doc, data.geography, "contracts") if doc is not None else None
    return market_health(data.geography, data.plan, placed)


def markets_section(data: ReportData, sink: FigureSink, health: MarketHealth | None) -> Section:
    if health is None:
        return Section("markets", TITLE, note("This geography has no GP practice table (gp_practices.csv), so "
                                              "market health is not shown.", kind="missing"))
    e = health.england
    body = kpis([(f"{e.apms_share:.1%}", "of GP patients in England on competed (APMS) contracts"),
                 (f"{100 - 100 * e.apms_share:.0f}%", "on open-ended GMS/PMS contracts, renewed without competition"),
                 (f"£{e.payments_per_weighted_patient:,.0f}", "NHS payments per weighted patient, 2022-23")])
    if data.geography.assets.has_geometry:
        values = np.array([a.apms_share * 100 for a in health.areas])
        fig = maps.value_map(data.geography, data.plan, values, title="Share of GP patients on APMS contracts",
                             label="% of registered patients", cmap="viridis", tick_format="{:.0f}%")
        body += figure(sink.svg(fig, "Contestable share", png_name="map_apms_share"),
                       "APMS contracts are time-limited and competed; GMS and PMS run without end.", css="map")
    body += table(_headers(health), [_row(i, a, health) for i, a in enumerate(health.areas, start=1)],
                  numeric=range(1, len(_headers(health))), scroll=True)
    body += _contracts_text(health)
    return Section("markets", TITLE, body, lead=(
        "General practice is the largest contracted public-service market every area inherits: how much of it is "
        "ever competed, what it costs per weighted patient and how concentrated it is, from NHS Payments to General "
        "Practice 2022-23. Concentration (HHI, 0-10,000) is over practices, a lower bound: owners of several "
        "practices are not identified."))


def _headers(h: MarketHealth) -> list[str]:
    heads = ["area", "practices", "patients", "APMS share", "£ per weighted patient", "HHI"]
    return heads + (["outcome contracts", "their providers", "outcome payments made", "maximum outcome payments"]
                    if h.contracts is not None else [])


def _row(number: int, a: AreaMarket, h: MarketHealth) -> list[Cell]:
    row: list[Cell] = [f"{number}. {a.name}", round(a.practices), round(a.registered_patients), _pct(a.apms_share),
                       _pounds(a.payments_per_weighted_patient), "–" if math.isnan(a.hhi) else f"{a.hhi:,.0f}"]
    if h.contracts is not None:
        row += [a.outcome_contracts, a.outcome_providers, money(a.outcome_paid_gbp), money(a.outcome_max_gbp)]
    return row


def _pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1%}"


def _pounds(value: float) -> str:
    return "–" if math.isnan(value) else f"£{value:,.2f}"


def _contracts_text(h: MarketHealth) -> str:
    s = h.contracts
    if s is None:
        return note("No contract registry was given, so outcome contracts are not shown. Add one with "
                    "devoplan contracts REGISTRY --json > contracts.json and devoplan report --metrics "
                    "contracts.json (docs/markets.md).")
    return (f"<h3>Outcome contracts</h3><p>{s.contracts} contracts in the registry, {s.placed} placed in at least one "
            f"district; outcome payments made {esc(money(s.paid_gbp))} ({esc(money(s.paid_placed_gbp))} placed), "
            f"maximum potential {esc(money(s.max_gbp))}. A contract counts in every area it delivers in; its "
            f"payments are shared by the residents of its districts. {s.review} delivery locations could not be "
            f"placed with certainty and are on the registry's review list (devoplan contracts --review).</p>"
            + (f'<p class="small">{esc(s.attribution)}</p>' if s.attribution else ""))


def market_lines(health: MarketHealth | None) -> list[tuple[tuple[str, str], ...]]:
    """Each area's market line for its card (in area order), empty without market health."""
    if health is None:
        return []
    out: list[tuple[tuple[str, str], ...]] = []
    for a in health.areas:
        line = f"{_pct(a.apms_share)} of GP patients on competed contracts; {_pounds(a.payments_per_weighted_patient)}"
        line += " per weighted patient"
        if health.contracts is not None:
            line += (f"; {a.outcome_contracts} outcome contracts, {a.outcome_providers} providers "
                     f"({money(a.outcome_paid_gbp)} paid)")
        out.append((("Market", line),))
    return out
