"""``ensemble()``: many valid plans from independent ReCom chains, scored, with one plan placed among them.

The run's seed makes everything: ``SeedSequence(seed).spawn(chains + 1)`` gives the start's generator and
one per chain, and the ``plans`` are shared between ``chains`` in a fixed way, so the ensemble is the
same, byte for byte, whether the chains run one after another, in ``workers`` local processes or on a
Dask cluster (``cluster``): the number of workers only changes the wall time. Each chain begins at the
same valid start (``options.start``, or the design's construction and repair), discards ``burn_in``
steps, then keeps every ``thin``-th plan; every plan is scored in the worker that drew it.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from devoplan.design.api import validate_against
from devoplan.design.blocks import Blocks, build_blocks
from devoplan.design.construct import construct
from devoplan.design.feasibility import check_feasible
from devoplan.design.objective import build_objective
from devoplan.design.options import DesignOptions, resolved_bounds
from devoplan.design.prove import rescue
from devoplan.design.search import State, repair
from devoplan.design.verify import verify
from devoplan.ensemble.chain import ChainModel, ChainStats, run_chain
from devoplan.ensemble.scoring import MetricSummary, PlanScorer, canonical, summarise
from devoplan.errors import DevoplanError, InfeasibleError
from devoplan.geography.model import Geography
from devoplan.names import place_units
from devoplan.plan import Plan

DEFAULT_PLANS = 1000
DEFAULT_CHAINS = 8
DEFAULT_BURN_IN = 200
CONSTRAINT_CHECKS = ("noncontiguous", "outside_bounds", "split_kept_whole", "locks_broken", "together_broken",
                     "apart_broken", "frozen_changed", "crossing_do_not_cross")


@dataclass(frozen=True)
class EnsembleOptions:
    """How many plans and how the chains draw them (the constraints are the design's ``DesignOptions``)."""

    plans: int = DEFAULT_PLANS
    chains: int = DEFAULT_CHAINS
    burn_in: int = DEFAULT_BURN_IN
    thin: int = 1

    def __post_init__(self) -> None:
        for name, value, least in (("plans", self.plans, 1), ("chains", self.chains, 1),
                                   ("burn_in", self.burn_in, 0), ("thin", self.thin, 1)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
                raise DevoplanError(f"`{name}` must be an integer of at least {least}, got {value}")

    def shares(self) -> list[int]:
        """Plans per chain: ``plans`` split as evenly as possible, the first chains taking one more."""
        chains = min(self.chains, self.plans)
        return [self.plans // chains + (1 if i < self.plans % chains else 0) for i in range(chains)]


@dataclass(frozen=True, eq=False)
class ChainTask:
    """Everything one chain needs, picklable, so it runs alike in this process, a local one or on Dask."""

    geography: Geography
    options: DesignOptions
    model: ChainModel
    unit_block: np.ndarray
    start: np.ndarray
    plans: int
    burn_in: int
    thin: int
    seed: np.random.SeedSequence


@dataclass(frozen=True, eq=False)
class ChainOutput:
    """One chain's plans (unit level, canonical labels), their scores and the chain's step counts."""

    assignments: np.ndarray
    metric_names: tuple[str, ...]
    values: np.ndarray
    stats: ChainStats


def run_task(task: ChainTask) -> ChainOutput:
    """Run one chain and score its plans (the unit of work sent to a process or a Dask worker)."""
    rng = np.random.default_rng(task.seed)
    blocks, stats = run_chain(task.model, task.start, task.plans, rng, burn_in=task.burn_in, thin=task.thin)
    scorer = PlanScorer(task.geography, task.options, task.model.min_pop, task.model.max_pop)
    units = np.stack([canonical(b[task.unit_block]) for b in blocks]).astype(np.int16)
    scored = [scorer.score(u) for u in units]
    names = tuple(scored[0])
    values = np.array([[s[n] for n in names] for s in scored], dtype=np.float64)
    return ChainOutput(units, names, values, stats)


@dataclass(frozen=True, eq=False)
class EnsembleResult:
    """The ensemble: plans (``assignments[p, u]``: area of unit ``u`` in plan ``p``), every metric of
    every plan (``values[p, m]``, named by ``metric_names``), their summaries and the compared plan."""

    assignments: np.ndarray
    chain: np.ndarray  # chain of every plan
    metric_names: tuple[str, ...]
    values: np.ndarray
    summary: tuple[MetricSummary, ...]
    options: EnsembleOptions
    design_options: DesignOptions
    seed: int
    min_pop: int
    max_pop: int
    n_blocks: int
    chain_stats: tuple[ChainStats, ...]
    compare_label: str | None = None
    compare_metrics: dict[str, float] | None = None
    elapsed: float = 0.0
    engine: str = "serial"
    start_note: str = field(default="")

    @property
    def n_plans(self) -> int:
        return int(self.assignments.shape[0])

    @property
    def distinct_plans(self) -> int:
        return len(np.unique(self.assignments, axis=0))

    def plan(self, index: int, geography: Geography) -> Plan:
        """Ensemble plan ``index`` as a :class:`~devoplan.plan.Plan`: areas coded A01.. by first district,
        named by their code or, for an area holding locked places, by the lock's area name."""
        labels = self.assignments[index].astype(np.int64)
        codes = tuple(f"A{i + 1:02d}" for i in range(int(labels.max()) + 1))
        names = list(codes)
        for place, name in self.design_options.locks.items():
            for area in {int(a) for a in labels[place_units(geography, place)]}:
                names[area] = name
        return Plan(geography.units.codes, labels, codes, tuple(names))


Runner = Callable[[Sequence[ChainTask]], list[ChainOutput]]


def ensemble(
    geography: Geography,
    design_options: DesignOptions | None = None,
    options: EnsembleOptions | None = None,
    *,
    seed: int = 0,
    compare: tuple[str, Plan] | None = None,
    workers: int = 1,
    cluster: str | None = None,
) -> EnsembleResult:
    """Draw ``options.plans`` valid plans under ``design_options``' constraints and score them all.

    ``compare`` is a ``(label, plan)`` to place in the distribution (default: ``design_options.start``,
    labelled "start", when given). ``workers`` local processes, or ``cluster``, a Dask scheduler address.
    """
    t0 = time.perf_counter()
    opts = design_options or DesignOptions()
    ens = options or EnsembleOptions()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DevoplanError(f"`seed` must be a non-negative integer, got {seed}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise DevoplanError(f"`workers` must be an integer of at least 1, got {workers}")
    if cluster is not None and workers > 1:
        raise DevoplanError("give `workers` (local processes) or `cluster` (a Dask scheduler), not both")
    validate_against(geography, opts)
    if compare is not None:
        compare[1].check(geography)  # before any work
    blocks = build_blocks(geography, opts)
    hard_largest = int(blocks.population.max()) if opts.keep_whole else 0
    min_pop, max_pop = resolved_bounds(opts, geography.units.total_population, hard_largest)
    check_feasible(blocks, opts.areas, min_pop, max_pop)
    seeds = np.random.SeedSequence(int(seed)).spawn(len(ens.shares()) + 1)
    start = initial_assignment(geography, blocks, opts, min_pop, max_pop, np.random.default_rng(seeds[0]))
    model = ChainModel.build(blocks, opts.areas, min_pop, max_pop)
    scoring = opts.with_(start=None, frozen_areas=())
    tasks = [ChainTask(geography, scoring, model, blocks.unit_block, start, n, ens.burn_in, ens.thin, s)
             for n, s in zip(ens.shares(), seeds[1:], strict=True)]
    engine, runner = _runner(workers, cluster)
    outputs = runner(tasks)
    names = outputs[0].metric_names
    values = np.concatenate([o.values for o in outputs])
    if compare is None and opts.start is not None:
        compare = ("start", opts.start)
    compare_metrics = None
    if compare is not None:
        compare_metrics = PlanScorer(geography, scoring, min_pop, max_pop).score(compare[1].assignment)
    return EnsembleResult(
        assignments=np.concatenate([o.assignments for o in outputs]),
        chain=np.concatenate([np.full(len(o.values), i, dtype=np.int64) for i, o in enumerate(outputs)]),
        metric_names=names, values=values, summary=summarise(names, values, compare_metrics), options=ens,
        design_options=opts, seed=int(seed), min_pop=min_pop, max_pop=max_pop, n_blocks=blocks.n_blocks,
        chain_stats=tuple(o.stats for o in outputs), compare_label=None if compare is None else compare[0],
        compare_metrics=compare_metrics, elapsed=time.perf_counter() - t0, engine=engine,
    )


def initial_assignment(geography: Geography, blocks: Blocks, opts: DesignOptions, min_pop: int, max_pop: int,
           rng: np.random.Generator) -> np.ndarray:
    """The chains' common start (block assignment): the given plan if it is valid, else a constructed one."""
    if opts.start is not None:
        checks = verify(geography, opts.start, opts, min_pop, max_pop)
        broken = [f"{key.replace('_', ' ')}: {', '.join(str(x) for x in checks[key][:5])}"  # type: ignore[index]
                  for key in CONSTRAINT_CHECKS if checks[key]]
        if broken:
            raise DevoplanError(f"`start` plan breaks the constraints every ensemble plan keeps ({'; '.join(broken)}); "
                                "start from a valid plan (or compare this one with `compare`)")
        return np.array([opts.start.assignment[m[0]] for m in blocks.members], dtype=np.int64)
    obj = build_objective(geography, blocks, opts)
    try:
        state = State(blocks, obj, construct(blocks, obj, opts.areas, max_pop, min_pop), min_pop, max_pop)
        repair(state, rng)
        return state.assign.copy()
    except InfeasibleError as failure:
        return rescue(obj, blocks, min_pop, max_pop, failure)


def _runner(workers: int, cluster: str | None) -> tuple[str, Runner]:
    if cluster is not None:
        return f"dask {cluster}", lambda tasks: _on_dask(cluster, tasks)
    if workers > 1:
        return f"{workers} processes", lambda tasks: _on_processes(workers, tasks)
    return "serial", lambda tasks: [run_task(t) for t in tasks]


def _on_processes(workers: int, tasks: Sequence[ChainTask]) -> list[ChainOutput]:
    """Chains in local processes (spawned: the same on every platform, no inherited threads)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        return list(pool.map(run_task, tasks))


CONNECT_TIMEOUT = "20s"


def _on_dask(address: str, tasks: Sequence[ChainTask]) -> list[ChainOutput]:
    """Chains as tasks on an existing Dask cluster (its workers need devoplan installed)."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DevoplanError(f"`cluster` '{address}': cannot connect to a Dask scheduler there ({exc})") from None
    with client:
        futures = client.map(run_task, list(tasks), pure=False)
        return list(client.gather(futures))
