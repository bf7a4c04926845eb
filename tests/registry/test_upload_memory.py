"""Uploads are read with bounded memory whatever the file declares (issue 10, item 4).

Each bomb is a tiny file built here (a zip written by hand, so that a 200 MB part
costs no time to build); the import runs in a child forked from the test process
once Django, the importer and openpyxl are loaded and a small valid workbook has
been read, and the child's peak RSS (``ru_maxrss``) is compared with its RSS at the
fork. The import must be refused with a message naming the file, and the peak must
stay under 100 MB above that baseline. Before the bounds (issue 10) the dimension
bomb cost 1.2 GB and the shared-string bomb 360 to 790 MB.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import struct
import zipfile
import zlib

import pytest
from django.utils import translation

from api.resources.bulk import parse_actor_items
from registry.exceptions import ImportFailed
from registry.importers import spreadsheet, xlsx_guard
from registry.importers.spreadsheet import import_actors, read_table
from registry.importers.xlsx_guard import column_letters

forking = pytest.mark.skipif(not hasattr(os, "fork"), reason="measured in a forked child")
BOUND_KB = 100 * 1024

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


def _deflate(pieces: list[tuple[bytes, int]]) -> tuple[bytes, int, int]:
    """Raw deflate of ``piece * times`` for each piece, its CRC and size, built fast: each
    piece is compressed once after a full flush, so its repeats are the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for piece, times in pieces:
        once = compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)
        out.append(once * times)
        for _ in range(times):
            crc = zlib.crc32(piece, crc)
        size += len(piece) * times
    out.append(compressor.flush())
    return b"".join(out), crc, size


def _zip(parts: dict[str, list[tuple[bytes, int]]], *, declared: int | None = None) -> bytes:
    """A zip of deflated parts; ``declared``: the size every header claims (a lie)."""
    out, central = io.BytesIO(), []
    for name, pieces in parts.items():
        data, crc, size = _deflate(pieces)
        size = size if declared is None else declared
        offset, encoded = out.tell(), name.encode()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
            )
            + encoded
            + data
        )
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    directory, start = b"".join(central), out.tell()
    out.write(directory)
    out.write(
        struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), start, 0
        )
    )
    return out.getvalue()


def _xlsx(sheet: str, shared: list[tuple[bytes, int]] | None = None, **options) -> bytes:
    """A minimal workbook whose first sheet is ``sheet`` (XML of ``<sheetData>`` and
    around it), with ``shared`` (pieces and repeats) as its shared-strings table."""
    overrides = (
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
    )
    rels = f'<Relationship Id="rId1" Type="{DOC_TYPE}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared is not None:
        overrides += (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        )
        rels += (
            f'<Relationship Id="rId2" Type="{DOC_TYPE}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{DOC_TYPE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL}">{rels}</Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}">{sheet}</worksheet>',
    }
    pieces = {name: [(text.encode(), 1)] for name, text in parts.items()}
    if shared is not None:
        pieces["xl/sharedStrings.xml"] = shared
    return _zip(pieces, **options)


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = (
    '<row r="1">'
    + _inline("A1", "scheme")
    + _inline("B1", "identifier")
    + _inline("C1", "name")
    + "</row>"
)


def dimension_bomb() -> bytes:
    """1.5 KB: declares the largest sheet Excel allows, holds two rows, the last at
    row 1048576, column XFD."""
    sheet = (
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        + HEADER_ROW
        + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData>"
    )
    return _xlsx(sheet)


def shared_string_bomb(megabytes: int = 200, **options) -> bytes:
    """One 200 MB shared string, which deflate brings down to about 200 KB."""
    head = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    shared = [(head, 1), (b"A" * 1024 * 1024, megabytes), (b"</t></si></sst>", 1)]
    sheet = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    return _xlsx(sheet, shared, **options)


def valid_workbook() -> bytes:
    sheet = (
        "<sheetData>"
        + HEADER_ROW
        + '<row r="2">'
        + _inline("A2", "external")
        + _inline("B2", "X-1")
        + _inline("C2", "Alice")
        + "</row></sheetData>"
    )
    return _xlsx(sheet)


