"""Reading the six COG files into the state they describe, refusing inconsistent ones.

Every record is checked on its own first (``checks``), then against the others: unknown
parents, duplicate codes, a commune whose département contradicts its arrondissement or
its région, a délégué in another département than its commune, a commune in two EPCI à
fiscalité propre (or twice in one), an EPT member outside the Métropole du Grand Paris.
Each problem names the file and the record; nothing is written when there is one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.exceptions import ImportFailed
from registry.importers.cog.checks import Problems, check_record, malformed
from registry.importers.cog.spec import (
    COMMUNE_EXTRA,
    COMMUNE_LEVELS,
    EPCI_KINDS,
    FILES,
    GRAND_PARIS_SIREN,
    GROUP_EXTRA,
    PLACE_EXTRA,
    SIREN_MAX,
    SPECS,
    L,
)
from registry.models import RelationKind

Key = tuple[str, str]  # (level, code): the natural key of a territory
Records = list[tuple[int, dict]]


@dataclass(frozen=True)
class PopulationYears:
    """Census year of the populations of each source (None: unknown)."""

    #: the figures of communes.json (communes, arrondissements municipaux)
    communes: int | None = None
    #: the figures of epci.json and ept.json
    groups: int | None = None


@dataclass
class Wanted:
    """The state the files describe."""

    #: (level, code) -> field values
    territories: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: (parent key, child key) -> relation kind
    relations: dict[tuple[Key, Key], str] = field(default_factory=dict)
    #: former commune code -> code of the commune that absorbed it
    successors: dict[str, str] = field(default_factory=dict)


def _read(directory: Path, file: str, problems: Problems) -> Records:
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
    spec = SPECS[file]
    return [
        (index, record)
        for index, record in enumerate(data)
        if check_record(record, spec, file, index, problems)
    ]


def _extra(record: dict, mapping: dict[str, str]) -> dict[str, Any]:
    return {
        ours: record[theirs] for theirs, ours in mapping.items() if record.get(theirs) is not None
    }


def _values(
    name: str,
    *,
    kind: str = "",
    population: int | None = None,
    total: int | None = None,
    year: int | None = None,
    siren: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Territory fields the files set, as they give them: the diff compares these.

    A territory without a population figure has no population year either.
    """
    has_figure = population is not None or total is not None
    return {
        "name": name,
        "kind": kind,
        "population": population,
        "population_total": total,
        "population_year": year if has_figure else None,
        "siren": siren,
        "extra": extra or {},
    }


