"""Writing measured results into docs/benchmarks.md, one section per benchmark."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(heading: str, text: str, doc: Path = DOC) -> None:
    """Replace the section starting with ``heading`` (or append it), leaving the others alone; atomic."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current) is not None:
        updated = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", current).rstrip("\n") + "\n"
    else:
        updated = current.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    tmp = doc.with_suffix(".md.tmp")
    tmp.write_text(updated, encoding="utf-8")
    tmp.replace(doc)


def measured_on(module: str) -> str:
    """The first line of a section: the command, the machine, Python and NumPy versions, the date."""
    import platform
    import time

    import numpy as np

    return (f"`python -m {module}` on {platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}, NumPy {np.__version__}, measured {time.strftime('%Y-%m-%d')}")


def publish(heading: str, text: str) -> None:
    """Print a benchmark's section and write it into docs/benchmarks.md."""
    print(text)
    write_section(heading, text)
