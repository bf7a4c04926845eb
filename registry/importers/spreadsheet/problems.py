"""The problems of a file, all reported at once, named by row and by the file's own header.

Messages are in the active language (``gettext``: French under ``Accept-Language: fr``
or ``--lang fr``). A problem is ``{"row", "column", "field", "message"}``: ``column``
is the header as written in the file (or, for a column the file lacks, its header in
the file's language), never an internal field name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.exceptions import ImportFailed, InvalidInput
from registry.importers.spreadsheet.limits import MAX_PROBLEMS

if TYPE_CHECKING:
    from registry.importers.spreadsheet.reading import Table

#: Service error field -> spreadsheet field.
ERROR_FIELDS = {
    "actor": "actor_id",
    "id": "actor_id",
    "new_actor": "name",
    "new_actor.kind": "kind",
    "new_actor.category": "category",
    "new_actor.name": "name",
    "new_actor.given_name": "given_name",
    "new_actor.family_name": "family_name",
    "identifier.scheme": "scheme",
    "identifier.value": "identifier",
    "identifier.issuer": "issuer",
    # A new actor's identifier is the row's identifier columns (see import_members).
    "new_actor.identifiers": "identifier",
    "new_actor.identifiers.0": "identifier",
    "new_actor.identifiers.0.value": "identifier",
    "new_actor.identifiers.0.scheme": "scheme",
    "new_actor.identifiers.0.issuer": "issuer",
}


class Problems:
    """The problems found so far in one file."""

    def __init__(self, table: Table | None = None) -> None:
        self.table = table
        self.items: list[dict[str, Any]] = []

    def add(self, row: int | None, name: str | None, message: Any) -> None:
        column = self.table.column(name) if (self.table and name) else name
        self.items.append({"row": row, "column": column, "field": name, "message": str(message)})

    def rows(self) -> set[int]:
        return {p["row"] for p in self.items if p["row"] is not None}

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, detail: str | None = None) -> None:
        """``ImportFailed`` with every problem (at most ``MAX_PROBLEMS``, then how many more)."""
        if not self.items:
            return
        detail = detail or self.detail()
        ordered = sorted(self.items, key=lambda p: p["row"] or 0)
        kept, more = ordered[:MAX_PROBLEMS], len(ordered) - MAX_PROBLEMS
        errors: dict[str, list[str]] = defaultdict(list)
        for p in kept:
            errors[where(p["row"], p["column"])].append(p["message"])
        if more > 0:
            message = ngettext(
                "%(count)d more problem not shown (%(max)d shown): fix these and import again.",
                "%(count)d more problems not shown (%(max)d shown): fix these and import again.",
                more,
            ) % {"count": more, "max": MAX_PROBLEMS}
            errors["file"].append(message)
            kept = [*kept, {"row": None, "column": None, "field": None, "message": message}]
        exc = ImportFailed(detail, errors=errors)
        exc.problems = kept
        exc.problem_count = len(ordered)
        raise exc

    def detail(self) -> str:
        rows = self.rows()
        if rows:
            return ngettext(
                "%(count)d row of the file is not valid; nothing was written.",
                "%(count)d rows of the file are not valid; nothing was written.",
                len(rows),
            ) % {"count": len(rows)}
        return _("The file is not valid; nothing was written.")


def where(row: int | None, column: str | None) -> str:
    """``row 7, column 'Date de début'`` (``ligne 7, colonne « Date de début »``)."""
    if row is None:
        return _("column '%(column)s'") % {"column": column} if column else "file"
    if column:
        return _("row %(row)d, column '%(column)s'") % {"row": row, "column": column}
    return _("row %(row)d") % {"row": row}


def map_service_errors(
    exc: InvalidInput,
    prefix: str,
    table: Table,
    problems: Problems,
    default: str,
    indexes: list[int] | None = None,
) -> set[int]:
    """Turn ``members.3.start_date`` / ``items.3.name`` into row and column problems.

    ``indexes``: the file's entry index of each entry sent (a subset was sent).
    Returns the indexes (in the file) of the entries refused.
    """
    refused: set[int] = set()
    for key, messages in exc.errors.items():
        parts = key.split(".", 2)
        if len(parts) >= 2 and parts[0] == prefix and parts[1].isdigit():
            index = int(parts[1])
            index = indexes[index] if indexes is not None else index
            refused.add(index)
            row = table.rows[index].number
            name = parts[2] if len(parts) == 3 else None
            name = ERROR_FIELDS.get(name, name)
            if name and name.startswith("new_actor."):
                name = ERROR_FIELDS.get(name.split(".")[1], default)
            if name == "actor_id" and "actor_id" not in table.columns:
                name = default
            if name == "name" and not table.has("name"):
                # The name is in the file's "Nom" / "Prénom" columns: name those.
                name = next((n for n in ("family_name", "given_name") if table.has(n)), name)
            if name == "non_field_errors":
                name = None
            absent = name is not None and not table.has(name)
            for message in messages:
                message = rows_named(str(message), table, indexes)
                if absent:  # a value the entry needs and the file has no column for
                    message = _("%(message)s (the file has no column '%(column)s')") % {
                        "message": message,
                        "column": table.column(name),
                    }
                problems.add(row, name, message)
        else:
            for message in messages:
                problems.add(None, None if key in ("non_field_errors", prefix) else key, message)
    if not exc.errors:
        problems.add(None, None, exc.detail)
    return refused


def rows_named(message: str, table: Table, indexes: list[int] | None = None) -> str:
    """``Same actor and role as entry 3`` -> ``... as row 5``: the spreadsheet's numbering."""

    def row(match: re.Match) -> str:
        index = int(match.group(3))
        if indexes is not None:
            if index >= len(indexes):
                return match.group(0)
            index = indexes[index]
        if index < len(table.rows):
            named = _("row %(row)d") % {"row": table.rows[index].number}
            # "que l'entrée 3" -> "que la ligne 5" (the article elided before a vowel).
            return f"la {named}" if match.group(1) else named
        return match.group(0)

    return re.sub(r"(?:\b|(?<=\s))(l['’])?(entry|item|entrée|élément) (\d+)\b", row, message)


def refused_indexes(exc: InvalidInput, prefix: str) -> set[int]:
    return {int(k.split(".")[1]) for k in exc.errors if re.match(rf"{prefix}\.\d+(\.|$)", k)}
