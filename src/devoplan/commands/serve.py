"""`devoplan serve` (the web workspace) and `devoplan users add` (accounts).

``serve`` opens the database (a SQLite file by default, or ``--db postgresql://...``), applies the
migrations, prints the URL and runs the API and the browser app with Uvicorn until interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from devoplan.commands.info import GeographyOption
from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.store.db import DEFAULT_URL, open_database

DbOption = Annotated[str, typer.Option("--db", help="Database: a SQLite file path or URL, or postgresql://...")]
users_app = typer.Typer(help="Workspace accounts.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")] =
        "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    db: DbOption = DEFAULT_URL,
    geography: GeographyOption = None,
    workers_log: Annotated[str, typer.Option("--log-level", help="Uvicorn's log level.")] = "warning",
) -> None:
    """Run the web workspace: scenarios, live what-ifs, proposals and roles over a database."""
    import uvicorn

    from devoplan.api.app import create_app

    _check_port(host, port)  # before the slow start, and as one line rather than Uvicorn's log and exit
    database = open_database(db)
    app = create_app(database, load_geography(geography))
    typer.echo(f"devoplan workspace on {listen_url(host, port)} (API docs at /docs; database "
               f"{database.engine.url.render_as_string()})", err=False)
    sys.stdout.flush()
    try:
        uvicorn.run(app, host=host, port=port, log_level=workers_log, timeout_graceful_shutdown=5)
    except OSError as exc:  # the port is taken, or the address is not ours
        raise DevoplanError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    finally:
        database.dispose()


def listen_url(host: str, port: int) -> str:
    """The URL of the address the server listens on, as given (``http://[::1]:8000/`` for IPv6).

    Not ``localhost``: that name may resolve to the other IP version than the one listened on.
    An unspecified address (0.0.0.0, ::) is said to mean every interface.
    """
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"http://{host}:{port}/"
    shown = f"[{address}]" if address.version == 6 else str(address)
    return f"http://{shown}:{port}/" + (" (every interface of this machine)" if address.is_unspecified else "")


def _check_port(host: str, port: int) -> None:
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DevoplanError(f"`host` {host!r} is not an address of this machine ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise DevoplanError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another server "
                                "running there? choose another `port`)") from None


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Log-in name.")],
    role: Annotated[str, typer.Option("--role", help="viewer, area, analyst or admin.")],
    area: Annotated[str | None, typer.Option("--area", help="For an area user: a district or layer area code.")] =
        None,
    db: DbOption = DEFAULT_URL,
    geography: GeographyOption = None,
    password_file: Annotated[Path | None, typer.Option(
        "--password-file", help="Read the password from this file's first line (default: ask).")] = None,
) -> None:
    """Create an account (asks for the password unless --password-file is given)."""
    from devoplan.api.context import audit
    from devoplan.api.errors import ApiError
    from devoplan.api.routes.accounts import create_user

    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError):
            raise DevoplanError(f"{password_file}: cannot read a password from its first line") from None
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = open_database(db)
    geo = load_geography(geography)
    try:
        with database.session() as session:
            user = create_user(session, geo, name, password, role, area)
            audit(session, None, "user.add", f"user:{user.id}", name=name, role=role, area=area, via="command line")
            session.commit()
    except ApiError as exc:
        flagged = exc.field in ("role", "area")  # the command's options; name and password are not flags
        raise DevoplanError(f"`{exc.field}`: {exc.message}" if flagged else exc.message) from None
    finally:
        database.dispose()
    typer.echo(f"added {role} '{name}'" + (f" for {area}" if area else ""))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
