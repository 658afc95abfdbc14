"""Domain errors. Each carries a one-line message a user can act on; the CLI prints it and exits 2."""

from __future__ import annotations

from pathlib import Path


class DevoplanError(Exception):
    """Base of every error caused by the user's input or request (never by a bug in devoplan)."""


class InputError(DevoplanError):
    """A file the user gave (or a bundle) is malformed. The message names file, row and field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class SpecError(DevoplanError):
    """A specification (e.g. a funding formula TOML) is invalid. The message names the key path."""

    def __init__(self, message: str, *, key: str | None = None, file: str | Path | None = None) -> None:
        self.key = key
        parts = [str(file)] if file is not None else []
        if key is not None:
            parts.append(f"key '{key}'")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class InfeasibleError(DevoplanError):
    """A request cannot be satisfied; the message states the numbers that make it impossible."""


def reject_unknown(option: str, value: str, allowed: list[str] | tuple[str, ...]) -> DevoplanError:
    """Build the standard error for an unknown option value, listing the allowed ones."""
    return DevoplanError(f"unknown {option} '{value}'; allowed: {', '.join(allowed)}")
