"""Resolution of entries to actors: the one order by which a written entry names an actor.

Shared by the membership sync (``registry.services.sync``), the bulk upserts
(``registry.services.upserts``) and so by both spreadsheet imports, which go
through them. An entry names its actor, in this order:

1. by **actor id**; an id that an ``ActorMerge`` records as merged names its
   survivor (``into``), under the same scope rule: a survivor the writer may not
   name is "no actor with id N", exactly as a missing id;
2. by **identifier**: the entry's ``identifier``, or, for an inline ``new_actor``,
   any of its ``identifiers`` already held by an actor the writer may name (that
   actor is the member; two identifiers held by two actors are ambiguous);
3. by the **external id of a seat** of the body (current or past): a ``new_actor``
   entry whose ``external_id`` names a seat is that seat's actor;
4. for an inline ``new_actor``, by **name** among the body's current and past members
   of the same kind (of any kind when the entry gives none): their key sets (``registry.names.person_keys``: display name,
   given + family names, insensitive to accents, case, hyphens, spacing and word
   order) meet. Birth year (``personal_data.birth_year``) and territory tell two
   people apart only when both sides have them.

One match: that actor (not modified). None: a new actor is created (then, and only
then, the entry must give its kind and category). Several: the
entry is refused, naming the candidates (ids and names). Two new actors of one list
with a common key and nothing telling them apart are one person, created once (each
entry is a seat of that person).

Every lookup is batched: sets of ids or keys per query (PostgreSQL: one array
parameter; SQLite: chunks of values), never an ``OR`` of one ``Q`` per key (SQLite
refuses an expression tree that deep past about 1,000 terms).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from registry.identifiers import IdentifierKey
from registry.models import Actor, ActorIdentifier, ActorMerge, Membership
from registry.names import person_keys

#: Values per ``IN (...)`` on databases without array parameters.
CHUNK = 500


def id_batches(ids: Iterable[int]) -> Iterator[Any]:
    """Ids for ``__in`` lookups: on PostgreSQL one array parameter for them all.

    Django expands ``__in`` into one placeholder per value, which costs more than the
    query itself for the 10,000 ids of a large body; an array parameter is one value.
    """
    ordered = sorted(set(ids))
    if not ordered:
        return
    if connection.vendor == "postgresql":
        yield RawSQL("SELECT unnest(%s::bigint[])", (ordered,))
        return
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def text_batches(values: Iterable[str]) -> Iterator[Any]:
    """Texts for ``__in`` lookups, as ``id_batches`` (one array parameter on PostgreSQL)."""
    ordered = sorted(set(values))
    if not ordered:
        return
    if connection.vendor == "postgresql":
        yield RawSQL("SELECT unnest(%s::text[])", (ordered,))
        return
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


# --- ids and merges ---------------------------------------------------------------------


def follow_merges(ids: Iterable[int]) -> dict[int, int]:
    """Each id mapped to the actor it names now: the survivor of its merge, else itself."""
    ids = set(ids)
    out = {pk: pk for pk in ids}
    for batch in id_batches(ids):
        out.update(
            ActorMerge.objects.filter(merged_id__in=batch).values_list("merged_id", "into_id")
        )
    return out


class ActorRow(NamedTuple):
    pk: int
    kind: str
    name: str


def actors_by_id(ids: Iterable[int], actors: QuerySet | None = None) -> dict[int, ActorRow]:
    """Each given id that names an actor (through merges) within ``actors``: that actor."""
    now = follow_merges(ids)
    qs = Actor.objects.all() if actors is None else actors
    rows: dict[int, ActorRow] = {}
    for batch in id_batches(now.values()):
        for row in qs.filter(pk__in=batch).values_list("pk", "kind", "name"):
            rows[row[0]] = ActorRow(*row)
    return {given: rows[pk] for given, pk in now.items() if pk in rows}


def actor_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of the actors ``ids`` (for diffs that name the members they list)."""
    out: dict[int, str] = {}
    for batch in id_batches(ids):
        out.update(Actor.objects.filter(pk__in=batch).values_list("pk", "name"))
    return out


# --- identifiers ------------------------------------------------------------------------


