"""Problems follow the request's language: French ``title``, ``detail`` and field ``detail``
for ``Accept-Language: fr``, English otherwise (the rule is in ``api.problems``).

One sample of each kind of problem: a bad query parameter (400), a bad body field
(422), an unknown object (404), a refused delete (409), a body too large (413), a
query string too long (414), a service's domain error (422) and a spreadsheet's row
error (422). The expected sentences are written out by hand, in both languages.
"""

from __future__ import annotations

import datetime as dt
import io

import orjson
import pytest
from django.test import override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from api.problems.language import translated
from tests.factories import BodyFactory, CollegeFactory, MembershipFactory

pytestmark = pytest.mark.django_db

FR = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def problem_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = orjson.loads(response.content)
    assert body["code"] == code, body
    return body


def details(body: dict) -> dict[str, str]:
    return {error["field"]: error["detail"] for error in body.get("errors", [])}


# --- 400: a query parameter ----------------------------------------------------------


def test_a_bad_query_parameter_is_answered_in_french(full_client):
    body = problem_of(full_client.get("/api/actors/?limit=abc", **FR), 400, "invalid-input")
    assert body["title"] == "Données invalides"
    assert body["detail"] == "Le corps ou les paramètres de la requête ne sont pas valides."
    assert details(body) == {"limit": "Donnez un nombre entier écrit avec les chiffres 0-9."}


def test_a_bad_query_parameter_is_answered_in_english(full_client):
    body = problem_of(full_client.get("/api/actors/?limit=abc", **EN), 400, "invalid-input")
    assert body["title"] == "Invalid input"
    assert body["detail"] == "The request body or parameters are not valid."
    assert set(details(body)) == {"limit"}
    assert "0-9" in details(body)["limit"] and "Donnez" not in details(body)["limit"]


def test_an_unknown_value_of_a_choice_parameter_says_so_in_french(full_client):
    response = full_client.get("/api/actors/?fields=name,colour", **FR)
    body = problem_of(response, 400, "invalid-input")
    assert details(body) == {"fields": "Champ(s) inconnu(s) : colour."}


# --- 422: a body field ---------------------------------------------------------------


def test_a_bad_body_field_is_answered_in_french(full_client):
    response = full_client.post(
        "/api/actors/", {"name": "Asso", "kind": "alien"}, format="json", **FR
    )
    body = problem_of(response, 422, "invalid-input")
    assert body["title"] == "Données invalides"
    assert body["detail"] == "Le corps ou les paramètres de la requête ne sont pas valides."
    assert details(body) == {
        "kind": "«\xa0alien\xa0» n'est pas un choix valide.",  # DRF's own French
        "category": "Ce champ est obligatoire.",
    }


def test_a_bad_body_field_is_answered_in_english(full_client):
    response = full_client.post(
        "/api/actors/", {"name": "Asso", "kind": "alien"}, format="json", **EN
    )
    body = problem_of(response, 422, "invalid-input")
    assert body["detail"] == "The request body or parameters are not valid."
    assert details(body) == {
        "kind": '"alien" is not a valid choice.',
        "category": "This field is required.",
    }


# --- 404 -----------------------------------------------------------------------------


def test_an_unknown_object_is_answered_in_french(full_client):
    body = problem_of(full_client.get("/api/actors/999999/", **FR), 404, "not-found")
    assert body["title"] == "Introuvable"
    assert body["detail"] == "Non trouvé."
    english = problem_of(full_client.get("/api/actors/999999/", **EN), 404, "not-found")
    assert (english["title"], english["detail"]) == ("Not found", "Not found.")


@pytest.mark.no_schema_validation(reason="an unknown URL on purpose: no operation to check")
def test_an_unknown_url_is_answered_in_french(full_client):
    body = problem_of(full_client.get("/api/nope/", **FR), 404, "not-found")
    assert body["detail"] == "Rien ne correspond à l'URI donnée"
    english = problem_of(full_client.get("/api/nope/", **EN), 404, "not-found")
    assert english["detail"] == "Nothing matches the given URI"


# --- 409 -----------------------------------------------------------------------------


def test_a_refused_delete_is_answered_in_french(full_client):
    membership = MembershipFactory()
    response = full_client.delete(f"/api/actors/{membership.actor_id}/", **FR)
    body = problem_of(response, 409, "conflict")
    assert body["title"] == "Conflit"
    assert body["detail"] == (
        "Suppression impossible (acteur) tant que d'autres enregistrements y renvoient : mandats."
    )
    response = full_client.delete(f"/api/actors/{membership.actor_id}/", **EN)
    assert problem_of(response, 409, "conflict")["detail"] == (
        "The actor cannot be deleted while other records refer to it: memberships."
    )


