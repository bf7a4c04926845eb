"""Schema-only fields of the analysis answers: named vocabularies and JSON pairs.

The analysis answers are rendered by ``api.analysis.kinds`` (orjson, from the
dataclasses of ``graph``), not by these serializers: they only describe those
bytes to OpenAPI. Two shapes need more than DRF's fields:

- a **vocabulary** (a closed set of codes declared once in ``graph`` or
  ``registry``) is one named enum component, referenced wherever it occurs.
  Left as inline enums, drf-spectacular's enum hook would name them after the
  property (``status``, ``code``...), which collides with the other resources'
  enums of the same property name;
- a **pair** is how the answers write a ``(name, value)`` tuple of the
  dataclasses: a JSON array of two items (``["mandate", 0.25]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import Choices
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers


class Vocabulary(serializers.ChoiceField):
    """A code of a closed vocabulary, shown as the enum component ``name``.

    ``codes`` are the codes (``about`` then describes them), or a ``TextChoices``
    class of ``registry``: its component then is the one drf-spectacular makes of
    that choice set everywhere else (same name, same text), so both are one.
    """

    def __init__(self, name: str, codes, *, about: str = "", **kwargs):
        self.component_name = name
        self.about = about
        self.registry_choices = None
        if isinstance(codes, type) and issubclass(codes, Choices):
            self.registry_choices, codes = codes, codes.values
        super().__init__(choices=list(codes), **kwargs)


class VocabularyExtension(OpenApiSerializerFieldExtension):
    target_class = Vocabulary
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        # Registered by name (not by field), as drf-spectacular's enum hook registers the
        # choice sets of registry: one component for both.
        field: Vocabulary = self.target
        component = ResolvedComponent(
            name=field.component_name,
            type=ResolvedComponent.SCHEMA,
            object=field.component_name,
            schema=self.schema(field),
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref

    @staticmethod
    def schema(field: Vocabulary) -> dict:
        values = list(field.choices)
        kind = "integer" if all(isinstance(v, int) for v in values) else "string"
        about = field.about
        if field.registry_choices is not None:
            # As drf-spectacular describes a choice set (labels in the schema's language).
            about = "\n".join(
                f"* `{value}` - {label}" for value, label in field.registry_choices.choices
            )
        return {"enum": values, "type": kind, "description": about}


class Pair(serializers.ListField):
    """A ``(first, second)`` tuple written as a JSON array of two items.

    ``first`` and ``second`` are fields (a ``Vocabulary`` too); OpenAPI 3.0 has no
    tuple type, so each item is either, and the description says which is which.
    """

    def __init__(self, first: serializers.Field, second: serializers.Field, **kwargs):
        self.first, self.second = first, second
        super().__init__(min_length=2, max_length=2, **kwargs)


class PairExtension(OpenApiSerializerFieldExtension):
    target_class = Pair
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field: Pair = self.target
        items = [
            auto_schema._map_serializer_field(part, direction)
            for part in (field.first, field.second)
        ]
        return {"type": "array", "items": {"anyOf": items}, "minItems": 2, "maxItems": 2}


class NodeId(serializers.CharField):
    """A node of the registry graph: ``a<id>`` for an actor, ``b<id>`` for a body."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Node id: `a<id>` (actor) or `b<id>` (body).")
        super().__init__(**kwargs)


class NodeIdExtension(OpenApiSerializerFieldExtension):
    # Inline, not a component: OpenAPI 3.0 cannot make a referenced schema nullable.
    target_class = NodeId
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "pattern": "^[ab][0-9]+$"}


class Scalar(serializers.Field):
    """A registry attribute's value: a string, an integer or null."""

    def to_representation(self, value):
        return value


class ScalarExtension(OpenApiSerializerFieldExtension):
    target_class = Scalar
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"anyOf": [{"type": "string", "nullable": True}, {"type": "integer"}]}


def by_code(
    kind: str,
    codes: Sequence[str],
    units: Mapping[str, str],
    base: type[serializers.Serializer],
    details: Mapping[str, type[serializers.Serializer]],
) -> tuple[dict[str, type[serializers.Serializer]], type[serializers.JSONField]]:
    """One component per code of a declared family (the renewal indicators, strengths), and
    the field that is their ``oneOf`` with ``code`` as discriminator (``Renewal<Kind>``).

    Each component is ``base`` with its own ``code`` (a one-value vocabulary) and
    ``detail`` (``details[code]``), so that a generated client reads each code's details
    as their own type.
    """
    label = kind.lower()
    components: dict[str, type[serializers.Serializer]] = {}
    for code in codes:
        name = "".join(part.capitalize() for part in code.split("_"))
        fields = {
            "code": Vocabulary(
                f"{name}{kind}Code",
                [code],
                about=f"The {label} `{code}`.",
                help_text=f"Which {label} (the discriminator of `Renewal{kind}`).",
            ),
            "detail": details[code](help_text="What the value is computed from."),
        }
        doc = f"The renewal {label} `{code}` ({units[code]})."
        components[code] = type(f"{name}{kind}Serializer", (base,), {"__doc__": doc, **fields})

    @extend_schema_field(
        PolymorphicProxySerializer(
            component_name=f"Renewal{kind}",
            serializers=components,
            resource_type_field_name="code",
        )
    )
    class ByCodeField(serializers.JSONField):
        pass

    ByCodeField.__name__ = ByCodeField.__qualname__ = f"{kind}Field"
    ByCodeField.__doc__ = f"One {label}, of the type its ``code`` names."
    return components, ByCodeField
