"""The expat reader of a sheet's cells (registry.importers.spreadsheet.xlsx) yields what
openpyxl's read-only reader through the guard (xlsx_guard.iter_first_sheet) yields."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.exceptions import ImportFailed
from registry.importers import xlsx_guard
from registry.importers.spreadsheet import xlsx
from registry.importers.spreadsheet.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_RECORDS, MAX_ROWS
from tests.registry.test_upload_memory import HEADER_ROW, MAIN, _inline, _xlsx

LIMITS = xlsx_guard.Limits(
    rows=MAX_RECORDS, data_rows=MAX_ROWS, columns=MAX_COLUMNS, cell_chars=MAX_CELL_CHARS
)


def both(data: bytes):
    ours = list(xlsx.iter_first_sheet(data, limits=LIMITS, filename="t.xlsx"))
    theirs = list(xlsx_guard.iter_first_sheet(data, limits=LIMITS, filename="t.xlsx"))
    return ours, theirs


def _trim(rows):
    """openpyxl pads a row to the sheet's widest; trailing Nones mean nothing."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


cells = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31)),
    st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2099, 12, 31)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, max_size=6), max_size=8), st.integers(0, 3))
def test_same_values_as_openpyxl(rows, skip):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows, start=1 + skip):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(number, column, value)
    data = io.BytesIO()
    workbook.save(data)
    ours, theirs = both(data.getvalue())
    assert _trim(ours) == _trim(theirs)


def test_rich_text_inline_strings_formulas_and_errors():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Nom complet"
    sheet["B3"] = "=1+1"  # no cached value: None in data_only
    sheet["C2"] = dt.date(2025, 2, 1)
    sheet["D2"] = dt.time(10, 30)
    data = io.BytesIO()
    workbook.save(data)
    ours, theirs = both(data.getvalue())
    assert _trim(ours) == _trim(theirs)

    sheet_xml = (
        "<sheetData>"
        + HEADER_ROW
        + '<row r="2">'
        + _inline("A2", "externe")
        + '<c r="B2" t="s"><v>0</v></c>'
        + '<c r="C2" t="str"><f>A2</f><v>texte</v></c>'
        + '<c r="D2" t="e"><v>#N/A</v></c>'
        + '<c r="E2" t="b"><v>1</v></c>'
        + '<c r="F2"><v>1.5</v></c><c r="G2"><v>7</v></c>'
        + '</row><row r="5"><c r="B5" t="s"><v>1</v></c></row>'
        + "</sheetData>"
    )
    shared = [
        (f'<sst xmlns="{MAIN}">'.encode(), 1),
        (
            b'<si><r><t>Ab</t></r><r><t xml:space="preserve"> cd</t></r>'
            b'<rPh sb="0" eb="1"><t>phonetic</t></rPh></si>',
            1,
        ),
        (b"<si><t>x005F_y</t></si>", 1),
        (b"</sst>", 1),
    ]
    ours, theirs = both(_xlsx(sheet_xml, shared))
    assert _trim(ours) == _trim(theirs)
    assert _trim(ours)[1][:2] == ["externe", "Ab cd"] and _trim(ours)[4] == [None, "y"]


def test_cell_references_are_read_as_the_guard_reads_them():
    """A reference of many letters is its first three (as the guard bounds it), never a
    column number that would size a huge row."""
    long = "A" * 40 + "2"
    sheet_xml = (
        f'<sheetData><row r="2"><c r="{long}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )
    rows = list(xlsx.iter_first_sheet(_xlsx(sheet_xml), limits=LIMITS, filename="t.xlsx"))
    assert len(rows[1]) == 703 and rows[1][-1] == "x"  # AAA
    beyond = (
        '<sheetData><row r="2"><c r="zzz2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )
    with pytest.raises(ImportFailed):
        list(xlsx.iter_first_sheet(_xlsx(beyond), limits=LIMITS, filename="t.xlsx"))
