"""The self-contained HTML report (see ``docs/report.md``).

>>> from devoplan.report import build_report, render_from_files
>>> build_report(geography, plan, Path("out/report.html"), allocations=funding.allocations, metrics=doc)
>>> render_from_files(Path("out/plan.csv"), Path("out/allocations.csv"), Path("out/metrics.json"), Path("r.html"))
"""

from devoplan.report.build import build_report, render, render_from_files
from devoplan.report.data import ReportData

__all__ = ["ReportData", "build_report", "render", "render_from_files"]
