"""Each problem ``type`` URI resolves to a page the service serves (English and French).

The list of types comes from the one declaration (``api.problems.catalogue``); a
walk over the code checks that the declaration covers every code the code can
emit: the registry's domain errors, the DRF exceptions the API raises, and the
codes given by name where a problem is built by hand.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import orjson
import pytest
from rest_framework import exceptions
from rest_framework.test import APIClient

import api
import registry
from api.problems import HTTP_CODES, problem
from api.problems.catalogue import BY_CODE, PROBLEM_BASE, PROBLEM_TYPES
from registry.exceptions import RegistryError

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _import_all(package) -> None:
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations" in module.name or module.name.endswith(("wsgi", "asgi")):
            continue
        importlib.import_module(module.name)


def _subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _domain_codes() -> dict[str, str]:
    _import_all(registry)
    return {sub.code: sub.__qualname__ for sub in _subclasses(RegistryError) | {RegistryError}}


def _drf_exception_codes() -> dict[str, str]:
    """The code each DRF exception the API (or DRF for it) raises is answered with."""
    _import_all(api)
    codes = {}
    for sub in _subclasses(exceptions.APIException) | {exceptions.APIException}:
        if not sub.__module__.startswith(("api.", "rest_framework.", "drf_")):
            continue
        status = getattr(sub, "status_code", 500)
        # As ProblemFormatter chooses: the generic code of the status, else default_code.
        code = HTTP_CODES.get(status) or str(sub.default_code)
        codes[code] = f"{sub.__module__}.{sub.__qualname__}"
    return codes


def _literal_codes() -> dict[str, str]:
    """Codes given by name where problems are built: ``problem(code=...)``, ``_refuse(...)``."""
    codes = {}
    for path in (ROOT / "api").rglob("*.py"):
        tree = ast.parse(path.read_text())
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            values = [k.value for k in node.keywords if k.arg == "code" and name == "problem"]
            if name == "_refuse" and len(node.args) > 2:
                values.append(node.args[2])
            for value in values:
                if isinstance(value, ast.Name):
                    if value.id not in constants:
                        continue  # passed through (``_refuse``, the formatter): checked upstream
                    value = ast.Constant(constants[value.id])
                assert isinstance(value, ast.Constant) and isinstance(value.value, str), (
                    f"{path}:{node.lineno}: give a problem's code as a literal or a module "
                    "constant, so this test can check it is declared"
                )
                codes[value.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return codes


@pytest.mark.parametrize(
    "source", [_domain_codes, _drf_exception_codes, _literal_codes], ids=lambda f: f.__name__
)
def test_the_declaration_covers_every_code_the_code_emits(source):
    emitted = source()
    assert emitted, "the walk found nothing: it is broken"
    missing = {code: where for code, where in emitted.items() if code not in BY_CODE}
    assert not missing, (
        f"problem codes emitted but not declared in api/problems/catalogue.py: {missing}; "
        "add a ProblemType row (title, statuses, meaning, what to do) and its French"
    )


def test_every_status_the_api_answers_has_a_generic_type():
    for status in (400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 414, 415, 422, 428, 429):
        assert HTTP_CODES[status] in BY_CODE
    for row in PROBLEM_TYPES:
        assert row.statuses and all(400 <= s < 600 for s in row.statuses), row


@pytest.mark.parametrize("row", PROBLEM_TYPES, ids=lambda row: row.code)
def test_every_type_uri_answers_its_page_in_html_and_json(row):
    client = APIClient()  # no key: a page is public
    assert row.uri == f"{PROBLEM_BASE}{row.code}"
    page = client.get(row.uri)
    assert page.status_code == 200, page.content[:300]
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert str(row.title) in html and row.code in html
    assert "What it means" in html and "What to do" in html
    document = client.get(row.uri, HTTP_ACCEPT="application/json")
    assert document.status_code == 200
    assert orjson.loads(document.content) == {
        "type": row.uri,
        "code": row.code,
        "title": str(row.title),
        "statuses": list(row.statuses),
        "meaning": str(row.meaning),
        "action": str(row.action),
    }


@pytest.mark.parametrize("row", PROBLEM_TYPES, ids=lambda row: row.code)
def test_every_page_is_in_french_when_asked(row):
    client = APIClient()
    english = orjson.loads(client.get(row.uri, HTTP_ACCEPT="application/json").content)
    response = client.get(row.uri, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "fr"
    french = orjson.loads(response.content)
    for member in ("meaning", "action"):
        assert french[member] != english[member], f"{row.code}: {member} not translated"
    html = client.get(row.uri, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ce que cela signifie" in html and "Que faire" in html
    assert 'lang="fr"' in html


def test_the_index_lists_every_type():
    response = APIClient().get(f"{PROBLEM_BASE}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert [t["code"] for t in orjson.loads(response.content)] == [r.code for r in PROBLEM_TYPES]
    html = APIClient().get(PROBLEM_BASE).content.decode()
    for row in PROBLEM_TYPES:
        assert f'href="{row.uri}"' in html


def test_an_unknown_type_is_a_404_problem():
    response = APIClient().get(f"{PROBLEM_BASE}no-such-problem")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert orjson.loads(response.content)["code"] == "not-found"


def test_a_page_escapes_nothing_it_should_not():
    html = APIClient().get(f"{PROBLEM_BASE}not-authenticated").content.decode()
    # The declaration's `code` spans become <code>, and the text's own <...> is escaped.
    assert "<code>Authorization: Api-Key &lt;prefix&gt;.&lt;secret&gt;</code>" in html


def test_an_undeclared_code_falls_back_to_the_generic_type(caplog):
    doc = problem(409, code="no-such-code", detail="x")
    assert doc["code"] == "conflict" and doc["type"] == f"{PROBLEM_BASE}conflict"
    assert "not declared" in caplog.text
