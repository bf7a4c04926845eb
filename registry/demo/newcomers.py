"""The planted strengths case: a body that brought newcomers into participation.

"Comité du budget participatif de Blois" (``NEWCOMERS_BODY``), founded on
2024-01-15 and seated on 2024-03-01 by six residents drawn by lot who had never
sat in any body (``NEWCOMER_PERSONS``, created here, never drawn for another
seat); one of them, ``ONWARD_PERSON``, later took a seat in the Commission
consultative des services publics locaux de Blois (from its term of 2026-05-01).
Its opinions (``NEWCOMER_OPINIONS``) are mostly self-referrals the city adopted.

Written after everything else of the run, without the run's random generator: the
rows drawn for the other bodies are the same as without it, whatever the seed, and
the case itself holds for every seed and scale.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

from registry.demo.scenario import PLANTED
from registry.models import (
    Actor,
    Attendance,
    Body,
    College,
    Meeting,
    Membership,
    Opinion,
    PersonalData,
)

D = dt.date

NEWCOMERS_BODY = str(PLANTED["newcomers"])
FOUNDED = D(2024, 1, 15)
SEATED = D(2024, 3, 1)
TERM_END = D(2027, 3, 1)
#: (given name, family name, gender, birth year): residents of Blois new to participation.
NEWCOMER_PERSONS = (
    ("Inès", "Benali", "female", 1998),
    ("Killian", "Moreau-Diallo", "male", 2003),
    ("Sabine", "Lecoq", "female", 1961),
    ("Yanis", "Ferhat", "male", 1994),
    ("Maëlle", "Touchard", "female", 2001),
    ("Octave", "Rambert", "male", 1987),
)
#: The newcomer who later sat elsewhere, and where (a body of ``CORE_BODIES``, by key).
ONWARD_PERSON = "Inès Benali"
ONWARD_BODY = "B3"
ONWARD_COLLEGE = "Collège des associations locales"
#: (date, referral, outcome, days to the answer).
NEWCOMER_OPINIONS = (
    (D(2024, 11, 20), "self", "adopted", 45),
    (D(2025, 4, 8), "self", "partially_adopted", 60),
    (D(2025, 10, 2), "referred", "adopted", 30),
    (D(2026, 3, 17), "self", "adopted", 50),
)
MEETINGS = tuple(D(year, month, 12) for year in (2024, 2025, 2026) for month in (4, 7, 10))


def _email(name: str) -> str:
    """An invented address (``example.org``), ASCII, from the name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return f"{ascii_name.lower().replace(' ', '.')}.bp@example.org"


def plant_newcomers(
    write: Callable[[list], list],
    *,
    host_id: int,
    territory_id: int,
    onward_body: Body,
    reference: dt.date,
    sources: list[dict],
) -> Body:
    """Write the body, its six newcomers with their seats, meetings and opinions, and the
    onward seat; ``write`` is the run's ledger writer (``_Writer.now``)."""
    (body,) = write(
        [
            Body(
                name=NEWCOMERS_BODY,
                body_type="budget_participatif",
                territory_id=territory_id,
                host_id=host_id,
                description="Comité du budget participatif (planted: newcomers, initiative).",
                status="active",
                founding_date=FOUNDED,
                mandate_years=3,
                term_start=SEATED,
                term_end=TERM_END,
                seats=len(NEWCOMER_PERSONS),
                sources=sources,
            )
        ]
    )
    actors = write(
        [
            Actor(
                kind="person", category="resident", name=f"{given} {family}",
                given_name=given, family_name=family, territory_id=territory_id, sources=sources,
            )
            for given, family, _gender, _year in NEWCOMER_PERSONS
        ]
    )  # fmt: skip
    write(
        [
            PersonalData(
                actor=actor, email=_email(actor.name), gender=gender, birth_year=year,
                lawful_basis="consent",
                retention_until=reference + dt.timedelta(days=3 * 365),
            )
            for actor, (_g, _f, gender, year) in zip(actors, NEWCOMER_PERSONS, strict=True)
        ]
    )  # fmt: skip
    seats = [
        Membership(
            actor=actor, body=body, role="president" if i == 0 else "member",
            selection_mode="lot", start_date=SEATED,
        )
        for i, actor in enumerate(actors)
    ]  # fmt: skip
    onward = next(a for a in actors if a.name == ONWARD_PERSON)
    college = College.objects.filter(body=onward_body, name=ONWARD_COLLEGE).first()
    start = max(onward_body.term_start or SEATED, SEATED + dt.timedelta(days=1))
    seats.append(
        Membership(
            actor=onward, body=onward_body, college=college, role="member",
            selection_mode="designation", start_date=start,
        )
    )  # fmt: skip
    write(seats)
    meetings = write([Meeting(body=body, date=day, kind="plenary", title="Séance plénière")
                      for day in MEETINGS if day <= reference])  # fmt: skip
    write(
        [
            Attendance(meeting=meeting, actor=actor, status="present" if (i + j) % 5 else "excused")
            for i, meeting in enumerate(meetings)
            for j, actor in enumerate(actors)
        ]
    )
    write(
        [
            Opinion(
                body=body, date=day, title=f"Proposition du comité ({day.year})", referral=referral,
                response_date=day + dt.timedelta(days=delay), response_outcome=outcome,
                response_note="Réponse écrite de la Ville.",
            )
            for day, referral, outcome, delay in NEWCOMER_OPINIONS
        ]
    )  # fmt: skip
    return body
