"""Import the spreadsheets collectivities actually keep: members of a body, and actors.

Files
=====

CSV (UTF-8 with or without BOM; Windows-1252 accepted as a fallback; ``;`` or ``,``
or tab delimiter, sniffed from the header line) or XLSX (the first sheet). Row 1
holds the headers; data start on row 2. Blank rows are skipped. Row numbers in
errors are the ones the spreadsheet shows (header = row 1).

Whatever a file declares, it is read in bounded memory: at most 10 MB, 5,000 rows
(10,001 lines, blank ones included), 1,024 columns, 32,767 characters per cell, 1 MB
per CSV line; an XLSX's parts are bounded once decompressed, its declared dimension
ignored (``registry.importers.xlsx_guard``). A file beyond a bound is refused, the
message naming the file (and the row and column), in English and French.

Headers are matched case-, accent- and punctuation-insensitively (``Date de
début``, ``date_de_debut`` and ``DATE DE DEBUT`` are the same column), in English
or French. Columns not in the table below are ignored and listed in the result's
``ignored_columns``.

Columns
=======

=====================  ===========================================  ======================================
field                  English headers                              French headers
=====================  ===========================================  ======================================
``actor_id``           actor_id, actor, actor id                    id acteur, identifiant acteur,
                                                                    numero acteur, n° acteur
``scheme``             scheme, identifier scheme                    schéma, type d'identifiant
``identifier``         identifier, identifier value                 identifiant, valeur de l'identifiant
``issuer``             issuer                                       émetteur
``name``               name                                         nom
``kind``               kind                                         type, nature
``category``           category                                     catégorie
``college``            college                                      collège
``role``               role                                         rôle, fonction
``selection_mode``     selection mode                               mode de sélection, mode de désignation
``on_behalf_of``       on behalf of                                 au titre de, représentant de
``start_date``         start date                                   date de début, début
``external_id``        external id                                  identifiant externe, id externe
``given_name``         given name, first name                       prénom
``family_name``        family name, last name                       nom de famille
``description``        description                                  description
``territory``          territory                                    territoire
``founding_date``      founding date                                date de création
``dissolution_date``   dissolution date                             date de dissolution
``power`` ...          power, interest, legitimacy, urgency         pouvoir, intérêt, légitimité, urgence
=====================  ===========================================  ======================================

``identifiant`` alone is the identifier *value* (with ``schéma``); the membership's
own id in the client system is ``identifiant externe``; the registry's actor id
is ``id acteur``.

Values
======

- ``kind``: person / personne / individu; organization / organisation / structure.
- ``category``: the English codes (``resident``, ``elected_official``...) or the
  French words: habitant(e), résident(e), élu(e), agent municipal, association,
  collectivité, service public, entreprise, bailleur social, école /
  établissement scolaire, collectif, autre.
- ``role``: the English codes or membre, président(e), vice-président(e),
  secrétaire, animateur / animatrice, référent(e) élu(e), référent(e) technique.
- ``selection_mode``: the codes or tirage au sort, élection, nomination,
  volontariat / volontaire, de droit, désignation.
- ``scheme``: siren, siret, rna, rne, insee, external / externe, other / autre.
- dates: ``YYYY-MM-DD``, ``dd/mm/yyyy`` (French), or a date cell of the XLSX.

Members file
============

Each row is one current member of the body. The member is found by ``actor_id``,
else by ``scheme`` + ``identifier`` (+ ``issuer``); a row whose identifier is not
known yet and which gives ``name`` + ``kind`` + ``category`` creates the actor with
that identifier (so the next import finds it); a row with a name and no identifier
creates a new actor every time. ``college`` is a college id or name. The rows go
to ``registry.services.sync.membership_sync``; members absent from the file end.

Actors file
===========

Each row is one actor, found by ``scheme`` + ``identifier`` (+ ``issuer``), created
when unknown (``name``, ``kind``, ``category`` required), else updated with the
non-blank cells of the row. The rows go to
``registry.services.upserts.actor_upsert_many``.

Errors
======

Both imports check every row first; any problem raises ``ImportFailed`` and
nothing is written. ``errors`` maps ``"row 7, column 'date de début'"`` (the
header as written in the file) to messages; ``exc.problems`` holds the same as
``{"row", "column", "field", "message"}`` dicts for an API to render.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import IO, Any

from django.db.models import Q

from registry.exceptions import ImportFailed, InvalidInput
from registry.identifiers import normalise
from registry.importers.spreadsheet.columns import (
    ACTOR_COLUMNS,
    CATEGORY_VALUES,
    HEADER_ALIASES,
    KIND_VALUES,
    MEMBER_COLUMNS,
    ROLE_VALUES,
    SCHEME_VALUES,
    SELECTION_MODE_VALUES,
)
from registry.importers.spreadsheet.columns import norm as _norm
from registry.importers.xlsx_guard import Limits, iter_first_sheet, refused
from registry.models import ActorIdentifier, Body, EndReason
from registry.models.actor import ORGANIZATION_CATEGORIES, PERSON_CATEGORIES

#: Largest number of data rows one file may hold.
MAX_ROWS = 5000
#: Lines read at most (headers and blank lines included) before a file is refused
#: unread: blank lines are skipped, but not without bound.
MAX_RECORDS = 2 * MAX_ROWS + 1
#: Largest file an import reads (the API refuses larger uploads with the same bound).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Last column read (``AMJ``); a cell beyond it refuses the file.
MAX_COLUMNS = 1024
#: Longest cell, in characters: Excel's own limit.
MAX_CELL_CHARS = 32_767
#: Longest CSV line (a record, its quoted line breaks included), in characters.
MAX_LINE_CHARS = 1024 * 1024


#: Service error field -> spreadsheet field.
_ERROR_FIELDS = {
    "actor": "actor_id",
    "new_actor.kind": "kind",
    "new_actor.category": "category",
    "new_actor.name": "name",
    "identifier.scheme": "scheme",
    "identifier.value": "identifier",
    "identifier.issuer": "issuer",
    # A new actor's identifier is the row's identifier columns (see import_members).
    "new_actor.identifiers.0": "identifier",
    "new_actor.identifiers.0.value": "identifier",
    "new_actor.identifiers.0.scheme": "scheme",
    "new_actor.identifiers.0.issuer": "issuer",
}


# --- reading ----------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (header = 1)
    values: dict[str, Any]  # field -> cell value (None or "" when blank)


@dataclass
class Table:
    """The rows of a file, its headers mapped to fields."""

    columns: dict[str, str]  # field -> header as written in the file
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)

    def column(self, name: str) -> str:
        """The header the file uses for a field (the English name when absent)."""
        return self.columns.get(name, name)


class _Problems:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table
        self.items: list[dict[str, Any]] = []

    def add(self, row: int | None, name: str | None, message: str) -> None:
        column = self.table.column(name) if (self.table and name) else name
        self.items.append({"row": row, "column": column, "field": name, "message": str(message)})

    def raise_if_any(self, detail: str) -> None:
        if not self.items:
            return
        errors: dict[str, list[str]] = defaultdict(list)
        for p in sorted(self.items, key=lambda p: p["row"] or 0):
            if p["row"] is None:
                key = f"column '{p['column']}'" if p["column"] else "file"
            elif p["column"]:
                key = f"row {p['row']}, column '{p['column']}'"
            else:
                key = f"row {p['row']}"
            errors[key].append(p["message"])
        exc = ImportFailed(detail, errors=errors)
        exc.problems = self.items
        raise exc


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
        "Give a CSV or XLSX file.",
        errors={"file": [f"Unknown format {fmt or filename!r}: expected .csv or .xlsx."]},
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
            detail=f"The file is larger than {megabytes} MB; nothing was written.",
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


def _csv_records(data: bytes, filename: str | None) -> Iterator[list[Any]]:
    """The records of a CSV file, each bounded in length, fields and field size."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text[:_SNIFF_CHARS].split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = max(";,\t", key=first.count)
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
        yield record


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
            "The file is not a readable XLSX workbook.",
            errors={"file": [f"'{filename or 'upload'}': {exc}"]},
        ) from exc


