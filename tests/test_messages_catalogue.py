"""Every user-facing message of the sources has its French translation (a test that cannot rot).

It walks ``api/`` and ``registry/`` with ``ast`` for the texts given to the error
constructors (the registry's domain errors, DRF's exceptions, ``ValidationError``,
``default_detail`` and ``message`` attributes, the ``errors`` mappings, the field
errors added to an import's or a bulk call's problems) and to ``gettext`` and its
aliases, and asserts that each literal is a msgid with a non-empty French msgstr in
the compiled catalogue, and that no message is an f-string (data goes in ``%(name)s``
placeholders, filled after the translation). See the rule in ``api.problems``.
"""

from __future__ import annotations

import ast
import gettext
import inspect
import re
from pathlib import Path

import pytest

import registry.exceptions
from api.problems.language import STATUS_DESCRIPTIONS

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "registry" / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
SOURCES = ("api", "registry")
#: The COG importer is run by ``import_territories`` alone, a command without ``--lang``:
#: its messages stay English (the operator's language of the command line).
ENGLISH_ONLY = ("registry/importers/cog/", "registry/management/")

#: Callables whose first argument (and ``detail``/``errors``/``message``) is a message.
ERROR_CALLS = {
    "InvalidInput",
    "Conflict",
    "NotFound",
    "ImportFailed",
    "MembershipOverlap",
    "RegistryError",
    "ValidationError",
    "ParseError",
    "PermissionDenied",
    "NotAuthenticated",
    "AuthenticationFailed",
    "NotAcceptable",
    "UnsupportedMediaType",
    "MethodNotAllowed",
    "APIException",
    "RequestTooLarge",
    "QueryTooLong",
    "ServiceUnavailable",
    "PayloadTooLarge",
}
TRANSLATE_CALLS = {"gettext", "gettext_lazy", "_", "pgettext", "gettext_noop"}
PLURAL_CALLS = {"ngettext", "ngettext_lazy"}
MESSAGE_KEYWORDS = ("detail", "errors", "message")
#: Helpers that take a message as a positional argument: name (and argument count) -> index.
MESSAGE_POSITIONS = {
    ("add", 3): 2,  # problems.add(row, column, message), errors.add(index, field, message)
    "_refuse": 3,  # api.idempotency._refuse(request, status, code, detail)
    "header_error": 2,  # api.problems.header_error(header, code, message)
    "field_error": 3,  # api.problems.field_error(request, attr, code, message)
}
MESSAGE_ATTRIBUTES = ("default_detail", "message", "default_error_messages")


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _texts(node: ast.expr):
    """(kind, text) of each message literal in ``node``: a string, or one in a list or mapping."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield "msgid", node.value
    elif isinstance(node, ast.JoinedStr):
        words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        if re.search(r"[A-Za-z]{2}", words):  # an f-string of bare data (f"{x!r}") is data
            yield "f-string", ast.unparse(node)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:
            yield from _texts(element)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts(value)
    elif isinstance(node, ast.DictComp):
        yield from _texts(node.value)
    elif isinstance(node, ast.ListComp):
        yield from _texts(node.elt)


def _messages_of(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in TRANSLATE_CALLS | ERROR_CALLS and node.args:
                yield node.lineno, list(_texts(node.args[0]))
            if name in PLURAL_CALLS and len(node.args) >= 2:
                for arg in node.args[:2]:
                    yield node.lineno, [("plural", text) for _kind, text in _texts(arg)]
            if name in ERROR_CALLS:
                for keyword in node.keywords:
                    if keyword.arg in MESSAGE_KEYWORDS:
                        yield node.lineno, list(_texts(keyword.value))
            for keyword in node.keywords:  # a form or serializer field's own messages
                if keyword.arg == "error_messages":
                    yield node.lineno, list(_texts(keyword.value))
            # ``problem(status, detail=...)``, ``refused(..., detail=...)``: any ``detail``
            if name not in ERROR_CALLS:
                for keyword in node.keywords:
                    if keyword.arg == "detail":
                        yield node.lineno, list(_texts(keyword.value))
            position = MESSAGE_POSITIONS.get((name, len(node.args)), MESSAGE_POSITIONS.get(name))
            if position is not None and len(node.args) > position:
                yield node.lineno, list(_texts(node.args[position]))
        elif isinstance(node, ast.Assign) and any(
            _name(t) in MESSAGE_ATTRIBUTES
            for t in node.targets  # ``message =``, ``self.message =``
        ):
            yield node.lineno, list(_texts(node.value))


def _names_given_as_messages(tree: ast.AST):
    """Names (``NO_TERRITORY``) given where a message goes: their constants are messages."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in ERROR_CALLS:
            values = node.args[:1] + [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
        elif (position := MESSAGE_POSITIONS.get((name, len(node.args)))) is not None or (
            position := MESSAGE_POSITIONS.get(name)
        ) is not None:
            values = node.args[position : position + 1]
        else:
            continue
        for value in values:
            for inner in ast.walk(value):
                if isinstance(inner, ast.Name) and inner.id.isupper():
                    yield inner.id


def _constants(tree: ast.Module):
    """(line, name, value) of the module's ``NAME = <message>`` assignments."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.lstrip("_").isupper():
                yield node.lineno, target.id, node.value


def source_messages() -> list[tuple[str, str, str]]:
    """(where, kind, text) of every message literal of the sources."""
    trees = {}
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative.startswith(ENGLISH_ONLY):
                continue
            trees[relative] = ast.parse(path.read_text(encoding="utf-8"))
    message_names = {name for tree in trees.values() for name in _names_given_as_messages(tree)}
    found = []
    for relative, tree in trees.items():
        located = list(_messages_of(tree))
        located += [
            (line, list(_texts(value)))
            for line, name, value in _constants(tree)
            if name in message_names
        ]
        for line, texts in located:
            for kind, text in texts:
                if text.strip():
                    found.append((f"{relative}:{line}", kind, text))
    return found


def domain_error_defaults() -> list[str]:
    """The first docstring line of each domain error: its ``detail`` when none is given."""
    return [
        cls.__doc__.strip().splitlines()[0]
        for _name, cls in inspect.getmembers(registry.exceptions, inspect.isclass)
        # The base class is never raised itself: its docstring is no message.
        if issubclass(cls, registry.exceptions.RegistryError)
        and cls is not registry.exceptions.RegistryError
    ]


@pytest.fixture(scope="module")
def french() -> dict:
    with CATALOGUE.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def test_the_walk_finds_the_messages_it_guards():
    """The scanner itself: it sees a sample of each kind of raise site."""
    texts = {text for _where, _kind, text in source_messages()}
    assert "The membership ends before it starts." in texts  # InvalidInput(...)
    assert "The college belongs to another body." in texts
    assert "Choose a college of this body." in texts  # errors={...: [...]}
    assert "%(parent)s lies within %(child)s." in texts  # gettext(...) % {...}
    assert "The request body is too large." in texts  # default_detail
    assert "Each item is an object." in texts  # errors.add(index, field, message)
    assert "%(count)d item is not valid; nothing was written." in texts  # ngettext
    assert "No territory you may read has this id or key." in texts  # NotFound(NO_TERRITORY)


def test_no_message_is_an_f_string():
    found = [(where, text) for where, kind, text in source_messages() if kind == "f-string"]
    assert found == [], (
        "a message with data is gettext('... %(name)s ...') % {'name': value}, "
        "so the catalogue can translate it"
    )


def test_every_message_has_a_french_translation(french):
    plurals = {key[0] for key in french if isinstance(key, tuple)}
    singular_of_plural = _plural_msgids()
    missing = sorted(
        {
            (where, text)
            for where, kind, text in source_messages()
            if kind != "f-string"
            and not french.get(text)
            and not (kind == "plural" and (text in plurals or text in singular_of_plural))
        }
    )
    assert missing == [], (
        "add a French msgstr to registry/locale/fr/LC_MESSAGES/django.po, then "
        "msgfmt -c -o registry/locale/fr/LC_MESSAGES/django.mo registry/locale/fr/LC_MESSAGES/django.po"
    )


def test_the_default_texts_of_problems_have_a_french_translation(french):
    defaults = [*domain_error_defaults(), *STATUS_DESCRIPTIONS.values()]
    assert [text for text in defaults if not french.get(text)] == []


def _plural_msgids() -> set[str]:
    """The msgid_plural lines of the catalogue (the compiled one keeps only the singular)."""
    po = CATALOGUE.with_suffix(".po").read_text(encoding="utf-8")
    return {
        ast.literal_eval('"' + "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)) + '"')
        for block in re.findall(r'^msgid_plural ((?:".*"\n?)+)', po, re.MULTILINE)
    }


def test_no_message_is_translated_when_its_module_is_imported():
    """``gettext`` at module or class level would fix the text in the language active at
    import (English) for every request: constants use ``gettext_lazy``."""
    eager_calls = []
    for package in (*SOURCES, "graph"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            eager = {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
                for alias in node.names
                if alias.name in ("gettext", "ngettext", "pgettext")
            }
            in_functions = {
                id(inner)
                for node in ast.walk(tree)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                for inner in ast.walk(node)
            }
            eager_calls += [
                f"{path.relative_to(ROOT)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and _name(node.func) in eager
                and isinstance(node.func, ast.Name)
                and id(node) not in in_functions
            ]
    assert eager_calls == [], "use gettext_lazy for a module or class constant"
