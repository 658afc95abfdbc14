"""Optimiser jobs: ``design()`` in a child process, with progress in the database and cancellation.

The server must keep answering previews while the optimiser runs for seconds or minutes, so each job
runs in its own process (spawned, handed the geography's directory and the validated options). The child sends
progress messages through a pipe; a watcher thread in the server writes them to the job's row
(throttled), turns the result into a scenario, and on cancel terminates the child. A job left
running by a server that died is marked failed when the next server starts.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from devoplan.design.api import design
from devoplan.design.options import DesignOptions
from devoplan.design.search import Progress
from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.store.db import Database
from devoplan.store.models import Job, Scenario

PROGRESS_EVERY = 0.5  # seconds between progress writes
_CTX = mp.get_context("spawn")


def _child(directory: Path | None, options: DesignOptions, seed: int, conn: Connection) -> None:
    """Runs in the job's process: load the geography, design, reporting progress; the last message is the
    result or the error."""
    last = [0.0]

    def report(p: Progress) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY or p.phase == "done":
            last[0] = time.monotonic()
            conn.send(("progress", p.bar_fraction, p.phase))

    try:
        conn.send(("progress", 0.0, "loading the geography"))
        geography = load_geography(directory)
        result = design(geography, options, seed=seed, progress=report)
        plan = result.plan
        conn.send(("done", plan.labels(), dict(zip(plan.area_codes, plan.area_names, strict=True)),
                   round(result.objective, 6)))
    except DevoplanError as exc:
        conn.send(("failed", " ".join(str(exc).split())))
    except Exception:  # a bug: keep the trace for the server log, tell the user it failed
        conn.send(("failed", "internal error in the optimiser: " + traceback.format_exc(limit=3).splitlines()[-1]))
    finally:
        conn.close()


@dataclass
class Running:
    process: Any
    cancel: threading.Event


class JobRunner:
    """Starts, watches and cancels optimiser jobs; ``on_done(job, labels, names)`` makes the scenario."""

    def __init__(self, db: Database, geography: Geography) -> None:
        self.db = db
        self.geography = geography
        self._running: dict[int, Running] = {}
        self._lock = threading.Lock()
        self.on_done: Any = None  # set by the app: (session, job, labels, names, objective) -> Scenario

    def recover(self) -> None:
        """Jobs a previous server left queued or running cannot finish: say so."""
        with self.db.session() as s:
            s.execute(update(Job).where(Job.status.in_(("queued", "running"))).values(
                status="failed", message="the server stopped while the job ran; start it again",
                finished_at=datetime.now(UTC)))
            s.commit()

    def start(self, job_id: int, options: DesignOptions, seed: int) -> None:
        receive, send = _CTX.Pipe(duplex=False)
        process = _CTX.Process(target=_child, args=(self.geography.assets.directory, options, seed, send), daemon=True)
        process.start()
        send.close()
        running = Running(process, threading.Event())
        with self._lock:
            self._running[job_id] = running
        self._set(job_id, status="running", phase="starting")
        threading.Thread(target=self._watch, args=(job_id, running, receive), daemon=True).start()

    def cancel(self, job_id: int) -> bool:
        with self._lock:
            running = self._running.get(job_id)
        if running is None:
            return False
        running.cancel.set()
        running.process.terminate()
        return True

    def active(self) -> int:
        with self._lock:
            return len(self._running)

    def shutdown(self) -> None:
        for job_id in list(self._running):
            self.cancel(job_id)

    def _set(self, job_id: int, **values: Any) -> None:
        with self.db.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(**values))
            s.commit()

    def _watch(self, job_id: int, running: Running, conn: Connection) -> None:
        outcome: tuple[Any, ...] = ("failed", "the optimiser process ended without a result")
        try:
            while True:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    break
                if message[0] == "progress":
                    self._set(job_id, progress=float(message[1]), phase=str(message[2])[:80])
                else:
                    outcome = message
                    break
        finally:
            conn.close()
            running.process.join(timeout=5)
            with self._lock:
                self._running.pop(job_id, None)
        self._finish(job_id, running, outcome)

    def _finish(self, job_id: int, running: Running, outcome: tuple[Any, ...]) -> None:
        finished = datetime.now(UTC)
        if running.cancel.is_set():
            self._set(job_id, status="cancelled", message="cancelled", finished_at=finished)
            return
        if outcome[0] != "done":
            self._set(job_id, status="failed", message=str(outcome[1]), finished_at=finished)
            return
        with self.db.session() as s:
            job = s.scalar(select(Job).where(Job.id == job_id))
            if job is None:
                return
            scenario: Scenario = self.on_done(s, job, outcome[1], outcome[2], outcome[3])
            job.status, job.progress, job.phase, job.scenario_id = "done", 1.0, "done", scenario.id
            job.message, job.finished_at = f"objective {outcome[3]}", finished
            s.commit()

