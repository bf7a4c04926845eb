"""Checking the records of the COG files: shapes, types and values, before any write.

Every check here is made in Python, so a record is refused the same way whatever the
database: SQLite stores a NUL character or a 64-bit population where PostgreSQL refuses
them with a message naming neither file nor record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from registry.exceptions import ImportFailed
from registry.importers.cog.spec import (
    CODE_MAX,
    NAME_MAX,
    POPULATION_MAX,
    POPULATION_MIN,
    SIREN_MAX,
)

_MAX_REPORTED = 20


class Problems:
    """Collects what is wrong with the input, to report it all at once."""

    def __init__(self) -> None:
        self.by_file: dict[str, list[str]] = {}
        self.count = 0

    def add(self, file: str, message: str, index: int | None = None, code: Any = None) -> None:
        self.count += 1
        where = ""
        if index is not None:
            where = f"record at index {index}"
            if code is not None:
                where += f" (code {code!r})"
            where += ": "
        msgs = self.by_file.setdefault(file, [])
        if len(msgs) < _MAX_REPORTED:
            msgs.append(f"{where}{message}")

    def lines(self) -> list[str]:
        """Every reported problem, prefixed with its file."""
        return [f"{file}, {m}" for file, msgs in self.by_file.items() for m in msgs]

    def raise_if_any(self, detail: str) -> None:
        """``ImportFailed`` with ``detail``, the first problem and how many more."""
        if not self.count:
            return
        first = self.lines()[0]
        more = f" (and {self.count - 1} more)" if self.count > 1 else ""
        raise ImportFailed(f"{detail}: {first}{more}", errors=self.by_file)


def malformed(directory: Path) -> str:
    return f"Malformed COG files in {directory}, nothing was written"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


TYPE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int": (is_int, "an integer"),
    "population": (is_int, "an integer"),
    "strs": (_is_str_list, "a list of strings"),
    "list": (lambda v: isinstance(v, list), "a list"),
}


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` (keys included), with its path (``membres[3].nom``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            yield inner, key  # a key is named by its own path
            yield from _strings(item, inner)


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored on every database, or None."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which PostgreSQL cannot store"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate escape such as \\ud800)"
    return None


def population_problem(value: int) -> str | None:
    if value < POPULATION_MIN:
        return "must not be negative"
    if value > POPULATION_MAX:
        return f"must be at most {POPULATION_MAX:,} (the largest population the registry stores)"
    return None


def check_record(
    record: Any, spec: dict[str, tuple[str, bool]], file: str, index: int, problems: Problems
) -> bool:
    """Check presence, type and value of the fields; True when the record is usable."""
    if not isinstance(record, dict):
        problems.add(file, "the record is not a JSON object", index)
        return False
    code = record.get("code")
    code = code if isinstance(code, str) else None
    ok = True
    for path, text in _strings(record, ""):
        why = text_problem(text)
        if why:
            problems.add(file, f"field {path!r} {why}", index, code)
            ok = False
    for name, (kind, required) in spec.items():
        value = record.get(name)
        if value is None or (value == "" and not required):  # "" = absent (e.g. Mayotte)
            if required:
                problems.add(file, f"missing field {name!r}", index, code)
                ok = False
            continue
        check, label = TYPE_CHECKS[kind]
        if not check(value):
            problems.add(
                file, f"field {name!r} must be {label}, not {type(value).__name__}", index, code
            )
            ok = False
        elif kind == "population" and (why := population_problem(value)):
            problems.add(file, f"field {name!r} {why}", index, code)
            ok = False
    if not ok:
        return False
    if not code.strip() or len(code) > CODE_MAX:
        problems.add(file, f"field 'code' must have 1 to {CODE_MAX} characters", index, code)
        ok = False
    name = record["nom"]
    if not name.strip() or len(name) > NAME_MAX:
        problems.add(file, f"field 'nom' must have 1 to {NAME_MAX} characters", index, code)
        ok = False
    siren = record.get("siren")
    if siren and (len(siren) > SIREN_MAX or not (siren.isascii() and siren.isdigit())):
        problems.add(file, f"field 'siren' must be up to {SIREN_MAX} digits", index, code)
        ok = False
    return ok
