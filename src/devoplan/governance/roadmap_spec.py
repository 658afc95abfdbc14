"""The roadmap file format (TOML), parsed into frozen dataclasses and checked before anything runs.

Every problem raises :class:`~devoplan.errors.SpecError` naming the key path (``phases.transfer_health.after[0]``)
and what is wrong: unknown keys, a phase after an unknown phase, a cycle of phases, years out of order,
an unknown service line (or one transferred by two phases) or readiness criterion. See ``docs/governance.md``
for the format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from devoplan.errors import SpecError

ALIGNS: tuple[str, ...] = ("none", "settlement", "election")
IF_UNMET: tuple[str, ...] = ("wait", "skip")
# Readiness criteria a phase can require, evaluated per area (see devoplan.governance.roadmap).
CRITERIA: dict[str, str] = {
    "existing_body": "an existing strategic authority has exactly the area's footprint",
    "mayor": "the area's single body is led by a directly elected mayor",
    "strategic_authority": "the area's candidate body is a strategic authority today (any tier)",
    "coterminous_police": "no police force area is split by the area's boundary",
    "coterminous_health": "no integrated care board is split by the area's boundary",
    "funding_distance": "the area's allocation is within `threshold` % of its formula target (first year)",
}
THRESHOLD_CRITERIA: tuple[str, ...] = ("funding_distance",)
MAX_SPAN = 30
DEFAULT_ROADMAP = "default_roadmap.toml"
TOP_KEYS = ("name", "description", "start_year", "end_year", "cycles", "phases")
CYCLE_KEYS = ("settlement_start", "settlement_years", "election_start", "election_years")
PHASE_KEYS = ("name", "after", "duration", "align", "service_lines", "conditions", "skip_if", "not_before", "tier")
CONDITION_KEYS = ("criterion", "threshold", "if_unmet", "wait_years")


@dataclass(frozen=True)
class Condition:
    """A readiness criterion; when an area does not meet it, the phase waits ``wait_years`` or is skipped."""

    criterion: str
    threshold: float | None
    if_unmet: str
    wait_years: int


@dataclass(frozen=True)
class Phase:
    """One phase of the roadmap, run in every area (unless skipped there)."""

    key: str
    name: str
    after: tuple[str, ...]
    duration: int
    align: str
    service_lines: tuple[str, ...]  # funded lines (keys of the funding spec) this phase transfers; () for none
    conditions: tuple[Condition, ...]
    skip_if: tuple[str, ...]
    not_before: int | None
    tier: str | None


@dataclass(frozen=True)
class Cycles:
    """Four-year settlements and local elections: first year of each and their length in years."""

    settlement_start: int
    settlement_years: int
    election_start: int
    election_years: int

    def next_start(self, kind: str, year: int) -> int:
        """The first year >= ``year`` on which a settlement (or an election) cycle starts."""
        if kind == "none":
            return year
        first, length = ((self.settlement_start, self.settlement_years) if kind == "settlement"
                         else (self.election_start, self.election_years))
        if year <= first:
            return first
        return first + -(-(year - first) // length) * length


@dataclass(frozen=True)
class RoadmapSpec:
    """A whole roadmap: horizon, cycles and phases (in dependency order)."""

    name: str
    description: str
    start_year: int
    end_year: int
    cycles: Cycles
    phases: tuple[Phase, ...]
    file: str | None = None


def default_roadmap_path() -> Path:
    """The roadmap shipped with devoplan (a 17-year horizon)."""
    return Path(str(resources.files("devoplan.governance").joinpath("data", DEFAULT_ROADMAP)))


def load_roadmap(path: str | Path, *, service_lines: Collection[str] | None = None) -> RoadmapSpec:
    """Read and check a roadmap TOML file; ``service_lines`` are the funded lines phases may transfer."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the file ({exc})", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"not valid TOML: {exc}", file=path) from None
    return parse_roadmap(data, file=path, service_lines=service_lines)


def parse_roadmap(data: Mapping[str, Any], *, file: str | Path | None = None,
                  service_lines: Collection[str] | None = None) -> RoadmapSpec:
    """Check a parsed roadmap document (see :func:`load_roadmap`)."""
    def err(key: str, message: str) -> SpecError:
        return SpecError(message, key=key, file=file)

    _only(data, "", TOP_KEYS, err)
    start, end = _int(data, "start_year", "start_year", err), _int(data, "end_year", "end_year", err)
    if end <= start:
        raise err("end_year", f"must be after start_year ({start}), got {end}")
    if end - start + 1 > MAX_SPAN:
        raise err("end_year", f"the horizon is {end - start + 1} years; at most {MAX_SPAN} are allowed")
    cycles = _cycles(_table(data, "cycles", "cycles", err), err)
    raw = _table(data, "phases", "phases", err)
    if not raw:
        raise err("phases", "needs at least one phase")
    phases = {key: _phase(str(key), _table(raw, key, f"phases.{key}", err), start, end, service_lines, err)
              for key in raw}
    _transferred_once(phases, err)
    order = _order(phases, err)
    return RoadmapSpec(str(data.get("name", "roadmap")), str(data.get("description", "")), start, end, cycles,
                       tuple(phases[k] for k in order), str(file) if file is not None else None)


Err = Any  # the local error factory of parse_roadmap: (key path, message) -> SpecError


def _only(table: Mapping[str, Any], path: str, allowed: tuple[str, ...], err: Err) -> None:
    for key in table:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise err(where, f"unknown key; allowed: {', '.join(allowed)}")


def _table(parent: Mapping[str, Any], key: str, path: str, err: Err) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise err(path, "missing" if value is None else "must be a table")
    return value


