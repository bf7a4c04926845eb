"""The landing page, and API docs pages that make no request to another host."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

LINKS = ["/explore/", "/api/docs/", "/api/redoc/", "/api/schema/", "/admin/"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Participation registry", "Explorer", "API reference (ReDoc)", "Administration"]),
        ("fr", ["Registre de la participation", "Explorateur", "Référence de l'API (ReDoc)"]),
    ],
)
def test_landing_page_says_what_the_service_is_and_links_the_pages(client, language, words):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    for word in words:
        assert word in page
    for link in LINKS:
        assert f'href="{link}"' in page


#: What a browser fetches by itself: src/href of scripts, images, styles, and url() in CSS.
FETCHED = re.compile(r"""(?:src|href)\s*=\s*["'](https?:)?//|url\(\s*["']?https?://""", re.I)


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_fetch_nothing_from_another_host(client, path):
    page = client.get(path).content.decode()
    assert not FETCHED.search(page), path
    for asset in re.findall(r"""src=["'](/[^"']+)""", page):
        assert asset.startswith("/static/"), asset


def test_redoc_page_forbids_requests_to_other_hosts(client):
    page = client.get("/api/redoc/").content.decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy  # the bundle's cdn.redoc.ly logo is refused
    assert "fonts.googleapis" not in page


def test_swagger_ui_has_no_validator_badge(client):
    page = client.get("/api/docs/").content.decode()
    assert '"validatorUrl": null' in page
