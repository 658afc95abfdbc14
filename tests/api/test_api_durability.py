"""Durability: SIGKILL the server during a burst of saves, restart it, and find every acknowledged save,
no half-written version, and a database that passes its integrity check; on SQLite (the file the killed
process was writing) and on PostgreSQL (the database server outlives the killed workspace)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from devoplan.api.plans import digest
from devoplan.geography.model import Geography
from devoplan.store import open_database
from devoplan.store.models import Scenario, Version
from devoplan.testing.workspace import PASSWORD, ROLE_NAMES, free_port, postgres_database, seed_accounts, start_server

WRITERS = 4


def _burst(base: str, headers: dict[str, str], scenario: dict, acked: list[tuple[int, int, str, str]],
           stop: threading.Event) -> None:
    """Save moves back and forth until the server dies; remember every save the server acknowledged."""
    sid, version = scenario["id"], scenario["version"]
    areas = [a["code"] for a in scenario["areas"]]
    district = "E07000127"
    home = scenario["assignment"][district]
    other = next(a for a in areas if a != home)
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        while not stop.is_set():
            target = other if version % 2 else home
            try:
                r = client.post(f"/api/scenarios/{sid}/versions",
                                json={"base_version": version, "moves": [{"district": district, "area": target}]})
            except httpx.HTTPError:
                return  # the server is gone: this save was not acknowledged
            if r.status_code != 201:
                return
            version = r.json()["number"]
            acked.append((sid, version, district, target))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "durable.db")
    return postgres_database(request.getfixturevalue("postgres_server"))


@pytest.mark.slow
def test_sigkill_during_saves_loses_no_acknowledged_save(database_url: str, england: Geography) -> None:
    url = database_url
    database = open_database(url)
    seed_accounts(database, england)
    database.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port)
    try:
        login = httpx.post(f"{base}/api/auth/login", json={"name": ROLE_NAMES["analyst"], "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        scenarios = [httpx.post(f"{base}/api/scenarios", headers=headers, timeout=30, json={
            "name": f"s{i}", "source": {"kind": "layer", "layer": "ICB"}}).json() for i in range(WRITERS)]
        acked: list[tuple[int, int, str, str]] = []
        stop = threading.Event()
        writers = [threading.Thread(target=_burst, args=(base, headers, s, acked, stop)) for s in scenarios]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 30
        while len(acked) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)  # mid-burst: requests are in flight
        server.wait(timeout=10)
        stop.set()
        for w in writers:
            w.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
    assert len(acked) >= 40

    restarted = start_server(url, port)  # migrations run again on the recovered file
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for sid, number, district, area in acked:
                version = client.get(f"/api/scenarios/{sid}/versions/{number}").json()
                assert version["assignment"][district] == area, (sid, number)
    finally:
        restarted.send_signal(signal.SIGINT)
        restarted.wait(timeout=30)

    database = open_database(url)
    try:
        assert database.integrity_ok()
        with database.session() as s:
            for scenario in s.scalars(select(Scenario)):
                versions = list(s.scalars(select(Version).where(Version.scenario_id == scenario.id)
                                          .order_by(Version.number)))
                assert [v.number for v in versions] == list(range(1, scenario.head + 1))  # no gap, no orphan
                for v in versions:
                    assert len(v.labels) == england.n_units and digest(v.labels, v.names) == v.digest
    finally:
        database.dispose()
