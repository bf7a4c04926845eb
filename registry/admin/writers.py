"""How the admin writes each model: through ``registry.services`` where a service exists.

A writer turns the values of an admin form into a service call, so an admin
save follows the same rules (and leaves the same ledger entries) as an API
call. Models without a dedicated service go through ``registry.tracking``
directly, still validated and recorded. The admin never calls ``save()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import Territory
from registry.services import (
    activity,
    actors,
    bodies,
    charters,
    interactions,
    memberships,
    obligations,
    territories,
)
from registry.services._common import domain_errors, protected_delete


class Writer:
    """The default: ``registry.tracking`` create/update/delete, errors as domain errors."""

    def create(self, model: type[models.Model], fields: dict[str, Any]) -> models.Model:
        with domain_errors():
            return tracking.create(model(**fields))

    def update(self, stored: models.Model, changes: dict[str, Any]) -> None:
        with transaction.atomic(), domain_errors():
            tracking.update(stored, changes)

    def delete(self, obj: models.Model) -> None:
        with transaction.atomic(), protected_delete(str(obj._meta.verbose_name)):
            tracking.delete(obj)

    def delete_many(self, objs: Iterable[models.Model]) -> None:
        with transaction.atomic():
            for obj in objs:
                self.delete(obj)


@dataclass(frozen=True)
class ServiceWriter(Writer):
    """Writes through service functions.

    ``create_fn`` receives the form's values as keyword arguments,
    ``update_fn`` the stored instance and the changed values, ``delete_fn`` the
    instance. Values a service does not take (``create_accepts``,
    ``update_accepts``; e.g. ``sources`` of an identifier) are written right
    after, in the same transaction, through ``registry.tracking``.
    """

    create_fn: Callable[..., models.Model] | None = None
    update_fn: Callable[..., Any] | None = None
    delete_fn: Callable[[models.Model], Any] | None = None
    create_accepts: frozenset[str] | None = None
    update_accepts: frozenset[str] | None = None

    def create(self, model, fields):
        if self.create_fn is None:
            return super().create(model, fields)
        accepted, rest = _split(fields, self.create_accepts)
        with transaction.atomic():
            created = self.create_fn(**accepted)
            if rest:
                Writer.update(self, created, rest)
        return created

    def update(self, stored, changes):
        if self.update_fn is None:
            return super().update(stored, changes)
        accepted, rest = _split(changes, self.update_accepts)
        with transaction.atomic():
            if accepted:
                self.update_fn(stored, **accepted)
            if rest:
                Writer.update(self, stored, rest)

    def delete(self, obj):
        if self.delete_fn is None:
            return super().delete(obj)
        self.delete_fn(obj)


def _split(values: dict[str, Any], accepts: frozenset[str] | None) -> tuple[dict, dict]:
    """The values a service accepts, and the rest (written through ``registry.tracking``)."""
    if accepts is None:
        return values, {}
    return (
        {k: v for k, v in values.items() if k in accepts},
        {k: v for k, v in values.items() if k not in accepts},
    )


class TerritoryWriter(ServiceWriter):
    """Territories: the services keep the closure table in step."""

    def __init__(self):
        super().__init__(
            create_fn=territories.territory_create,
            update_fn=lambda t, **c: territories.territory_update(territory=t, **c),
        )

    def delete(self, obj):
        # Forget the successor link explicitly, so the ledger records it (the
        # database's SET NULL would change the predecessors silently).
        with transaction.atomic(), protected_delete(str(obj._meta.verbose_name)):
            predecessors = list(Territory.objects.filter(successor=obj))
            tracking.bulk_update([(p, {"successor": None}) for p in predecessors])
            tracking.delete(obj)


class TerritoryRelationWriter(Writer):
    """Links between territories: every change rebuilds the closure of what it touches."""

    def create(self, model, fields):
        fields = dict(fields)
        sources = fields.pop("sources", None)
        with transaction.atomic():
            relation = territories.territory_link(
                parent=fields["parent"], child=fields["child"], kind=fields["kind"]
            )
            if sources:
                super().update(relation, {"sources": sources})
        return relation

    def update(self, stored, changes):
        parent = changes.get("parent", stored.parent)
        child = changes.get("child", stored.child)
        old_child_id = stored.child_id
        with transaction.atomic(), domain_errors():
            moved = "parent" in changes or "child" in changes
            if (
                moved
                and parent is not None
                and child is not None
                and Territory.objects.within(child).filter(pk=parent.pk).exists()
            ):
                raise InvalidInput(
                    gettext("A territory cannot be placed within one of its own descendants."),
                    errors={
                        "parent": [
                            gettext("%(parent)s lies within %(child)s.")
                            % {"parent": parent, "child": child}
                        ]
                    },
                )
            tracking.update(stored, changes)
            territories.closure_rebuild(territory_ids={old_child_id, stored.child_id})

    def delete(self, obj):
        territories.territory_unlink(parent=obj.parent, child=obj.child)


def _changes_of(stored_kw: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda obj, **changes: fn(**{stored_kw: obj}, **changes)


def _delete_of(stored_kw: str, fn: Callable[..., Any]) -> Callable[[models.Model], Any]:
    return lambda obj: fn(**{stored_kw: obj})


def _personal_data_set(obj, **changes):
    actors.actor_personal_data_set(actor=obj.actor, **changes)


def _writers() -> dict[type[models.Model], Writer]:
    from registry import models as m

    return {
        m.Territory: TerritoryWriter(),
        m.TerritoryRelation: TerritoryRelationWriter(),
        m.Actor: ServiceWriter(
            create_fn=actors.actor_create,
            update_fn=_changes_of("actor", actors.actor_update),
            delete_fn=_delete_of("actor", actors.actor_delete),
            create_accepts=actors.ACTOR_FIELDS,
            update_accepts=actors.ACTOR_FIELDS,
        ),
        m.ActorIdentifier: ServiceWriter(
            create_fn=actors.actor_identifier_add,
            create_accepts=frozenset({"actor", "scheme", "value", "issuer"}),
        ),
        m.PersonalData: ServiceWriter(
            create_fn=actors.actor_personal_data_set,
            update_fn=_personal_data_set,
            create_accepts=actors.PERSONAL_FIELDS | {"actor"},
            update_accepts=actors.PERSONAL_FIELDS,
        ),
        m.Body: ServiceWriter(
            create_fn=bodies.body_create,
            update_fn=_changes_of("body", bodies.body_update),
            delete_fn=_delete_of("body", bodies.body_delete),
            create_accepts=bodies.BODY_FIELDS,
            update_accepts=bodies.BODY_FIELDS,
        ),
        m.College: ServiceWriter(
            create_fn=bodies.college_create,
            update_fn=_changes_of("college", bodies.college_update),
            delete_fn=_delete_of("college", bodies.college_delete),
            create_accepts=bodies.COLLEGE_FIELDS | {"body"},
            update_accepts=bodies.COLLEGE_FIELDS,
        ),
        m.Membership: ServiceWriter(
            create_fn=memberships.membership_create,
            update_fn=_changes_of("membership", memberships.membership_update),
            delete_fn=_delete_of("membership", memberships.membership_delete),
            create_accepts=memberships.MEMBERSHIP_FIELDS,
            update_accepts=memberships.MEMBERSHIP_FIELDS,
        ),
        m.Meeting: ServiceWriter(
            create_fn=activity.meeting_create,
            update_fn=_changes_of("meeting", activity.meeting_update),
            delete_fn=_delete_of("meeting", activity.meeting_delete),
            create_accepts=activity.MEETING_FIELDS | {"body"},
            update_accepts=activity.MEETING_FIELDS,
        ),
        m.Opinion: ServiceWriter(
            create_fn=activity.opinion_create,
            update_fn=_changes_of("opinion", activity.opinion_update),
            delete_fn=_delete_of("opinion", activity.opinion_delete),
            create_accepts=activity.OPINION_FIELDS | {"body"},
            update_accepts=activity.OPINION_FIELDS,
        ),
        m.Charter: ServiceWriter(
            create_fn=charters.charter_create,
            update_fn=_changes_of("charter", charters.charter_update),
            delete_fn=_delete_of("charter", charters.charter_delete),
            create_accepts=charters.CHARTER_FIELDS,
            update_accepts=charters.CHARTER_FIELDS,
        ),
        m.Interaction: ServiceWriter(
            create_fn=interactions.interaction_create,
            update_fn=_changes_of("interaction", interactions.interaction_update),
            delete_fn=_delete_of("interaction", interactions.interaction_delete),
            create_accepts=interactions.INTERACTION_FIELDS,
            update_accepts=interactions.INTERACTION_FIELDS,
        ),
        m.LegalObligation: ServiceWriter(
            create_fn=obligations.legal_obligation_create,
            update_fn=_changes_of("obligation", obligations.legal_obligation_update),
            delete_fn=_delete_of("obligation", obligations.legal_obligation_delete),
            create_accepts=obligations.OBLIGATION_FIELDS,
            update_accepts=obligations.OBLIGATION_FIELDS,
        ),
    }


#: One writer per model; a model not listed is written through ``registry.tracking``.
WRITERS: dict[type[models.Model], Writer] = _writers()


def writer_for(model: type[models.Model]) -> Writer:
    return WRITERS.get(model, Writer())