def _import_in_child(name: str, data: bytes) -> dict:
    """Import ``data`` in a child forked from this warm process; its peak RSS above its
    RSS at the fork (Linux starts a child's high-water mark there)."""
    read_table(io.BytesIO(valid_workbook()), filename="warm.xlsx")  # lazy imports done
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report through the pipe, leave without cleanup
        try:
            os.close(reader)
            signal.alarm(60)
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                import_actors(io.BytesIO(data), filename=name, parse_items=parse_actor_items)
                outcome = {"refused": False}
            except ImportFailed as exc:
                outcome = {"refused": True, "detail": exc.detail, "errors": exc.errors}
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                outcome = {"refused": False, "error": repr(exc)[:2000]}
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            outcome.update(baseline_kb=baseline, peak_kb=peak)
            with os.fdopen(writer, "w") as pipe:
                pipe.write(json.dumps(outcome))
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    assert text, "the child died before it reported"
    outcome = json.loads(text)
    outcome["extra_kb"] = outcome["peak_kb"] - outcome["baseline_kb"]
    print(f"{name}: {len(data)} bytes, peak {outcome['extra_kb'] / 1024:.1f} MB above baseline")
    return outcome


@forking
def test_a_dimension_bomb_is_refused_within_100_mb():
    data = dimension_bomb()
    assert len(data) < 2048
    outcome = _import_in_child("bombe-dimension.xlsx", data)
    assert outcome["refused"], outcome
    message = json.dumps(outcome["errors"], ensure_ascii=False)
    assert "bombe-dimension.xlsx" in message
    assert "row 1048576" in message and "ligne 1048576" in message
    assert outcome["extra_kb"] < BOUND_KB, outcome


@forking
@pytest.mark.parametrize(
    "declared",
    [None, 1024 * 1024],
    ids=["honest headers", "headers claiming 1 MB"],
)
def test_a_shared_string_bomb_is_refused_within_100_mb(declared):
    data = shared_string_bomb(declared=declared)
    assert len(data) < 512 * 1024
    outcome = _import_in_child("bombe-chaines.xlsx", data)
    assert outcome["refused"], outcome
    message = json.dumps(outcome["errors"], ensure_ascii=False)
    assert "bombe-chaines.xlsx" in message
    assert outcome["extra_kb"] < BOUND_KB, outcome


# --- the bounds, one by one (in process: each refusal comes before the memory is spent)


def _refusal(data: bytes, filename: str) -> str:
    with pytest.raises(ImportFailed) as caught:
        read_table(io.BytesIO(data), filename=filename)
    assert list(caught.value.errors) == ["file"], caught.value.errors
    message = " ".join(caught.value.errors["file"])
    assert filename in message, message
    return message


def test_the_declared_dimension_is_ignored():
    sheet = (
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        + HEADER_ROW
        + '<row r="3">'
        + _inline("A3", "external")
        + _inline("B3", "X-1")
        + "</row></sheetData>"
    )
    table = read_table(io.BytesIO(_xlsx(sheet)), filename="dimension.xlsx")
    assert [(row.number, row.values) for row in table.rows] == [
        (3, {"scheme": "external", "identifier": "X-1", "name": None})
    ]


def test_a_cell_beyond_the_last_column_is_refused_naming_it():
    sheet = "<sheetData>" + HEADER_ROW + '<row r="2">' + _inline("XFD2", "x") + "</row></sheetData>"
    message = _refusal(_xlsx(sheet), "colonnes.xlsx")
    assert "row 2, column XFD" in message and "ligne 2, colonne XFD" in message


@pytest.mark.parametrize("cell", ["<c><v>1</v></c>", "<x/>"], ids=["cells", "any element"])
def test_a_row_of_unnumbered_cells_is_refused_at_the_last_column(cell):
    """openpyxl reads every child of a row as a cell, whatever its tag."""
    cells = cell * (spreadsheet.MAX_COLUMNS + 1)
    message = _refusal(
        _xlsx(f'<sheetData>{HEADER_ROW}<row r="2">{cells}</row></sheetData>'), "cellules.xlsx"
    )
    assert "row 2, column " + column_letters(spreadsheet.MAX_COLUMNS + 1) in message


def test_rows_beyond_the_bound_are_refused_as_too_many_rows():
    sheet = f'<sheetData>{HEADER_ROW}<row r="{spreadsheet.MAX_RECORDS + 1}"><c><v>1</v></c></row></sheetData>'
    with pytest.raises(ImportFailed) as caught:
        read_table(io.BytesIO(_xlsx(sheet)), filename="lignes.xlsx")
    assert caught.value.detail.startswith(f"The file holds more than {spreadsheet.MAX_ROWS} rows")
    assert f"row {spreadsheet.MAX_RECORDS + 1}" in caught.value.errors["file"][0]


def test_a_long_cell_is_refused_naming_its_row_and_column():
    text = "B" * (spreadsheet.MAX_CELL_CHARS + 1)
    sheet = f'<sheetData>{HEADER_ROW}<row r="2">{_inline("C2", text)}</row></sheetData>'
    message = _refusal(_xlsx(sheet), "longue.xlsx")
    assert "row 2, column C" in message and "ligne 2, colonne C" in message


