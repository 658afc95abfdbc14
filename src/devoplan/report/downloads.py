"""Every table of the report as a download: a CSV link under each table, and one XLSX workbook of all.

The tables are read back from the finished page (:func:`page_tables`), so a table any section adds
is downloadable without that section doing anything. The files travel inside the page as ``data:``
links (the report stays one self-contained file) and can also be written beside it
(:func:`write_tables`). The CSV holds the cells as the page shows them; the workbook turns plain
numbers, percentages and whole-pound figures into numbers. Text that a spreadsheet would run as a
formula (starting ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading
apostrophe in CSV (:func:`devoplan.csvcells.neutralise`) and as text in XLSX. The workbook's bytes
depend only on the tables (fixed time stamps), so the same report gives the same workbook.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

from devoplan.csvcells import DISPLAY_NUMBER, neutralise
from devoplan.report.html import Section, esc

PLACEHOLDER = "<!--devoplan:downloads-->"
WORKBOOK = "report_tables.xlsx"
_TABLE_END = re.compile(r"</table>(</div>)?")
_FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PageTable:
    """One table of the page: a unique file name (no suffix), where it sits, its header and rows as shown."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class _Reader(HTMLParser):
    """Collects every table's cells as text, with the section (h2) and heading (h3) before it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []
        self._heading: dict[str, str] = {"h2": "", "h3": ""}
        self._in: str | None = None
        self._text: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._header: list[str] = []
        self._rows: list[list[str]] = []
        self._depth = 0
        self._thead = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "h3") and self._depth == 0:
            self._in, self._text = tag, []
            if tag == "h2":
                self._heading["h3"] = ""
        elif tag == "table":
            self._depth += 1
            self._header, self._rows = [], []
        elif tag == "thead":
            self._thead = True
        elif tag == "tr" and self._depth:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._heading[tag] = " ".join("".join(self._text).split())
            self._in = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "thead":
            self._thead = False
        elif tag == "tr" and self._row is not None:
            if self._thead:
                self._header = self._row
            else:
                self._rows.append(self._row)
            self._row = None
        elif tag == "table" and self._depth:
            self._depth -= 1
            title = " — ".join(h for h in (self._heading["h2"], self._heading["h3"]) if h)
            self.tables.append((title, self._header, self._rows))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in is not None:
            self._text.append(data)


def page_tables(page: str) -> list[PageTable]:
    """Every table in the page, in order, each with a unique file-safe name from its headings."""
    reader = _Reader()
    reader.feed(page)
    reader.close()
    out: list[PageTable] = []
    used: dict[str, int] = {}
    for title, header, rows in reader.tables:
        base = _slug(title) or "table"
        used[base] = used.get(base, 0) + 1
        name = base if used[base] == 1 else f"{base}-{used[base]}"
        out.append(PageTable(name, title or "Table", tuple(header), tuple(tuple(r) for r in rows)))
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


def csv_bytes(table: PageTable) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (so spreadsheets read '£' and '–' right)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if table.header:
        writer.writerow([neutralise(c) for c in table.header])
    writer.writerows([neutralise(c) for c in row] for row in table.rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _number(cell: str) -> tuple[float, str] | None:
    """``(value, number format)`` for plain numbers, percentages and whole-pound figures; else None."""
    m = DISPLAY_NUMBER.match(cell.strip())
    if m is None:
        return None
    text = m.group("num").replace(",", "").replace("−", "-")
    value = float(text)
    decimals = len(text.split(".")[1]) if "." in text else 0
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    if m.group("pct"):
        return value / 100.0, fmt.replace("#,##", "") + "%"
    if m.group("pound"):
        return value, "£" + fmt
    return value, fmt


def xlsx_bytes(tables: Sequence[PageTable]) -> bytes:
    """One workbook: a contents sheet, then one sheet per table (numbers as numbers), fixed time stamps."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    contents = wb.active
    assert contents is not None
    contents.title = "Contents"
    contents.append(["sheet", "table"])
    names: set[str] = {"Contents"}
    for t in tables:
        sheet = wb.create_sheet(_sheet_name(t.name, names))
        contents.append([sheet.title, t.title])
        sheet.append([t.title])
        sheet["A1"].font = Font(bold=True)
        if t.header:
            sheet.append(list(t.header))
            for cell in sheet[2]:
                cell.font = Font(bold=True)
        for row in t.rows:
            sheet.append([None] * len(row))
            for c, text in enumerate(row, start=1):
                _put(sheet.cell(row=sheet.max_row, column=c), text)
    for cell in contents[1]:
        cell.font = Font(bold=True)
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _put(cell: object, text: str) -> None:
    """A number (with its format) when the text is one; otherwise text, never a formula."""
    parsed = _number(text)
    if parsed is not None:
        cell.value, cell.number_format = parsed  # type: ignore[attr-defined]
    else:
        cell.value = text  # type: ignore[attr-defined]
        cell.data_type = "s"  # type: ignore[attr-defined]


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's sheet names: at most 31 characters, unique (case-insensitively), none of []:*?/\\."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "table"
    out, n = base, 1
    while out.lower() in {u.lower() for u in used}:
        n += 1
        out = f"{base[:31 - len(str(n)) - 1]}-{n}"
    used.add(out)
    return out


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every member's time stamp, and the document's own dates, fixed (both would
    otherwise carry the clock)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with the clock on saving
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            out.writestr(fixed, data)
    return buf.getvalue()


def _data_uri(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def with_downloads(page: str) -> str:
    """The page with a CSV link under every table and, in place of :data:`PLACEHOLDER`, the list of
    all tables with the XLSX workbook of them."""
    tables = page_tables(page)
    if not tables:
        return page.replace(PLACEHOLDER, "<p>This report has no tables.</p>")
    links = iter(tables)

    def link(m: re.Match[str]) -> str:
        t = next(links)
        return (f'{m.group(0)}<p class="dl"><a download="{esc(t.name)}.csv" '
                f'href="{_data_uri("text/csv;charset=utf-8", csv_bytes(t))}">Download this table (CSV)</a></p>')

    page = _TABLE_END.sub(link, page)
    listing = "".join(f"<li>{esc(t.title)} ({len(t.rows)} rows)</li>" for t in tables)
    block = (f'<p><a class="button" download="{WORKBOOK}" href="{_data_uri(XLSX_MIME, xlsx_bytes(tables))}">'
             f"Download every table as one workbook (XLSX, {len(tables)} sheets)</a></p>"
             f"<p>Each table also has its own CSV link under it. The tables, in order:</p><ol>{listing}</ol>")
    return page.replace(PLACEHOLDER, block)


def write_tables(page: str, directory: Path) -> list[Path]:
    """Write every table of a finished page as ``directory/tables/NAME.csv`` and ``directory/`` :data:`WORKBOOK`."""
    tables = page_tables(page)
    folder = directory / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in tables:
        path = folder / f"{t.name}.csv"
        path.write_bytes(csv_bytes(t))
        paths.append(path)
    book = directory / WORKBOOK
    book.write_bytes(xlsx_bytes(tables))
    return [*paths, book]


def downloads_section(prelude: str = "") -> Section:
    """Appendix B: ``prelude`` (trusted HTML, e.g. the areas as one table), then the downloads, filled in
    once the page is complete (:func:`with_downloads`) so they cover every table."""
    return Section("downloads", "Appendix B: every table to download", PLACEHOLDER + prelude,
                   lead="Every table of this report, as one spreadsheet workbook or each as CSV. The files are "
                        "inside this page: nothing is fetched.")
