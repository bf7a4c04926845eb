"""Popolo export: persons, organizations, memberships, posts and areas of a territory.

One JSON document in the Popolo data specification (https://www.popoloproject.com)
for a territory and everything below it, read by ``registry.selectors.popolo`` in
a fixed number of queries and mapped here:

- ``areas``: territories (``territory/<id>``), ``identifier`` ``level:code``,
  ``classification`` the level, ``parent_id`` one direct parent (administrative
  first);
- ``persons``: person actors (``actor/<id>``); contact details, gender and birth
  year (as ``birth_date`` ``YYYY``, never a full date) only with the
  ``personal_data`` scope;
- ``organizations``: organization actors (``actor/<id>``, classification their
  category) and participation bodies (``body/<id>``, classification
  ``participation-body``, ``parent_id`` their host authority);
- ``posts``: the colleges of the bodies (``college/<id>``), with their seats;
- ``memberships`` (``membership/<id>``): a person by ``person_id``, an
  organization by ``member``; ``organization_id`` the body, ``post_id`` the
  college, ``on_behalf_of_id`` the organization represented.

For a key confined to a territory, an actor from elsewhere that a body inside
refers to (member, host, organization represented) is written with its ``id``
and ``name`` only (``api.scoping.OUTSIDE_ACTOR_FIELDS``), in ``persons`` or
``organizations`` as the memberships' references need.

The document is self-contained (``close``): every reference (each ``*_id``, a
membership's ``member``) names an object of the same document, or is left out: a
member living elsewhere has no ``area_id``, the exported area no ``parent_id``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, Func, Subquery
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import access_of
from api.headers import BOUNDED_READ, behaves
from api.params import TERRITORY_REF_SCHEMA, QueryDateField, check_value, territory_param
from api.personal_data_log import log_personal_data_reads
from api.scoping import Reach, outside_actor, within_ids
from registry.models import Actor, Body, Territory
from registry.selectors import popolo as selectors

PARTICIPATION_BODY = "participation-body"


def ref(kind: str, pk: int | None) -> str | None:
    return None if pk is None else f"{kind}/{pk}"


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _links(value) -> list[dict]:
    """Popolo link objects from a stored list (entries without a URL are dropped)."""
    links = []
    for item in value or []:
        if isinstance(item, dict) and item.get("url"):
            link = {"url": str(item["url"])}
            if item.get("note"):
                link["note"] = str(item["note"])
            links.append(link)
        elif isinstance(item, str) and item:
            links.append({"url": item})
    return links


def _drop_empty(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if v not in (None, "", [])}


def _identifiers(rows: list[dict]) -> list[dict]:
    return [
        {
            "scheme": f"{row['scheme']}:{row['issuer']}" if row["issuer"] else row["scheme"],
            "identifier": row["value"],
        }
        for row in rows
    ]


def _other_names(rows: list[dict]) -> list[dict]:
    return [
        _drop_empty(
            {
                "name": row["name"],
                "note": row["note"],
                "start_date": _date(row["start_date"]),
                "end_date": _date(row["end_date"]),
            }
        )
        for row in rows
    ]


def _actor_common(actor: dict, data: selectors.PopoloData) -> dict:
    return {
        "id": ref("actor", actor["id"]),
        "name": actor["name"],
        "identifiers": _identifiers(data.identifiers.get(actor["id"], [])),
        "other_names": _other_names(data.other_names.get(actor["id"], [])),
        "links": _links(actor["links"]),
        "sources": _links(actor["sources"]),
    }


def outside(actor: dict) -> dict:
    """An actor out of the reader's reach: id and name only (``api.scoping``)."""
    return outside_actor({"id": ref("actor", actor["id"]), "name": actor["name"]})


def person(actor: dict, data: selectors.PopoloData) -> dict:
    if not actor["inside"]:
        return outside(actor)
    obj = _actor_common(actor, data)
    obj.update(
        {
            "given_name": actor["given_name"] or None,
            "family_name": actor["family_name"] or None,
            "summary": actor["description"] or None,
            "area_id": ref("territory", actor["territory_id"]),
            "category": actor["category"],
        }
    )
    personal = (data.personal or {}).get(actor["id"])
    if personal:
        contacts = [
            {"type": medium, "value": personal[name]}
            for medium, name in (
                ("email", "email"),
                ("voice", "phone"),
                ("address", "postal_address"),
            )
            if personal[name]
        ]
        obj["contact_details"] = contacts
        if personal["email"]:
            obj["email"] = personal["email"]
        if personal["gender"]:
            obj["gender"] = personal["gender"]
        if personal["birth_year"]:
            # Popolo dates may be a bare year: the registry never holds a full birth date.
            obj["birth_date"] = f"{personal['birth_year']:04d}"
    return _drop_empty(obj)


