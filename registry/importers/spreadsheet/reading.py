"""Reading a CSV or XLSX file into rows keyed by field, in bounded memory.

The header row is the row, among the first ``HEADER_SCAN_ROWS``, holding the most
known headers (one of them identifying: an actor id, identifier or name column):
title rows above it are skipped, and row numbers stay the ones the spreadsheet shows.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from registry.exceptions import ImportFailed
from registry.importers.spreadsheet.columns import (
    COLUMN_BY_FIELD,
    COLUMNS,
    FAMILY_NAME_WORD,
    HEADER_ALIASES,
    norm,
)
from registry.importers.spreadsheet.formulas import unguard
from registry.importers.spreadsheet.limits import (
    HEADER_SCAN_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    MAX_RECORDS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
)
from registry.importers.spreadsheet.problems import Problems
from registry.importers.spreadsheet.xlsx import iter_first_sheet
from registry.importers.xlsx_guard import Limits, refused

#: Fields a header row must hold one of (a row of titles holds none).
IDENTIFYING = frozenset({"actor_id", "identifier", "name", "given_name", "family_name"})
#: Headers of a single full-name column that say the order of its words.
GIVEN_FIRST = frozenset(norm(h) for h in ("prénom nom", "prénom et nom", "first name last name"))
FAMILY_FIRST = frozenset(norm(h) for h in ("nom prénom", "nom et prénom", "last name first name"))
#: French aliases (``columns.COLUMNS`` does not say which alias is in which language).
_FRENCH_ALIASES = (
    "nom",
    "nom prénom",
    "prénom nom",
    "nom et prénom",
    "prénom et nom",
    "nom d'usage",
    "identifiant acteur",
    "numéro acteur",
    "n° acteur",
    "schéma",
    "type identifiant",
    "valeur de l'identifiant",
    "nature",
    "fonction",
    "mode de sélection",
    "représentant de",
    "début",
    "id externe",
)
_FRENCH_HEADERS = frozenset(norm(h) for h in (*(c.fr for c in COLUMNS), *_FRENCH_ALIASES)) - {
    norm(c.en) for c in COLUMNS
}
_ENGLISH_HEADERS = frozenset(norm(c.en) for c in COLUMNS) - frozenset(norm(c.fr) for c in COLUMNS)


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (first row = 1)
    values: dict[str, Any]  # field -> cell value (None or "" when blank)


@dataclass
class Table:
    """The rows of a file, its headers mapped to fields."""

    columns: dict[str, str]  # field -> header as written in the file
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)
    header_row: int = 1
    language: str = "en"  # of the headers: absent columns are named in it
    name_order: str | None = None  # "given_first" / "family_first": a full-name column's

    def column(self, name: str) -> str:
        """The header the file uses for a field; for a column it lacks, the header in the
        file's language (``Catégorie``), never the internal name."""
        if name in self.columns:
            return self.columns[name]
        known = COLUMN_BY_FIELD.get(name)
        return known.header(self.language) if known else name

    def has(self, name: str) -> bool:
        return name in self.columns


def _format_of(filename: str | None, format: str | None) -> str:
    if format:
        fmt = format.lower().lstrip(".")
    else:
        fmt = os.path.splitext(filename or "")[1].lower().lstrip(".")
    if fmt in ("csv", "txt"):
        return "csv"
    if fmt in ("xlsx", "xlsm"):
        return "xlsx"
    raise ImportFailed(
        _("Give a CSV or XLSX file."),
        errors={
            "file": [
                _("Unknown format %(format)r: expected .csv or .xlsx.")
                % {"format": fmt or _label(filename) or ""}
            ]
        },
    )


def _open(file: str | os.PathLike | IO, filename: str | None = None) -> tuple[bytes, str | None]:
    """The file's bytes (at most ``MAX_UPLOAD_BYTES``: one more is not read) and its name."""
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as handle:
            data, name = handle.read(MAX_UPLOAD_BYTES + 1), os.fspath(file)
    else:
        data, name = file.read(MAX_UPLOAD_BYTES + 1), getattr(file, "name", None)
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > MAX_UPLOAD_BYTES:
        megabytes = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise refused(
            _label(filename or name),
            f"larger than {megabytes} MB.",
            f"plus de {megabytes} Mo.",
            detail=_("The file is larger than %(mb)s MB; nothing was written.") % {"mb": megabytes},
        )
    return data, name


def _label(name: str | None) -> str | None:
    """The file's name as messages give it (never a server path)."""
    return os.path.basename(name) if name else None


#: Characters of the first line the CSV sniffer looks at (its expressions backtrack).
_SNIFF_CHARS = 4096