def actors_by_identifier(
    keys: Iterable[IdentifierKey], actors: QuerySet | None = None
) -> dict[IdentifierKey, int]:
    """The actor (within ``actors``) holding each key, by sets of keys.

    PostgreSQL: one query with three array parameters. Elsewhere: a query per scheme
    and issuer per chunk of values (``scheme = ? AND issuer = ? AND value IN (...)``,
    the natural-key index).
    """
    keys = set(keys)
    found: dict[IdentifierKey, int] = {}
    if not keys:
        return found
    rows = ActorIdentifier.objects.all()
    if actors is not None:
        rows = rows.filter(actor__in=actors)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ActorIdentifier._meta.db_table)
        ordered = sorted(keys)
        batch = rows.extra(
            where=[
                f"({table}.scheme, {table}.issuer, {table}.value) IN "
                "(SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]))"
            ],
            params=[
                [k.scheme for k in ordered],
                [k.issuer for k in ordered],
                [k.value for k in ordered],
            ],
        )
        for s, i, v, actor_id in batch.values_list("scheme", "issuer", "value", "actor_id"):
            found[IdentifierKey(s, i, v)] = actor_id
        return found
    by_prefix: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in keys:
        by_prefix[(key.scheme, key.issuer)].append(key.value)
    for (scheme, issuer), values in sorted(by_prefix.items()):
        values.sort()
        for start in range(0, len(values), CHUNK):
            chunk = rows.filter(
                scheme=scheme, issuer=issuer, value__in=values[start : start + CHUNK]
            )
            for value, actor_id in chunk.values_list("value", "actor_id"):
                found[IdentifierKey(scheme, issuer, value)] = actor_id
    return found


def key_label(key: IdentifierKey) -> str:
    scheme, issuer, value = key
    return f"{scheme}:{issuer + ':' if issuer else ''}{value}"


# --- seats and names --------------------------------------------------------------------


def seats_by_external_id(body_id: int, external_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``external_id -> (membership id, actor id)`` of the body's seats, current or past."""
    out: dict[str, tuple[int, int]] = {}
    for batch in text_batches(e for e in external_ids if e):
        for ext, pk, actor_id in Membership.objects.filter(
            body_id=body_id, external_id__in=batch
        ).values_list("external_id", "pk", "actor_id"):
            out[ext] = (pk, actor_id)
    return out


class Person(NamedTuple):
    """An actor as name matching sees it."""

    pk: int | None
    name: str
    kind: str
    territory_id: int | None
    birth_year: int | None
    keys: frozenset[str]


def body_people(
    body_id: int, kinds: set[str | None], actors: QuerySet | None = None
) -> list[Person]:
    """The body's current and past members of ``kinds`` (within ``actors``), once each;
    ``None`` among ``kinds`` (an entry that gives no kind): members of any kind."""
    if not kinds:
        return []
    qs = Actor.objects.filter(pk__in=Membership.objects.filter(body_id=body_id).values("actor_id"))
    if None not in kinds:
        qs = qs.filter(kind__in=kinds)
    if actors is not None:
        qs = qs.filter(pk__in=actors.values("pk"))
    rows = qs.values_list(
        "pk",
        "name",
        "given_name",
        "family_name",
        "kind",
        "territory_id",
        "personal_data__birth_year",
    )
    return [
        Person(pk, name, kind, territory, year, person_keys(name, given, family))
        for pk, name, given, family, kind, territory, year in rows
    ]


def same_person(a: Person, b: Person) -> bool:
    """Whether two records may name one person: a common key, nothing telling them apart
    (a kind, a birth year or a territory tells them apart only when both sides have it)."""
    if (a.kind and b.kind and a.kind != b.kind) or not (a.keys & b.keys):
        return False
    if a.birth_year is not None and b.birth_year is not None and a.birth_year != b.birth_year:
        return False
    return a.territory_id is None or b.territory_id is None or a.territory_id == b.territory_id


class PeopleIndex:
    """People by key: the candidates a new person's keys meet, without a scan per entry."""

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self.by_key: dict[str, list[Person]] = defaultdict(list)
        for person in people:
            self.add(person)

    def add(self, person: Person) -> None:
        for key in person.keys:
            self.by_key[key].append(person)

    def matches(self, person: Person) -> list[Person]:
        seen: dict[Any, Person] = {}
        for key in person.keys:
            for other in self.by_key.get(key, ()):
                if same_person(person, other):
                    seen.setdefault(other.pk if other.pk is not None else id(other), other)
        return list(seen.values())


def candidates_message(people: list[Person]) -> str:
    listed = ", ".join(f"{p.pk} ({p.name})" for p in sorted(people, key=lambda p: p.pk or 0))
    return _(
        "Several actors of this body may be this person: %(candidates)s. Name the member by "
        "its actor id or identifier, or tell them apart by birth year or territory."
    ) % {"candidates": listed}
