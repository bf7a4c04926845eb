"""The sync's typed input (``MemberEntry``), its result (``SyncResult``) and its error list."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.exceptions import InvalidInput
from registry.identifiers import IdentifierKey, normalise
from registry.models import Actor, ActorIdentifier, PersonalData, Role, SelectionMode

#: Seat fields an entry may give; one it does not give keeps the stored value.
SEAT_FIELDS = ("college", "role", "selection_mode", "on_behalf_of", "start_date", "external_id")
_ROLES = {r.value for r in Role}
_MODES = {m.value for m in SelectionMode} | {""}


@dataclass(frozen=True)
class NewPersonalData:
    """Personal data of a person created inline (None: the model's default)."""

    lawful_basis: str
    retention_until: dt.date
    email: str | None = None
    phone: str | None = None
    postal_address: str | None = None
    gender: str | None = None
    birth_year: int | None = None

    def values(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class NewActor:
    """An actor to create inline (unless it resolves to a known one); territory: the body's.

    ``kind`` and ``category`` are needed only to create it: an entry that resolves to a
    known actor needs neither (``None``: not given; resolution by name then looks at
    members of any kind).
    """

    name: str
    kind: str | None = None
    category: str | None = None
    given_name: str = ""
    family_name: str = ""
    description: str = ""
    territory_id: int | None = None
    identifiers: tuple[IdentifierKey, ...] = ()
    personal_data: NewPersonalData | None = None


@dataclass(frozen=True)
class MemberEntry:
    """One member of the list: exactly one of ``actor`` (id), ``identifier``, ``new_actor``.

    ``college`` is a college id (int) or name (str, case-insensitive).

    ``given`` names the seat fields (``SEAT_FIELDS``) the entry gives: a field not
    given keeps the stored value of the matched seat (a new seat takes the default);
    a field given empty (``None``, ``""``) clears it. ``None`` (entries built in
    Python without saying) counts as given every field that differs from its default,
    and ``role``.
    """

    actor: int | None = None
    identifier: IdentifierKey | None = None
    new_actor: NewActor | None = None
    college: int | str | None = None
    role: str = Role.MEMBER
    selection_mode: str = ""
    on_behalf_of: int | None = None
    start_date: dt.date | None = None
    external_id: str = ""
    given: frozenset[str] | None = None

    def has(self, name: str) -> bool:
        """Whether the entry gives seat field ``name`` (else the stored value stays)."""
        if self.given is not None:
            return name in self.given
        return name == "role" or getattr(self, name) not in (None, "")

    @classmethod
    def from_python(cls, values: Mapping[str, Any]) -> MemberEntry:
        """An entry from Python values already typed (tests, scripts); never client input.

        The seat fields present among the keys are the ones given. Nested
        ``identifier`` ({scheme, value[, issuer]}) and ``new_actor`` mappings are built
        too; a value of the wrong type is a programming error (TypeError), not a
        client's: client input goes through ``api.resources.members``.
        """
        data = dict(values)
        data.setdefault("given", frozenset(n for n in SEAT_FIELDS if n in values))
        for name in ("role", "selection_mode", "external_id"):
            if data.get(name) is None:
                data.pop(name, None)
        ident = data.get("identifier")
        if isinstance(ident, Mapping):
            data["identifier"] = normalise(ident["scheme"], ident["value"], ident.get("issuer", ""))
        new = data.get("new_actor")
        if isinstance(new, Mapping):
            new = dict(new)
            new["identifiers"] = tuple(
                normalise(i["scheme"], i["value"], i.get("issuer", ""))
                for i in new.get("identifiers", ())
            )
            if isinstance(new.get("personal_data"), Mapping):
                new["personal_data"] = NewPersonalData(**new["personal_data"])
            if "territory" in new:
                new["territory_id"] = getattr(new.pop("territory"), "pk", None) or new.get(
                    "territory_id"
                )
            data["new_actor"] = NewActor(**new)
        entry = cls(**data)
        for name, kinds in _PYTHON_TYPES.items():
            value = getattr(entry, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
                raise TypeError(f"MemberEntry.{name} must be {kinds}, not {value!r}")
        return entry


_PYTHON_TYPES: dict[str, Any] = {
    "actor": int,
    "identifier": IdentifierKey,
    "new_actor": NewActor,
    "college": (int, str),
    "role": str,
    "selection_mode": str,
    "on_behalf_of": int,
    "start_date": dt.date,
    "external_id": str,
    "given": frozenset,
}


@dataclass
class SyncResult:
    """The difference between what was stored and what was sent.

    ``created``: ``{id, actor, name, role, index}``; ``updated``: the same with
    ``changes`` ({field: new value}) and ``previous`` ({field: old value}); ``ended``:
    ``{id, actor, name, role, end_date, end_reason}``.
    """

    effective_date: dt.date
    dry_run: bool
    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    ended: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.updated or self.ended)


@dataclass
class Entry:
    """An entry being resolved: the typed input and the ids it comes to name.

    ``values`` holds the seat fields the entry gives, by membership attname
    (``college_id``...), once resolved; ``shares`` the index of an earlier entry whose
    new actor this one is (the same new person named twice).
    """

    index: int
    given: MemberEntry
    actor_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    shares: int | None = None
    new_actor: Actor | None = None
    new_identifiers: list[ActorIdentifier] = field(default_factory=list)
    new_personal_data: PersonalData | None = None
    #: Identifiers of the new actor held by an actor out of the writer's reach, with that
    #: actor's id: not stored (the writer may not know they exist), logged once created.
    hidden_identifiers: list[tuple[IdentifierKey, int]] = field(default_factory=list)

    @property
    def role(self) -> str:
        return self.values.get("role") or Role.MEMBER


class Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = defaultdict(list)

    def add(self, index: int, name: str, message: str) -> None:
        self.by_field[f"members.{index}.{name}"].append(str(message))

    def add_django(self, index: int, prefix: str, exc: ValidationError) -> None:
        for name, messages in getattr(
            exc, "message_dict", {"non_field_errors": exc.messages}
        ).items():
            name = "non_field_errors" if name == "__all__" else name
            for message in messages:
                self.add(
                    index,
                    f"{prefix}{name}" if name != "non_field_errors" else prefix.rstrip(".") or name,
                    message,
                )

    def raise_if_any(self) -> None:
        if self.by_field:
            count = len({k.split(".")[1] for k in self.by_field})
            raise InvalidInput(
                ngettext(
                    "%(count)d member entry is not valid; nothing was written.",
                    "%(count)d member entries are not valid; nothing was written.",
                    count,
                )
                % {"count": count},
                errors=self.by_field,
            )


def parse_entries(members: Sequence[MemberEntry | Mapping], errors: Errors) -> list[Entry]:
    entries = []
    for index, given in enumerate(members):
        if not isinstance(given, MemberEntry):
            given = MemberEntry.from_python(given)
        entry = Entry(index=index, given=given)
        for name in ("role", "selection_mode", "start_date", "external_id"):
            if given.has(name):
                entry.values[name] = getattr(given, name)
        if entry.values.get("role") in (None, ""):
            entry.values.pop("role", None)
        if "external_id" in entry.values:
            entry.values["external_id"] = entry.values["external_id"] or ""
        if "selection_mode" in entry.values:
            entry.values["selection_mode"] = entry.values["selection_mode"] or ""
        if given.has("start_date") and given.start_date is None:
            entry.values.pop("start_date")  # null: the default of a new seat, keeps a stored one
        named = [n for n in ("actor", "identifier", "new_actor") if getattr(given, n) is not None]
        if len(named) != 1:
            errors.add(
                index,
                "actor",
                _(
                    "Identify the member by exactly one of: actor (id), identifier "
                    "({scheme, value}), new_actor (an actor to create)."
                ),
            )
        if entry.role not in _ROLES:
            errors.add(index, "role", _("Unknown role %(value)r.") % {"value": entry.role})
        mode = entry.values.get("selection_mode", "")
        if mode not in _MODES:
            errors.add(
                index, "selection_mode", _("Unknown selection mode %(value)r.") % {"value": mode}
            )
        entries.append(entry)
    return entries
