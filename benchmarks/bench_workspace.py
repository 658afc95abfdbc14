"""Workspace load test: 50 users previewing and saving edits against a running `devoplan serve`.

Each simulated user logs in, makes its own scenario (today's ICBs), then every 1-3 s either previews
a move (70%) or saves one as a new version (30%): a random district moved to a neighbouring area
that would not empty its own. The server is a real `devoplan serve` process on 127.0.0.1 over SQLite
(a file, WAL, synchronous=FULL) and over PostgreSQL (a throwaway cluster with fsync on). The client
is asyncio + httpx, bounded to the chosen duration. Targets: no errors, p95 of a preview < 50 ms,
p95 of a saved edit < 150 ms. Results go to the "Workspace under load" section of docs/benchmarks.md.

Run: ``python -m benchmarks.bench_workspace [--users 50] [--seconds 120] [--db sqlite,postgresql]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from benchmarks.docs import measured_on, publish
from devoplan import load_geography
from devoplan.api.routes.accounts import create_user
from devoplan.geography.model import Geography
from devoplan.store import open_database
from devoplan.testing.postgres import Unavailable, throwaway_postgres
from devoplan.testing.workspace import free_port, start_server

HEADING = "## Workspace under load"
PASSWORD = "load test password"


@dataclass
class Tally:
    """Latencies (ms) per kind of request and the errors seen."""

    times: dict[str, list[float]] = field(default_factory=lambda: {"preview": [], "save": []})
    errors: list[str] = field(default_factory=list)

    def summary(self, kind: str) -> dict[str, float]:
        t = sorted(self.times[kind])
        if not t:
            return {"n": 0, "median": float("nan"), "p95": float("nan"), "max": float("nan")}
        return {"n": len(t), "median": statistics.median(t), "p95": t[min(len(t) - 1, int(0.95 * len(t)))],
                "max": t[-1]}


def _seed(url: str, geo: Geography, users: int) -> None:
    database = open_database(url)
    with database.session() as session:
        for i in range(users):
            create_user(session, geo, f"load{i:02d}", PASSWORD, "analyst", None)
        session.commit()
    database.dispose()


class User:
    """One simulated person editing their own scenario."""

    def __init__(self, index: int, client: httpx.AsyncClient, geo: Geography, tally: Tally, rng: random.Random):
        self.name, self.client, self.geo, self.tally, self.rng = f"load{index:02d}", client, geo, tally, rng
        self.headers: dict[str, str] = {}
        self.scenario = 0
        self.version = 1
        self.labels: list[str] = []

    async def start(self) -> None:
        login = await self.client.post("/api/auth/login", json={"name": self.name, "password": PASSWORD})
        login.raise_for_status()
        self.headers = {"Authorization": f"Bearer {login.json()['token']}"}
        made = await self.client.post("/api/scenarios", headers=self.headers, json={
            "name": f"{self.name}'s ICBs", "source": {"kind": "layer", "layer": "ICB"}})
        made.raise_for_status()
        doc = made.json()
        self.scenario, self.version = doc["id"], doc["version"]
        self.labels = [doc["assignment"][c] for c in self.geo.units.codes]

    def move(self) -> dict[str, str]:
        counts: dict[str, int] = {}
        for label in self.labels:
            counts[label] = counts.get(label, 0) + 1
        adjacency = self.geo.adjacency
        while True:
            u = self.rng.randrange(self.geo.n_units)
            if counts[self.labels[u]] == 1:
                continue
            others = [self.labels[int(v)] for v in adjacency.neighbours(u) if self.labels[int(v)] != self.labels[u]]
            if others:
                return {"district": self.geo.units.codes[u], "area": self.rng.choice(others)}

    async def run(self, until: float) -> None:
        while True:
            await asyncio.sleep(self.rng.uniform(1.0, 3.0))
            if time.monotonic() >= until:
                return
            move = self.move()
            save = self.rng.random() < 0.3
            url = f"/api/scenarios/{self.scenario}/" + ("versions" if save else "preview")
            body = {"base_version": self.version, "moves": [move]} if save else {"moves": [move]}
            t0 = time.perf_counter()
            try:
                response = await self.client.post(url, headers=self.headers, json=body)
            except httpx.HTTPError as exc:
                self.tally.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code >= 300:
                self.tally.errors.append(f"{response.status_code} {response.text[:200]}")
                continue
            self.tally.times["save" if save else "preview"].append(elapsed)
            if save:
                self.version = response.json()["number"]
                self.labels[self.geo.units.index[move["district"]]] = move["area"]


async def _drive(port: int, geo: Geography, users: int, seconds: float, seed: int) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=users + 5)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, limits=limits) as client:
        people = [User(i, client, geo, tally, random.Random(seed * 1000 + i)) for i in range(users)]
        await asyncio.gather(*(p.start() for p in people))
        until = time.monotonic() + seconds
        await asyncio.gather(*(p.run(until) for p in people))
    return tally


def measure(url: str, geo: Geography, users: int, seconds: float, seed: int = 0) -> Tally:
    """Seed accounts, start a server on ``url``, drive it, stop it."""
    _seed(url, geo, users)
    port = free_port()
    server = start_server(url, port)
    try:
        return asyncio.run(_drive(port, geo, users, seconds, seed))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    geo = load_geography()
    rows = []
    with ExitStack() as stack:
        for kind in args.db.split(","):
            if kind == "sqlite":
                url = str(Path(stack.enter_context(tempfile.TemporaryDirectory())) / "load.db")
            else:
                try:
                    url = stack.enter_context(throwaway_postgres(durable=True))
                except Unavailable as why:
                    rows.append(f"| PostgreSQL | skipped: {why} | | | | |")
                    continue
            tally = measure(url, geo, args.users, args.seconds)
            p, s = tally.summary("preview"), tally.summary("save")
            label = "SQLite (WAL, synchronous=FULL)" if kind == "sqlite" else "PostgreSQL 15 (fsync on)"
            met = not tally.errors and p["p95"] < 50 and s["p95"] < 150
            rows.append(f"| {label} | {p['n'] + s['n']} | {len(tally.errors)} | {p['median']:.1f} / "
                        f"**{p['p95']:.1f}** / {p['max']:.0f} | {s['median']:.1f} / **{s['p95']:.1f}** / "
                        f"{s['max']:.0f} | {'yes' if met else 'no'} |")
            for e in tally.errors[:5]:
                print("error:", e, file=sys.stderr)
    text = "\n".join([
        HEADING, "",
        measured_on("benchmarks.bench_workspace") + f"; {args.users} users for {args.seconds:.0f} s each, "
        f"{os.cpu_count()} cores shared by the server, the database and the client.", "",
        f"{args.users} simulated users each preview (70%) or save (30%) a move of a random district to a "
        "neighbouring area every 1-3 s against `devoplan serve` on 127.0.0.1; latency is measured at the "
        "client (HTTP included). Targets: 0 errors, p95 preview < 50 ms, p95 saved edit < 150 ms.", "",
        "| database | requests | errors | preview median / p95 / max (ms) | save median / p95 / max (ms) | "
        "targets met |",
        "|---|---:|---:|---|---|---|",
        *rows,
    ])
    publish(HEADING, text)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