def _int(table: Mapping[str, Any], key: str, path: str, err: Err, *, default: int | None = None,
         minimum: int | None = None) -> int:
    value = table.get(key, default)
    if value is None:
        raise err(path, "missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise err(path, f"must be a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise err(path, f"must be at least {minimum}, got {value}")
    return value


def _cycles(table: dict[str, Any], err: Err) -> Cycles:
    _only(table, "cycles", CYCLE_KEYS, err)
    return Cycles(*(_int(table, k, f"cycles.{k}", err, minimum=1) for k in CYCLE_KEYS))


def _phase(key: str, table: dict[str, Any], start: int, end: int, lines: Collection[str] | None,
           err: Err) -> Phase:
    path = f"phases.{key}"
    _only(table, path, PHASE_KEYS, err)
    after = table.get("after", [])
    if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
        raise err(f"{path}.after", "must be a list of phase keys")
    align = table.get("align", "none")
    if align not in ALIGNS:
        raise err(f"{path}.align", f"must be one of {', '.join(ALIGNS)}, got {align!r}")
    service_lines = _service_lines(table.get("service_lines", []), f"{path}.service_lines", lines, err)
    not_before = table.get("not_before")
    if not_before is not None:
        not_before = _int(table, "not_before", f"{path}.not_before", err)
        if not start <= not_before <= end:
            raise err(f"{path}.not_before", f"must lie in start_year..end_year ({start}..{end}), got {not_before}")
    skip_if = table.get("skip_if", [])
    if not isinstance(skip_if, list) or any(c not in CRITERIA for c in skip_if):
        raise err(f"{path}.skip_if", f"must be a list of criteria: {', '.join(CRITERIA)}")
    tier = table.get("tier")
    if tier is not None and tier not in ("foundation", "mayoral", "established_mayoral"):
        raise err(f"{path}.tier", f"must be foundation, mayoral or established_mayoral, got {tier!r}")
    raw = table.get("conditions", [])
    if not isinstance(raw, list):
        raise err(f"{path}.conditions", "must be a list of tables")
    conditions = tuple(_condition(c, f"{path}.conditions[{i}]", err) for i, c in enumerate(raw))
    return Phase(key, str(table.get("name", key)), tuple(after),
                 _int(table, "duration", f"{path}.duration", err, default=1, minimum=1), align,
                 service_lines, conditions, tuple(skip_if), not_before, tier)


def _service_lines(raw: Any, path: str, known: Collection[str] | None, err: Err) -> tuple[str, ...]:
    """A phase's funded lines: a list of distinct keys, each a line of the funding spec (when it is known)."""
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise err(path, "must be a list of funded line keys, such as [\"health_core\", \"public_health\"]")
    for i, line in enumerate(raw):
        if known is not None and line not in known:
            raise err(f"{path}[{i}]", f"unknown service line {line!r}; the funding spec has: "
                                      f"{', '.join(sorted(known))}")
        if line in raw[:i]:
            raise err(f"{path}[{i}]", f"service line {line!r} is listed twice")
    return tuple(raw)


def _transferred_once(phases: Mapping[str, Phase], err: Err) -> None:
    """A funded line moves to the single body once: two phases transferring the same line are refused."""
    first: dict[str, str] = {}
    for key, phase in phases.items():
        for i, line in enumerate(phase.service_lines):
            if line in first:
                raise err(f"phases.{key}.service_lines[{i}]",
                          f"service line {line!r} is already transferred by phase {first[line]!r}")
            first[line] = key


def _condition(raw: Any, path: str, err: Err) -> Condition:
    if not isinstance(raw, dict):
        raise err(path, "must be a table such as { criterion = \"mayor\" }")
    _only(raw, path, CONDITION_KEYS, err)
    criterion = raw.get("criterion")
    if criterion not in CRITERIA:
        raise err(f"{path}.criterion", f"unknown criterion {criterion!r}; known: {', '.join(CRITERIA)}")
    threshold = raw.get("threshold")
    if criterion in THRESHOLD_CRITERIA:
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold < 0:
            raise err(f"{path}.threshold", f"{criterion} needs a threshold of 0 or more (percent)")
    elif threshold is not None:
        raise err(f"{path}.threshold", f"{criterion} takes no threshold")
    if_unmet = raw.get("if_unmet", "wait")
    if if_unmet not in IF_UNMET:
        raise err(f"{path}.if_unmet", f"must be one of {', '.join(IF_UNMET)}, got {if_unmet!r}")
    wait = _int(raw, "wait_years", f"{path}.wait_years", err, default=4, minimum=1)
    return Condition(str(criterion), float(threshold) if threshold is not None else None, str(if_unmet), wait)


def _order(phases: dict[str, Phase], err: Err) -> list[str]:
    """Phases in dependency order (ties by file order); unknown and circular dependencies are refused."""
    graph = nx.DiGraph()
    graph.add_nodes_from(phases)
    for key, phase in phases.items():
        for i, dep in enumerate(phase.after):
            if dep not in phases:
                raise err(f"phases.{key}.after[{i}]", f"unknown phase {dep!r}; phases: {', '.join(phases)}")
            graph.add_edge(dep, key)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        position = {k: i for i, k in enumerate(phases)}
        return list(nx.lexicographical_topological_sort(graph, key=lambda k: position[k]))
    names = [edge[0] for edge in cycle] + [cycle[0][0]]
    raise err(f"phases.{cycle[-1][1]}.after", f"phases depend on each other in a cycle: {' -> '.join(names)}")
