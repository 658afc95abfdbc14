"""Named design scenarios: documented presets of :class:`DesignOptions` (docs/design.md).

* ``default``    - today's map: 38 areas aligned with the 2026 ICBs and the LSIP areas, splitting
  either costing three times nesting it; 2025 combined authorities and upper-tier councils kept whole;
  no area crossing the Greater London boundary; needs weight 0.
* ``reform2017`` - Reform's 2017 proposal of 38 commissioning areas, as this tool drew it before the
  2025/26 layers: aligned symmetrically with the 2024 ICBs (the nearest in the bundle to the 2017
  sustainability and transformation partnerships) and the Local Enterprise Partnerships, the 2024
  combined authorities kept whole, needs homogeneity weighted 1, London not fenced.
* ``strategic``  - the December 2024 English Devolution White Paper's strategic authorities: every
  area at least 1.5 million residents. The number of areas is chosen: the most for which a plan is
  found (:func:`choose_areas`), and the result says so.
* ``icb26``      - areas that nest the 2026 ICBs: each district's ICB (the one holding most of its
  patients) is kept whole, and the number of areas is chosen as for ``strategic`` among at most as
  many areas as those whole ICBs (merged where a combined authority spans two) allow.

A scenario is a starting point: options the user names explicitly replace the preset's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from devoplan.design.blocks import build_blocks
from devoplan.design.capacity import capacity
from devoplan.design.construct import construct
from devoplan.design.feasibility import check_feasible
from devoplan.design.objective import build_objective
from devoplan.design.options import DesignOptions, resolved_bounds
from devoplan.design.start import start_state
from devoplan.errors import InfeasibleError, reject_unknown
from devoplan.geography.model import Geography

STRATEGIC_MIN = 1_500_000  # English Devolution White Paper (December 2024): strategic authorities of ~1.5m+


@dataclass(frozen=True)
class Scenario:
    """A named preset: how to make its options for a geography, and what it is, in a sentence."""

    name: str
    summary: str
    make: Callable[[Geography], DesignOptions]
    choose_k: bool = False  # the number of areas is chosen (the most for which a plan is found)


@dataclass(frozen=True)
class ScenarioOptions:
    """A scenario's options for one geography, and what was chosen on the user's behalf."""

    name: str
    options: DesignOptions
    note: str


def _default(geo: Geography) -> DesignOptions:
    return DesignOptions()


def _reform2017(geo: Geography) -> DesignOptions:
    return DesignOptions(areas=38, health=("ICB",), economic=("LEP",), keep_whole=("UTLA", "CAUTH24"),
                         do_not_cross=(), split_weight=0.5, weights={"needs": 1.0})


def _strategic(geo: Geography) -> DesignOptions:
    return DesignOptions(min_pop=STRATEGIC_MIN)


def _icb26(geo: Geography) -> DesignOptions:
    layer = geo.layer("ICB26")
    main = layer.main_area
    groups = tuple(tuple(geo.units.codes[u] for u in np.flatnonzero(main == a)) for a in range(layer.n_areas))
    return DesignOptions(economic=(), together=tuple(g for g in groups if len(g) > 1))


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("default", "38 areas on today's map: ICB26 and LSIP, CAUTH25 whole, London not crossed", _default),
    Scenario("reform2017", "Reform's 38 areas of 2017, on the 2024 ICBs and the LEPs, CAUTH24 whole", _reform2017),
    Scenario("strategic", "strategic authorities of at least 1.5 million residents; the tool chooses the "
             "number of areas", _strategic, choose_k=True),
    Scenario("icb26", "areas that nest the 2026 ICBs; the tool chooses the number of areas", _icb26, choose_k=True),
)}


def scenario_options(geography: Geography, name: str, **overrides: object) -> ScenarioOptions:
    """The options of scenario ``name`` on ``geography`` with ``overrides`` applied (fields of
    :class:`DesignOptions`); for a scenario that chooses the number of areas (unless ``areas`` is
    overridden), the most areas for which a plan is found."""
    if name not in SCENARIOS:
        raise reject_unknown("scenario", name, tuple(SCENARIOS))
    scenario = SCENARIOS[name]
    opts = replace(scenario.make(geography), **overrides)  # type: ignore[arg-type]
    if not scenario.choose_k or "areas" in overrides:
        return ScenarioOptions(name, opts, f"scenario {name}: {scenario.summary}")
    k, tried = choose_areas(geography, opts)
    note = (f"scenario {name}: {scenario.summary}; chose {k} areas, the most for which a plan within "
            f"the bounds was found (tried {tried})")
    return ScenarioOptions(name, opts.with_(areas=k), note)


def choose_areas(geography: Geography, opts: DesignOptions) -> tuple[int, str]:
    """The largest number of areas (at most the blocks, and at most the capacity count at ``min_pop``) for which a plan
    within the bounds is found, as :func:`devoplan.design.api.design` finds its start
    (:func:`devoplan.design.start.start_state`); and a word on what was tried.

    Raises InfeasibleError naming the reason the smallest count failed when none works."""
    blocks = build_blocks(geography, opts)
    total = geography.units.total_population
    top = blocks.n_blocks if not opts.min_pop else min(blocks.n_blocks, capacity(blocks, opts.min_pop).most)
    failures: list[str] = []
    for k in range(int(top), 0, -1):
        trial = opts.with_(areas=k)
        hard_largest = int(blocks.population.max()) if trial.keep_whole else 0
        lo, hi = resolved_bounds(trial, total, hard_largest)
        try:
            cap = check_feasible(blocks, k, lo, hi)
            obj = build_objective(geography, blocks, trial)
            start_state(blocks, obj, partial(construct, blocks, obj, k, hi, lo), lo, hi, np.random.default_rng(0), cap)
        except InfeasibleError as exc:
            failures.append(f"{k}: {exc}")
            continue
        return k, (f"{int(top)} down to {k}" if k < top else f"{k}, the most the blocks and bounds allow")
    raise InfeasibleError(f"no number of areas gives a plan: {failures[-1] if failures else 'no blocks'}")
