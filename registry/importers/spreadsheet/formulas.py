"""The CSV formula guard, written by the exports and read back by the imports.

A spreadsheet runs a CSV cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula; the exports write such text with one leading ``'``
(OWASP's CSV-injection advice), and the CSV import drops that one ``'``, so that
``=Collectif`` round trips exactly. Text that already starts with quotes before one
of those characters (``'=x``) gets one more quote, so that reading back is exact for
any text: ``guard`` and ``unguard`` are inverse. XLSX needs neither (its cells are
typed: a string cell is never a formula).
"""

from __future__ import annotations

import re

#: Characters that make a spreadsheet read a CSV cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_GUARDED = re.compile(r"'*[=+\-@\t\r]")


def guard(text: str) -> str:
    """``text`` as written in a CSV cell: a leading ``'`` if it would start a formula."""
    return "'" + text if _GUARDED.match(text) else text


def unguard(text: str) -> str:
    """A CSV cell as the text it stands for: the export's leading ``'`` dropped."""
    return text[1:] if text.startswith("'") and _GUARDED.match(text, 1) else text
