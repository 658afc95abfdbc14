"""Which of today's layers a report is read against, and how a reader says their areas.

Kept apart from :mod:`devoplan.report.words` (sentences) and :mod:`devoplan.report.comparison` (the
table) because both need it and each imports the other's results.
"""

from __future__ import annotations

from collections.abc import Iterable

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
