"""The shape of the saved files ``devoplan report --metrics`` reads, checked before the report uses them.

A metrics document is JSON a user can edit; the report reads numbers, strings and lists from known
places in it. :func:`check_metrics` walks the document against the schema of its kind and refuses the first
value of the wrong kind (or any NaN/Infinity, which Python's JSON reader accepts) in one line naming
its path, e.g. ``metrics.json, field 'design.facts.objective': must be a number, not 'x'``. Keys the
schema does not name are left alone; ``null`` is accepted anywhere (devoplan writes it for "none").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devoplan.errors import InputError

NUM, INT, STR, BOOL = "number", "whole number", "string", "true or false"
Schema = Any  # a kind name, a dict of key -> schema ("*" for any key), or a one-item list [item schema]

DESIGN_DOC: dict[str, Schema] = {
    "areas": INT, "seed": INT, "objective": NUM, "start_objective": NUM, "blocks": INT,
    "population_bounds": {"min": NUM, "max": NUM},
    "bound": {"value": NUM, "lower_bound": NUM, "gap": NUM, "proven_optimal": BOOL,
              "details": {"search_objective": NUM, "improved_by_mip": NUM, "exact_model": STR}},
    "search": {"evaluations": INT, "accepted": INT, "improvements": INT, "stopped_by": STR},
    "weights": {"*": NUM}, "terms": {"*": NUM}, "weighted_terms": {"*": NUM}, "metrics": {"*": NUM},
    "checks": {"ok": BOOL}, "governance_summary": {"*": INT},
    "area_list": [{"code": STR, "name": STR, "population": NUM, "districts": [STR],
                   "governance": {"status": STR, "body": STR}}],
}
FACTS: dict[str, Schema] = {
    **{k: NUM for k in ("areas", "seed", "time_limit_s", "objective", "starting_objective", "lower_bound",
                        "min_population_bound", "max_population_bound", "evaluations", "search_objective",
                        "improved_by_mip")},
    **{k: STR for k in ("gap_to_bound", "stopped_by", "bound_kind", "exact_model_note")},
    "proven_optimal": BOOL,
}
FUNDING: dict[str, Schema] = {
    "years": [STR], "assumptions": [{}], "lines": [{}],
    "winners_and_losers": {"year": STR, "n_winners": INT, "n_losers": INT, "national_cash_growth_pct": NUM},
}
DEMO: dict[str, Schema] = {
    "plan": {"fingerprint": STR, "areas": INT},
    "run": {"seed": INT, "time_limit_s": NUM, "draws": INT},
    "audit": {"coterminosity": {"*": {"*": NUM}}, "crossings": [{}], "unit_splits": [{}]},
    "design": {"facts": FACTS, "bounds": {"min_pop": NUM, "max_pop": NUM}, "governance": {"*": {"status": STR}},
               "result": DESIGN_DOC},
    "comparison": {"columns": [STR], "rows": [{"metric": STR, "values": [NUM]}]},
    "funding": FUNDING,
    "report_notes": [STR], "steps_not_run": [STR], "timings_s": {"*": NUM},
}


def check_metrics(doc: Mapping[str, Any], file: Path, schema: dict[str, Schema]) -> None:
    """Refuse the first value of ``doc`` that is not of the kind the report reads there (``schema``:
    :data:`DEMO`, :data:`DESIGN_DOC` or :data:`FUNDING`, by the kind of file)."""
    stack: list[tuple[Any, Schema, str]] = [(doc, schema, "")]
    while stack:
        value, schema, path = stack.pop()
        if value is None:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"must be a finite number, not {value}", file=file, field=path or None)
        if isinstance(schema, str):
            if not _is(value, schema):
                raise InputError(f"must be a {schema}, not {_show(value)}", file=file, field=path)
        elif isinstance(schema, dict):
            if not isinstance(value, Mapping):
                raise InputError(f"must be a JSON object, not {_show(value)}", file=file, field=path or None)
            for key, item in value.items():
                sub = schema.get(key, schema.get("*"))
                stack.append((item, sub if sub is not None else _ANY, f"{path}.{key}" if path else str(key)))
        elif isinstance(schema, list):
            if not isinstance(value, list):
                raise InputError(f"must be a list, not {_show(value)}", file=file, field=path)
            stack.extend((item, schema[0], f"{path}[{i}]") for i, item in enumerate(value))
        else:  # _ANY: no expectation, but numbers inside must still be finite
            if isinstance(value, Mapping):
                stack.extend((v, _ANY, f"{path}.{k}") for k, v in value.items())
            elif isinstance(value, list):
                stack.extend((v, _ANY, f"{path}[{i}]") for i, v in enumerate(value))


_ANY = object()


def _is(value: Any, kind: str) -> bool:
    if kind == BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == NUM:
        return isinstance(value, int | float)
    if kind == INT:
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, str)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