class _CsvLines:
    """The lines of a CSV text for ``csv.reader``, each record at most ``MAX_LINE_CHARS``.

    ``readline`` with a size never builds a longer line; ``record_start`` is called
    before each record, and the characters handed over since are counted (a quoted
    field spans lines, and the reader asks for lines only as the record needs them).
    """

    def __init__(self, text: str, filename: str | None) -> None:
        self.buffer, self.filename = io.StringIO(text, newline=""), filename
        self.row, self.chars = 0, 0

    def record_start(self, row: int) -> None:
        self.row, self.chars = row, 0

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        line = self.buffer.readline(MAX_LINE_CHARS + 1 - self.chars)
        if not line:
            raise StopIteration
        self.chars += len(line)
        if self.chars > MAX_LINE_CHARS:
            raise refused(
                self.filename,
                f"row {self.row}: longer than {MAX_LINE_CHARS} characters.",
                f"ligne {self.row} : plus de {MAX_LINE_CHARS} caractères.",
            )
        return line


def _known_headers(head: str, delimiter: str) -> int:
    """The most known headers one of the first lines holds, split on ``delimiter``."""
    best = 0
    with contextlib.suppress(csv.Error):
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        for record in itertools.islice(reader, HEADER_SCAN_ROWS):
            best = max(best, sum(norm(cell) in HEADER_ALIASES for cell in record))
    return best


def _delimiter(text: str) -> str:
    """The delimiter under which a row of the first ones holds the most known headers (a
    title row above them, "Conseil de quartier, liste des membres", says nothing of the
    file's delimiter); else the first line's, as ``csv.Sniffer`` reads it."""
    first = text[:_SNIFF_CHARS].split("\n", 1)[0]
    try:
        sniffed = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        sniffed = max(";,\t", key=first.count)
    head = text[: _SNIFF_CHARS * 4]
    scores = {d: _known_headers(head, d) for d in (sniffed, *";,\t")}
    return max(scores, key=scores.get)  # the sniffed one first: it wins a tie


