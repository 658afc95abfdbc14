"""The ``devoplan`` command: a thin shell over the library.

Each command group lives in its own module under :mod:`devoplan.commands` and registers itself
on the app. This module owns one thing: turning domain errors into one line and exit status 2.
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from typing import Annotated, NoReturn

import typer
import typer.main
from rich.console import Console
from rich.text import Text

from devoplan import __version__
from devoplan.commands.numbers import checked_numbers
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
    "devoplan.commands.ensemble",
    "devoplan.commands.fund",
    "devoplan.commands.report",
    "devoplan.commands.compare",
    "devoplan.commands.demo",
    "devoplan.commands.roadmap",
    "devoplan.commands.outcomes",
    "devoplan.commands.pbr",
    "devoplan.commands.markets",
    "devoplan.commands.whatif",
    "devoplan.commands.serve",
)

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    for info in app.registered_commands:  # every numeric option of every command, whoever adds it
        if info.callback is not None:
            info.callback = checked_numbers(info.callback)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"devoplan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                          callback=_show_version, is_eager=True)] = False,
) -> None:
    """Plan devolved, coterminous public-service commissioning areas for England."""


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point: a usage error or a DevoplanError becomes one line on stderr and exit status 2.

    Click would draw usage errors as a multi-line box after the usage text; here they are one line
    like every other user error (``devoplan COMMAND --help`` still shows the usage). Numeric warnings
    (overflow, division by zero inside numpy) are not shown: results are checked where they matter.
    """
    command = typer.main.get_command(app)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            code = command.main(args=argv, prog_name="devoplan", standalone_mode=False)
        except DevoplanError as exc:
            _fail(str(exc))
        except typer.TyperException as exc:  # Click's usage errors (bad or missing options, unknown commands)
            _fail(_usage_line(exc))
        except (typer.Abort, KeyboardInterrupt):
            err_console.print("interrupted")
            sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str) -> NoReturn:
    err_console.print(Text.assemble(("error: ", "bold red"), " ".join(as_flags(message).split())))
    sys.exit(2)


# Library errors name parameters in backquotes (`max_pop`); on the command line they are flags.
PARAMETER = re.compile(r"(?<![:\w`])`([a-z][a-z0-9_]*)`(?!`)")
FLAG_OF: dict[str, str] = {"locks": "--lock", "moves": "--move"}


def as_flags(message: str) -> str:
    """A library message with every backquoted parameter shown as its flag (`max_pop` -> --max-pop)."""
    return PARAMETER.sub(lambda m: FLAG_OF.get(m.group(1), "--" + m.group(1).replace("_", "-")), message)


def _usage_line(exc: typer.TyperException) -> str:
    """Click's message with the command it concerns, e.g. "devoplan design: Missing option '--out'"."""
    ctx = getattr(exc, "ctx", None)
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if ctx is None:
        return str(message)
    return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"


if __name__ == "__main__":  # pragma: no cover
    main()
