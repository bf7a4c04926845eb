"""The sentences of the renewal assessment: one catalogue per language, the same keys.

``en`` and ``fr`` each map a key (``"<indicator>.<status>"``, or a named case
such as ``"decision_distance.no_decision_maker"``) to a ``str.format`` template.
Values are given raw; the template's format spec says how each language writes
them: ``{x:pct}`` a share as a percentage, ``{x:num}`` / ``{x:num0}`` /
``{x:num2}`` a number with 1, 0 or 2 decimals, ``{d:date}`` a date. A test
checks that both catalogues hold the same keys with the same placeholders.

A module per language rather than the gettext catalogue: ``graph`` may not
import Django (see DESIGN.md and the import-linter contracts), and the
assessment returns both languages at once.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping, Sequence
from typing import Any

from graph.renewal.messages import en, fr


class _Formatter(string.Formatter):
    """``str.format`` with the number, share and date specs of one language."""

    def __init__(self, decimal: str, minus: str, percent: str, date_format: str):
        super().__init__()
        self.decimal, self.minus, self.percent, self.date_format = (
            decimal,
            minus,
            percent,
            date_format,
        )

    def _number(self, x: float, digits: int) -> str:
        return f"{x:.{digits}f}".replace(".", self.decimal).replace("-", self.minus)

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "pct":
            return self._number(100 * value, 1) + self.percent
        if format_spec in ("num", "num0", "num2"):
            return self._number(value, int(format_spec[3:] or 1))
        if format_spec == "date":
            return value.strftime(self.date_format) if isinstance(value, dt.date) else ""
        return super().format_field(value, format_spec)


#: Language -> (catalogue, formatter).
LANGUAGES = {
    "en": (en.MESSAGES, _Formatter(".", "-", "%", "%Y-%m-%d")),
    "fr": (fr.MESSAGES, _Formatter(",", "−", " %", "%d/%m/%Y")),
}


class Phrase(tuple):
    """A value already written in each language (``say`` picks the reader's): a fragment
    from the catalogues (``phrase``), such as an optional note inside a sentence."""

    __slots__ = ()


def phrase(key: str | None, **values: Any) -> Phrase:
    """The sentence or fragment ``key`` in each language, to fill another; None: empty."""
    return Phrase(say(key, **values) if key else ("", ""))


def fill(
    catalogues: Sequence[Mapping[str, str]],
    key: str,
    values: Mapping[str, Any],
    written: type = Phrase,
) -> tuple[str, str]:
    """The sentence ``key`` of each catalogue (English, then French, the order of
    ``LANGUAGES``) with ``values`` filled in by that language's formatter; a value of type
    ``written`` is already written in each language (its item of that language is used)."""
    texts = []
    formatters = (formatter for _catalogue, formatter in LANGUAGES.values())
    for index, (catalogue, formatter) in enumerate(zip(catalogues, formatters, strict=True)):
        filled = {k: v[index] if isinstance(v, written) else v for k, v in values.items()}
        texts.append(formatter.vformat(catalogue[key], (), filled))
    return texts[0], texts[1]


def say(key: str, **values: Any) -> tuple[str, str]:
    """The English and French sentences of ``key`` with ``values`` filled in."""
    return fill([catalogue for catalogue, _formatter in LANGUAGES.values()], key, values)


__all__ = ["LANGUAGES", "Phrase", "fill", "phrase", "say"]