def organization(actor: dict, data: selectors.PopoloData) -> dict:
    if not actor["inside"]:
        return outside(actor)
    obj = _actor_common(actor, data)
    obj.update(
        {
            "classification": actor["category"],
            "area_id": ref("territory", actor["territory_id"]),
            "description": actor["description"] or None,
            "founding_date": _date(actor["founding_date"]),
            "dissolution_date": _date(actor["dissolution_date"]),
        }
    )
    return _drop_empty(obj)


def body(row: dict) -> dict:
    return _drop_empty(
        {
            "id": ref("body", row["id"]),
            "name": row["name"],
            "classification": PARTICIPATION_BODY,
            "parent_id": ref("actor", row["host_id"]),
            "area_id": ref("territory", row["territory_id"]),
            "description": row["description"] or None,
            "founding_date": _date(row["founding_date"]),
            "dissolution_date": _date(row["dissolution_date"]),
            "sources": _links(row["sources"]),
            # Extensions (Popolo objects allow other properties):
            "body_type": row["body_type"],
            "status": row["status"],
            "legal_basis": row["legal_basis"] or None,
            "term_start": _date(row["term_start"]),
            "term_end": _date(row["term_end"]),
            "seats": row["seats"],
        }
    )


def post(row: dict, body_territory: dict[int, int]) -> dict:
    return _drop_empty(
        {
            "id": ref("college", row["id"]),
            "label": row["name"],
            "organization_id": ref("body", row["body_id"]),
            "area_id": ref("territory", body_territory.get(row["body_id"])),
            "sources": _links(row["sources"]),
            # Extensions:
            "seats": row["seats"],
            "selection_mode": row["selection_mode"],
        }
    )


def membership(row: dict) -> dict:
    obj = {
        "id": ref("membership", row["id"]),
        "label": f"{row['role']} of {row['body__name']}",
        "role": row["role"],
        "organization_id": ref("body", row["body_id"]),
        "post_id": ref("college", row["college_id"]),
        "on_behalf_of_id": ref("actor", row["on_behalf_of_id"]),
        "area_id": ref("territory", row["body__territory_id"]),
        "start_date": _date(row["start_date"]),
        "end_date": _date(row["end_date"]),
        "sources": _links(row["sources"]),
        # Extensions:
        "selection_mode": row["selection_mode"] or None,
        "end_reason": row["end_reason"] or None,
    }
    if row["actor__kind"] == "person":
        obj["person_id"] = ref("actor", row["actor_id"])
    else:
        obj["member"] = {"@type": "Organization", "id": ref("actor", row["actor_id"])}
    return _drop_empty(obj)


def area(row: dict, parents: dict[int, int]) -> dict:
    return _drop_empty(
        {
            "id": ref("territory", row["id"]),
            "name": row["name"],
            "identifier": f"{row['level']}:{row['code']}",
            "classification": row["level"],
            "parent_id": ref("territory", parents.get(row["id"])),
            "sources": _links(row["sources"]),
            # Extensions:
            "kind": row["kind"] or None,
            "population": row["population"],
            "valid_from": _date(row["valid_from"]),
            "valid_until": _date(row["valid_until"]),
        }
    )


