"""The members file of a body: each row one current member, synced as a sync entry."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import IO, Any

from django.db.models import Q
from django.utils.translation import gettext as _

from registry.identifiers import normalise
from registry.importers.spreadsheet.cells import (
    ABSENT,
    cell,
    check_kind_category,
    choice,
    given,
    identifier,
    json_int,
    parse_date,
    split_full_name,
    text,
)
from registry.importers.spreadsheet.columns import (
    MEMBER_COLUMNS,
)
from registry.importers.spreadsheet.lookups import known_identifiers
from registry.importers.spreadsheet.problems import Problems
from registry.importers.spreadsheet.reading import IDENTIFYING, Row, Table, _blank, read_table
from registry.importers.spreadsheet.result import ImportResult, analysed, checked_together
from registry.models import Actor, Body, College, EndReason

#: Membership fields of a row: converter, and the value a blank cell sends (clears).
#: ``role`` has no blank: an empty cell keeps the stored role (a new seat is a member).
_SEAT_FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "role": (choice("role"), ABSENT),
    "selection_mode": (choice("selection_mode"), ""),
    "start_date": (parse_date, None),
    "college": (text, None),  # its name, or its id (``_college_ref``)
    "on_behalf_of": (json_int, None),
    "external_id": (text, ""),
}


def _names(row: Row, table: Table, problems: Problems, kind: Any) -> dict[str, str]:
    """``name``, ``given_name`` and ``family_name`` of a new actor from the row's name columns."""
    name = cell(row, "name", problems, text)
    given_name = cell(row, "given_name", problems, text)
    family_name = cell(row, "family_name", problems, text)
    out: dict[str, str] = {}
    if given(given_name):
        out["given_name"] = given_name
    if given(family_name):
        out["family_name"] = family_name
    if given(name):
        split = not out and kind in ("person", ABSENT, None)
        out["name"] = name
        if split:
            first, last = split_full_name(name, table.name_order)
            if first and last:
                out["given_name"], out["family_name"] = first, last
    elif out:
        out["name"] = " ".join(p for p in (out.get("given_name"), out.get("family_name")) if p)
    return out


def _row_entry(
    row: Row, table: Table, problems: Problems, identified: bool = True
) -> dict[str, Any]:
    """The sync entry of a row (JSON shape), and its identifier and names (private keys).

    A column absent from the file gives no key (the stored value is kept); a blank cell
    of a present column clears.
    """
    entry: dict[str, Any] = {}
    before = len(problems.items)
    for name, (convert, blank) in _SEAT_FIELDS.items():
        value = cell(row, name, problems, convert, blank=blank)
        if value is ABSENT or (value is None and not _blank(row.values[name])):
            continue  # no column (or a blank role): kept; a refused cell: a problem
        entry[name] = value
    actor_id = cell(row, "actor_id", problems, json_int)
    key = identifier(row, problems)
    if key is not None:
        scheme, issuer, value = key
        stored = normalise(scheme, value, issuer)  # known or new: decided on the stored form
        key = (stored.scheme, stored.issuer, stored.value)
    kind = cell(row, "kind", problems, choice("kind"))
    category = cell(row, "category", problems, choice("category"))
    names = _names(row, table, problems, kind)
    no_kind = kind is ABSENT or (kind is None and _blank(row.values["kind"]))
    if no_kind and ("given_name" in names or table.name_order):
        kind = "person"  # a row with a given name (or a "Nom Prénom" cell) is a person
    check_kind_category(row, kind, category, problems)
    unnamed = not given(actor_id) and key is None and not names
    if identified and unnamed and len(problems.items) == before:
        problems.add(
            row.number,
            "actor_id" if table.has("actor_id") else "name",
            _("Identify the member by actor id, identifier (scheme and value) or name."),
        )
    new_actor = {k: v for k, v in {"kind": kind, "category": category}.items() if given(v)}
    new_actor.update(names)
    return {
        "entry": entry,
        "actor_id": actor_id if given(actor_id) else None,
        "identifier": key,
        "new_actor": new_actor if "name" in names else None,
    }


def _college_ref(value: Any, names: set[str]) -> Any:
    """A college cell as the sync reads it: the name of one of the body's colleges (a
    college named ``2`` is that college, whatever college has id 2: exports write names),
    else digits as an id."""
    if isinstance(value, str) and value.strip().casefold() not in names:
        return json_int(value)
    return value


