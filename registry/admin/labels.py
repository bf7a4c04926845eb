"""Translated labels for the fields the models declare without a verbose name.

Relations (``territory``, ``body``...) carry no ``verbose_name`` in the
models, so Django would show their untranslated attribute name; the admin
labels them here instead (form fields, list columns, history rows).
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

LABELS = {
    "territory": _("territory"),
    "host": _("host authority"),
    "successor": _("successor"),
    "parent": _("containing territory"),
    "child": _("contained territory"),
    "ancestor": _("ancestor"),
    "descendant": _("descendant"),
    "depth": _("depth"),
    "actor": _("actor"),
    "body": _("body"),
    "college": _("college"),
    "on_behalf_of": _("on behalf of"),
    "meeting": _("meeting"),
    "source": _("source actor"),
    "target_actor": _("target actor"),
    "target_body": _("target body"),
    "user": _("user"),
}


def relation_label(field: models.Field) -> Promise | None:
    """The translated label of a field declared without a verbose name, else None."""
    if isinstance(field.verbose_name, Promise):
        return None
    return LABELS.get(field.name)


def field_label(field: models.Field) -> str:
    return str(capfirst(relation_label(field) or field.verbose_name))


def related_column(name: str, *, ordering: str | None = None, empty: str = "—"):
    """A list column showing the related object ``name``, headed by its translated label."""

    @admin.display(description=capfirst(LABELS[name]), ordering=ordering)
    def column(obj):
        value = getattr(obj, name)
        return empty if value is None else value

    column.__name__ = f"{name}_column"
    return column
