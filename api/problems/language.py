"""The language of problems: one rule.

Every human text of a problem (``title``, ``detail``, each field
error's ``detail``) is written in English as a gettext msgid and answered in the
request's language (``LocaleMiddleware`` activates it from ``Accept-Language`` before
any view runs), its French in ``registry/locale/fr/LC_MESSAGES/django.po``:

- a message is marked where it is raised: ``gettext`` inside a function (it runs in
  the language of the request being served; called from a command, in
  ``LANGUAGE_CODE``, English), ``gettext_lazy`` for a module or class constant
  (``default_detail``, ``NO_TERRITORY``), which ``gettext`` would fix at import time;
- a message with data is ``gettext("... %(name)s ...") % {"name": value}``: translated
  first, filled after, never an f-string (the catalogue could not hold it);
- the problem formatter passes ``detail`` and every field error's ``detail`` through the
  catalogue once more (``translated``), so a msgid that reaches it in English (a
  library's text, a message a command-side caller built) is answered in the request's
  language; a text that is no msgid (already translated, or data) is left as it is.

``tests/test_messages_catalogue.py`` walks ``api/`` and ``registry/`` for the messages
given to the error constructors, message helpers and ``gettext`` and fails on an
f-string or a msgid without French; ``tests/api/test_problem_language.py`` reads
French and English problems of each kind. The COG importer (``import_territories``, a
command without ``--lang``) keeps its messages in English; a spreadsheet's limits
(``registry.importers.xlsx_guard.refused``) name the fault in both languages at once.
"""

from __future__ import annotations

from http import HTTPStatus

from django.utils.translation import gettext

__all__ = ["STATUS_DESCRIPTIONS", "status_description", "translated"]


def translated(message) -> str:
    """``message`` in the active language: a msgid (or lazy string) translated, any
    other text as it is. Never ``gettext("")``, which is the catalogue's header."""
    text = str(message or "")
    if not text:
        return ""
    result = gettext(text)
    # gettext looks a text up with its line ends made "\n": a text it does not know
    # comes back with them changed, and data (a value echoed in a message) must not.
    return text if result == text.replace("\r\n", "\n").replace("\r", "\n") else result


#: Python's descriptions of the statuses a bare problem is answered with: msgids of
#: the catalogue, like every other text of a problem.
STATUS_DESCRIPTIONS = {
    status: HTTPStatus(status).description for status in (400, 403, 404, 405, 500, 503)
}


def status_description(status: int) -> str:
    """The default ``detail`` of a status, in the active language."""
    if status not in HTTPStatus._value2member_map_:
        return ""
    return translated(HTTPStatus(status).description)