def _csv_records(data: bytes, filename: str | None) -> Iterator[list[Any]]:
    """The records of a CSV file, each bounded in length, fields and field size."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    delimiter = _delimiter(text)
    lines = _CsvLines(text, filename)
    reader = csv.reader(lines, delimiter=delimiter)
    for row in itertools.count(1):
        lines.record_start(row)
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over csv's own limit, a NUL...
            raise refused(filename, f"row {row}: {exc}.", f"ligne {row} : {exc}.") from exc
        if len(record) > MAX_COLUMNS:
            raise refused(
                filename,
                f"row {row}: more than {MAX_COLUMNS} columns.",
                f"ligne {row} : plus de {MAX_COLUMNS} colonnes.",
            )
        for column, cell in enumerate(record, start=1):
            if len(cell) > MAX_CELL_CHARS:
                raise refused(
                    filename,
                    f"row {row}, column {column}: more than {MAX_CELL_CHARS} characters.",
                    f"ligne {row}, colonne {column} : plus de {MAX_CELL_CHARS} caractères.",
                )
        yield [unguard(cell) for cell in record]


def _xlsx_records(data: bytes, filename: str | None) -> Iterator[list[Any]]:
    """The rows of the first sheet, read in bounded memory (``registry.importers.xlsx_guard``)."""
    limits = Limits(
        rows=MAX_RECORDS, data_rows=MAX_ROWS, columns=MAX_COLUMNS, cell_chars=MAX_CELL_CHARS
    )
    try:
        yield from iter_first_sheet(data, limits=limits, filename=filename)
    except ImportFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        raise ImportFailed(
            _("The file is not a readable XLSX workbook."),
            errors={
                "file": [
                    _("'%(file)s' cannot be read as XLSX (%(reason)s).")
                    % {"file": filename or "upload", "reason": exc}
                ]
            },
        ) from exc


def _map_headers(
    headers: list[Any], allowed: set[str]
) -> tuple[dict[int, str], dict[str, str], list[str], list[tuple[str, str]]]:
    """(position -> field, field -> header, ignored headers, duplicates (header, first))."""
    named = [(i, str(h).strip()) for i, h in enumerate(headers) if not _blank(h)]
    fields = {i: HEADER_ALIASES.get(norm(h)) for i, h in named}
    # "Nom" beside a "Prénom" or a full-name column is the family name.
    others = {f for i, f in fields.items() if f and norm(dict(named)[i]) != FAMILY_NAME_WORD}
    if others & {"given_name", "name"}:
        for i, h in named:
            if norm(h) == FAMILY_NAME_WORD and "family_name" not in others:
                fields[i] = "family_name"
    positions: dict[int, str] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    duplicates: list[tuple[str, str]] = []
    for i, header in named:
        name = fields[i]
        if name is None or name not in allowed:
            ignored.append(header)
        elif name in columns:
            duplicates.append((header, columns[name]))
        else:
            columns[name], positions[i] = header, name
    return positions, columns, ignored, duplicates


def _language(columns: dict[str, str]) -> str:
    french = sum(norm(h) in _FRENCH_HEADERS for h in columns.values())
    english = sum(norm(h) in _ENGLISH_HEADERS for h in columns.values())
    return "en" if english > french else "fr" if french > english else _active_language()


def _active_language() -> str:
    from django.utils import translation

    return "fr" if (translation.get_language() or "en").startswith("fr") else "en"


def known_headers(allowed: Iterable[str]) -> str:
    """The known headers, English then French, for messages."""
    allowed = set(allowed)
    columns = [c for c in COLUMNS if c.field in allowed]
    return "; ".join(
        [", ".join(c.en for c in columns) + " (en)", ", ".join(c.fr for c in columns) + " (fr)"]
    )


def read_table(
    file: str | os.PathLike | IO,
    *,
    filename: str | None = None,
    format: str | None = None,
    allowed: Iterable[str] | None = None,
) -> Table:
    """Read a CSV or XLSX file into rows keyed by field (see the package docstring).

    ``file`` is a path or a binary file-like object; the format comes from
    ``format`` ("csv"/"xlsx") or the file name's extension. ``allowed`` limits
    the fields kept (others are ignored like unknown columns).

    The file is read as a stream of records, each bounded (``MAX_COLUMNS``,
    ``MAX_CELL_CHARS``, ``MAX_LINE_CHARS``), at most ``MAX_RECORDS`` of them, and
    only the cells of known columns are kept: whatever the file declares, memory
    stays bounded.
    """
    data, name = _open(file, filename)
    fmt = _format_of(filename or name, format)
    label = _label(filename or name)
    records = _csv_records(data, label) if fmt == "csv" else _xlsx_records(data, label)
    allowed = set(allowed) if allowed is not None else set(HEADER_ALIASES.values())
    problems = Problems()
    rows: list[Row] = []
    with contextlib.closing(records):
        first = list(itertools.islice(records, HEADER_SCAN_ROWS))
        # The row with an identifying column and the most known headers; else a row of
        # two known headers or more (the import then says which column is missing).
        best, best_score = None, (False, 1)
        for number, record in enumerate(first, start=1):
            positions, columns, _ignored, _dups = _map_headers(record, allowed)
            score = (bool(IDENTIFYING & set(columns)), len(columns))
            if score > best_score and (score[0] or score[1] >= 2):
                best, best_score = number, score
        if not any(not _blank(c) for record in first for c in record):
            raise ImportFailed(
                _("The file is empty."),
                errors={"file": [_("The first row must hold the column headers.")]},
            )
        if best is None:
            raise ImportFailed(
                _("No header row found; nothing was written."),
                errors={
                    "file": [
                        _(
                            "The column headers are expected in one of the first %(rows)d "
                            "rows, with at least one column naming the actor (an actor id, "
                            "an identifier or a name). Known headers: %(known)s."
                        )
                        % {"rows": HEADER_SCAN_ROWS, "known": known_headers(allowed)}
                    ]
                },
            )
        positions, columns, ignored, duplicates = _map_headers(first[best - 1], allowed)
        table = Table(columns=columns, rows=rows, ignored_columns=ignored, header_row=best)
        table.language = _language(columns)
        if "name" in columns and norm(columns["name"]) in GIVEN_FIRST:
            table.name_order = "given_first"
        elif "name" in columns and norm(columns["name"]) in FAMILY_FIRST:
            table.name_order = "family_first"
        problems.table = table
        for header, earlier in duplicates:
            problems.add(
                best,
                None,
                _("Column '%(header)s' is the same column as '%(earlier)s'.")
                % {"header": header, "earlier": earlier},
            )
        rest = itertools.chain(
            enumerate(first[best:], start=best + 1), enumerate(records, start=len(first) + 1)
        )
        for number, record in rest:
            if number > MAX_RECORDS:
                raise ImportFailed(
                    _("The file holds more than %(max)d rows; import at most %(max)d at a time.")
                    % {"max": MAX_ROWS},
                    errors={
                        "file": [
                            _("More than %(lines)d lines (blank ones included).")
                            % {"lines": MAX_RECORDS}
                        ]
                    },
                )
            if all(_blank(c) for c in record):
                continue
            values = {n: None for n in columns}
            for position, name_ in positions.items():
                if position < len(record):
                    cell = record[position]
                    values[name_] = cell.strip() if isinstance(cell, str) else cell
            rows.append(Row(number, values))
    problems.raise_if_any(_("The headers of the file are not valid; nothing was written."))
    if len(rows) > MAX_ROWS:
        raise ImportFailed(
            _("The file holds %(count)d rows; import at most %(max)d at a time.")
            % {"count": len(rows), "max": MAX_ROWS},
            errors={"file": [_("%(count)d rows.") % {"count": len(rows)}]},
        )
    return table


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
