"""The upload routes answer the spreadsheet's problems in the request's language, and a
query failing for another reason than a lost database is a 500, never a 503."""

from __future__ import annotations

from unittest import mock

import orjson
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import translation

from api.models import ALL_SCOPES
from tests.api.conftest import client_for, make_key
from tests.factories import BodyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_reset():
    """LocaleMiddleware leaves the last request's language active in the thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def client():
    _key, secret = make_key(scopes=tuple(ALL_SCOPES))
    return client_for(secret)


def upload(text: str, name: str = "membres.csv"):
    return {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")}


BAD = "Conseil de quartier\nNom;Catégorie;Date de début\nX;inconnue;31/02/2025\n"


@pytest.mark.parametrize(
    "language,where,says",
    [
        ("fr", "ligne 3, colonne « Date de début »", "n'est pas une vraie date"),
        ("en", "row 3, column 'Date de début'", "is not a real date"),
    ],
)
def test_members_upload_problems_in_the_requests_language(client, language, where, says):
    body = BodyFactory()
    response = client.post(
        f"/api/bodies/{body.pk}/members/import/",
        upload(BAD),
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 422, response.content
    problem = orjson.loads(response.content)
    fields = {e["field"]: e["detail"] for e in problem["errors"]}
    assert says in fields[where]
    # Both problems of row 3 at once, each by the file's own header.
    assert any("Catégorie" in f for f in fields)


def test_actors_upload_without_identifying_columns_names_them_in_french(client):
    response = client.post(
        "/api/actors/import/",
        upload("Nom complet;Type\nX;personne\n", "acteurs.csv"),
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 422
    fields = {e["field"] for e in orjson.loads(response.content)["errors"]}
    assert {"colonne « Type d'identifiant »", "colonne « Identifiant »"} <= fields


@pytest.mark.no_schema_validation(reason="an injected crash: a 500 is documented nowhere")
def test_a_query_bug_during_an_import_is_a_500_not_a_503(client):
    body = BodyFactory()
    client.raise_request_exception = False
    error = OperationalError("Expression tree is too large (maximum depth 1000)")
    with mock.patch("registry.services.sync.membership_sync", side_effect=error):
        response = client.post(
            f"/api/bodies/{body.pk}/members/import/",
            upload("Type d'identifiant;Identifiant\nexterne;A-1\n"),
            format="multipart",
        )
    assert response.status_code == 500 and "Retry-After" not in response
