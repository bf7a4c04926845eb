"""Open an uploaded XLSX workbook with openpyxl, in bounded memory whatever it declares.

Why this module
===============

An XLSX file is a zip of XML parts, and openpyxl trusts them: in read-only mode it
sizes every row it yields by the sheet's declared ``<dimension>`` (a 1.5 KB file
declaring ``A1:XFD1048576`` made each row 16,384 cells wide, and reading the 10,001
rows the importer allows cost 1.2 GB), pads the gap up to a row numbered 1,048,576,
and loads the shared-strings table whole, each string built in one piece (one 200 MB
string, 200 KB once deflated, cost 360 to 790 MB). Neither zipfile nor openpyxl has a knob
for this, so this module puts the bounds between the two, and openpyxl still does
all the parsing:

- before anything is decompressed, the zip's central directory is bounded (its
  size read from the end record), and so is every member's declared size;
- every part openpyxl opens goes through :class:`_BoundedPart`, which counts the
  bytes actually decompressed (a header may lie) and refuses past a bound: parts
  openpyxl parses whole (workbook, styles, relationships) get a small bound, the
  parts it streams (worksheets, shared strings) a larger one;
- the bytes of a streamed part are fed to a :mod:`pyexpat` scan *before* openpyxl's
  parser sees them: it refuses a DTD (entity expansion), a row numbered beyond the
  importer's last row, a cell beyond its last column, a row with too many cells, a
  cell or shared string longer than Excel allows (32,767 characters), too many shared
  strings, too many elements; openpyxl never holds more than one read chunk (16 KB)
  past the bound;
- the declared dimension is ignored (``reset_dimensions``): rows are as wide as
  their cells, never wider than the bound on columns.

Every refusal is an :class:`~registry.exceptions.ImportFailed` naming the file (and
the row and column where there is one), in English and in French.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError, ParserCreate

from django.utils.translation import gettext

from registry.exceptions import ImportFailed

#: Largest central directory (the zip's table of contents, parsed whole by zipfile:
#: about 550 bytes of memory per entry); an XLSX holds a few dozen entries.
MAX_DIRECTORY_BYTES = 1024 * 1024
#: Largest part that openpyxl parses into a whole tree (workbook, styles, relations...).
MAX_WHOLE_PART_BYTES = 4 * 1024 * 1024
#: Largest part that openpyxl streams (a worksheet, the shared strings), decompressed.
MAX_STREAMED_PART_BYTES = 32 * 1024 * 1024
#: Most bytes decompressed from one workbook, all parts together.
MAX_TOTAL_BYTES = 64 * 1024 * 1024
#: Most strings in the shared-strings table (openpyxl keeps them all in a list).
MAX_SHARED_STRINGS = 200_000
#: Most XML elements in one row or one shared string (openpyxl builds each whole).
MAX_ITEM_ELEMENTS = 10_000
#: Most XML elements of a streamed part outside its rows and strings (kept by the parser).
MAX_OTHER_ELEMENTS = 100_000
#: Deepest nesting of XML elements.
MAX_DEPTH = 64

_EOCD = b"PK\x05\x06"
#: The tags openpyxl reads rows and shared strings from (expat's "namespace name" form).
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _SI = f"{_MAIN} row", f"{_MAIN} si"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})")


@dataclass(frozen=True)
class Limits:
    """What the importer reads at most; the XLSX-only bounds are the constants above."""

    rows: int  # last row number read (header included)
    data_rows: int  # most data rows an import takes (for the messages)
    columns: int  # last column number read
    cell_chars: int  # longest cell (and shared string)


def refused(filename: str | None, english: str, french: str, *, detail: str | None = None):
    """The ``ImportFailed`` for a file beyond a bound: one message, in English and French."""
    name = filename or "upload"
    return ImportFailed(
        detail
        or gettext(
            "The file '%(name)s' is refused: it holds or unpacks to more than an import "
            "reads; nothing was written."
        )
        % {"name": name},
        errors={"file": [f"'{name}', {english} / « {name} », {french}"]},
    )


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def check_directory(data: bytes, filename: str | None) -> None:
    """Refuse a zip whose central directory is too large, before zipfile parses it.

    The end record is found as zipfile finds it (at the very end, else in the last
    64 KB, its comment), and its central-directory size is what zipfile reads whole.
    A zip64 end record (size ``0xFFFFFFFF``) is refused the same way: no workbook an
    import takes needs one.
    """
    position = len(data) - 22 if data[-22:-18] == _EOCD else data.rfind(_EOCD, -65_557)
    if position < 0:
        return  # not a zip: zipfile says so
    entries, size = struct.unpack_from("<HI", data, position + 10)
    if size > MAX_DIRECTORY_BYTES or entries == 0xFFFF:
        raise refused(
            filename,
            f"its zip directory holds {entries} entries in {size} bytes "
            f"(at most {MAX_DIRECTORY_BYTES} bytes).",
            f"son répertoire zip compte {entries} entrées sur {size} octets "
            f"(au plus {MAX_DIRECTORY_BYTES} octets).",
        )


class _Scan:
    """A streaming check of one part's XML, fed the bytes before openpyxl parses them.

    It sees what openpyxl's parsers see: rows and shared strings are the elements
    ``{main}row`` and ``{main}si`` wherever they are, and every child of a row is a
    cell to openpyxl, whatever its tag.
    """

    def __init__(self, part: str, limits: Limits, filename: str | None, *, streamed: bool) -> None:
        self.part, self.limits, self.filename = part, limits, filename
        self.parser = ParserCreate(namespace_separator=" ")
        self.parser.buffer_text = True  # one call per text run
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start if streamed else self._start_whole
        self.parser.EndElementHandler = self._end if streamed else self._end_whole
        if streamed:
            self.parser.CharacterDataHandler = self._text
        # A part parsed whole is only checked for a DTD and its depth: its size bounds
        # the rest, and openpyxl reads no rows, cells or shared strings from it.
        self.broken = False  # invalid XML: openpyxl's parser (the same expat) says so
        self.depth = 0
        self.row_depth = 0  # depth of the current row (0: not in a row)
        self.row = 0  # number of the current (or last) row
        self.rows = 0
        self.cells = 0  # cells in the current row
        self.column = 0  # column of the current (or last) cell
        self.in_cell = False
        self.string_depth = 0  # depth of the current shared string (0: not in one)
        self.strings = 0
        self.item_elements = 0  # elements in the current row or string
        self.other_elements = 0
        self.chars = 0  # characters in the current cell, string, or text run

    def feed(self, data: bytes, final: bool = False) -> None:
        if self.broken:
            return
        try:
            self.parser.Parse(data, final)
        except ExpatError:
            self.broken = True

    def _refuse(self, english: str, french: str) -> None:
        raise refused(self.filename, english, french)

    def _doctype(self, *args: Any) -> None:
        self._refuse(
            f"part {self.part}: a DTD is not allowed in a workbook.",
            f"partie {self.part} : une DTD n'a pas sa place dans un classeur.",
        )

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self._refuse(
                f"part {self.part}: elements nested deeper than {MAX_DEPTH}.",
                f"partie {self.part} : éléments imbriqués sur plus de {MAX_DEPTH} niveaux.",
            )

    def _start_whole(self, tag: str, attrs: dict[str, str]) -> None:
        self._deeper()

    def _end_whole(self, tag: str) -> None:
        self.depth -= 1

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self._deeper()
        if self.row_depth or self.string_depth:
            self.item_elements += 1
            if self.item_elements > MAX_ITEM_ELEMENTS:
                where = f"row {self.row}" if self.row_depth else f"shared string {self.strings}"
                lieu = f"ligne {self.row}" if self.row_depth else f"chaîne partagée {self.strings}"
                self._refuse(
                    f"{where}: more than {MAX_ITEM_ELEMENTS} XML elements.",
                    f"{lieu} : plus de {MAX_ITEM_ELEMENTS} éléments XML.",
                )
            if self.depth == self.row_depth + 1:
                self._start_cell(attrs.get("r"))
            elif not (self.in_cell or self.string_depth):
                self.chars = 0
        elif tag == _ROW:
            self._start_row(attrs.get("r"))
        elif tag == _SI:
            self.string_depth, self.item_elements, self.chars = self.depth, 0, 0
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                self._refuse(
                    f"more than {MAX_SHARED_STRINGS} shared strings.",
                    f"plus de {MAX_SHARED_STRINGS} chaînes partagées.",
                )
        else:
            self.chars = 0
            self.other_elements += 1
            if self.other_elements > MAX_OTHER_ELEMENTS:
                self._refuse(
                    f"part {self.part}: more than {MAX_OTHER_ELEMENTS} XML elements.",
                    f"partie {self.part} : plus de {MAX_OTHER_ELEMENTS} éléments XML.",
                )

    def _start_row(self, r: str | None) -> None:
        self.row_depth, self.cells, self.column, self.item_elements = self.depth, 0, 0, 0
        self.chars = 0
        self.rows += 1
        number = int(r) if r and r.isascii() and r.isdigit() else self.row + 1
        self.row = number
        if number > self.limits.rows or self.rows > self.limits.rows:
            most = self.limits.data_rows
            raise refused(
                self.filename,
                f"row {number}: the sheet goes beyond row {self.limits.rows} "
                f"(blank rows included); import at most {most} rows at a time.",
                f"ligne {number} : la feuille va au-delà de la ligne {self.limits.rows} "
                f"(lignes vides comprises) ; importez au plus {most} lignes à la fois.",
                detail=gettext(
                    "The file holds more than %(most)s rows; import at most %(most)s at a time."
                )
                % {"most": most},
            )

    def _start_cell(self, r: str | None) -> None:
        self.in_cell, self.chars = True, 0
        self.cells += 1
        match = _CELL_REF.match(r or "")
        self.column = _column_number(match.group(1)) if match else self.column + 1
        if self.column > self.limits.columns or self.cells > self.limits.columns:
            letters = column_letters(max(self.column, self.cells))
            self._refuse(
                f"row {self.row}, column {letters}: the sheet goes beyond column "
                f"{column_letters(self.limits.columns)} ({self.limits.columns} columns).",
                f"ligne {self.row}, colonne {letters} : la feuille va au-delà de la colonne "
                f"{column_letters(self.limits.columns)} ({self.limits.columns} colonnes).",
            )

    def _end(self, tag: str) -> None:
        self.depth -= 1
        if self.in_cell and self.depth == self.row_depth:
            self.in_cell = False
        elif self.row_depth and self.depth < self.row_depth:
            self.row_depth = 0
        elif self.string_depth and self.depth < self.string_depth:
            self.string_depth = 0
        if not (self.in_cell or self.string_depth):
            self.chars = 0

    def _text(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > self.limits.cell_chars:
            if self.string_depth:
                en = f"shared string {self.strings}: "
                fr = f"chaîne partagée {self.strings} : "
            elif self.in_cell:
                letters = column_letters(self.column)
                en, fr = (
                    f"row {self.row}, column {letters}: ",
                    f"ligne {self.row}, colonne {letters} : ",
                )
            elif self.row_depth:
                en, fr = f"row {self.row}: ", f"ligne {self.row} : "
            else:
                en, fr = f"part {self.part}: ", f"partie {self.part} : "
            self._refuse(
                f"{en}more than {self.limits.cell_chars} characters.",
                f"{fr}plus de {self.limits.cell_chars} caractères.",
            )


class _BoundedPart(io.RawIOBase):
    """One member of the archive, decompressed at most ``limit`` bytes, its XML scanned."""

    def __init__(self, archive: BoundedArchive, raw: Any, name: str, limit: int, scan) -> None:
        self.archive, self.raw, self.name, self.limit, self.scan = archive, raw, name, limit, scan
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = self.limit + 1 - self.count if size is None or size < 0 else size
        data = self.raw.read(max(0, min(want, self.limit + 1 - self.count)))
        self.count += len(data)
        self.archive.total += len(data)
        if self.count > self.limit:
            raise self.archive.too_large(self.name, f"more than {self.limit} bytes")
        if self.archive.total > MAX_TOTAL_BYTES:
            raise self.archive.too_large(self.name, f"more than {MAX_TOTAL_BYTES} bytes in all")
        self.scan.feed(data, final=not data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


class BoundedArchive(zipfile.ZipFile):
    """The workbook's zip, each part read through :class:`_BoundedPart`."""

    def __init__(self, data: bytes, *, limits: Limits, filename: str | None) -> None:
        check_directory(data, filename)
        super().__init__(io.BytesIO(data))
        self.limits, self.upload_name, self.total = limits, filename, 0
        declared = 0
        for info in self.infolist():
            declared += info.file_size
            if info.file_size > MAX_STREAMED_PART_BYTES:
                raise self.too_large(info.filename, f"{info.file_size} bytes declared")
        if declared > MAX_TOTAL_BYTES:
            raise self.too_large("*", f"{declared} bytes declared in all")

    def too_large(self, part: str, how: str) -> ImportFailed:
        octets = how.replace("bytes", "octets").replace("declared", "déclarés")
        octets = octets.replace("more than", "plus de").replace("in all", "en tout")
        return refused(
            self.upload_name,
            f"part {part}: unpacks to {how} (a zip bomb?).",
            f"partie {part} : se décompresse en {octets} (une bombe zip ?).",
        )

    def _part(self, name: Any, limit: int, *, streamed: bool) -> _BoundedPart:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > limit:
            raise self.too_large(info.filename, f"{info.file_size} bytes declared")
        raw = super().open(info, "r")
        checker = _Scan(info.filename, self.limits, self.upload_name, streamed=streamed)
        return _BoundedPart(self, raw, info.filename, limit, checker)

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):  # noqa: ARG002
        """A part openpyxl streams (a worksheet, the shared strings): scanned as it is read."""
        if mode != "r":
            raise ValueError("The uploaded workbook is read-only.")
        return self._part(name, MAX_STREAMED_PART_BYTES, streamed=True)

    def read(self, name, pwd=None) -> bytes:  # noqa: ARG002
        """A part openpyxl parses whole: the smaller bound."""
        with self._part(name, MAX_WHOLE_PART_BYTES, streamed=False) as part:
            return part.read()


def iter_first_sheet(data: bytes, *, limits: Limits, filename: str | None) -> Iterator[list[Any]]:
    """The values of the first sheet's rows, each as wide as its last cell.

    Refuses (``ImportFailed``) a workbook beyond the bounds; any other failure to
    read is openpyxl's or zipfile's exception, for the caller to report.
    """
    from openpyxl.reader.excel import ExcelReader

    check_directory(data, filename)  # before zipfile parses the directory
    # openpyxl's own reader (what ``load_workbook`` runs), given the bounded archive.
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    reader.archive.close()
    reader.archive = BoundedArchive(data, limits=limits, filename=filename)
    reader.valid_files = reader.archive.namelist()
    try:
        reader.read()
        sheet = reader.wb.worksheets[0]
        sheet.reset_dimensions()  # the declared dimension is not trusted
        for row in sheet.iter_rows(values_only=True, max_col=None):
            yield list(row)
    finally:
        reader.archive.close()