def close(doc: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """``doc`` with every reference to an object it does not hold left out.

    A reference is any ``*_id`` member of an object and a membership's ``member``
    (``{"@type", "id"}``); one rule for all of them, so a reference added to the
    mapping later is closed too.
    """
    known = {obj["id"] for objects in doc.values() for obj in objects}
    for objects in doc.values():
        for obj in objects:
            for name in [n for n, v in obj.items() if n.endswith("_id") and v not in known]:
                del obj[name]
            if isinstance(obj.get("member"), dict) and obj["member"].get("id") not in known:
                del obj["member"]
    return doc


def render(data: selectors.PopoloData) -> dict:
    """The Popolo document of the selected rows, closed (``close``)."""
    body_territory = {row["id"]: row["territory_id"] for row in data.bodies}
    return close(
        {
            "persons": [person(a, data) for a in data.actors if a["kind"] == "person"],
            "organizations": [
                *(organization(a, data) for a in data.actors if a["kind"] != "person"),
                *(body(b) for b in data.bodies),
            ],
            "memberships": [membership(m) for m in data.memberships],
            "posts": [post(c, body_territory) for c in data.colleges],
            "areas": [area(t, data.parents) for t in data.territories],
        }
    )


def _popolo_list(description: str) -> dict:
    return {
        "type": "array",
        "description": description,
        "items": {"type": "object", "additionalProperties": True},
    }


POPOLO_SCHEMA = {
    "type": "object",
    "description": "A Popolo document (https://www.popoloproject.com/specs/): each list holds "
    "objects valid against the Popolo 1.0 JSON Schema of their kind.",
    "properties": {
        "persons": _popolo_list("Person actors (id `actor/<id>`)."),
        "organizations": _popolo_list(
            "Organization actors (`actor/<id>`) and participation bodies (`body/<id>`, "
            "classification `participation-body`, parent_id the host authority)."
        ),
        "memberships": _popolo_list(
            "Seats in the bodies (`membership/<id>`): person_id or member, organization_id, "
            "post_id, dates."
        ),
        "posts": _popolo_list("Colleges of the bodies (`college/<id>`), with their seats."),
        "areas": _popolo_list("Territories (`territory/<id>`), identifier `level:code`."),
    },
    "required": ["persons", "organizations", "memberships", "posts", "areas"],
}


class NotFound(exceptions.NotFound):
    default_detail = gettext_lazy("No territory you may export has this id or key.")


#: Most actors and bodies one export may hold (``POPOLO_MAX_RECORDS``): the document is
#: built in memory, so a larger territory is refused (413) rather than hold a worker.
DEFAULT_MAX_RECORDS = 100_000


class ExportTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload-too-large"


def _count(queryset) -> Subquery:
    return Subquery(queryset.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")[:1])


def _exportable_size(territory_id: int, scope_id: int | None) -> int | None:
    """How many actors and bodies the export would hold, or None when the territory does
    not exist or lies outside ``scope_id``: one query for both."""
    territories = Territory.objects.filter(pk=territory_id)
    if scope_id is not None:
        territories = territories.filter(pk__in=within_ids(scope_id))
    within = within_ids(territory_id)
    row = (
        territories.annotate(
            n_actors=_count(Actor.objects.filter(territory_id__in=within)),
            n_bodies=_count(Body.objects.filter(territory_id__in=within)),
        )
        .values_list("n_actors", "n_bodies")
        .first()
    )
    return None if row is None else (row[0] or 0) + (row[1] or 0)


def _ensure_exportable(territory_id: int, scope_id: int | None) -> None:
    size = _exportable_size(territory_id, scope_id)
    if size is None:
        raise NotFound()
    limit = getattr(settings, "POPOLO_MAX_RECORDS", DEFAULT_MAX_RECORDS)
    if size > limit:
        raise ExportTooLarge(
            f"The territory holds about {size} actors and bodies, over the bound of {limit} "
            "per export: export the territories below it one by one."
        )


class PopoloExportView(APIView):
    """Popolo export of a territory and everything below it."""

    #: An unknown territory, or one outside the key's, answers 404 (api.schema).
    answers_not_found = True

    @extend_schema(
        operation_id="popolo_export",
        summary="Export a territory as Popolo",
        description=(
            "A [Popolo](https://www.popoloproject.com/specs/) document of the territory and "
            "everything below it (both hierarchies): `persons` and `organizations` (actors, "
            "plus participation bodies with classification `participation-body`), "
            "`memberships` (seats in the bodies), `posts` (colleges) and `areas` "
            "(territories). Ids are stable strings: `actor/<id>`, `body/<id>`, "
            "`membership/<id>`, `college/<id>`, `territory/<id>`. Actors referred to by a "
            "membership or hosting a body are included even when they live elsewhere. "
            "The document is self-contained: every `*_id` (and a membership's `member`) "
            "names an object of the same document, or is left out (a member living "
            "elsewhere has no `area_id`; the exported area has no `parent_id`). "
            "Contact details, gender and birth year (as a bare year) only with the "
            "`personal_data` scope (for a key limited to a territory, only of the persons of "
            "that territory). With `as_of`, only the territories valid, bodies active "
            "and memberships current on that date. A key limited to a territory may export "
            "that territory or one below it (404 otherwise)."
        ),
        parameters=[
            OpenApiParameter(
                "territory",
                TERRITORY_REF_SCHEMA,
                required=True,
                description="Territory id or natural key `level:code` (e.g. `commune:75056`).",
            ),
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description="Only what exists on this date (YYYY-MM-DD).",
            ),
        ],
        responses={200: POPOLO_SCHEMA},
    )
    @behaves(BOUNDED_READ)
    def get(self, request):
        territory_id = territory_param(request, not_found=NotFound())
        as_of = check_value(QueryDateField(), "as_of", request.query_params.get("as_of"))
        access = access_of(request)
        _ensure_exportable(territory_id, access.territory_id)
        data = selectors.popolo_data(
            territory_id,
            as_of=as_of,
            personal_data=access.has("personal_data"),
            reach_territory_id=Reach.of(request).territory_id,
        )
        if data.personal:
            log_personal_data_reads(request=request, actor_ids=data.personal.keys())
        return Response(render(data))
