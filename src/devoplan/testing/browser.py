"""Helpers for tests that drive a real browser: find Debian's Chromium and serve an ASGI app on
127.0.0.1 in a background thread (a free port, stopped when the block ends)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless Chromium as root needs --no-sandbox; WebGL (the map) runs on SwiftShader, which recent
# Chromium only enables when asked.
CHROMIUM_ARGS = ("--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--disable-gpu-sandbox",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run")


def find_chromium() -> str | None:
    """Path of an installed Chromium (Debian's ``chromium`` first), or ``None``."""
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@contextmanager
def serving(app: Any, timeout: float = 30.0) -> Iterator[str]:
    """Run ``app`` with Uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
