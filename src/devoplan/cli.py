"""The ``devoplan`` command: a thin shell over the library.

Each command group lives in its own module under :mod:`devoplan.commands` and registers itself
on the app. This module owns one thing: turning domain errors into one line and exit status 2.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console
from rich.text import Text

from devoplan.errors import DevoplanError

app = typer.Typer(
    name="devoplan",
    help="Plan devolved, coterminous public-service commissioning areas for England.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules, each exposing ``register(app)``. Add a module here to add commands.
COMMAND_MODULES: tuple[str, ...] = (
    "devoplan.commands.info",
    "devoplan.commands.data",
    "devoplan.commands.audit",
    "devoplan.commands.design",
    "devoplan.commands.fund",
    "devoplan.commands.report",
    "devoplan.commands.compare",
    "devoplan.commands.demo",
)

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet; every other import failure is a real bug
                continue
            raise
        module.register(app)


@app.callback()
def _root() -> None:
    """Plan devolved, coterminous public-service commissioning areas for England."""


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point. Usage errors are Click's (exit 2); a DevoplanError becomes one line and exit 2."""
    try:
        app(args=argv)
    except DevoplanError as exc:
        err_console.print(Text.assemble(("error: ", "bold red"), str(exc)))
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
