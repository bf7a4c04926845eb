"""Query parameters shared by the views that are not model lists (export, analysis)."""

from __future__ import annotations

from rest_framework import exceptions

from registry.models import Territory


def territory_param(
    request, *, not_found: exceptions.NotFound, required: bool = True
) -> int | None:
    """The ``territory`` parameter, an id or ``level:code``, as an id (None when absent).

    A natural key is looked up (``not_found`` when there is none); a numeric id
    is returned as given: the caller checks existence and scope in its own query.
    """
    raw = (request.query_params.get("territory") or "").strip()
    if not raw:
        if required:
            raise exceptions.ValidationError({"territory": ["This parameter is required."]})
        return None
    if raw.isdigit():
        return int(raw)
    level, sep, code = raw.partition(":")
    if not sep or not level or not code:
        raise exceptions.ValidationError(
            {"territory": ["Give a territory id or level:code (e.g. commune:75056)."]}
        )
    pk = Territory.objects.filter(level=level, code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise not_found
    return pk
