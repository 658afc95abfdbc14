"""`devoplan serve` prints the URL it really listens on, and refuses, in one line with exit status 2,
what it cannot do: a port in use, a database it cannot open, a database URL of another kind."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devoplan.testing.cli import run_cli
from devoplan.testing.workspace import free_port


def test_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run_cli(["serve", "--port", str(port), "--db", str(tmp_path / "w.db")], capsys)
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    assert not (tmp_path / "w.db").exists()  # refused before anything was created


@pytest.mark.parametrize(("url", "words"), [
    ("postgresql://nobody:secret@127.0.0.1:1/x", "cannot open database --db postgresql://nobody:***@127.0.0.1:1/x"),
    ("mysql://root@localhost/db", "--db must be a SQLite file or a postgresql:// URL"),
])
def test_bad_database(url: str, words: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["serve", "--port", str(free_port()), "--db", url], capsys)
    assert code == 2 and words in err, err
    assert "secret" not in err


def test_prints_the_address_it_listens_on(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    heard: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: heard.update(options))
    port = free_port()
    code, out, _ = run_cli(["serve", "--port", str(port), "--db", str(tmp_path / "w.db")], capsys)
    assert code == 0 and heard["host"] == "127.0.0.1" and heard["port"] == port
    assert f"devoplan workspace on http://127.0.0.1:{port}/ (API docs at /docs" in out


@pytest.mark.parametrize(("host", "url"), [
    ("::1", "http://[::1]:8000/"), ("0.0.0.0", "http://0.0.0.0:8000/ (every interface of this machine)"),
    ("workspace.example", "http://workspace.example:8000/"),
])
def test_listen_url(host: str, url: str) -> None:
    from devoplan.commands.serve import listen_url

    assert listen_url(host, 8000) == url