def read_table(
    file: str | os.PathLike | IO,
    *,
    filename: str | None = None,
    format: str | None = None,
    allowed: Iterable[str] | None = None,
) -> Table:
    """Read a CSV or XLSX file into rows keyed by field (see the module docstring).

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
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    ignored: list[str] = []
    problems = _Problems()
    rows = []
    with contextlib.closing(records):
        headers = next(records, None) or []
        for position, header in enumerate(headers):
            if _blank(header):
                continue
            header = str(header).strip()
            name_ = HEADER_ALIASES.get(_norm(header))
            if name_ is None or name_ not in allowed:
                ignored.append(header)
                continue
            if name_ in columns:
                problems.add(1, header, f"Same column as '{columns[name_]}'.")
                continue
            columns[name_] = header
            positions[position] = name_
        for number, record in enumerate(records, start=2):
            if number > MAX_RECORDS:
                raise ImportFailed(
                    f"The file holds more than {MAX_ROWS} rows; import at most {MAX_ROWS} at a time.",
                    errors={"file": [f"More than {MAX_RECORDS} lines (blank ones included)."]},
                )
            if all(_blank(c) for c in record):
                continue
            values = {n: None for n in columns}
            for position, name_ in positions.items():
                if position < len(record):
                    cell = record[position]
                    values[name_] = cell.strip() if isinstance(cell, str) else cell
            rows.append(Row(number, values))
    if not any(_blank(c) is False for c in headers):
        raise ImportFailed("The file is empty.", errors={"file": ["Row 1 must hold the headers."]})
    problems.raise_if_any("The headers of the file are not valid; nothing was written.")
    if len(rows) > MAX_ROWS:
        raise ImportFailed(
            f"The file holds {len(rows)} rows; import at most {MAX_ROWS} at a time.",
            errors={"file": [f"{len(rows)} rows."]},
        )
    return Table(columns=columns, rows=rows, ignored_columns=ignored)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- cell values ------------------------------------------------------------------------

# [0-9], not \d: \d also matches "٠١/٠٢/٢٠٢٠", which int() would then read as a date.
_FR_DATE = re.compile(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$")


def parse_date(value: Any) -> dt.date:
    """A date from an ISO or French (dd/mm/yyyy) string, or an XLSX date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _FR_DATE.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( 00:00(:00)?)?$", text):
            return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date.") from exc
    raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD or dd/mm/yyyy.")


