"""The search's first plan within the population bounds, by the cheapest means that works.

Construction and repair first (``construct.py``, ``search.repair``); where they get stuck, the packing
of the capacity count (``capacity.packed_start``: as many areas as the blocks can make, merged down to
k); last, the exact model where the candidate areas are few (``prove.rescue``), which either solves
the problem or proves that no plan exists. Shared by ``design`` and by scenarios choosing k.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from devoplan.design.blocks import Blocks
from devoplan.design.capacity import Capacity, packed_start
from devoplan.design.objective import Objective
from devoplan.design.prove import rescue
from devoplan.design.search import State, repair
from devoplan.errors import InfeasibleError


def start_state(
    blocks: Blocks, obj: Objective, first: Callable[[], np.ndarray], min_pop: int, max_pop: int,
    rng: np.random.Generator, cap: Capacity, *, fallback: bool = True,
) -> State:
    """A state with every area within bounds, from ``first()`` repaired, else (``fallback``) the packing,
    else the exact model; raises InfeasibleError (the repair's reason) when none gives a plan."""
    try:
        state = State(blocks, obj, first(), min_pop, max_pop)
        repair(state, rng)
        return state
    except InfeasibleError as failure:
        if not fallback:
            raise
        packed = packed_start(blocks, cap, obj.k, max_pop)
        if packed is not None:
            state = State(blocks, obj, packed, min_pop, max_pop)
            repair(state, rng)
            return state
        return State(blocks, obj, rescue(obj, blocks, min_pop, max_pop, failure), min_pop, max_pop)