class _Builder:
    """Builds the wanted state file by file; remembers what later files refer to."""

    def __init__(self, problems: Problems, years: PopulationYears) -> None:
        self.problems = problems
        self.years = years
        self.wanted = Wanted()
        self.seen: dict[Key, tuple[str, int]] = {}
        #: département code -> its région; arrondissement code -> its département
        self.region_of: dict[str, str] = {}
        self.departement_of: dict[str, str] = {}
        #: commune code -> its département (communes actuelles)
        self.commune_departement: dict[str, str] = {}

    def add(self, file: str, index: int, key: Key, values: dict[str, Any]) -> bool:
        if key in self.seen:
            first_file, first_index = self.seen[key]
            self.problems.add(
                file,
                f"duplicate code: the {key[0]} {key[1]!r} is already at index {first_index}"
                + (f" of {first_file}" if first_file != file else ""),
                index,
                key[1],
            )
            return False
        self.seen[key] = (file, index)
        self.wanted.territories[key] = values
        return True

    def link(self, parent: Key, child: Key, kind: str) -> None:
        self.wanted.relations[(parent, child)] = kind

    def region_contradicts(self, file: str, index: int, r: dict) -> bool:
        """True (and reported) when the record's région is not its département's."""
        region, departement = r.get("region"), r["departement"]
        expected = self.region_of.get(departement)
        if region and expected is not None and region != expected:
            self.problems.add(
                file,
                f"région {region!r} contradicts département {departement!r} of région {expected!r}",
                index,
                r["code"],
            )
            return True
        return False

    # -- régions, départements, arrondissements

    def places(self, records: dict[str, Records]) -> None:
        f = "regions.json"
        for index, r in records[f]:
            key = (L.REGION, r["code"])
            self.add(f, index, key, _values(r["nom"], extra=_extra(r, PLACE_EXTRA)))

        f = "departements.json"
        for index, r in records[f]:
            key = (L.DEPARTEMENT, r["code"])
            if (L.REGION, r["region"]) not in self.wanted.territories:
                self.problems.add(f, f"unknown région {r['region']!r}", index, r["code"])
                continue
            if self.add(f, index, key, _values(r["nom"], extra=_extra(r, PLACE_EXTRA))):
                self.region_of[r["code"]] = r["region"]
                self.link((L.REGION, r["region"]), key, RelationKind.ADMINISTRATIVE)

        f = "arrondissements.json"
        for index, r in records[f]:
            key = (L.ARRONDISSEMENT, r["code"])
            parent = (L.DEPARTEMENT, r["departement"])
            if parent not in self.wanted.territories:
                self.problems.add(f, f"unknown département {r['departement']!r}", index, r["code"])
                continue
            if self.region_contradicts(f, index, r):
                continue
            if self.add(f, index, key, _values(r["nom"], extra=_extra(r, PLACE_EXTRA))):
                self.departement_of[r["code"]] = r["departement"]
                self.link(parent, key, RelationKind.ADMINISTRATIVE)

    # -- communes, then their délégués, associées and arrondissements municipaux

    def communes(self, records: Records) -> None:
        f = "communes.json"
        subs = []
        for index, r in records:
            level = COMMUNE_LEVELS.get(r["type"])
            code = r["code"]
            if level is None:
                self.problems.add(
                    f,
                    f"unknown type {r['type']!r} (expected one of {sorted(COMMUNE_LEVELS)})",
                    index,
                    code,
                )
                continue
            parent = self._commune_parent(f, index, r)
            if parent is None:
                continue
            parent_field = "commune" if level == L.ARRONDISSEMENT_MUNICIPAL else "chefLieu"
            if level != L.COMMUNE and not r.get(parent_field):
                self.problems.add(f, f"missing field {parent_field!r} (its commune)", index, code)
                continue
            values = _values(
                r["nom"],
                population=r.get("population"),
                year=self.years.communes,
                siren=r.get("siren") or "",
                extra=_extra(r, COMMUNE_EXTRA),
            )
            if not self.add(f, index, (level, code), values):
                continue
            if level == L.COMMUNE:
                self.commune_departement[code] = r["departement"]
                self.link(parent, (level, code), RelationKind.ADMINISTRATIVE)
                for old in r.get("anciensCodes") or ():
                    self.wanted.successors.setdefault(old, code)
            else:
                subs.append((index, level, r, parent_field))
        for index, level, r, parent_field in subs:
            parent_code = r[parent_field]
            departement = self.commune_departement.get(parent_code)
            if departement is None:
                self.problems.add(
                    f,
                    f"unknown commune {parent_code!r} in field {parent_field!r}",
                    index,
                    r["code"],
                )
            elif departement != r["departement"]:
                self.problems.add(
                    f,
                    f"département {r['departement']!r} contradicts its commune {parent_code!r} "
                    f"(field {parent_field!r}) of département {departement!r}",
                    index,
                    r["code"],
                )
            else:
                self.link((L.COMMUNE, parent_code), (level, r["code"]), RelationKind.MUNICIPAL)

    def _commune_parent(self, f: str, index: int, r: dict) -> Key | None:
        """The arrondissement (else the département) a commune lies in; None when refused."""
        code, departement = r["code"], r["departement"]
        if (L.DEPARTEMENT, departement) not in self.wanted.territories:
            self.problems.add(f, f"unknown département {departement!r}", index, code)
            return None
        if self.region_contradicts(f, index, r):
            return None
        arrondissement = r.get("arrondissement")
        if not arrondissement:
            return (L.DEPARTEMENT, departement)
        if (L.ARRONDISSEMENT, arrondissement) not in self.wanted.territories:
            self.problems.add(f, f"unknown arrondissement {arrondissement!r}", index, code)
            return None
        of = self.departement_of[arrondissement]
        if of != departement:
            self.problems.add(
                f,
                f"département {departement!r} contradicts arrondissement {arrondissement!r} "
                f"of département {of!r}",
                index,
                code,
            )
            return None
        return (L.ARRONDISSEMENT, arrondissement)

    # -- EPCI and EPT, with their member communes

    def groups(self, records: dict[str, Records]) -> None:
        for f, level in (("epci.json", L.EPCI), ("ept.json", L.EPT)):
            #: commune code -> (index, code) of the group that already has it
            member_of: dict[str, tuple[int, str]] = {}
            for index, r in records[f]:
                members = self._members(f, level, index, r, member_of)
                if members is None:
                    continue
                code = r["code"]
                kind = EPCI_KINDS[r["type"]] if level == L.EPCI else ""
                values = _values(
                    r["nom"],
                    kind=kind,
                    population=r.get("populationMunicipale"),
                    total=r.get("populationTotale"),
                    year=self.years.groups,
                    siren=code if code.isdigit() and len(code) <= SIREN_MAX else "",
                    extra=_extra(r, GROUP_EXTRA),
                )
                if self.add(f, index, (level, code), values):
                    for commune in members:
                        self.link((level, code), (L.COMMUNE, commune), RelationKind.INTERCOMMUNAL)
        self._grand_paris(records["ept.json"])

    def _members(
        self, f: str, level: str, index: int, r: dict, member_of: dict[str, tuple[int, str]]
    ) -> list[str] | None:
        """The group's member commune codes; None (and reported) when the record is refused."""
        code, problems = r["code"], self.problems
        if level == L.EPCI and r["type"] not in EPCI_KINDS:
            problems.add(
                f, f"unknown type {r['type']!r} (expected one of {sorted(EPCI_KINDS)})", index, code
            )
            return None
        label = "EPCI à fiscalité propre" if level == L.EPCI else "EPT"
        members: list[str] = []
        ok = True
        for m_index, member in enumerate(r["membres"]):
            if not (isinstance(member, dict) and isinstance(member.get("code"), str)):
                problems.add(f, f"member {m_index} has no string 'code'", index, code)
                ok = False
                continue
            commune = member["code"]
            if commune not in self.commune_departement:
                problems.add(f, f"unknown member commune {commune!r}", index, code)
                ok = False
            elif commune in members:
                problems.add(f, f"member commune {commune!r} is listed twice", index, code)
                ok = False
            elif commune in member_of:
                other_index, other = member_of[commune]
                problems.add(
                    f,
                    f"member commune {commune!r} is already a member of {label} {other!r} "
                    f"(record at index {other_index}): a commune belongs to one {label}",
                    index,
                    code,
                )
                ok = False
            else:
                members.append(commune)
        for commune in members:
            member_of[commune] = (index, code)
        return members if ok else None

    def _grand_paris(self, ept_records: Records) -> None:
        """Every EPT lies within the Métropole du Grand Paris, and so do its members."""
        grand_paris = (L.EPCI, GRAND_PARIS_SIREN)
        if grand_paris not in self.wanted.territories:
            return
        metropolis = {
            child[1] for (parent, child) in self.wanted.relations if parent == grand_paris
        }
        for index, r in ept_records:
            key = (L.EPT, r["code"])
            if self.seen.get(key) != ("ept.json", index):
                continue
            outside = [m["code"] for m in r["membres"] if m["code"] not in metropolis]
            if outside:
                self.problems.add(
                    "ept.json",
                    f"member commune {outside[0]!r} is not a member of the Métropole du Grand "
                    f"Paris ({GRAND_PARIS_SIREN}), which every EPT is part of",
                    index,
                    r["code"],
                )
                continue
            self.link(grand_paris, key, RelationKind.INTERCOMMUNAL)


def read_cog(directory: Path | str, *, years: PopulationYears | None = None) -> Wanted:
    """Read and check the six files; raises ``ImportFailed`` listing what is wrong."""
    directory = Path(directory)
    problems = Problems()
    if not directory.is_dir():
        raise ImportFailed(f"{directory} is not a directory holding the COG JSON files.")
    records = {file: _read(directory, file, problems) for file in FILES}
    # Shape problems first: references cannot be checked on records that failed.
    problems.raise_if_any(malformed(directory))
    builder = _Builder(problems, years or PopulationYears())
    builder.places(records)
    builder.communes(records["communes.json"])
    builder.groups(records)
    problems.raise_if_any(malformed(directory))
    return builder.wanted
