"""The actors file: each row one actor, created or updated by the bulk upsert."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, Any

from django.utils.translation import gettext as _

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
    whole_number,
)
from registry.importers.spreadsheet.columns import ACTOR_COLUMNS
from registry.importers.spreadsheet.problems import Problems
from registry.importers.spreadsheet.reading import Row, Table, _blank, read_table
from registry.importers.spreadsheet.result import ImportResult, analysed, checked_together

#: field -> (converter, what a blank cell sends: ABSENT keeps the stored value).
_FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "kind": (choice("kind"), ABSENT),
    "category": (choice("category"), ABSENT),
    "name": (text, ABSENT),
    "given_name": (text, ""),
    "family_name": (text, ""),
    "description": (text, ""),
    "territory": (whole_number, None),
    "founding_date": (parse_date, None),
    "dissolution_date": (parse_date, None),
    "power": (whole_number, ABSENT),
    "interest": (whole_number, ABSENT),
    "legitimacy": (whole_number, ABSENT),
    "urgency": (whole_number, ABSENT),
}


def _row_item(row: Row, table: Table, problems: Problems) -> dict[str, Any]:
    item: dict[str, Any] = {}
    actor_id = cell(row, "actor_id", problems, json_int)
    if given(actor_id):
        item["id"] = actor_id
    key = identifier(row, problems)
    if key is not None:
        scheme, issuer, value = key
        item["identifier"] = {"scheme": scheme, "issuer": issuer, "value": value}
    elif (
        not given(actor_id)
        and (table.has("identifier") or table.has("actor_id"))
        and _blank(row.values.get("identifier"))
        and _blank(row.values.get("scheme"))
    ):
        problems.add(
            row.number,
            "identifier" if table.has("identifier") or not table.has("actor_id") else "actor_id",
            _("Give the actor's id or its identifier (scheme and value)."),
        )
    for name, (convert, blank) in _FIELDS.items():
        value = cell(row, name, problems, convert, blank=blank)
        if value is ABSENT or (value is None and not _blank(row.values[name])):
            continue
        item[name] = value
    if "name" not in item and ("given_name" in item or "family_name" in item):
        full = " ".join(item.get(k, "") for k in ("given_name", "family_name")).strip()
        if full:
            item["name"] = full
    elif (
        "name" in item
        and not table.has("given_name")
        and not table.has("family_name")
        and item.get("kind") == "person"
    ):
        first, last = split_full_name(item["name"], table.name_order)
        if first and last:
            item["given_name"], item["family_name"] = first, last
    check_kind_category(row, item.get("kind"), item.get("category"), problems)
    return item


def import_actors(
    file: str | os.PathLike | IO,
    *,
    dry_run: bool = False,
    filename: str | None = None,
    format: str | None = None,
    reach: int | None = None,
    parse_items: Callable[[list[dict]], list],
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Create or update the actors of the file (see the package docstring).

    An actor is found by its id (``Id acteur``, the bulk item's ``id``), else by its
    identifier. ``reach``: the territory the writer is limited to, checked in the dry
    run as in the real run (``registry.services.upserts``: a record out of reach is
    absent). ``parse_items``: the API's validation of bulk actor items
    (``api.resources.bulk.parse_actor_items``), so a row is checked exactly as a JSON
    item, its errors then named by row and column; the caller passes it.
    """
    from registry.services.upserts import actor_upsert_many

    table = read_table(file, filename=filename, format=format, allowed=ACTOR_COLUMNS)
    problems = Problems(table)
    missing = (
        [] if table.has("actor_id") else [n for n in ("scheme", "identifier") if not table.has(n)]
    )
    for name in missing:
        problems.add(
            None,
            name,
            _("This column is required: actors are found by id or by identifier."),
        )
    items, refused = [], set()
    for index, row in enumerate(table.rows):
        before = len(problems.items)
        items.append(_row_item(row, table, problems))
        if len(problems.items) > before:
            refused.add(index)
        if progress is not None and index % 500 == 499:
            progress(500)
    if progress is not None:
        progress(len(table.rows) % 500)
    if missing:  # the rows cannot be found: their cells are checked, not the database
        problems.raise_if_any(_("The file lacks required columns; nothing was written."))

    def upsert(indexes: list[int] | None, dry: bool):
        chosen = items if indexes is None else [items[i] for i in indexes]
        return actor_upsert_many(items=parse_items(chosen), dry_run=dry, reach=reach)

    result = checked_together(
        upsert,
        len(items),
        refused,
        problems,
        table,
        prefix="items",
        default="identifier",
        dry_run=dry_run,
    )
    return analysed(
        ImportResult(
            kind="actors",
            rows=len(table.rows),
            dry_run=dry_run,
            result=result,
            ignored_columns=table.ignored_columns,
            table=table,
        )
    )
