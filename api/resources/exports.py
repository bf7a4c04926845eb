"""Spreadsheet exports in the import's own columns: a body's members, a territory's actors.

A file written here imports back unchanged (``registry.importers.spreadsheet``): its
columns are the import's (``MEMBER_FIELDS``, ``ACTOR_FIELDS`` of
``registry.importers.spreadsheet.columns``, in that order), its headers and values
those the import reads, in the request's language:

- English (the default): headers ``Actor id``, ``Role``...; codes (``president``);
  CSV with ``,``, UTF-8; ISO dates (``2026-01-31``).
- French (``Accept-Language: fr``): headers ``Id acteur``, ``Rôle``...; words
  (``président``, ``value_label``); CSV with ``;``, UTF-8 with a BOM, dates
  ``dd/mm/yyyy``: what a French spreadsheet opens right.
- XLSX (openpyxl, write-only): one sheet, a header row, real date cells (shown in the
  language's order; text before 1900, which spreadsheets cannot show), strings always
  stored as strings (never as formulas), integers as numbers (as text beyond 2**53,
  which a spreadsheet's double would round).

One row per member (or actor). ``actor_id`` is always filled; ``name``, ``given_name``
and ``family_name`` are written as stored (a person's display name and its parts, so
that the import reads them back exactly); the college by its name; ``on_behalf_of``
and ``territory`` by id. One identifier per row: the actor's ``external`` identifier
(the client system's own id) when it has one, else its first in (scheme, issuer,
value) order; its other identifiers are left out (the import never removes one).

Scope is the JSON's (``api.scoping.Reach``): a member from outside a scoped key's
territory shows its ``actor_id`` and ``name`` only, its other actor cells blank.
Personal data are never written. Rows are built from ``.values()`` in a fixed number
of queries whatever the size (identifiers come in one query, by subquery).

CSV cells that a spreadsheet would run as a formula (text starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) are written with a leading ``'`` (OWASP's
CSV-injection advice), which the CSV import drops again
(``registry.importers.spreadsheet.formulas``); XLSX needs none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from api.base import etag_matches, etag_of
from api.headers import ETAG, IF_NONE_MATCH
from api.scoping import Reach
from registry.importers.spreadsheet.columns import (
    ACTOR_FIELDS,
    COLUMN_BY_FIELD,
    MEMBER_FIELDS,
    value_label,
)
from registry.importers.spreadsheet.formulas import guard
from registry.importers.spreadsheet.xlsx import escape_text
from registry.models import ActorIdentifier, IdentifierScheme

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Fields written as a value word of the language (``value_label``), not as typed.
LABELLED_FIELDS = frozenset({"kind", "category", "role", "selection_mode", "scheme"})
#: Number format of a decimal cell (XLSX): two decimals, in the reader's own decimal mark.
DECIMAL_FORMAT = "0.00"
#: Largest integer a spreadsheet's number cell (a double) holds exactly.
MAX_EXACT_NUMBER = 2**53
#: Earliest date a spreadsheet's date cell shows right (Excel's serial 61, after its
#: fictitious 29/02/1900); earlier dates are written as text, which the import reads too.
FIRST_SPREADSHEET_DATE = dt.date(1900, 3, 1)


def language_of(request) -> str:
    """``"fr"`` when the request asks for French (``Accept-Language``), else ``"en"``."""
    return "fr" if (get_language() or "en").split("-")[0] == "fr" else "en"


@dataclass
class Sheet:
    """A table to write: headers and rows of typed cells (str, int, float, date or None);
    a float is written with a decimal comma in French CSV, as a number cell in XLSX."""

    title: str
    filename: str  # without its extension
    language: str
    headers: list[str]
    rows: Iterable[list[Any]]


def sheet(
    fields: tuple[str, ...], rows: Iterable[dict], *, language: str, title: str, filename: str
) -> Sheet:
    """A ``Sheet`` of ``fields`` from rows keyed by field: headers and value words in
    ``language``."""

    def cells(row: dict) -> list[Any]:
        out = []
        for name in fields:
            value = row.get(name)
            if name in LABELLED_FIELDS and value:
                value = value_label(name, value, language)
            out.append(value if value != "" else None)
        return out

    return Sheet(
        title=title,
        filename=filename,
        language=language,
        headers=[COLUMN_BY_FIELD[name].header(language) for name in fields],
        rows=(cells(row) for row in rows),
    )


# --- renderers --------------------------------------------------------------------------


def date_text(value: dt.date, language: str) -> str:
    """A date as text: ``dd/mm/yyyy`` in French, ISO otherwise (four-digit years)."""
    if language == "fr":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return value.isoformat()


def _csv_cell(value: Any, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return date_text(value, language)
    if isinstance(value, float) and language == "fr":
        return repr(value).replace(".", ",")  # the decimal comma a French spreadsheet reads
    text = str(value)
    return guard(text) if isinstance(value, str) else text


class CSVRenderer(BaseRenderer):
    """A ``Sheet`` as CSV: ``,`` and UTF-8 in English, ``;`` and UTF-8 with BOM in French."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, Sheet):
            return b""
        french = data.language == "fr"
        buffer = io.StringIO()
        if french:
            buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";" if french else ",", lineterminator="\r\n")
        writer.writerow(data.headers)
        for row in data.rows:
            writer.writerow([_csv_cell(v, data.language) for v in row])
        return buffer.getvalue().encode("utf-8")


