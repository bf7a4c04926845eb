"""References in writes: a related object given by its id or by its natural key.

Reads accept natural keys (``?territory=commune:75056``); writes do too, through
the fields below, which every write serializer uses for its references (model
serializers through ``RegistrySerializer``, which maps each relation to a model of
``REFERENCE_FIELDS``; the bulk, sync and merge bodies by declaring them):

- a territory: its id (a JSON integer) or ``"level:code"``, the grammar of the reads
  (``api.params.parse_territory_ref``);
- an actor: its id or one of its identifiers ``{"scheme", "value"[, "issuer"]}``,
  normalised as stored (``registry.identifiers.normalise``) and looked up by
  ``registry.services.resolution.actors_by_identifier``.

A natural key is looked up within what the writer may name (its API key's
territory): a key naming an object out of reach is answered exactly as a key naming
nothing. An unknown key is a 422 on the field naming the key; a malformed one a 422
saying what to send. The answers keep returning ids. The OpenAPI document declares
each reference, in request bodies, as ``oneOf`` the id and the key
(``ReferenceFieldSchema``), so a generated client can send either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import exceptions, serializers

from api.inputs import (
    INT64_MAX,
    INT64_MIN,
    StrictCharField,
    StrictChoiceField,
    StrictPrimaryKeyRelatedField,
    _form_request,
    parse_ascii_int,
)
from registry.identifiers import normalise
from registry.models import Actor, IdentifierScheme, Territory
from registry.params import TERRITORY_REF_MAX_LENGTH, parse_territory_ref
from registry.scope import restrict
from registry.services.resolution import actors_by_identifier, key_label, text_batches

UNKNOWN_FIELD = gettext_lazy("Unknown or read-only field.")


class StrictSerializer(serializers.Serializer):
    """A serializer that refuses the keys it does not declare (DRF drops them silently)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return super().to_internal_value(data)


