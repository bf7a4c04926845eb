"""The actors as the duplicates scan sees them: plain records, read in a few queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from registry.names import fold, person_keys

#: Particles of family names that lists write apart or glued ("Le Gall" / "Legall",
#: "De La Tour" / "Delatour"): a person's key with them glued to the next word is added.
PARTICLES = frozenset(
    [
        "d",
        "de",
        "del",
        "della",
        "des",
        "di",
        "du",
        "l",
        "la",
        "le",
        "les",
        "mac",
        "van",
        "von",
        "der",
        "den",
        "ter",
    ]
)


def glued_key(text: str) -> str:
    """The name key of ``text`` with its particles glued to the word after them."""
    words, out, pending = fold(text).split(), [], ""
    for word in words:
        if word in PARTICLES:
            pending += word
            continue
        out.append(pending + word)
        pending = ""
    if pending:
        out.append(pending)
    return " ".join(sorted(out))


@dataclass
class Record:
    """An actor as the scan sees it: plain data, read by ``load_records`` (or made by hand)."""

    id: int
    kind: str
    name: str
    territory_id: int | None = None
    given_name: str = ""
    family_name: str = ""
    other_names: tuple[str, ...] = ()
    #: ``(scheme, issuer, value)``, normalised as stored.
    identifiers: tuple[tuple[str, str, str], ...] = ()
    birth_year: int | None = None
    email: str = ""
    phone: str = ""
    keys: frozenset[str] = field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        names = [self.name, *self.other_names]
        if self.given_name or self.family_name:
            names.append(f"{self.given_name} {self.family_name}")
        keys = set(person_keys(self.name, self.given_name, self.family_name))
        for other in self.other_names:
            keys |= person_keys(other)
        # Persons only: in an organization's name "de", "du" are words, not a family's.
        if self.kind == "person" and any(w in PARTICLES for key in keys for w in key.split()):
            keys |= {glued_key(n) for n in names}
        self.keys = frozenset(k for k in keys if k)


def load_records(actors, *, personal: bool) -> list[Record]:
    """``actors`` (a queryset of Actor) as records: 3 queries, 4 with personal data.

    Personal data are read only when ``personal`` is true.
    """
    from registry.models import ActorIdentifier, ActorOtherName, PersonalData

    ids = actors.values("id")
    identifiers: dict[int, list] = defaultdict(list)
    for actor_id, *ident in ActorIdentifier.objects.filter(actor_id__in=ids).values_list(
        "actor_id", "scheme", "issuer", "value"
    ):
        identifiers[actor_id].append(tuple(ident))
    other_names: dict[int, list] = defaultdict(list)
    for actor_id, name in ActorOtherName.objects.filter(actor_id__in=ids).values_list(
        "actor_id", "name"
    ):
        other_names[actor_id].append(name)
    data: dict[int, tuple] = {}
    if personal:
        data = {
            row[0]: row[1:]
            for row in PersonalData.objects.filter(actor_id__in=ids).values_list(
                "actor_id", "birth_year", "email", "phone"
            )
        }
    records = []
    rows = actors.order_by("id").values_list(
        "id", "kind", "name", "territory_id", "given_name", "family_name"
    )
    for pk, kind, name, territory_id, given, family in rows.iterator(chunk_size=10_000):
        birth, email, phone = data.get(pk, (None, "", ""))
        records.append(
            Record(
                id=pk,
                kind=kind,
                name=name,
                territory_id=territory_id,
                given_name=given,
                family_name=family,
                other_names=tuple(other_names.get(pk, ())),
                identifiers=tuple(identifiers.get(pk, ())),
                birth_year=birth,
                email=email or "",
                phone=phone or "",
            )
        )
    return records