class XLSXRenderer(BaseRenderer):
    """A ``Sheet`` as an XLSX workbook (openpyxl's write-only mode: rows are not kept)."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, Sheet):
            return b""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        date_format = "DD/MM/YYYY" if data.language == "fr" else "YYYY-MM-DD"
        workbook = Workbook(write_only=True)
        sheet_ = workbook.create_sheet(title=_sheet_title(data.title))
        sheet_.freeze_panes = "A2"
        for position, header in enumerate(data.headers, start=1):
            sheet_.column_dimensions[get_column_letter(position)].width = max(12, len(header) + 4)
        bold = Font(bold=True)

        def header_cell(text: str) -> WriteOnlyCell:
            cell = WriteOnlyCell(sheet_, value=text)
            cell.font = bold
            return cell

        def cell(value: Any) -> Any:
            if isinstance(value, dt.datetime):
                value = value.date()
            if isinstance(value, dt.date) and value < FIRST_SPREADSHEET_DATE:
                return date_text(value, data.language)  # no date cell before 1900 (Excel)
            if isinstance(value, dt.date):
                out = WriteOnlyCell(sheet_, value=value)
                out.number_format = date_format
                return out
            if isinstance(value, float):
                out = WriteOnlyCell(sheet_, value=value)
                out.number_format = DECIMAL_FORMAT  # shown with the reader's decimal mark
                return out
            if isinstance(value, int) and abs(value) > MAX_EXACT_NUMBER:
                return str(value)  # a spreadsheet number is a double: text keeps every digit
            if isinstance(value, str):
                value = escape_text(value)  # control characters as _xHHHH_, read back
                if value.startswith("="):
                    out = WriteOnlyCell(sheet_, value=value)
                    out.data_type = "s"  # text, never a formula
                    return out
            return value

        sheet_.append([header_cell(h) for h in data.headers])
        for row in data.rows:
            sheet_.append([cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()
    return (cleaned or "Sheet")[:31]


FILE_RENDERERS = (CSVRenderer, XLSXRenderer)
FILE_FORMATS = frozenset(r.format for r in FILE_RENDERERS)


def wants_file(request) -> bool:
    """Whether content negotiation (``Accept`` or ``?format=``) chose CSV or XLSX."""
    renderer = getattr(request, "accepted_renderer", None)
    return getattr(renderer, "format", None) in FILE_FORMATS


def file_response(request, data: Sheet, *, version: Any) -> Response:
    """The file of ``data`` (or a 304): attachment, ETag of ``version`` and the
    representation (format, language), ``Vary: Accept, Accept-Language``."""
    fmt = request.accepted_renderer.format
    etag = etag_of({"version": version, "format": fmt, "language": data.language})
    if etag_matches(request.headers.get(IF_NONE_MATCH.name), etag):
        response = Response(status=304, headers={ETAG.name: etag})
    else:
        response = Response(
            data,
            headers={
                ETAG.name: etag,
                "Content-Disposition": f'attachment; filename="{data.filename}.{fmt}"',
            },
        )
    patch_vary_headers(response, ("Accept", "Accept-Language"))
    return response


def file_name(*parts: Any) -> str:
    """An ASCII file name (no extension) from its parts: ``conseil-citoyen-membres-2026-01-31``."""
    return "-".join(p for p in (slugify(str(part)) for part in parts) if p) or "export"


def file_schema(json_response: Any = None, *, description: str) -> dict:
    """``extend_schema(responses=...)`` for a read answering JSON (if given), CSV and XLSX."""
    responses: dict = {}
    if json_response is not None:
        responses[(200, "application/json")] = OpenApiResponse(
            json_response, description=description
        )
    responses[(200, CSV_MEDIA_TYPE)] = OpenApiResponse(OpenApiTypes.STR, description=description)
    responses[(200, XLSX_MEDIA_TYPE)] = OpenApiResponse(
        OpenApiTypes.BINARY, description=description
    )
    return responses


def format_param(*formats: str) -> OpenApiParameter:
    """DRF's ``?format=`` override, described: the same choice as the ``Accept`` header."""
    return OpenApiParameter(
        "format",
        str,
        enum=list(formats),
        allow_blank=False,
        description="The representation, as `Accept` would choose it: "
        + ", ".join(f"`{f}`" for f in formats)
        + " (CSV and XLSX in the import's own columns, in the language of "
        "`Accept-Language`).",
    )


