"""Writing outputs whole or not at all, even when a run is killed or two runs share a folder.

A command's outputs (``plan.csv``, ``metrics.json``, ``report.html``, ``maps/*.png`` ...) form one
*output set*: the files a reader must see together. :func:`output_set` gives the command an empty
staging folder beside the target and, when the command succeeds, makes it the target in one atomic
step, so a reader (or a run killed at any moment) sees the previous complete set or the new one,
never a mix:

1. the staging folder ``.NAME.staging-PID-XXXX`` is built beside ``NAME`` (same file system);
2. under an exclusive lock on the parent folder (``flock``; two runs into one folder publish one after
   the other), files in ``NAME`` that are not part of its previous output set — a user's own notes —
   are carried into the staging folder as hard links (copies where links are impossible);
3. the staging folder and ``NAME`` are exchanged atomically (Linux ``renameat2(RENAME_EXCHANGE)``;
   elsewhere two renames, with the old folder kept as ``.NAME.old-PID-XXXX`` until the new one is in
   place and restored by the next run if a kill falls between them);
4. the previous set, now in the staging path, is deleted.

Each set lists its files in ``.devoplan-outputs.json``, so the next run knows which files are its
own outputs (replaced or dropped) and which are the user's (kept). Staging and old folders left by a
killed run (their PID no longer runs) are removed by the next run into the same folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from devoplan.errors import DevoplanError, InputError

MANIFEST = ".devoplan-outputs.json"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


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


def check_file_target(out: Path, *, what: str, kind: str, field: str, example: str, suffixes: tuple[str, ...],
                      ours: Callable[[Path], bool], force: bool = False) -> None:
    """Refuse, before any work, a path for one output file that could destroy something or fail late:
    it must end in one of ``suffixes``, lie in a folder that exists or can be made and be written, and
    be new or a file devoplan wrote (``ours(out)``), unless ``force``. ``what`` names the file in the
    messages (``"the report"``), ``kind`` its format (``"HTML"``), ``field`` the parameter that gave it."""
    if out.is_dir():
        raise InputError(f"is a directory; `{field}` names the {kind} file to write, e.g. {example}", file=out)
    if out.suffix.lower() not in suffixes:
        raise InputError(f"{what} is a {kind} file: give a path ending in {suffixes[0]}", file=out)
    parent = next((p for p in (out.parent, *out.parent.parents) if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(f"cannot write {what}: {parent} is a file, not a folder", file=out)
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {what}: no permission to write in {parent}", file=out)
    if out.exists() and not force and not ours(out):
        raise InputError(f"exists and is not {what.replace('the ', 'a ', 1)} devoplan wrote; choose another path or "
                         "pass `force` to overwrite it", file=out)


@contextmanager
def output_set(out: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder; when the block succeeds, it becomes ``out`` atomically.

    On failure (or a kill) ``out`` is untouched. Files in ``out`` that the previous output set did
    not list are kept; the previous set's files that this run does not write are dropped.
    """
    target = _target(out)
    check_out_dir(target)
    with _locked(target.parent):
        clean_stale(target)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}-", dir=target.parent))
    except OSError as exc:
        raise DevoplanError(f"`out` {out}: cannot write in {target.parent} ({exc.strerror})") from None
    try:
        yield staging
        with _locked(target.parent):
            clean_stale(target)
            _publish(staging, target)
    except OSError as exc:
        raise DevoplanError(f"`out` {out}: cannot write the outputs ({exc.strerror or exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def staged_outputs(out: str | Path, prefix: str = "") -> contextlib.AbstractContextManager[Path]:
    """The name commands used before output sets were swapped in whole: now :func:`output_set`."""
    del prefix  # staging folders are named by the target and the process now
    return output_set(out)


def _target(out: str | Path) -> Path:
    path = Path(out).expanduser()
    return path.resolve() if path.exists() else Path(os.path.abspath(path))


def check_out_dir(out: str | Path) -> None:
    """Refuse, before any work, an ``--out`` folder that cannot be written: a file in the way, or a
    parent folder that cannot be created or written (outputs are built beside the folder)."""
    out = _target(out)
    blocker = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise DevoplanError(f"`out` {out}: {blocker} is a file; `out` names the folder to write into")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DevoplanError(f"`out` {out}: cannot create {out.parent} ({exc.strerror})") from None
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise DevoplanError(f"`out` {out}: cannot write in {out.parent} (permission denied)")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` itself (no lock file to leave behind), released on exit or death."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _publish(staging: Path, out: Path) -> None:
    files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if not p.is_dir())
    (staging / MANIFEST).write_text(json.dumps({"files": files}, indent=1) + "\n", encoding="utf-8")
    os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; an output folder is an ordinary one
    if not out.exists():
        os.rename(staging, out)
        return
    if not out.is_dir():
        raise DevoplanError(f"`out` {out}: is a file; `out` names the folder to write into")
    own = read_manifest(out) | set(files) | {MANIFEST}
    _carry(out, staging, own, link=True)
    old = _swap(staging, out)
    _carry(old, out, own, link=False)  # anything a user added while the set was being carried over
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> set[str]:
    """The files of the output set in ``folder`` (none if it has no readable manifest)."""
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(f) for f in doc["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _carry(source: Path, dest: Path, own: set[str], *, link: bool) -> None:
    """Put every file of ``source`` not in ``own`` (and every empty folder) at the same place in ``dest``."""
    for root, dirs, names in os.walk(source):
        here = Path(root)
        rel_root = here.relative_to(source)
        if not dirs and not names and rel_root != Path("."):
            (dest / rel_root).mkdir(parents=True, exist_ok=True)
        for name in names:
            rel = (rel_root / name).as_posix()
            target = dest / rel
            if rel in own or target.exists() or target.is_symlink():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            _transfer(here / name, target, link)


def _transfer(src: Path, dst: Path, link: bool) -> None:
    if not link:
        os.rename(src, dst)
        return
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)


def _swap(staging: Path, out: Path) -> Path:
    """Exchange ``staging`` and ``out``; return where the old set now is."""
    if _exchange(staging, out):
        return staging
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    os.rename(staging, out)
    return old


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def clean_stale(out: Path) -> None:
    """Remove staging and old folders of ``out`` whose run is dead; put back an old set a kill left out."""
    prefixes = (f".{out.name}.staging-", f".{out.name}.old-")
    for entry in sorted(out.parent.iterdir()) if out.parent.is_dir() else ():
        kind = next((p for p in prefixes if entry.name.startswith(p)), None)
        if kind is None or not entry.is_dir() or _alive(entry.name[len(kind):]):
            continue
        if kind.endswith("old-") and not out.exists():
            os.rename(entry, out)  # a kill between the two renames of the fallback swap
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _alive(rest: str) -> bool:
    pid_text = rest.split("-", 1)[0]
    if not pid_text.isdigit():
        return True  # not ours to judge
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