def test_too_many_shared_strings_are_refused(monkeypatch):
    monkeypatch.setattr(xlsx_guard, "MAX_SHARED_STRINGS", 1000)  # the same rule, quicker
    head = f'<sst xmlns="{MAIN}">'.encode()
    shared = [(head, 1), (b"<si><t>a</t></si>", 1001), (b"</sst>", 1)]
    sheet = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    message = _refusal(_xlsx(sheet, shared), "chaines.xlsx")
    assert "more than 1000 shared strings" in message and "plus de 1000 chaînes" in message
    shared[1] = (b"<si><t>a</t></si>", 1000)
    # 1,000 strings are read: the file is refused for its headers only ("a" is none).
    with translation.override("en"), pytest.raises(ImportFailed) as caught:
        read_table(io.BytesIO(_xlsx(sheet, shared)), filename="mille.xlsx")
    assert caught.value.detail.startswith("No header row found")


def test_a_shared_string_bomb_whose_headers_lie_is_refused():
    """Every header claims 100 bytes: zipfile stops there and finds the CRC wrong."""
    with pytest.raises(ImportFailed) as caught:
        read_table(io.BytesIO(shared_string_bomb(declared=100)), filename="menteur.xlsx")
    assert "menteur.xlsx" in json.dumps(caught.value.errors)


def test_a_part_declaring_a_huge_size_is_refused_before_it_is_read():
    message = _refusal(shared_string_bomb(1, declared=2**31), "declare.xlsx")
    assert "declared" in message and "déclarés" in message


def test_a_zip_with_a_huge_directory_is_refused_before_it_is_parsed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(25_000):
            archive.writestr(f"xl/media/{number:08}.xml", b"")
    message = _refusal(buffer.getvalue(), "repertoire.xlsx")
    assert "zip directory" in message and "répertoire zip" in message


def test_an_upload_over_the_bound_is_refused_unread():
    data = b"name\n" + b"x" * spreadsheet.MAX_UPLOAD_BYTES
    message = _refusal(data, "gros.csv")
    assert "larger than 10 MB" in message and "plus de 10 Mo" in message


def test_a_csv_line_over_the_bound_is_refused_naming_its_row():
    data = b"name;kind\nA;B\n" + b"x" * (spreadsheet.MAX_LINE_CHARS + 1) + b"\n"
    message = _refusal(data, "ligne.csv")
    assert "row 3" in message and "ligne 3" in message


def test_a_quoted_csv_field_over_the_bound_is_refused():
    data = b'name;kind\n"' + b"x\n" * spreadsheet.MAX_LINE_CHARS + b'";B\n'
    message = _refusal(data, "champ.csv")
    assert "row 2" in message


def test_a_csv_row_with_too_many_columns_is_refused():
    data = b"name;kind\n" + b";" * spreadsheet.MAX_COLUMNS + b"\n"
    message = _refusal(data, "colonnes.csv")
    assert f"row 2: more than {spreadsheet.MAX_COLUMNS} columns" in message


def test_a_long_csv_cell_is_refused_naming_its_row_and_column():
    data = b"name;kind\nA;" + b"x" * (spreadsheet.MAX_CELL_CHARS + 1) + b"\n"
    message = _refusal(data, "cellule.csv")
    assert "row 2, column 2" in message and "ligne 2, colonne 2" in message


def test_bounded_files_still_read_whole():
    cells = "".join(
        _inline(f"{column_letters(n)}2", "v") for n in range(1, spreadsheet.MAX_COLUMNS + 1)
    )
    sheet = f'<sheetData>{HEADER_ROW}<row r="2">{cells}</row></sheetData>'
    table = read_table(io.BytesIO(_xlsx(sheet)), filename="large.xlsx")
    assert table.rows[0].values == {"scheme": "v", "identifier": "v", "name": "v"}
    long = "é" * spreadsheet.MAX_CELL_CHARS
    table = read_table(io.BytesIO(f"name;kind\n{long};x\n".encode()), filename="long.csv")
    assert table.rows[0].values["name"] == long


def test_a_long_shared_string_is_refused_naming_it():
    message = _refusal(shared_string_bomb(1), "chaine-longue.xlsx")
    limit = spreadsheet.MAX_CELL_CHARS
    assert f"shared string 1: more than {limit} characters" in message
    assert f"chaîne partagée 1 : plus de {limit} caractères" in message
