"""Running the `devoplan` command inside a test, as a user would from a shell."""

from __future__ import annotations

import pytest

from devoplan.cli import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``devoplan ARGV`` (main always ends in SystemExit)."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err