class SchemeField(StrictChoiceField):
    """An identifier scheme, compared as ``registry.identifiers.normalise`` stores it."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = normalise(data, "").scheme
        return super().to_internal_value(data)


class IdentifierKeySerializer(StrictSerializer):
    """An identifier ``{scheme, value[, issuer]}``, normalised into the stored key.

    An absent issuer is the empty one, as everywhere an identifier is written: the
    stored key ``(scheme, issuer, value)`` is unique, so a key names one actor or none.
    """

    scheme = SchemeField(choices=IdentifierScheme.choices, help_text="Identifier scheme.")
    value = StrictCharField(max_length=100, help_text="Identifier in the scheme.")
    issuer = StrictCharField(
        max_length=100, required=False, allow_blank=True, help_text="Who issued it (optional)."
    )

    def validate(self, attrs):
        key = normalise(attrs["scheme"], attrs["value"], attrs.get("issuer", ""))
        if not key.value:
            raise exceptions.ValidationError({"value": [_("Give the identifier's value.")]})
        return key


#: Serializer context key: ``{model: queryset}`` replacing the writer's reach for the
#: references to ``model`` (the member sync: the actors a key may name include the body's
#: current members, wherever they live).
REF_QUERYSETS = "ref_querysets"


class NaturalKeyRelatedField(StrictPrimaryKeyRelatedField):
    """A related object given by its id (a JSON integer) or by its natural key.

    The one resolution of a reference in a write: the natural key is looked up within
    what the writer may name (its key's territory; ``REF_QUERYSETS`` in the context
    replaces it), so a key naming an object out of reach gets the very answer of a key
    naming nothing (``does_not_exist``, naming the key). An id is read as
    ``StrictPrimaryKeyRelatedField`` reads it (within the same reach).

    ``as_pk=True``: the value is an id (for the services that take ids and check them
    themselves: bulk upserts, member sync, merge); an id given is passed on unread, a
    natural key is resolved to its id. Otherwise the value is the object.

    Many values (``RefListSerializer``): the natural keys of all entries are resolved
    first, one query per batch, then each entry reads its own from the field's cache.
    """

    #: The model referenced, and the path from it to its territory id (the writer's reach).
    model: ClassVar[type[models.Model]]
    territory_path: ClassVar[str]

    def __init__(self, *, as_pk: bool = False, **kwargs):
        self.as_pk = as_pk
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", self.model._default_manager.all())
        super().__init__(**kwargs)
        self._resolved: dict = {}

    # what a subclass says: the key's shape, its lookup, its label
    def parse_key(self, data):
        """The natural key ``data`` gives, None when it gives an id; else ``fail("invalid")``."""
        raise NotImplementedError

    def lookup(self, keys: set, queryset) -> dict:
        """``{key: pk}`` of the keys that name an object of ``queryset``."""
        raise NotImplementedError

    def missing_key(self, key) -> str:
        raise NotImplementedError

    def missing_id(self, pk: int) -> str:
        raise NotImplementedError

    def key_schema(self, auto_schema, direction) -> dict:
        """The natural key's OpenAPI schema."""
        raise NotImplementedError

    # the shared part
    def get_queryset(self):
        queryset = super().get_queryset()
        override = self.context.get(REF_QUERYSETS, {}).get(self.model)
        if override is not None:
            return override
        request = self.context.get("request")
        if request is None:
            return queryset
        from api.auth import access_of

        return restrict(queryset, self.territory_path, access_of(request).territory_id)

    def prefetch(self, raw_values) -> None:
        """Resolve the natural keys among ``raw_values`` at once (bad ones are left out)."""
        keys = set()
        for data in raw_values:
            try:
                key = self.parse_key(data)
            except exceptions.ValidationError:
                continue
            if key is not None and key not in self._resolved:
                keys.add(key)
        if not keys:
            return
        queryset = self.get_queryset()
        found = self.lookup(keys, queryset)
        if not self.as_pk:  # the objects themselves, in one more query
            objects = queryset.in_bulk(set(found.values()))
            found = {key: objects.get(pk) for key, pk in found.items()}
        self._resolved.update({key: found.get(key) for key in keys})

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as null for every relation (a form's empty select); JSON has null.
        if data == "" and not _form_request(self):
            self.fail("invalid")
        return super().run_validation(data)

    def to_internal_value(self, data):
        key = self.parse_key(data)
        if key is None:
            pk = parse_ascii_int(data, allow_string=_form_request(self))
            if pk is None:
                self.fail("invalid")
            if not INT64_MIN <= pk <= INT64_MAX:
                raise exceptions.ValidationError(self.missing_id(pk), code="does_not_exist")
            if self.as_pk:
                return pk
            try:
                return self.get_queryset().get(pk=pk)
            except self.model.DoesNotExist:
                raise exceptions.ValidationError(
                    self.missing_id(pk), code="does_not_exist"
                ) from None
        if key not in self._resolved:
            self.prefetch([data])
        value = self._resolved[key]  # the id (as_pk) or the object
        if value is None:
            raise exceptions.ValidationError(self.missing_key(key), code="does_not_exist")
        return value

    def to_representation(self, value):
        return value if isinstance(value, int) else super().to_representation(value)


class TerritoryReferenceField(NaturalKeyRelatedField):
    """A territory: its id, or its natural key ``"level:code"`` (``"commune:75056"``).

    The grammar is the reads' (``api.params.parse_territory_ref``): a text without
    ``:`` is refused in JSON (an id is a JSON integer), read as an id in a form.
    """

    model = Territory
    territory_path = "id"
    default_error_messages = {
        "invalid": gettext_lazy(
            'Give a territory id (a JSON integer) or its key "level:code" (e.g. "commune:75056").'
        )
    }

    def parse_key(self, data):
        if not isinstance(data, str):
            if isinstance(data, bool) or not isinstance(data, int):
                self.fail("invalid")
            return None
        try:
            ref = parse_territory_ref(data)
        except ValueError:
            self.fail("invalid")
        if isinstance(ref, int):
            if not _form_request(self):
                self.fail("invalid")
            return None
        return ref

    def lookup(self, keys, queryset):
        by_level: dict[str, list[str]] = {}
        for level, code in keys:
            by_level.setdefault(level, []).append(code)
        found = {}
        for level, codes in sorted(by_level.items()):
            for batch in text_batches(codes):
                rows = queryset.filter(level=level, code__in=batch)
                found.update({(level, c): pk for c, pk in rows.values_list("code", "pk")})
        return found

    def missing_key(self, key) -> str:
        return _("No territory with key %(key)s.") % {"key": ":".join(key)}

    def missing_id(self, pk: int) -> str:
        return _("No territory with id %(id)s.") % {"id": pk}

    def key_schema(self, auto_schema, direction) -> dict:
        return {
            "type": "string",
            "pattern": "^[a-z_]+:.+$",
            "maxLength": TERRITORY_REF_MAX_LENGTH,
            "description": "Its key, level:code.",
            "example": "commune:75056",
        }


class ActorReferenceField(NaturalKeyRelatedField):
    """An actor: its id, or one of its identifiers ``{"scheme", "value"[, "issuer"]}``.

    The identifier is normalised as stored (``registry.identifiers.normalise``: a SIREN
    written ``"123 456 789"`` is ``123456789``) and looked up by
    ``registry.services.resolution.actors_by_identifier``.
    """

    model = Actor
    territory_path = "territory_id"
    default_error_messages = {
        "invalid": gettext_lazy(
            "Give an actor id (a JSON integer) or one of its identifiers "
            "{{scheme, value[, issuer]}}."
        )
    }

    def parse_key(self, data):
        if isinstance(data, Mapping):
            nested = IdentifierKeySerializer(data=data)
            if not nested.is_valid():
                raise exceptions.ValidationError(nested.errors)
            return nested.validated_data
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        return None

    def lookup(self, keys, queryset):
        return actors_by_identifier(keys, queryset)

    def missing_key(self, key) -> str:
        return _("No actor with identifier %(key)s.") % {"key": key_label(key)}

    def missing_id(self, pk: int) -> str:
        return _("No actor with id %(id)s.") % {"id": pk}

    def key_schema(self, auto_schema, direction) -> dict:
        return auto_schema.resolve_serializer(IdentifierKeySerializer, direction).ref


#: The models written by reference, and the field that reads a reference to each
#: (``RegistrySerializer`` maps its model relations through it).
REFERENCE_FIELDS: dict[type[models.Model], type[NaturalKeyRelatedField]] = {
    Territory: TerritoryReferenceField,
    Actor: ActorReferenceField,
}


def prefetch_references(serializer: serializers.Serializer, items) -> None:
    """Resolve the natural keys that ``items`` (raw entries of ``serializer``) give, batched.

    Walks the declared fields, nested serializers and lists of them included.
    """
    items = [item for item in items if isinstance(item, Mapping)]
    if not items:
        return
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        raws = [item[name] for item in items if name in item]
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
            raws = [v for raw in raws if isinstance(raw, list) for v in raw]
        if isinstance(field, NaturalKeyRelatedField):
            field.prefetch(raws)
        elif isinstance(field, serializers.ListSerializer):
            prefetch_references(
                field.child, [v for raw in raws if isinstance(raw, list) for v in raw]
            )
        elif isinstance(field, serializers.Serializer):
            prefetch_references(field, raws)


class RefListSerializer(serializers.ListSerializer):
    """Many entries, their natural keys resolved together before each entry is read.

    Item serializers name it as ``Meta.list_serializer_class``.
    """

    def to_internal_value(self, data):
        if isinstance(data, list):
            prefetch_references(self.child, data)
        return super().to_internal_value(data)


class ReferenceFieldSchema(OpenApiSerializerFieldExtension):
    """The OpenAPI declaration of every reference: what a read returns (an integer id),
    and in request bodies ``oneOf`` the id and the natural key (``key_schema``)."""

    target_class = NaturalKeyRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        as_id = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "response" or self.target.read_only:
            return as_id
        # The field's own description and nullability go on the oneOf, not on a branch.
        as_id = {k: v for k, v in as_id.items() if k not in _META} | {"description": "Its id."}
        return {"oneOf": [as_id, self.target.key_schema(auto_schema, direction)]}


_META = frozenset({"description", "nullable", "readOnly", "writeOnly", "default", "title"})