# --- rows -------------------------------------------------------------------------------

#: The ``Actor`` columns of the exports, read by ``.values()`` under these names.
_ACTOR_VALUES = {
    "actor_id": "id",
    "name": "name",
    "given_name": "given_name",
    "family_name": "family_name",
    "kind": "kind",
    "category": "category",
    "description": "description",
    "territory": "territory_id",
    "founding_date": "founding_date",
    "dissolution_date": "dissolution_date",
    "power": "power",
    "interest": "interest",
    "legitimacy": "legitimacy",
    "urgency": "urgency",
}


def identifiers_of(actor_ids: QuerySet) -> dict[int, dict[str, str]]:
    """The one identifier written per actor (see the module docstring), for the actors of
    the subquery ``actor_ids``: one query."""
    chosen: dict[int, dict[str, str]] = {}
    rows = (
        ActorIdentifier.objects.filter(actor_id__in=actor_ids)
        .order_by("actor_id", "scheme", "issuer", "value", "id")
        .values_list("actor_id", "scheme", "issuer", "value")
    )
    for actor_id, scheme, issuer, value in rows.iterator(chunk_size=2000):
        current = chosen.get(actor_id)
        if current is None or (
            scheme == IdentifierScheme.EXTERNAL and current["scheme"] != IdentifierScheme.EXTERNAL
        ):
            chosen[actor_id] = {"scheme": scheme, "issuer": issuer, "identifier": value}
    return chosen


def member_rows(memberships: QuerySet, reach: Reach) -> Iterator[dict]:
    """The rows of a members file (keyed by ``MEMBER_FIELDS``), for the memberships of
    ``memberships``, as ``reach`` may see them; two queries."""
    actor_paths = {
        name: f"actor__{path}"
        for name, path in _ACTOR_VALUES.items()
        if name in MEMBER_FIELDS and name != "actor_id"
    }
    queryset = (
        memberships.annotate(inside=reach.inside("actor__territory_id"))
        .order_by(F("college__name").asc(nulls_last=True), "actor__name", "id")
        .values(
            "actor_id",
            "inside",
            "role",
            "selection_mode",
            "on_behalf_of_id",
            "start_date",
            "external_id",
            "college__name",
            **{name: F(path) for name, path in actor_paths.items() if name != "name"},
            actor_name=F("actor__name"),
        )
    )
    identifiers = identifiers_of(memberships.values("actor_id"))
    for row in queryset.iterator(chunk_size=2000):
        out = {
            "actor_id": row["actor_id"],
            "name": row["actor_name"],
            "college": row["college__name"],
            "role": row["role"],
            "selection_mode": row["selection_mode"],
            "on_behalf_of": row["on_behalf_of_id"],
            "start_date": row["start_date"],
            "external_id": row["external_id"],
        }
        if row["inside"]:
            for name in actor_paths:
                if name != "name":
                    out[name] = row[name]
            out.update(identifiers.get(row["actor_id"], {}))
        yield out


def members_file(request, body, memberships: QuerySet, *, day: dt.date, version: Any) -> Response:
    """``GET /api/bodies/{id}/members/`` as a file: the members of ``memberships`` (those
    current on ``day``) as the key may see them; ``version`` the JSON list's ETag."""
    language = language_of(request)
    word = "membres" if language == "fr" else "members"
    data = sheet(
        MEMBER_FIELDS,
        member_rows(memberships, Reach.of(request)),
        language=language,
        title=body.name,
        filename=file_name(body.name, word, day.isoformat()),
    )
    return file_response(request, data, version=[version, day])


def actor_rows(actors: QuerySet) -> Iterator[dict]:
    """The rows of an actors file (keyed by ``ACTOR_FIELDS``) for ``actors`` (already
    limited to what the key may read); two queries."""
    identifiers = identifiers_of(actors.values("id"))
    paths = {name: path for name, path in _ACTOR_VALUES.items() if name in ACTOR_FIELDS}
    queryset = actors.order_by("name", "id").values_list(*paths.values())
    for values in queryset.iterator(chunk_size=2000):
        row = dict(zip(paths, values, strict=True))
        row.update(identifiers.get(row["actor_id"], {}))
        yield row
