"""Reading the change ledger for people: per field, the value before and after a change."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from registry.admin.labels import field_label
from registry.models import ChangeRecord

#: Ledger entries whose values are personal data, hidden without the permission.
PERSONAL_MODELS = frozenset({"registry.personaldata"})

_ABSENT = object()


@dataclass(frozen=True)
class DiffColours:
    """The text colours of "before" and "after" values in one admin theme.

    ``backgrounds`` are the theme's row backgrounds (Django admin's ``--body-bg`` and
    ``--darkened-bg``); each colour has a contrast of at least 4.5:1 (WCAG AA) on
    each of them (``tests/registry/test_admin_scope.py`` computes it). Django's own
    variables are not used: ``--message-success-bg`` is a background (pale green
    ``#dfd``), which as text on white gave 1.1:1.
    """

    selector: str
    media: str | None
    before: str
    after: str
    backgrounds: tuple[str, ...]


#: Light theme, dark theme chosen by the system, dark theme chosen in the admin.
DIFF_COLOURS = (
    DiffColours(
        ':root, html[data-theme="light"]', None, "#a4161a", "#1b5e20", ("#ffffff", "#f8f8f8")
    ),
    DiffColours(
        ":root", "(prefers-color-scheme: dark)", "#ef9a9a", "#81c784", ("#121212", "#212121")
    ),
    DiffColours('html[data-theme="dark"]', None, "#ef9a9a", "#81c784", ("#121212", "#212121")),
)


@dataclass(frozen=True)
class ChangeRow:
    """One field of one change, ready to show."""

    label: str
    before: str
    after: str


def records_for(model: type[models.Model], pk: Any) -> QuerySet[ChangeRecord]:
    """The ledger entries of one object, newest first."""
    return (
        ChangeRecord.objects.filter(model=model._meta.label_lower, object_id=pk)
        .select_related("user")
        .order_by("-id")
    )


def _model_of(record: ChangeRecord) -> type[models.Model] | None:
    try:
        return apps.get_model(record.model)
    except (LookupError, ValueError):
        return None


def change_rows(
    record: ChangeRecord, *, show_personal: bool, names: dict | None = None
) -> list[ChangeRow]:
    """Each field the change touched, with its value before and after.

    ``names`` ({(model, pk): label}) labels foreign keys; see ``related_names``.
    """
    if record.model in PERSONAL_MODELS and not show_personal:
        hidden = _("(hidden: personal data)")
        return [ChangeRow(_("Personal data"), hidden, hidden)]
    model = _model_of(record)
    fields = {f.attname: f for f in model._meta.concrete_fields} if model else {}
    order = {attname: i for i, attname in enumerate(fields)}
    before, after = record.before, record.after
    keys = sorted(set(before or {}) | set(after or {}), key=lambda k: (order.get(k, 999), k))
    rows = []
    for key in keys:
        field = fields.get(key)
        rows.append(
            ChangeRow(
                label=field_label(field) if field is not None else key,
                before=_display(
                    field, before.get(key, _ABSENT) if before is not None else _ABSENT, names
                ),
                after=_display(
                    field, after.get(key, _ABSENT) if after is not None else _ABSENT, names
                ),
            )
        )
    return rows


def related_names(records: Iterable[ChangeRecord]) -> dict[tuple[type, Any], str]:
    """Labels of the objects the records' foreign keys point to, one query per related model."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for record in records:
        model = _model_of(record)
        if model is None:
            continue
        relations = {f.attname: f for f in model._meta.concrete_fields if f.is_relation}
        for values in (record.before or {}, record.after or {}):
            for attname, value in values.items():
                field = relations.get(attname)
                if field is not None and value is not None:
                    wanted[field.related_model].add(value)
    names: dict[tuple[type, Any], str] = {}
    for related, pks in wanted.items():
        for pk, obj in related._default_manager.in_bulk(list(pks)).items():
            names[(related, pk)] = str(obj)
    return names


def _display(field: models.Field | None, value: Any, names: dict | None) -> str:
    if value is _ABSENT:
        return ""
    if value is None or value == "":
        return "—"
    if field is not None and field.is_relation:
        label = (names or {}).get((field.related_model, value))
        return f"{label} (#{value})" if label else f"#{value}"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
