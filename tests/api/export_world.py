"""A small invented collectivity for the export tests: a body, its members, a territory's actors."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import openpyxl
from django.urls import reverse

from registry import tracking
from registry.models import Actor, ActorIdentifier, Body, College, Membership, PersonalData
from registry.services import bodies
from registry.services.territories import territory_create
from tests.factories import ActorFactory, MembershipFactory, OrganizationFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START = dt.date(2025, 9, 1)


@dataclass
class World:
    region: object
    commune: object
    quartier: object
    elsewhere: object
    body: Body
    residents: College
    associations: College
    lea: Actor
    jean: Actor
    amicale: Actor
    nadia: Actor
    outsider: Actor


def build_world() -> World:
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    commune = territory_create(
        level="commune", code="28185", name="Goussainville", parents=[(region, "administrative")]
    )
    quartier = territory_create(
        level="quartier", code="28185-Q1", name="Les Coteaux", parents=[(commune, "municipal")]
    )
    elsewhere = territory_create(level="region", code="27", name="Bourgogne-Franche-Comté")
    body = bodies.body_create(
        name="Conseil citoyen des Coteaux",
        body_type="conseil_citoyen",
        territory=commune,
        colleges=[
            {"name": "Habitants", "seats": 10, "selection_mode": "lot"},
            {"name": "Associations", "seats": 5, "selection_mode": "designation"},
        ],
    )
    residents = College.objects.get(body=body, name="Habitants")
    associations = College.objects.get(body=body, name="Associations")
    lea = ActorFactory(
        name="Léa Martin-Dubois", given_name="Léa", family_name="Martin-Dubois", territory=commune
    )
    tracking.create(ActorIdentifier(actor=lea, scheme="rne", value="RNE-4471"))
    tracking.create(ActorIdentifier(actor=lea, scheme="external", issuer="crm", value="P-001"))
    tracking.create(
        PersonalData(
            actor=lea,
            email="lea.invented@example.org",
            phone="0600000001",
            lawful_basis="consent",
            retention_until=dt.date(2030, 1, 1),
        )
    )
    jean = ActorFactory(
        name="Jean Morel", given_name="Jean", family_name="Morel", territory=quartier
    )
    amicale = OrganizationFactory(
        name="Amicale des Coteaux",
        territory=commune,
        founding_date=dt.date(2001, 5, 14),
        description="Association de locataires",
        power=3,
        interest=4,
    )
    tracking.create(ActorIdentifier(actor=amicale, scheme="rna", value="W281000123"))
    nadia = ActorFactory(
        name="Nadia Benali",
        given_name="Nadia",
        family_name="Benali",
        category="resident",
        territory=commune,
    )
    outsider = ActorFactory(
        name="Camille Roux", given_name="Camille", family_name="Roux", territory=elsewhere
    )
    MembershipFactory(
        body=body,
        actor=lea,
        college=residents,
        role="president",
        selection_mode="lot",
        start_date=START,
        external_id="S-1",
    )
    MembershipFactory(
        body=body, actor=jean, college=residents, selection_mode="lot", start_date=START
    )
    MembershipFactory(
        body=body,
        actor=nadia,
        college=associations,
        role="vice_president",
        selection_mode="designation",
        on_behalf_of=amicale,
        start_date=dt.date(2026, 1, 15),
    )
    MembershipFactory(body=body, actor=outsider, selection_mode="appointment", start_date=START)
    # An ended seat: in no current export.
    MembershipFactory(
        body=body,
        actor=ActorFactory(name="Ancien Membre", territory=commune),
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2024, 1, 1),
        end_reason="term_ended",
    )
    return World(
        region,
        commune,
        quartier,
        elsewhere,
        body,
        residents,
        associations,
        lea,
        jean,
        amicale,
        nadia,
        outsider,
    )


def members_url(body) -> str:
    return reverse("body-members", kwargs={"pk": body.pk})


def actors_url(territory) -> str:
    return reverse("territory-actors", kwargs={"pk": territory.pk})


def read_csv(content: bytes) -> tuple[str, list[list[str]]]:
    """(delimiter, rows) of a CSV export; checks the BOM goes with ``;`` (French)."""
    text = content.decode("utf-8")
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    delimiter = ";" if bom else ","
    return delimiter, list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def write_csv(rows: list[list[str]], *, french: bool) -> bytes:
    buffer = io.StringIO()
    if french:
        buffer.write("\ufeff")
    csv.writer(buffer, delimiter=";" if french else ",", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_sheet(content: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return workbook, workbook.active


def current_members(body) -> set[tuple]:
    return set(
        Membership.objects.filter(body=body, end_date__isnull=True).values_list(
            "actor_id", "role", "college_id", "on_behalf_of_id", "start_date", "external_id"
        )
    )
