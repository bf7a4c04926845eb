"""Import the French administrative divisions (COG) from Etalab's découpage-administratif.

Reads the six JSON files of the npm package ``@etalab/decoupage-administratif``
(``regions.json``, ``departements.json``, ``arrondissements.json``,
``epci.json``, ``ept.json``, ``communes.json``) and brings the registry's
territories, their direct links and the closure table in line with them.

How it works, and why it is fast:

1. every file is read and checked in memory first (types, required fields,
   duplicates, unknown parents); any problem raises ``ImportFailed`` naming the
   file and the record, before anything is written;
2. the existing territories of the levels the files cover are loaded once, and
   the wanted state is diffed against them in memory;
3. only the differences are written, in bulk, through ``registry.tracking``
   (so every change lands in the change ledger, ``via="import"``), in one
   transaction; the closure table is then rebuilt for what moved.

A second run over the same files writes nothing. A run over a newer vintage
updates what changed, ends (``valid_until``, ``successor`` where known) the
territories that disappeared — never deletes them — and removes the links
that disappeared. Territories of levels the files do not cover (quartiers,
other) and their links are never touched.

Links of a territory that disappeared are kept as they were: an ended commune
stays within its former département and EPCI, which is what a query "as of"
a past date needs.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, router, transaction

from registry import tracking
from registry.exceptions import ImportFailed
from registry.models import (
    RelationKind,
    Territory,
    TerritoryKind,
    TerritoryLevel,
    TerritoryRelation,
)
from registry.services.territories import ClosureStats, closure_rebuild

L = TerritoryLevel

#: The files of the package, in the order they are read.
FILES = (
    "regions.json",
    "departements.json",
    "arrondissements.json",
    "epci.json",
    "ept.json",
    "communes.json",
)

#: Levels the files cover, in hierarchy order: only these are ever touched.
COVERED_LEVELS: tuple[str, ...] = (
    L.REGION,
    L.DEPARTEMENT,
    L.ARRONDISSEMENT,
    L.EPCI,
    L.EPT,
    L.COMMUNE,
    L.COMMUNE_DELEGUEE,
    L.COMMUNE_ASSOCIEE,
    L.ARRONDISSEMENT_MUNICIPAL,
)

#: ``type`` of an EPCI in epci.json -> Territory.kind.
EPCI_KINDS = {
    "CC": TerritoryKind.CC,
    "CA": TerritoryKind.CA,
    "CU": TerritoryKind.CU,
    "METRO": TerritoryKind.METROPOLE,
    "MET69": TerritoryKind.METROPOLE_LYON,
}

#: ``type`` of a commune in communes.json -> Territory.level.
COMMUNE_LEVELS = {
    "commune-actuelle": L.COMMUNE,
    "commune-deleguee": L.COMMUNE_DELEGUEE,
    "commune-associee": L.COMMUNE_ASSOCIEE,
    "arrondissement-municipal": L.ARRONDISSEMENT_MUNICIPAL,
}

#: SIREN of the Métropole du Grand Paris, which the EPTs are part of.
GRAND_PARIS_SIREN = "200054781"

SOURCE = {
    "url": "https://github.com/etalab/decoupage-administratif",
    "note": "Source: INSEE / DGCL, via Etalab découpage-administratif (Licence Ouverte)",
}

_MAX_REPORTED = 20

Key = tuple[str, str]  # (level, code): the natural key of a territory


# --- the result ------------------------------------------------------------------


@dataclass
class LevelStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0


@dataclass
class ImportResult:
    """What an import changed (or would have: nothing is half-written)."""

    directory: str
    date: dt.date
    levels: dict[str, LevelStats] = field(
        default_factory=lambda: {level: LevelStats() for level in COVERED_LEVELS}
    )
    relations_added: int = 0
    relations_removed: int = 0
    relations_updated: int = 0
    relations_unchanged: int = 0
    closure: ClosureStats = field(default_factory=ClosureStats)
    #: seconds spent in each step (wall clock, and CPU time of this process)
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)

    @property
    def territories_written(self) -> int:
        return sum(s.created + s.updated + s.ended for s in self.levels.values())

    @property
    def relations_written(self) -> int:
        return self.relations_added + self.relations_removed + self.relations_updated

    @property
    def changed(self) -> bool:
        c = self.closure
        return bool(
            self.territories_written or self.relations_written or c.inserted + c.deleted + c.updated
        )

    def summary(self) -> str:
        lines = [f"COG import from {self.directory} (date {self.date.isoformat()})"]
        lines.append(f"{'level':<26}{'created':>9}{'updated':>9}{'unchanged':>11}{'ended':>7}")
        for level, s in self.levels.items():
            lines.append(f"{level:<26}{s.created:>9}{s.updated:>9}{s.unchanged:>11}{s.ended:>7}")
        total = LevelStats(
            *(sum(getattr(s, f) for s in self.levels.values()) for f in LevelStats.__annotations__)
        )
        lines.append(
            f"{'total':<26}{total.created:>9}{total.updated:>9}{total.unchanged:>11}{total.ended:>7}"
        )
        lines.append(
            f"relations: {self.relations_added} added, {self.relations_removed} removed, "
            f"{self.relations_updated} changed kind, {self.relations_unchanged} unchanged"
        )
        c = self.closure
        lines.append(f"closure: {c.inserted} inserted, {c.deleted} deleted, {c.updated} updated")
        if not self.changed:
            lines.append("Nothing changed: the registry already matches these files.")
        return "\n".join(lines)


# --- reading and checking the files -----------------------------------------------


class _Problems:
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

    def raise_if_any(self, directory: Path) -> None:
        if not self.count:
            return
        first = self.lines()[0]
        more = f" (and {self.count - 1} more)" if self.count > 1 else ""
        raise ImportFailed(
            f"Malformed COG files in {directory}, nothing was written: {first}{more}",
            errors=self.by_file,
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_TYPE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int": (_is_int, "an integer"),
    "strs": (_is_str_list, "a list of strings"),
    "list": (lambda v: isinstance(v, list), "a list"),
}

# field -> (type, required)
_SPECS: dict[str, dict[str, tuple[str, bool]]] = {
    "regions.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "chefLieu": ("str", False),
        "zone": ("str", False),
        "typeLiaison": ("int", False),
    },
    "departements.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "region": ("str", True),
        "chefLieu": ("str", False),
        "zone": ("str", False),
        "typeLiaison": ("int", False),
    },
    "arrondissements.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "departement": ("str", True),
        "region": ("str", False),
        "chefLieu": ("str", False),
        "typeLiaison": ("int", False),
    },
    "epci.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "type": ("str", True),
        "membres": ("list", True),
        "modeFinancement": ("str", False),
        "populationTotale": ("int", False),
        "populationMunicipale": ("int", False),
    },
    "communes.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "type": ("str", True),
        "departement": ("str", True),
        "region": ("str", False),
        "arrondissement": ("str", False),
        "chefLieu": ("str", False),
        "commune": ("str", False),
        "siren": ("str", False),
        "zone": ("str", False),
        "population": ("int", False),
        "typeLiaison": ("int", False),
        "rangChefLieu": ("int", False),
        "codesPostaux": ("strs", False),
        "anciensCodes": ("strs", False),
    },
}
_SPECS["ept.json"] = _SPECS["epci.json"]

_CODE_MAX = Territory._meta.get_field("code").max_length
_NAME_MAX = Territory._meta.get_field("name").max_length
_SIREN_MAX = Territory._meta.get_field("siren").max_length


def _check_record(
    record: Any, spec: dict[str, tuple[str, bool]], file: str, index: int, problems: _Problems
) -> bool:
    """Check presence and type of the fields; True when the record is usable."""
    if not isinstance(record, dict):
        problems.add(file, "the record is not a JSON object", index)
        return False
    code = record.get("code")
    code = code if isinstance(code, str) else None
    ok = True
    for name, (kind, required) in spec.items():
        value = record.get(name)
        if value is None or (value == "" and not required):  # "" = absent (e.g. Mayotte)
            if required:
                problems.add(file, f"missing field {name!r}", index, code)
                ok = False
            continue
        check, label = _TYPE_CHECKS[kind]
        if not check(value):
            problems.add(
                file, f"field {name!r} must be {label}, not {type(value).__name__}", index, code
            )
            ok = False
    if not ok:
        return False
    if not code.strip() or len(code) > _CODE_MAX:
        problems.add(file, f"field 'code' must have 1 to {_CODE_MAX} characters", index, code)
        ok = False
    name = record["nom"]
    if not name.strip() or len(name) > _NAME_MAX:
        problems.add(file, f"field 'nom' must have 1 to {_NAME_MAX} characters", index, code)
        ok = False
    for pop in ("population", "populationMunicipale", "populationTotale"):
        if _is_int(record.get(pop)) and record[pop] < 0:
            problems.add(file, f"field {pop!r} must not be negative", index, code)
            ok = False
    siren = record.get("siren")
    if siren and (len(siren) > _SIREN_MAX or not siren.isdigit()):
        problems.add(file, f"field 'siren' must be up to {_SIREN_MAX} digits", index, code)
        ok = False
    return ok


def _read(directory: Path, file: str, problems: _Problems) -> list[tuple[int, dict]]:
    """Parse one file and check its records' shape; returns the usable (index, record) pairs."""
    path = directory / file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(file, f"file not found in {directory}")
        return []
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(file, f"cannot read the file: {exc}")
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(file, f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        return []
    if not isinstance(data, list):
        problems.add(file, f"the file must hold a JSON array, not {type(data).__name__}")
        return []
    spec = _SPECS[file]
    out = []
    for index, record in enumerate(data):
        if _check_record(record, spec, file, index, problems):
            out.append((index, record))
    return out


@dataclass
class _Wanted:
    """The state the files describe."""

    #: (level, code) -> field values
    territories: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: (parent key, child key) -> relation kind
    relations: dict[tuple[Key, Key], str] = field(default_factory=dict)
    #: former commune code -> code of the commune that absorbed it
    successors: dict[str, str] = field(default_factory=dict)


def _extra(record: dict, mapping: dict[str, str]) -> dict[str, Any]:
    return {
        ours: record[theirs] for theirs, ours in mapping.items() if record.get(theirs) is not None
    }


def read_cog(directory: Path | str) -> _Wanted:
    """Read and check the six files; raises ``ImportFailed`` listing what is wrong."""
    directory = Path(directory)
    problems = _Problems()
    if not directory.is_dir():
        raise ImportFailed(f"{directory} is not a directory holding the COG JSON files.")
    records = {file: _read(directory, file, problems) for file in FILES}
    # Shape problems first: parents cannot be checked on records that failed.
    problems.raise_if_any(directory)

    wanted = _Wanted()
    seen: dict[Key, tuple[str, int]] = {}

    def add(file: str, index: int, key: Key, values: dict[str, Any]) -> bool:
        if key in seen:
            first_file, first_index = seen[key]
            problems.add(
                file,
                f"duplicate code: the {key[0]} {key[1]!r} is already at index {first_index}"
                + (f" of {first_file}" if first_file != file else ""),
                index,
                key[1],
            )
            return False
        seen[key] = (file, index)
        wanted.territories[key] = values
        return True

    def link(parent: Key, child: Key, kind: str) -> None:
        wanted.relations[(parent, child)] = kind

    def territory(name: str, *, kind: str = "", population=None, siren="", extra=None) -> dict:
        return {
            "name": name,
            "kind": kind,
            "population": population,
            "siren": siren,
            "extra": extra or {},
        }

    f = "regions.json"
    for index, r in records[f]:
        add(f, index, (L.REGION, r["code"]), territory(r["nom"], extra=_extra(r, _PLACE_EXTRA)))

    f = "departements.json"
    for index, r in records[f]:
        key = (L.DEPARTEMENT, r["code"])
        if (L.REGION, r["region"]) not in wanted.territories:
            problems.add(f, f"unknown région {r['region']!r}", index, r["code"])
            continue
        if add(f, index, key, territory(r["nom"], extra=_extra(r, _PLACE_EXTRA))):
            link((L.REGION, r["region"]), key, RelationKind.ADMINISTRATIVE)

    f = "arrondissements.json"
    for index, r in records[f]:
        key = (L.ARRONDISSEMENT, r["code"])
        parent = (L.DEPARTEMENT, r["departement"])
        if parent not in wanted.territories:
            problems.add(f, f"unknown département {r['departement']!r}", index, r["code"])
            continue
        if add(f, index, key, territory(r["nom"], extra=_extra(r, _PLACE_EXTRA))):
            link(parent, key, RelationKind.ADMINISTRATIVE)

    # Communes before the EPCIs, which refer to them.
    f = "communes.json"
    subs = []
    for index, r in records[f]:
        level = COMMUNE_LEVELS.get(r["type"])
        code = r["code"]
        if level is None:
            problems.add(
                f,
                f"unknown type {r['type']!r} (expected one of {sorted(COMMUNE_LEVELS)})",
                index,
                code,
            )
            continue
        departement = (L.DEPARTEMENT, r["departement"])
        if departement not in wanted.territories:
            problems.add(f, f"unknown département {r['departement']!r}", index, code)
            continue
        arrondissement = None
        if r.get("arrondissement"):
            arrondissement = (L.ARRONDISSEMENT, r["arrondissement"])
            if arrondissement not in wanted.territories:
                problems.add(f, f"unknown arrondissement {r['arrondissement']!r}", index, code)
                continue
        parent_field = "commune" if level == L.ARRONDISSEMENT_MUNICIPAL else "chefLieu"
        if level != L.COMMUNE and not r.get(parent_field):
            problems.add(f, f"missing field {parent_field!r} (its commune)", index, code)
            continue
        values = territory(
            r["nom"],
            population=r.get("population"),
            siren=r.get("siren") or "",
            extra=_extra(r, _COMMUNE_EXTRA),
        )
        if not add(f, index, (level, code), values):
            continue
        if level == L.COMMUNE:
            link(arrondissement or departement, (level, code), RelationKind.ADMINISTRATIVE)
            for old in r.get("anciensCodes") or ():
                wanted.successors.setdefault(old, code)
        else:
            subs.append((index, level, code, r[parent_field], parent_field))
    for index, level, code, parent_code, parent_field in subs:
        parent = (L.COMMUNE, parent_code)
        if parent not in wanted.territories:
            problems.add(
                f, f"unknown commune {parent_code!r} in field {parent_field!r}", index, code
            )
            continue
        link(parent, (level, code), RelationKind.MUNICIPAL)

    for f, level in (("epci.json", L.EPCI), ("ept.json", L.EPT)):
        for index, r in records[f]:
            code = r["code"]
            if level == L.EPCI:
                kind = EPCI_KINDS.get(r["type"])
                if kind is None:
                    problems.add(
                        f,
                        f"unknown type {r['type']!r} (expected one of {sorted(EPCI_KINDS)})",
                        index,
                        code,
                    )
                    continue
            else:
                kind = ""
            members = []
            ok = True
            for m_index, member in enumerate(r["membres"]):
                if not (isinstance(member, dict) and isinstance(member.get("code"), str)):
                    problems.add(f, f"member {m_index} has no string 'code'", index, code)
                    ok = False
                    continue
                commune = (L.COMMUNE, member["code"])
                if commune not in wanted.territories:
                    problems.add(f, f"unknown member commune {member['code']!r}", index, code)
                    ok = False
                    continue
                members.append(commune)
            if not ok:
                continue
            values = territory(
                r["nom"],
                kind=kind,
                population=r.get("populationMunicipale"),
                siren=code if code.isdigit() and len(code) <= _SIREN_MAX else "",
                extra=_extra(r, _GROUP_EXTRA),
            )
            if add(f, index, (level, code), values):
                for commune in members:
                    link((level, code), commune, RelationKind.INTERCOMMUNAL)
    grand_paris = (L.EPCI, GRAND_PARIS_SIREN)
    if grand_paris in wanted.territories:
        for key in wanted.territories:
            if key[0] == L.EPT:
                link(grand_paris, key, RelationKind.INTERCOMMUNAL)

    problems.raise_if_any(directory)
    return wanted


_PLACE_EXTRA = {"chefLieu": "chef_lieu", "zone": "zone"}
_COMMUNE_EXTRA = {
    "codesPostaux": "postcodes",
    "zone": "zone",
    "chefLieu": "chef_lieu",
    "anciensCodes": "former_codes",
}
_GROUP_EXTRA = {"populationTotale": "population_total", "modeFinancement": "financing"}

_FIELDS = ("name", "kind", "population", "siren", "extra")


# --- writing ----------------------------------------------------------------------


class _Progress:
    """A tqdm bar over the import's steps (a no-op when disabled); times each step."""

    STEPS = 6  # reading, loading, comparing, territories, relations, closure

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        self.timings: dict[str, float] = {}
        self.cpu_timings: dict[str, float] = {}
        self._current: str | None = None
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()
        if enabled:
            from tqdm import tqdm

            # A terminal that reports no size (some ptys) would get no bar at all.
            size = shutil.get_terminal_size((80, 24))
            self.bar = tqdm(
                total=self.STEPS,
                desc="COG import",
                unit="step",
                leave=False,
                ncols=size.columns or 80,
                nrows=size.lines or 24,
            )

    def step(self, description: str | None) -> None:
        """Finish the current step (if any) and start ``description`` (None: the end)."""
        now, cpu = time.perf_counter(), time.process_time()
        if self._current is not None:
            self.timings[self._current] = now - self._started
            self.cpu_timings[self._current] = cpu - self._cpu_started
            if self.bar is not None:
                self.bar.update(1)
        self._current, self._started, self._cpu_started = description, now, cpu
        if self.bar is not None and description is not None:
            self.bar.set_description(description)

    def close(self) -> None:
        self.step(None)
        if self.bar is not None:
            self.bar.close()


@contextmanager
def _database_errors(directory: Path) -> Iterator[None]:
    try:
        yield
    except DatabaseError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed(
            f"The import of {directory} was refused by the database, nothing was written: {message}"
        ) from exc


def import_cog(
    directory: Path | str,
    *,
    date: dt.date | None = None,
    reason: str = "",
    progress: bool = False,
) -> ImportResult:
    """Bring the territories in line with the COG files in ``directory``.

    ``date`` (default today) is the day territories that disappeared stop
    existing (``valid_until``). Raises ``ImportFailed`` on malformed input or
    when the database refuses the change; in both cases nothing is written.
    """
    directory = Path(directory)
    date = date or dt.date.today()
    bar = _Progress(progress)
    try:
        bar.step("reading files")
        wanted = read_cog(directory)
        result = ImportResult(directory=str(directory), date=date)
        reason = reason or f"COG import from {directory.name or directory} ({date.isoformat()})"
        with (
            _database_errors(directory),
            transaction.atomic(),
            tracking.change_context(via="import", reason=reason[:200]),
        ):
            _apply(wanted, result, date, bar)
    finally:
        bar.close()
    result.timings, result.cpu_timings = bar.timings, bar.cpu_timings
    return result


#: What the diff reads of an existing territory (not its timestamps nor sources).
_ATTNAMES = [
    f.attname
    for f in Territory._meta.concrete_fields
    if f.name not in ("created_at", "updated_at", "sources")
]


class _Maker:
    """Builds new model instances from positional values, Django's fast path.

    ``Model(**kwargs)`` walks every field and keyword; with 100,000+ new rows
    that is seconds. Missing fields get their default; the timestamps are set
    by the insert (``auto_now``).
    """

    def __init__(self, model: type) -> None:
        self.model = model
        self.fields = model._meta.concrete_fields

    def __call__(self, **values: Any):
        return self.model(
            *[values[f.attname] if f.attname in values else f.get_default() for f in self.fields]
        )


_new_territory = _Maker(Territory)
_new_relation = _Maker(TerritoryRelation)


def _with_cheap_labels(territories: list[Territory]) -> list[Territory]:
    """Give each territory its level label once, for the ledger's ``str(territory)``.

    ``Territory.__str__`` calls ``get_level_display()``, which Django answers by
    rebuilding a dict of the lazy, translated labels on every call: ~0.3 ms a
    row, a third of the time of a country-wide import. The label is the same.
    """
    labels = {value: str(label) for value, label in TerritoryLevel.choices}
    for t in territories:
        t.get_level_display = labels.get(t.level, t.level).__str__
    return territories


def _apply(wanted: _Wanted, result: ImportResult, date: dt.date, bar: _Progress) -> None:
    bar.step("loading territories")
    # Plain rows (cheap); a model instance is built only for a row that changes.
    i_level, i_code = _ATTNAMES.index("level"), _ATTNAMES.index("code")
    rows: dict[Key, tuple] = {
        (row[i_level], row[i_code]): row
        for row in Territory.objects.filter(level__in=COVERED_LEVELS)
        .values_list(*_ATTNAMES)
        .iterator(chunk_size=5000)
    }
    using = router.db_for_write(Territory)
    existing = _ExistingTerritories(rows, using)

    # -- diff the territories
    bar.step("comparing")
    to_create: list[Territory] = []
    to_update: list[tuple[Territory, dict[str, Any]]] = []
    to_end: list[tuple[Territory, Key | None]] = []
    for key, values in wanted.territories.items():
        row = rows.get(key)
        stats = result.levels[key[0]]
        if row is None:
            to_create.append(_new_territory(level=key[0], code=key[1], sources=[SOURCE], **values))
            stats.created += 1
            continue
        changes = {name: v for name, v in values.items() if existing.value(row, name) != v}
        if existing.value(row, "valid_until") is not None:
            changes["valid_until"] = None  # back in the files: current again
        if existing.value(row, "successor_id") is not None:
            changes["successor"] = None
        if changes:
            to_update.append((existing.instance(row), changes))
            stats.updated += 1
        else:
            stats.unchanged += 1
    problems = _Problems()
    for key, row in rows.items():
        if key in wanted.territories or existing.value(row, "valid_until") is not None:
            continue
        valid_from = existing.value(row, "valid_from")
        if valid_from is not None and valid_from >= date:
            problems.add(
                "database",
                f"the {key[0]} {key[1]!r} is absent from the files but starts on "
                f"{valid_from}: it cannot end on {date} (give a later --date)",
            )
            continue
        successor = None
        if key[0] in (L.COMMUNE, L.COMMUNE_DELEGUEE, L.COMMUNE_ASSOCIEE):
            new_code = wanted.successors.get(key[1])
            if new_code is not None:
                successor = (L.COMMUNE, new_code)
        to_end.append((existing.instance(row), successor))
        result.levels[key[0]].ended += 1
    if problems.count:
        raise ImportFailed(
            f"The import cannot apply, nothing was written: {problems.lines()[0]}",
            errors=problems.by_file,
        )

    # -- write the territories
    bar.step("writing territories")
    tracking.bulk_create(_with_cheap_labels(to_create), validate=False)
    ids: dict[Key, int] = {key: existing.value(row, "id") for key, row in rows.items()}
    ids.update({(t.level, t.code): t.pk for t in to_create})
    for current, successor in to_end:
        changes: dict[str, Any] = {"valid_until": date}
        if successor is not None:
            changes["successor_id"] = ids[successor]
        to_update.append((current, changes))
    _with_cheap_labels([t for t, _changes in to_update])
    tracking.bulk_update(to_update, validate=False)

    # -- diff and write the relations
    bar.step("writing relations")
    covered_ids = set(ids.values())
    present_ids = {ids[key] for key in wanted.territories}
    wanted_links = {
        (ids[parent], ids[child]): kind for (parent, child), kind in wanted.relations.items()
    }
    to_remove: list[int] = []
    to_rekind: dict[int, str] = {}
    have: set[tuple[int, int]] = set()
    for pk, parent_id, child_id, kind in TerritoryRelation.objects.values_list(
        "pk", "parent_id", "child_id", "kind"
    ).iterator(chunk_size=20000):
        if parent_id not in covered_ids or child_id not in present_ids:
            continue  # a user's link to an uncovered level, or an ended territory's history
        pair = (parent_id, child_id)
        want = wanted_links.get(pair)
        if want is None:
            to_remove.append(pk)
            continue
        have.add(pair)
        if want != kind:
            to_rekind[pk] = want
        else:
            result.relations_unchanged += 1
    to_add = [
        _new_relation(parent_id=p, child_id=c, kind=kind, sources=[SOURCE])
        for (p, c), kind in wanted_links.items()
        if (p, c) not in have
    ]
    removed = _load_relations(to_remove)
    tracking.bulk_delete(removed)
    rekinded = _load_relations(list(to_rekind))
    tracking.bulk_update([(r, {"kind": to_rekind[r.pk]}) for r in rekinded], validate=False)
    tracking.bulk_create(to_add, validate=False)
    result.relations_added = len(to_add)
    result.relations_removed = len(removed)
    result.relations_updated = len(rekinded)

    # -- closure: only what a new territory or a moved link can change
    bar.step("rebuilding closure")
    seeds = {t.pk for t in to_create}
    seeds.update(r.child_id for r in removed)
    seeds.update(r.child_id for r in to_add)
    if len(seeds) > 2000:
        result.closure = closure_rebuild()
    elif seeds:
        result.closure = closure_rebuild(territory_ids=seeds)


class _ExistingTerritories:
    """Reads fields of the loaded rows; builds model instances only on demand."""

    def __init__(self, rows: dict[Key, tuple], using: str) -> None:
        self.rows = rows
        self.using = using
        self.index = {name: i for i, name in enumerate(_ATTNAMES)}
        self.index.update(
            {
                f.name: self.index[f.attname]
                for f in Territory._meta.concrete_fields
                if f.attname in self.index
            }
        )

    def value(self, row: tuple, name: str) -> Any:
        return row[self.index[name]]

    def instance(self, row: tuple) -> Territory:
        return Territory.from_db(self.using, _ATTNAMES, row)


def _load_relations(pks: list[int]) -> list[TerritoryRelation]:
    out: list[TerritoryRelation] = []
    for start in range(0, len(pks), 5000):
        out.extend(TerritoryRelation.objects.filter(pk__in=pks[start : start + 5000]))
    return out