def _choice(value: Any, table: Mapping[str, str], label: str) -> str:
    code = table.get(_norm(value))
    if code is None:
        known = sorted(set(table.values()))
        raise ValueError(
            f"Unknown {label} {str(value).strip()!r}; expected one of: {', '.join(known)}."
        )
    return code


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an identifier typed as a number in a spreadsheet
    return str(value).strip()


def _cell(row: Row, name: str, problems: _Problems, convert) -> Any:
    value = row.values.get(name)
    if _blank(value):
        return None
    try:
        return convert(value)
    except ValueError as exc:
        problems.add(row.number, name, str(exc))
        return None


def _identifier(row: Row, problems: _Problems) -> tuple[str, str, str] | None:
    value = _cell(row, "identifier", problems, _text)
    scheme = _cell(row, "scheme", problems, lambda v: _choice(v, SCHEME_VALUES, "scheme"))
    issuer = _cell(row, "issuer", problems, _text) or ""
    if value is None:
        if scheme is not None and not _blank(row.values.get("scheme")):
            problems.add(row.number, "identifier", "Give the identifier with its scheme.")
        return None
    if scheme is None:
        if _blank(row.values.get("scheme")):
            problems.add(row.number, "scheme", "Give the scheme of the identifier (siren, rna...).")
        return None
    return (scheme, issuer, value)


