"""Re-make the README's report screenshot (docs/img/report.png) from a report built by ``make demo``.

The image shows what a reader needs first: the one-page summary, then the map of the proposed areas
with its numbered legend and the London inset. A copy of ``out/report.html`` gets one extra style rule
that hides the contents list and every other section (the report itself is untouched), and headless
Debian Chromium draws it at a fixed window size, so the picture changes only when the report does.
Run after ``make demo``:

    .venv/bin/python scripts/report_screenshot.py [--report out/report.html] [--out docs/img/report.png]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from devoplan.testing.browser import CHROMIUM_ARGS, find_chromium

WIDTH, HEIGHT = 1240, 2043  # the README image's size: summary and map on one screen
SHOWN = ("summary", "areas")  # the report sections in the picture, by id


def screenshot(report: Path, out: Path, width: int = WIDTH, height: int = HEIGHT) -> None:
    """Draw ``report`` in headless Chromium at ``width`` x ``height`` CSS pixels into the PNG ``out``."""
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Chromium not found: install Debian's chromium (apt-get install -y chromium)")
    if not report.is_file():
        raise SystemExit(f"{report}: no such report; run `make demo` first")
    hidden = "nav[aria-label=Contents], section" + "".join(f":not(#{s})" for s in SHOWN)
    html = report.read_text(encoding="utf-8").replace("</head>", f"<style>{hidden} {{display: none}}</style></head>", 1)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run([chromium, "--headless", *CHROMIUM_ARGS, f"--user-data-dir={tmp}/profile", "--hide-scrollbars",
                        f"--window-size={width},{height}", "--virtual-time-budget=10000",
                        f"--screenshot={out.resolve()}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(f"wrote {out} ({width} x {height})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=Path("out/report.html"))
    parser.add_argument("--out", type=Path, default=Path("docs/img/report.png"))
    args = parser.parse_args(argv)
    screenshot(args.report, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
