"""What an import did (or would do), and the one way a file's problems are all checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.exceptions import InvalidInput
from registry.importers.spreadsheet.columns import COLUMN_BY_FIELD, VALUES, value_label
from registry.importers.spreadsheet.problems import Problems, map_service_errors
from registry.importers.spreadsheet.reading import Table
from registry.services import statistics

#: Rounds of database checks on the rows not yet refused (each may refuse more rows).
_ROUNDS = 3


def checked_together(
    run: Callable[[list[int] | None, bool], Any],
    count: int,
    refused: set[int],
    problems: Problems,
    table: Table,
    *,
    prefix: str,
    default: str,
    dry_run: bool,
) -> Any:
    """``run(None, dry_run)`` when no row was refused by its cells; else every problem at once.

    Rows refused by their cells (or by a first run) leave the others checked against
    the database (dry runs of them alone, ``run(indexes, True)``), so that the cell
    checks, the row checks and the database checks of a file all come in one answer.
    """
    good = [i for i in range(count) if i not in refused]
    if not problems:
        try:
            return run(None, dry_run)
        except InvalidInput as exc:
            bad = map_service_errors(exc, prefix, table, problems, default)
            good = [i for i in good if i not in bad]
            if not bad:
                problems.raise_if_any()
    for _round in range(_ROUNDS):
        if not good:
            break
        try:
            run(good, True)
            break
        except InvalidInput as exc:
            bad = map_service_errors(exc, prefix, table, problems, default, indexes=good)
            if not bad:
                break
            good = [i for i in good if i not in bad]
    problems.raise_if_any()
    raise AssertionError("unreachable: a refused file has problems")  # pragma: no cover


def analysed(result: ImportResult) -> ImportResult:
    """``result``, once the tables a large import wrote are analysed (a real run that wrote
    ``statistics.LARGE_LOAD_ROWS`` records or more: the command and the API's uploads)."""
    if not result.dry_run:
        r = result.result
        written = len(r.created) + len(r.updated) + len(getattr(r, "ended", []))
        statistics.analyze_after_import(result.kind, written)
    return result


def _count(n: int) -> str:
    return ngettext("%(count)d row", "%(count)d rows", n) % {"count": n}


def _value(value: Any) -> str:
    if value is None or value == "":
        return "∅"
    return repr(value) if isinstance(value, str) else str(value)


def _language() -> str:
    return "fr" if (translation.get_language() or "en").startswith("fr") else "en"


@dataclass
class ImportResult:
    """What an import did (or would do, in a dry run)."""

    kind: str  # "members" or "actors"
    rows: int
    dry_run: bool
    result: Any  # SyncResult or UpsertResult
    ignored_columns: list[str] = field(default_factory=list)
    table: Table | None = field(default=None, repr=False)
    #: field -> {stored value: label}: how the listing of changes names ids (colleges,
    #: represented organizations).
    labels: dict[str, dict[Any, str]] = field(default_factory=dict, repr=False)

    @property
    def is_empty(self) -> bool:
        return self.result.is_empty

    def summary(self) -> str:
        r = self.result
        values = {
            "created": len(r.created),
            "updated": len(r.updated),
            "ended": len(getattr(r, "ended", [])),
            "unchanged": len(r.unchanged),
            "rows": _count(self.rows),
        }
        if self.kind == "members":
            done = (
                _(
                    "%(created)d created, %(updated)d updated, %(ended)d ended, "
                    "%(unchanged)d unchanged (%(rows)s)."
                )
                % values
            )
        else:
            done = (
                _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged (%(rows)s).")
                % values
            )
        if self.dry_run:
            text = _("Dry run, nothing written: would have %(done)s") % {"done": done}
        else:
            text = _("Done: %(done)s") % {"done": done}
        for w in getattr(r, "warnings", []):
            text += "\n" + _("Warning: %(detail)s") % {"detail": w["detail"]}
        if self.ignored_columns:
            text += "\n" + _("Ignored columns: %(columns)s") % {
                "columns": ", ".join(f"'{c}'" for c in self.ignored_columns)
            }
        return text

    def _header(self, name: str) -> str:
        """The file's header of a changed field (``external`` is ``external_id``'s)."""
        if name not in COLUMN_BY_FIELD and f"{name}_id" in COLUMN_BY_FIELD:
            name = f"{name}_id"
        return self.table.column(name) if self.table is not None else name

    def _who(self, item: Any) -> str:
        if not isinstance(item, dict):
            return str(item)
        name = item.get("name") or item.get("key")
        actor = item.get("actor", item.get("id"))
        if name and actor:
            return f"{name} (#{actor})"
        return str(name or (f"#{actor}" if actor else _("new actor")))

    def _changes(self, item: dict) -> str:
        changes, previous = item.get("changes") or {}, item.get("previous") or {}
        language = _language()

        def shown(name: str, value: Any) -> str:
            field_ = name if name in COLUMN_BY_FIELD else f"{name}_id"
            if field_ in VALUES and isinstance(value, str):
                value = value_label(field_, value, language)
            label = self.labels.get(name, {}).get(value)
            return f"{_value(label)} (#{value})" if label else _value(value)

        parts = []
        for name, new in changes.items():
            header = self._header(name)
            if isinstance(new, list | tuple) and len(new) == 2 and name not in previous:
                previous = {**previous, name: new[0]}  # an upsert's [old, new]
                new = new[1]
            if new is None or new == "":
                parts.append(
                    _("%(column)s cleared (was %(old)s)")
                    % {"column": header, "old": shown(name, previous.get(name))}
                )
            elif name in previous:
                parts.append(
                    _("%(column)s: %(old)s → %(new)s")
                    % {
                        "column": header,
                        "old": shown(name, previous[name]),
                        "new": shown(name, new),
                    }
                )
            else:
                parts.append(_("%(column)s: %(new)s") % {"column": header, "new": shown(name, new)})
        return "; ".join(parts)

    def details(self) -> list[str]:
        """One line per member or actor the file changes, by name: each field it would
        change or clear (printed by the commands in a dry run)."""
        r = self.result
        lines = [_("created: %(who)s") % {"who": self._who(c)} for c in r.created]
        for u in r.updated:
            changes = self._changes(u) if isinstance(u, dict) else ""
            lines.append(
                _("updated: %(who)s: %(changes)s") % {"who": self._who(u), "changes": changes}
                if changes
                else _("updated: %(who)s") % {"who": self._who(u)}
            )
        lines += [_("ended: %(who)s") % {"who": self._who(e)} for e in getattr(r, "ended", [])]
        return lines
