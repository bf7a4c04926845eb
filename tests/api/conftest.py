"""API fixtures: clients authenticated with keys of chosen scopes and territory."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.models import ALL_SCOPES, ApiKey
from tests.api import client_generator


def make_key(*, scopes=("read",), territory=None, name="test", expiry_date=None, revoked=False):
    """Create an API key; returns (ApiKey, the secret key string)."""
    api_key, key = ApiKey.objects.create_key(
        name=name,
        scopes=list(scopes),
        territory=territory,
        expiry_date=expiry_date,
        revoked=revoked,
    )
    return api_key, key


def client_for(key: str | None) -> APIClient:
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def api_client_factory(db):
    """``api_client_factory(scopes=..., territory=...)`` -> an APIClient sending that key."""

    def factory(*, scopes=tuple(ALL_SCOPES), territory=None, **kwargs) -> APIClient:
        _api_key, key = make_key(scopes=scopes, territory=territory, **kwargs)
        return client_for(key)

    return factory


@pytest.fixture
def full_client(api_client_factory) -> APIClient:
    """Every scope, no territory limit."""
    return api_client_factory()


@pytest.fixture
def read_client(api_client_factory) -> APIClient:
    """Read only, no personal data."""
    return api_client_factory(scopes=("read",))


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def client_generation(tmp_path_factory) -> client_generator.Generation:
    """openapi-python-client run over the committed schema, once for the whole test command
    (tests/api/client_generator.py); ``.copy_to(directory, name)`` gives a test its copy."""
    return client_generator.generate(client_generator.shared_dir(tmp_path_factory))