def _entry(
    parsed: dict[str, Any], known: set[tuple[str, str, str]], colleges: set[str]
) -> dict[str, Any]:
    entry = dict(parsed["entry"])
    if "college" in entry:
        entry["college"] = _college_ref(entry["college"], colleges)
    key, new_actor = parsed["identifier"], parsed["new_actor"]
    if parsed["actor_id"] is not None:
        entry["actor"] = parsed["actor_id"]
    elif key is not None and (key in known or new_actor is None):
        scheme, issuer, value = key
        entry["identifier"] = {"scheme": scheme, "issuer": issuer, "value": value}
    elif key is not None:
        # Not known yet: created with its identifier, so the next import finds it.
        scheme, issuer, value = key
        entry["new_actor"] = {
            **new_actor,
            "identifiers": [{"scheme": scheme, "issuer": issuer, "value": value}],
        }
    elif new_actor is not None:
        entry["new_actor"] = new_actor
    return entry


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
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Make ``body``'s current members the rows of the file (see the package docstring).

    Each row becomes a sync entry in the JSON shape of ``PUT /api/bodies/{id}/members/``
    (French labels and dates already read), and the entries go through
    ``parse_entries``: the API's validation of sync entries
    (``api.resources.members.parse_member_entries``), so a row is checked exactly as a
    JSON entry, its errors then named by row and column. The registry does not import
    the API: the caller (the upload view, the ``import_members`` command) passes it.
    ``progress`` is called with the number of rows read (then with the rest once synced).
    """
    from registry.services.sync import membership_sync

    table = read_table(file, filename=filename, format=format, allowed=MEMBER_COLUMNS)
    problems = Problems(table)
    identified = bool(IDENTIFYING & set(table.columns))
    if not identified:
        problems.add(
            table.header_row,
            None,
            _("Identify the members with a column %(columns)s.")
            % {
                "columns": ", ".join(
                    f"'{table.column(n)}'" for n in ("actor_id", "identifier", "name")
                )
            },
        )
    parsed, refused = [], set()
    for index, row in enumerate(table.rows):
        before = len(problems.items)
        parsed.append(_row_entry(row, table, problems, identified))
        if len(problems.items) > before:
            refused.add(index)
        if progress is not None and index % 500 == 499:
            progress(500)
    if progress is not None:
        progress(len(table.rows) % 500)
    if not identified:  # the rows cannot be found: their cells are checked, not the database
        problems.raise_if_any(_("The file has no column that identifies the members."))
    lookup = {p["identifier"] for p in parsed if p["identifier"] and p["actor_id"] is None}
    known = known_identifiers(lookup, allowed_actors)
    colleges = {
        n.strip().casefold()
        for n in College.objects.filter(body=body).values_list("name", flat=True)
    }
    members = [_entry(p, known, colleges) for p in parsed]

    def sync(indexes: list[int] | None, dry: bool):
        chosen = members if indexes is None else [members[i] for i in indexes]
        return membership_sync(
            body=body,
            members=parse_entries(chosen),
            effective_date=effective_date or dt.date.today(),
            end_reason=end_reason,
            dry_run=dry,
            allowed_actors=allowed_actors,
            allowed_territories=allowed_territories,
        )

    result = checked_together(
        sync,
        len(members),
        refused,
        problems,
        table,
        prefix="members",
        default="name",
        dry_run=dry_run,
    )
    result.warnings += _actor_cells_kept(table, parsed, allowed_actors)
    return analysed(
        ImportResult(
            kind="members",
            rows=len(table.rows),
            dry_run=dry_run,
            result=result,
            ignored_columns=table.ignored_columns,
            table=table,
            labels=_labels(body, result),
        )
    )


#: The actor's own cells of a members file: they find or create the member, never change it.
_ACTOR_CELLS = ("name", "given_name", "family_name", "kind", "category")


def _actor_cells_kept(
    table: Table, parsed: list[dict[str, Any]], allowed_actors: Q | None
) -> list[dict[str, Any]]:
    """``actor-not-changed`` warnings: rows naming a known actor by id whose name, kind or
    category cells differ from the actor's record, which a members file does not change
    (an edited cell is said to be ignored, never silently). Actors out of a scoped
    writer's reach are not compared (their record is not the writer's to read)."""
    from registry.services.resolution import follow_merges

    fields = [f for f in _ACTOR_CELLS if table.has(f)]
    ids = {p["actor_id"] for p in parsed if isinstance(p["actor_id"], int)}
    if not fields or not ids:
        return []
    now = follow_merges(ids)
    actors = Actor.objects.filter(pk__in=set(now.values()))
    if allowed_actors is not None:
        actors = actors.filter(allowed_actors)
    stored = {row["pk"]: row for row in actors.values("pk", *fields)}
    warnings = []
    for row, p in zip(table.rows, parsed, strict=True):
        record = stored.get(now.get(p["actor_id"])) if isinstance(p["actor_id"], int) else None
        cells = p["new_actor"] or {}
        differ = [f for f in fields if f in cells and cells[f] != (record or {}).get(f, cells[f])]
        if record is None or not differ:
            continue
        warnings.append(
            {
                "code": "actor-not-changed",
                "actor": record["pk"],
                "detail": _(
                    "Row %(row)d: %(columns)s differ from actor %(actor)d's record and were not "
                    "applied: a members file does not change actors (import an actors file)."
                )
                % {
                    "row": row.number,
                    "columns": ", ".join(f"'{table.column(f)}'" for f in differ),
                    "actor": record["pk"],
                },
            }
        )
    return warnings


def _labels(body: Body, result: Any) -> dict[str, dict[Any, str]]:
    """The names of the colleges and represented organizations the changes give by id."""
    changed = [u for u in result.updated if isinstance(u, dict)]
    ids = {
        value
        for u in changed
        for values in (u.get("changes") or {}, u.get("previous") or {})
        for name, value in values.items()
        if name == "on_behalf_of" and isinstance(value, int)
    }
    labels: dict[str, dict[Any, str]] = {}
    if any("college" in (u.get("changes") or {}) for u in changed):
        labels["college"] = dict(College.objects.filter(body=body).values_list("pk", "name"))
    if ids:
        labels["on_behalf_of"] = dict(Actor.objects.filter(pk__in=ids).values_list("pk", "name"))
    return labels
