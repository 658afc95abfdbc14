"""Every table of the report downloads as CSV, and all of them as one XLSX workbook; the summary page."""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from devoplan.plan import Plan
from devoplan.report.build import build_report
from devoplan.report.downloads import PageTable, csv_bytes, page_tables, with_downloads, write_tables, xlsx_bytes
from devoplan.testing.report import synthetic_allocations, tiny_geography

PAGE = ("<section><h2>Money</h2><h3>Totals</h3><table><thead><tr><th>year</th><th>£</th><th>share</th></tr></thead>"
        "<tbody><tr><td>2026/27</td><td>£1,912</td><td>-8.1%</td></tr>"
        "<tr><td>=HYPERLINK(&quot;x&quot;)</td><td>1,234.5</td><td>A01</td></tr></tbody></table>"
        "<h3>Totals</h3><div class=\"scroll\"><table><tbody><tr><td>a<br><code>b</code></td><td>-2</td></tr>"
        "</tbody></table></div></section><section>PLACEHOLDER</section>")


def test_tables_are_read_back_with_their_headings_and_unique_names() -> None:
    tables = page_tables(PAGE)
    assert [t.name for t in tables] == ["money-totals", "money-totals-2"]
    assert tables[0].title == "Money — Totals" and tables[0].header == ("year", "£", "share")
    assert tables[0].rows[1] == ('=HYPERLINK("x")', "1,234.5", "A01")
    assert tables[1].header == () and tables[1].rows == (("a b", "-2"),)


def test_csv_keeps_what_the_page_shows_and_never_a_formula() -> None:
    text = csv_bytes(page_tables(PAGE)[0]).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["year", "£", "share"], ["2026/27", "£1,912", "-8.1%"], ["'=HYPERLINK(\"x\")", "1,234.5", "A01"]]
    assert next(csv.reader(io.StringIO(csv_bytes(page_tables(PAGE)[1]).decode("utf-8-sig")))) == ["a b", "-2"]


def test_workbook_has_numbers_as_numbers_text_as_text_and_the_same_bytes_each_time() -> None:
    tables = page_tables(PAGE)
    data = xlsx_bytes(tables)
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # fixed time stamps: the same report gives the same workbook
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert re.findall(rb"<dcterms:modified[^>]*>([^<]*)<", z.read("docProps/core.xml")) == [b"2000-01-01T00:00:00Z"]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Contents", "money-totals", "money-totals-2"]
    sheet = wb["money-totals"]
    assert [c.value for c in sheet[3]] == ["2026/27", 1912, pytest.approx(-0.081)]
    assert sheet["B3"].number_format == "£#,##0" and sheet["C3"].number_format == "0.0%"
    assert [c.value for c in sheet[4]] == ['=HYPERLINK("x")', 1234.5, "A01"] and sheet["A4"].data_type == "s"
    long = [PageTable("x" * 40, "t", (), ()), PageTable("x" * 40, "t", (), ())]
    assert openpyxl.load_workbook(io.BytesIO(xlsx_bytes(long))).sheetnames == ["Contents", "x" * 31, "x" * 29 + "-2"]


def test_every_table_gets_a_link_and_the_workbook_lists_them(tmp_path: Path) -> None:
    page = with_downloads(PAGE.replace("PLACEHOLDER", "<!--devoplan:downloads-->"))
    assert page.count("Download this table (CSV)") == 2
    link = re.search(r'download="money-totals.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"', page)
    assert link and base64.b64decode(link.group(1)) == csv_bytes(page_tables(PAGE)[0])
    assert "XLSX, 2 sheets" in page and "<li>Money — Totals (2 rows)</li>" in page
    written = write_tables(PAGE, tmp_path)
    assert sorted(p.name for p in written) == ["money-totals-2.csv", "money-totals.csv", "report_tables.xlsx"]


def test_report_has_the_summary_first_and_every_table_downloadable(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    metrics = {"funding": {"assumptions": [{"key": "lines.skills.total", "value": 2.5e9, "note": "not published"}],
                           "winners_and_losers": {"year": "2029/30", "national_cash_growth_pct": 10.0, "n_winners": 1,
                                                  "n_losers": 1,
                                                  "winners": [{"area_name": "H1 name", "cash_growth_pct": 12.0}],
                                                  "losers": [{"area_name": "H2 name", "cash_growth_pct": 8.0}]},
                           "baseline": {"assumption": True}}}
    html = build_report(geo, Plan.from_layer(geo, "ICB"), tmp_path / "r.html", allocations=synthetic_allocations(),
                        metrics=metrics).read_text(encoding="utf-8")
    ids = re.findall(r'<section id="([^"]+)"', html)
    assert ids[0] == "summary" and ids[-2:] == ["sources", "downloads"]
    summary = re.search(r'<section id="summary">(.*?)</section>', html, re.S).group(1)  # type: ignore[union-attr]
    assert "1 areas grow faster than the national 10.0% cash growth" in summary
    assert "Largest gains: H1 name (+12.0%)." in summary and "Smallest gains: H2 name (+8.0%)." in summary
    assert "1 figures of the funding formula are judgement calls" in summary
    assert html.count("<table") == html.count("Download this table (CSV)") > 3
    book = re.search(r'download="report_tables.xlsx" href="data:[^;]+;base64,([^"]+)"', html)
    assert book is not None
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(book.group(1))))
    assert len(wb.sheetnames) == html.count("<table") + 1
    areas = wb[wb.sheetnames[-1]]  # the areas, one row each, closes the appendix
    assert [c.value for c in areas[2]][:4] == ["number", "code", "name", "residents"]
