"""Every numeric command-line option checked by :mod:`devoplan.validate` before a command runs.

Click turns ``nan``, ``inf`` and ``1e308`` into floats and ``99999999999999999999`` into an int
without complaint; a command would then compute with them. :func:`checked_numbers` wraps a
command's function so each float or int argument is finite, of a sane magnitude and within int64,
and a bad one is refused in one line naming the option (``--min-pop: must be a number, not NaN``).
Ranges that depend on the quantity (a positive time limit, at least one area) stay with the
library's own checks. An option in :data:`MAY_BE_INFINITE` accepts ``inf`` (it means "no limit").
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

from devoplan.validate import Bounds, Param, check

# Options where ``inf`` is a meaningful value: ``design --wall-guard inf`` turns the wall-clock guard off.
MAY_BE_INFINITE: frozenset[str] = frozenset({"wall_guard"})


def option_flags(func: Callable[..., Any]) -> dict[str, str]:
    """Parameter name -> the option's longest flag (``min_pop`` -> ``--min-pop``); arguments keep their name."""
    hints = typing.get_type_hints(func, include_extras=True)
    flags: dict[str, str] = {}
    for name in inspect.signature(func).parameters:
        decls: tuple[str, ...] = ()
        for meta in getattr(hints.get(name), "__metadata__", ()):
            given = (getattr(meta, "default", None), *(getattr(meta, "param_decls", None) or ()))
            decls = tuple(d for d in given if isinstance(d, str) and d.startswith("--"))
        flags[name] = max(decls, key=len).split("/")[0] if decls else name.upper()
    return flags


def checked_numbers(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with every float/int argument validated first (booleans are not numbers here)."""
    flags = option_flags(func)

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            for item in value if isinstance(value, list | tuple) else (value,):
                if isinstance(item, int | float) and not isinstance(item, bool):
                    if name in MAY_BE_INFINITE and item == float("inf"):
                        continue
                    check(item, Param(flags.get(name, name)), Bounds(integer=isinstance(item, int)))
        return func(*args, **kwargs)

    return run


