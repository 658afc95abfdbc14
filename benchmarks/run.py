"""Run every benchmark module (`python -m benchmarks.run [name ...]`), one after another.

Each ``benchmarks/bench_*.py`` is a script runnable on its own (``python -m benchmarks.bench_x``)
that measures on the bundled England geography and writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    chosen = [n for n in names if not argv or any(a in n for a in argv)]
    if not chosen:
        print(f"no benchmark matches {argv}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in chosen:
        start = time.perf_counter()
        print(f"== {name}", flush=True)
        saved = sys.argv
        sys.argv = [name]
        try:
            runpy.run_module(f"benchmarks.{name}", run_name="__main__")
        finally:
            sys.argv = saved
        print(f"== {name} done in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