# --- 413, 414 ------------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_too_large_is_answered_in_french(full_client):
    response = full_client.post("/api/actors/", {"name": "x" * 5000}, format="json", **FR)
    body = problem_of(response, 413, "payload-too-large")
    assert body["title"] == "Contenu trop volumineux"
    assert body["detail"] == "Le corps de la requête dépasse 1000 octets."
    response = full_client.post("/api/actors/", {"name": "x" * 5000}, format="json", **EN)
    assert problem_of(response, 413, "payload-too-large")["detail"] == (
        "The request body is larger than 1000 bytes."
    )


def test_a_query_string_too_long_is_answered_in_french(full_client):
    url = "/api/actors/?q=" + "x" * 9000
    body = problem_of(full_client.get(url, **FR), 414, "uri-too-long")
    assert body["title"] == "URI trop longue"
    assert body["detail"] == "La chaîne de requête dépasse 8192 caractères."
    english = problem_of(full_client.get(url, **EN), 414, "uri-too-long")
    assert english["detail"] == "The query string is longer than 8192 characters."


# --- a service's domain error --------------------------------------------------------


def test_a_domain_error_of_a_service_is_answered_in_french(full_client):
    membership = MembershipFactory()
    elsewhere = CollegeFactory(body=BodyFactory(territory=membership.body.territory))
    url = f"/api/memberships/{membership.pk}/"
    response = full_client.patch(url, {"college": elsewhere.pk}, format="json", **FR)
    body = problem_of(response, 422, "invalid-input")
    assert body["title"] == "Données invalides"
    assert body["detail"] == "Le collège appartient à une autre instance."
    assert details(body) == {"college": "Choisissez un collège de cette instance."}
    response = full_client.patch(url, {"college": elsewhere.pk}, format="json", **EN)
    body = problem_of(response, 422, "invalid-input")
    assert body["detail"] == "The college belongs to another body."
    assert details(body) == {"college": "Choose a college of this body."}


# --- a spreadsheet's row error -------------------------------------------------------


def _csv(text: str) -> dict:
    content = io.BytesIO(text.encode())
    content.name = "actors.csv"
    return {"file": content}


ACTORS = "scheme;identifier;name;kind;category\nexternal;P-1;Jeanne;alien;resident\n"


def test_a_row_error_of_an_import_is_answered_in_french(full_client):
    response = full_client.post("/api/actors/import/", _csv(ACTORS), format="multipart", **FR)
    body = problem_of(response, 422, "import-failed")
    assert body["title"] == "Échec de l'import"
    assert body["detail"] == "1 ligne du fichier n'est pas valide ; rien n'a été écrit."
    assert details(body) == {
        "ligne 2, colonne « kind »": (
            "Valeur inconnue 'alien' ; valeurs attendues : organisation, personne."
        )
    }


def test_a_row_error_of_an_import_is_answered_in_english(full_client):
    response = full_client.post("/api/actors/import/", _csv(ACTORS), format="multipart", **EN)
    body = problem_of(response, 422, "import-failed")
    assert body["title"] == "Import failed"
    assert body["detail"] == "1 row of the file is not valid; nothing was written."
    (where,) = details(body)
    assert where == "row 2, column 'kind'"


# --- the formatter's pass through the catalogue --------------------------------------


def test_a_msgid_that_reaches_the_formatter_untranslated_is_translated():
    with translation.override("fr"):
        assert translated("The membership ends before it starts.") == (
            "Le mandat se termine avant de commencer."
        )
        assert translated("") == ""  # never the catalogue's header
        assert translated(None) == ""
    with translation.override("en"):
        assert translated("The membership ends before it starts.") == (
            "The membership ends before it starts."
        )


@given(st.text(max_size=80))
def test_a_text_that_is_no_msgid_is_left_as_it_is(value):
    """Data (a value, placeholders, an already translated sentence) passes unchanged."""
    text = f"« {value} » n'est pas un choix valide, 100 %(x)s"
    with translation.override("fr"):
        assert translated(text) == text


def test_an_overlap_names_the_open_ended_membership_in_french(full_client):
    seat = MembershipFactory(start_date=dt.date(2024, 1, 1))
    payload = {
        "actor": seat.actor_id,
        "body": seat.body_id,
        "role": seat.role,
        "start_date": "2025-01-01",
    }
    response = full_client.post("/api/memberships/", payload, format="json", **FR)
    body = problem_of(response, 422, "membership-overlap")
    assert body["title"] == "Mandats qui se chevauchent"
    assert body["detail"] == (
        "L'acteur occupe déjà ce rôle dans cette instance pendant une partie de cette période."
    )
    assert details(body) == {
        "start_date": f"Chevauche le mandat {seat.pk} (depuis le 2024-01-01, sans date de fin)."
    }
    response = full_client.post("/api/memberships/", payload, format="json", **EN)
    assert details(problem_of(response, 422, "membership-overlap")) == {
        "start_date": f"Overlaps membership {seat.pk} (from 2024-01-01, with no end date)."
    }