def _known_identifiers(keys: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = reduce(or_, (Q(scheme=s, issuer=i, value=v) for s, i, v in chunk))
        found.update(ActorIdentifier.objects.filter(query).values_list("scheme", "issuer", "value"))
    return found


def _map_service_errors(
    exc: InvalidInput, prefix: str, table: Table, problems: _Problems, default: str
) -> None:
    """Turn ``members.3.start_date`` / ``items.3.name`` into row and column problems."""
    for key, messages in exc.errors.items():
        parts = key.split(".", 2)
        if len(parts) >= 2 and parts[0] == prefix and parts[1].isdigit():
            row = table.rows[int(parts[1])].number
            name = parts[2] if len(parts) == 3 else None
            name = _ERROR_FIELDS.get(name, name)
            if name == "actor_id" and "actor_id" not in table.columns:
                name = default
            if name == "non_field_errors":
                name = None
            for message in messages:
                problems.add(row, name, _rows_named(str(message), table))
        else:
            for message in messages:
                problems.add(None, None if key == "non_field_errors" else key, message)
    if not exc.errors:
        problems.add(None, None, exc.detail)


def _rows_named(message: str, table: Table) -> str:
    """``Same actor and role as entry 3`` -> ``... as row 5``: the spreadsheet's numbering."""

    def row(match: re.Match) -> str:
        index = int(match.group(2))
        if index < len(table.rows):
            return f"row {table.rows[index].number}"
        return match.group(0)

    return re.sub(r"\b(entry|item) (\d+)\b", row, message)


# --- the two imports --------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did (or would do, in a dry run)."""

    kind: str  # "members" or "actors"
    rows: int
    dry_run: bool
    result: Any  # SyncResult or UpsertResult
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.result.is_empty

    def summary(self) -> str:
        r = self.result
        lead = "Dry run, nothing written: would have" if self.dry_run else "Done:"
        if self.kind == "members":
            text = (
                f"{lead} {len(r.created)} created, {len(r.updated)} updated, "
                f"{len(r.ended)} ended, {len(r.unchanged)} unchanged ({_count(self.rows, 'row')})."
            )
            for w in r.warnings:
                text += f"\nWarning: {w['detail']}"
        else:
            text = (
                f"{lead} {len(r.created)} created, {len(r.updated)} updated, "
                f"{len(r.unchanged)} unchanged ({_count(self.rows, 'row')})."
            )
        if self.ignored_columns:
            text += "\nIgnored columns: " + ", ".join(f"'{c}'" for c in self.ignored_columns)
        return text

    def details(self) -> list[str]:
        """One line per change (for ``--verbosity 2``)."""
        r = self.result
        lines = [f"created: {c}" for c in r.created]
        lines += [f"updated: {u}" for u in r.updated]
        lines += [f"ended: {e}" for e in getattr(r, "ended", [])]
        return lines


def import_members(
    file: str | os.PathLike | IO,
    *,
    body: Body,
    effective_date: dt.date | None = None,
    end_reason: str = EndReason.TERM_ENDED,
    dry_run: bool = False,
    filename: str | None = None,
    format: str | None = None,
    allowed_actors: Q | None = None,
    allowed_territories: Q | None = None,
    parse_entries: Callable[[list[dict]], list],
) -> ImportResult:
    """Make ``body``'s current members the rows of the file (see the module docstring).

    Each row becomes a sync entry in the JSON shape of ``PUT /api/bodies/{id}/members/``
    (French labels and dates already read), and the entries go through
    ``parse_entries``: the API's validation of sync entries
    (``api.resources.members.parse_member_entries``), so a row is checked exactly as a
    JSON entry, its errors then named by row and column. The registry does not import
    the API: the caller (the upload view, the ``import_members`` command) passes it.
    """
    from registry.services.sync import membership_sync

    table = read_table(file, filename=filename, format=format, allowed=MEMBER_COLUMNS)
    problems = _Problems(table)
    if not ({"actor_id", "identifier", "name"} & set(table.columns)):
        problems.add(1, None, "Identify members with a column 'actor_id', 'identifier' or 'name'.")
        problems.raise_if_any("The file has no column that identifies the members.")
    parsed = []
    for row in table.rows:
        entry: dict[str, Any] = {}
        actor_id = _cell(row, "actor_id", problems, _json_int)
        identifier = _identifier(row, problems)
        if identifier is not None:
            # Known or new is decided on the stored form (the one normalisation).
            scheme, issuer, value = identifier
            key = normalise(scheme, value, issuer)
            identifier = (key.scheme, key.issuer, key.value)
        name = _cell(row, "name", problems, _text)
        kind = _cell(row, "kind", problems, lambda v: _choice(v, KIND_VALUES, "kind"))
        category = _cell(
            row, "category", problems, lambda v: _choice(v, CATEGORY_VALUES, "category")
        )
        role = _cell(row, "role", problems, lambda v: _choice(v, ROLE_VALUES, "role"))
        mode = _cell(
            row,
            "selection_mode",
            problems,
            lambda v: _choice(v, SELECTION_MODE_VALUES, "selection mode"),
        )
        start = _cell(row, "start_date", problems, parse_date)
        college = _cell(row, "college", problems, _json_int_or_text)
        behalf = _cell(row, "on_behalf_of", problems, _json_int)
        external_id = _cell(row, "external_id", problems, _text)
        if (
            actor_id is None
            and identifier is None
            and name is None
            and not any(p["row"] == row.number for p in problems.items)
        ):
            problems.add(
                row.number,
                "actor_id" if "actor_id" in table.columns else "name",
                "Identify the member by actor id, identifier (scheme and value) or name.",
            )
        entry.update(
            {
                k: v
                for k, v in {
                    "role": role,
                    "selection_mode": mode,
                    "start_date": start,
                    "college": college,
                    "on_behalf_of": behalf,
                    "external_id": external_id,
                }.items()
                if v is not None
            }
        )
        _check_kind_category(row, kind, category, problems)
        parsed.append((row, entry, actor_id, identifier, name, kind, category))

    known = _known_identifiers({p[3] for p in parsed if p[3] is not None and p[2] is None})
    members = []
    for _row, entry, actor_id, identifier, name, kind, category in parsed:
        new_actor = {
            k: v for k, v in {"kind": kind, "category": category, "name": name}.items() if v
        }
        if actor_id is not None:
            entry["actor"] = actor_id
        elif identifier is not None and (identifier in known or name is None):
            scheme, issuer, value = identifier
            entry["identifier"] = {"scheme": scheme, "issuer": issuer, "value": value}
        elif identifier is not None:
            # Not known yet: created with its identifier, so the next import finds it.
            scheme, issuer, value = identifier
            new_actor["identifiers"] = [{"scheme": scheme, "issuer": issuer, "value": value}]
            entry["new_actor"] = new_actor
        elif name is not None:
            entry["new_actor"] = new_actor
        members.append(entry)
    problems.raise_if_any(_detail(problems))

    def sync(entries: list[dict], dry: bool):
        return membership_sync(
            body=body,
            members=parse_entries(entries),
            effective_date=effective_date or dt.date.today(),
            end_reason=end_reason,
            dry_run=dry,
            allowed_actors=allowed_actors,
            allowed_territories=allowed_territories,
        )

    try:
        result = sync(members, dry_run)
    except InvalidInput as exc:
        _map_service_errors(exc, "members", table, problems, default="name")
        bad = {int(k.split(".")[1]) for k in exc.errors if re.match(r"members\.\d+\.", k)}
        if bad and len(bad) < len(members):
            # Rows refused as entries: the others are still checked against the database
            # (a dry run of them alone), so that a file's problems all come at once.
            keep = [i for i in range(len(members)) if i not in bad]
            try:
                sync([members[i] for i in keep], True)
            except InvalidInput as more:
                _map_service_errors(_renumbered(more, keep), "members", table, problems, "name")
        problems.raise_if_any(_detail(problems))
        raise  # pragma: no cover - an error always maps to a problem
    return ImportResult(
        kind="members",
        rows=len(table.rows),
        dry_run=dry_run,
        result=result,
        ignored_columns=table.ignored_columns,
    )


def _renumbered(exc: InvalidInput, indexes: list[int], prefix: str = "members") -> InvalidInput:
    """``exc`` about ``rows[indexes]`` alone, renumbered as entries of the whole file."""

    def entry(match: re.Match) -> str:
        return f"{match.group(1)}{indexes[int(match.group(2))]}"

    return InvalidInput(
        exc.detail,
        errors={
            re.sub(rf"^({prefix}\.)(\d+)", entry, key): [
                re.sub(r"\b((?:entry|item) )(\d+)\b", entry, str(m)) for m in messages
            ]
            for key, messages in exc.errors.items()
        },
    )


def _json_int(value: Any) -> Any:
    """An id cell as the JSON integer it stands for; any other text is left for the
    sync entry's validation to refuse (with the message a JSON client gets)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return int(text) if re.fullmatch(r"[0-9]{1,19}", text) else text


#: A college cell: an id (ASCII digits, or a number cell) as an integer, else its name.
_json_int_or_text = _json_int


def import_actors(
    file: str | os.PathLike | IO,
    *,
    dry_run: bool = False,
    filename: str | None = None,
    format: str | None = None,
    reach: int | None = None,
    parse_items: Callable[[list[dict]], list],
) -> ImportResult:
    """Create or update the actors of the file, found by identifier (see the module docstring).

    ``reach``: the territory the writer is limited to, checked in the dry run as in the
    real run (``registry.services.upserts``: a record out of reach is absent).
    ``parse_items``: the API's validation of bulk actor items
    (``api.resources.bulk.parse_actor_items``), so a row is checked exactly as a JSON
    item, its errors then named by row and column; the caller passes it.
    """
    from registry.services.upserts import actor_upsert_many

    table = read_table(file, filename=filename, format=format, allowed=ACTOR_COLUMNS)
    problems = _Problems(table)
    missing = [c for c in ("scheme", "identifier") if c not in table.columns]
    if missing:
        for name in missing:
            problems.add(None, name, "This column is required: actors are found by identifier.")
        problems.raise_if_any("The file lacks required columns; nothing was written.")
    converters = {
        "kind": lambda v: _choice(v, KIND_VALUES, "kind"),
        "category": lambda v: _choice(v, CATEGORY_VALUES, "category"),
        "name": _text,
        "given_name": _text,
        "family_name": _text,
        "description": _text,
        "territory": _whole_number,
        "founding_date": parse_date,
        "dissolution_date": parse_date,
        "power": _whole_number,
        "interest": _whole_number,
        "legitimacy": _whole_number,
        "urgency": _whole_number,
    }
    items = []
    for row in table.rows:
        item: dict[str, Any] = {}
        identifier = _identifier(row, problems)
        if identifier is not None:
            scheme, issuer, value = identifier
            item["identifier"] = {"scheme": scheme, "issuer": issuer, "value": value}
        elif _blank(row.values.get("identifier")) and _blank(row.values.get("scheme")):
            problems.add(row.number, "identifier", "Give the actor's identifier.")
        for name, convert in converters.items():
            if name in table.columns:
                value = _cell(row, name, problems, convert)
                if value is not None:
                    item[name] = value
        _check_kind_category(row, item.get("kind"), item.get("category"), problems)
        items.append(item)
    problems.raise_if_any(_detail(problems))
    try:
        result = actor_upsert_many(items=parse_items(items), dry_run=dry_run, reach=reach)
    except InvalidInput as exc:
        _map_service_errors(exc, "items", table, problems, default="identifier")
        bad = {int(k.split(".")[1]) for k in exc.errors if re.match(r"items\.\d+\.", k)}
        if bad and len(bad) < len(items):
            # Rows refused as items: the others are still checked against the database
            # (a dry run of them alone), so that a file's problems all come at once.
            keep = [i for i in range(len(items)) if i not in bad]
            try:
                actor_upsert_many(
                    items=parse_items([items[i] for i in keep]), dry_run=True, reach=reach
                )
            except InvalidInput as more:
                renumbered = _renumbered(more, keep, prefix="items")
                _map_service_errors(renumbered, "items", table, problems, "identifier")
        problems.raise_if_any(_detail(problems))
        raise  # pragma: no cover
    return ImportResult(
        kind="actors",
        rows=len(table.rows),
        dry_run=dry_run,
        result=result,
        ignored_columns=table.ignored_columns,
    )


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}\Z")


def _whole_number(value: Any) -> int:
    """An integer cell of the actors file: a whole XLSX number, or ASCII digits within 64
    bits (``²`` or ``①`` pass ``str.isdigit()``; they are refused here)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
        return value
    text = str(value).strip()
    if not _WHOLE_NUMBER.match(text) or not -(2**63) <= int(text) < 2**63:
        raise ValueError(f"{text[:50]!r} is not a whole number (digits 0-9).")
    return int(text)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _check_kind_category(row: Row, kind, category, problems: _Problems) -> None:
    """A person with an organization's category (or the reverse), found before any query."""
    if kind == "person" and category in ORGANIZATION_CATEGORIES:
        problems.add(row.number, "category", "A person cannot have an organization's category.")
    if kind == "organization" and category in PERSON_CATEGORIES:
        problems.add(row.number, "category", "An organization cannot have a person's category.")


def _detail(problems: _Problems) -> str:
    rows = {p["row"] for p in problems.items if p["row"] is not None}
    if rows:
        return f"{_count(len(rows), 'row')} of the file {'is' if len(rows) == 1 else 'are'} not valid; nothing was written."
    return "The file is not valid; nothing was written."
