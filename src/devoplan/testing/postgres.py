"""A throwaway PostgreSQL server for tests and benchmarks: Debian's ``postgresql`` binaries, a new
cluster in a temporary directory on a free local port, removed afterwards.

``throwaway_postgres()`` yields a ``postgresql://`` URL, or raises :class:`Unavailable` saying why
(no binaries and no way to install them). Run as root, it installs the package with apt-get when it
is missing and runs the server as the ``postgres`` system user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Unavailable(Exception):
    """PostgreSQL cannot be run here; the message says why."""


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def install() -> Path:
    """The directory of initdb/pg_ctl, installing Debian's package first when root can."""
    found = _bin_dir()
    if found is not None:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Unavailable("PostgreSQL is not installed (needs Debian's postgresql package; not root with apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise Unavailable(f"installing postgresql failed: {done.stderr.strip()[-300:]}")
    found = _bin_dir()
    if found is None:
        raise Unavailable("postgresql installed but no initdb found under /usr/lib/postgresql")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def throwaway_postgres(*, durable: bool = False) -> Iterator[str]:
    """Start a fresh cluster (fsync off unless ``durable``) and yield its URL; stop and delete it after."""
    bin_dir = install()
    root = Path(tempfile.mkdtemp(prefix="devoplan-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    log = root / "server.log"
    try:
        _run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "devoplan", "--auth=trust",
                              "-E", "UTF8", "--no-instructions"]))
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                              "start"]))
        yield f"postgresql://devoplan@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                            "stop"]), capture_output=True, timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise Unavailable(f"{Path(cmd[cmd.index('--') + 1 if '--' in cmd else 0]).name} failed: "
                          f"{(done.stderr or done.stdout).strip()[-400:]}")
