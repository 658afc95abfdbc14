"""Writing outputs whole or not at all.

A failed run must never leave a half-written file where a user expects a result, so every command
writes to a temporary file or directory beside its target and moves the result into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from devoplan.errors import DevoplanError


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Run ``write(tmp)`` on a temporary file beside ``path`` and move it into place."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; outputs are ordinary files
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


@contextmanager
def staged_outputs(out: Path, prefix: str) -> Iterator[Path]:
    """Yield an empty directory inside ``out``; when the block succeeds, move what was written there into ``out``.

    Files go to ``out`` under the same names, files in subdirectories to the same subdirectories of ``out``;
    other files already in ``out`` are left alone. On failure nothing in ``out`` changes.
    """
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=out))
    try:
        yield tmp
        for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
            target = out / path.relative_to(tmp)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_out_dir(out: Path) -> None:
    """Refuse, before any work, an ``--out`` folder that cannot exist because it or a parent is a file."""
    out = Path(out)
    blocker = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise DevoplanError(f"--out {out}: {blocker} is a file; --out names the folder to write into")
