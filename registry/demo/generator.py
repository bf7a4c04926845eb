"""The demo data generator: an invented, deterministic data set on the real territories.

``seed_demo(seed=S, scale=N)`` writes the core scenario of
``registry.demo.scenario`` (with its planted cases) plus, per unit of scale,
about 1,000 actors, 6 more bodies across the extract's communes and 10,000
interactions: scale 100 gives about 100,000 actors and 1,000,000 interactions.

Determinism: one ``random.Random(seed)`` drives every choice, in a fixed order;
territories are read ordered by code; "today" is ``REFERENCE_DATE``; nothing
reads the clock or the global ``random``. The same seed and scale give the same
rows with the same values (database ids and created/updated timestamps aside).

Writes go through ``registry.tracking.bulk_create(validate=False)`` in chunks
(``chunk_size`` rows), inside one transaction and one change context
(via "demo", reason "seed_demo"), so every row is in the change ledger and a
failed run leaves nothing behind. Memory stays bounded: model instances live
only until their chunk is written; what the generator keeps per actor is a few
scalars in flat lists.

A run leaves a marker, an identifier of the host "Ville de Paris" (scheme
external, issuer "seed_demo", value "seed=S;scale=N"); a second run finds it and
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
import unicodedata
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from django.apps import apps
from django.db import connection, reset_queries, transaction
from django.db.models import Model

from registry import tracking
from registry.demo import names as N
from registry.demo.charters import write_charters
from registry.demo.core_change import NEWCOMER_TIES, write_newcomers
from registry.demo.newcomers import ONWARD_BODY, plant_newcomers
from registry.demo.scenario import (
    CHANGE_REASON,
    CORE_BODIES,
    DEMO_SOURCES,
    GOUSSAINVILLE,
    HOSTS,
    MARKER_ISSUER,
    PLANTED_DUPLICATES,
    PLANTED_INTERACTIONS,
    PLANTED_ORGS,
    PLANTED_PERSONS,
    QUARTIERS,
    RECRUITMENT_ORGS,
    REFERENCE_DATE,
    REQUIRED_TERRITORIES,
    BodySpec,
    CollegeSpec,
    Forced,
)
from registry.models import (
    Actor,
    ActorIdentifier,
    ActorOtherName,
    Attendance,
    Body,
    ChangeRecord,
    College,
    Interaction,
    Meeting,
    Membership,
    Opinion,
    PersonalData,
    Territory,
)
from registry.services import statistics
from registry.services.obligations import legal_obligations_load_shipped
from registry.services.territories import territory_create

REF = REFERENCE_DATE
CRM_ISSUER = "crm-demo"
IMPORT_HINT = (
    "import the territories first: python manage.py import_territories registry/data/cog-extract"
)

#: Per unit of scale.
PERSONS_PER_SCALE = 850
ORGS_PER_SCALE = 150
EXTRA_BODIES_PER_SCALE = 6
INTERACTIONS_PER_SCALE = 10_000

#: Where the population beyond the bodies' needs lives.
ZONE_SHARES = (("paris", 0.25), ("gouss", 0.05), ("ccavm", 0.10), ("cvl", 0.60))

SEAT_ROLES = ("president", "vice_president", "secretary", "member")

CONFIDENCES = [Decimal(v) for v in ("0.50", "0.60", "0.70", "0.80", "0.90", "1.00")]
CONFIDENCE_WEIGHTS = list(accumulate([1, 2, 3, 4, 4, 3]))


class DemoError(Exception):
    """The demo data cannot be written (missing territories, another data set present)."""


class MissingTerritories(DemoError):
    pass


@dataclass
class SeedReport:
    seed: int
    scale: int
    already_present: bool = False
    created: dict[str, int] = field(default_factory=dict)
    change_records: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.created.values())


def marker_value(seed: int, scale: int) -> str:
    return f"seed={seed};scale={scale}"


def existing_marker() -> str | None:
    """The marker of the demo data set already in the database, if any."""
    return (
        ActorIdentifier.objects.filter(scheme="external", issuer=MARKER_ISSUER)
        .order_by("id")
        .values_list("value", flat=True)
        .first()
    )


def seed_demo(
    *,
    seed: int = 0,
    scale: int = 1,
    chunk_size: int = 20_000,
    log: Callable[[str], None] | None = None,
) -> SeedReport:
    """Write the demo data set once; a second call with the same seed and scale writes nothing."""
    if scale < 1:
        raise DemoError("The scale is a whole number, 1 or more.")
    wanted = marker_value(seed, scale)
    found = existing_marker()
    if found == wanted:
        return SeedReport(seed=seed, scale=scale, already_present=True)
    if found is not None:
        raise DemoError(
            f"Demo data from another run ({found}) is already in the database; "
            f"seed_demo writes one data set per database (asked: {wanted})."
        )
    check_territories()
    started = time.perf_counter()
    records_before = ChangeRecord.objects.count()
    gen = _Generator(seed=seed, scale=scale, chunk_size=chunk_size, log=log or (lambda _m: None))
    with (
        _sqlite_page_cache(),
        transaction.atomic(),
        tracking.change_context(via="demo", reason=CHANGE_REASON),
    ):
        # The demo's territories are checked against the legal obligations: the shipped
        # rules (migration 0012) are put back if a database lost them (a flushed test one).
        rules = legal_obligations_load_shipped()
        if rules:
            gen.writer.counts["LegalObligation"] += rules
        gen.run()
    # Planner statistics of what was written (registry.services.statistics).
    statistics.analyze(apps.get_model("registry", name) for name in gen.writer.counts)
    report = SeedReport(seed=seed, scale=scale, created=dict(gen.writer.counts))
    report.change_records = ChangeRecord.objects.count() - records_before
    report.seconds = time.perf_counter() - started
    return report


#: SQLite page cache during a run (KiB): the indexes of a million-row table thrash the
#: default 2 MiB cache.
SQLITE_CACHE_KIB = 128 * 1024


@contextmanager
def _sqlite_page_cache() -> Iterator[None]:
    """A larger SQLite page cache for the run, then the previous size back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def check_territories() -> None:
    missing = [
        f"{level} {code}"
        for level, code in REQUIRED_TERRITORIES
        if not Territory.objects.filter(level=level, code=code).exists()
    ]
    if missing:
        raise MissingTerritories(f"Territories missing ({', '.join(missing)}): {IMPORT_HINT}")


# --- small helpers --------------------------------------------------------------


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum() or c in ".-")


def _de(place: str) -> str:
    """French "de <place>" with elision and contraction."""
    if place.startswith("Le "):
        return "du " + place[3:]
    if place.startswith("Les "):
        return "des " + place[4:]
    if place.startswith("La "):
        return "de " + place
    if place[:1].lower() in "aeiouyhéèêîôâ":
        return "d'" + place
    return "de " + place


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass
class Locality:
    """Where people live and organizations act: a commune, an arrondissement, a zone."""

    key: str
    zone: str  # interaction community: "paris", "gouss", "ccavm", "cvl-18"...
    homes: list[int]  # territory ids
    home_weights: list[float] | None
    chain: tuple[str, ...]  # itself, then wider pools


@dataclass
class BodyPlan:
    spec: BodySpec
    territory_id: int
    host_idx: int
    locality: str
    body: Body | None = None
    colleges: list[College | None] = field(default_factory=list)


class _Writer:
    """Buffers new instances per model and writes them through the ledger in chunks."""

    #: A model's buffer is written only after those of the models it points to.
    DEPENDS = {Attendance: (Meeting,)}

    def __init__(self, chunk_size: int, log: Callable[[str], None]):
        self.chunk_size = chunk_size
        self.buffers: dict[type[Model], list[Model]] = {}
        self.counts: Counter[str] = Counter()
        self.log = log

    def add(self, obj: Model) -> None:
        buf = self.buffers.setdefault(type(obj), [])
        buf.append(obj)
        if len(buf) >= self.chunk_size:
            self.flush(type(obj))

    def now(self, objs: list[Model]) -> list[Model]:
        """Write these at once (their ids are needed next)."""
        if objs:
            for dep in self.DEPENDS.get(type(objs[0]), ()):
                self.flush(dep)
            tracking.bulk_create(objs, validate=False)
            self.counts[type(objs[0]).__name__] += len(objs)
            # With DEBUG on, Django keeps the last 9,000 statements with their values:
            # bulk INSERTs of a large run would hold gigabytes.
            reset_queries()
        return objs

    def flush(self, model: type[Model] | None = None) -> None:
        models = [model] if model else list(self.buffers)
        for m in models:
            for dep in self.DEPENDS.get(m, ()):
                self.flush(dep)
            buf = self.buffers.get(m)
            if buf:
                self.buffers[m] = []
                self.now(buf)


class _Generator:
    def __init__(self, *, seed: int, scale: int, chunk_size: int, log: Callable[[str], None]):
        self.seed = seed
        self.scale = scale
        self.rng = random.Random(seed)
        self.log = log
        self.writer = _Writer(chunk_size, log)
        # per actor, flat lists indexed by the actor's index
        self.a_id: list[int] = []
        self.a_name: list[str] = []
        self.a_kind: list[str] = []
        self.a_cat: list[str] = []
        self.a_terr: list[int | None] = []
        self.a_zone: list[str] = []
        self.a_gender: list[str] = []  # "" when no personal data
        self.a_birth: list[int | None] = []
        self.pools: dict[str, list[int]] = defaultdict(list)
        self.localities: dict[str, Locality] = {}
        self.terr_name: dict[int, str] = {}
        self.planted_person: dict[str, int] = {}
        self.planted_org: dict[str, int] = {}
        self.host_idx: dict[str, int] = {}
        self.plans: list[BodyPlan] = []
        self.body_by_key: dict[str, Body] = {}
        self.is_member: set[int] = set()
        self.used_ids: set[tuple[str, str]] = set()
        self.used_org_names: set[str] = set()
        self.email_seq = 0
        self.crm_seq = 0

    # --- the run -------------------------------------------------------------------

    def run(self) -> None:
        t0 = time.perf_counter()
        self._territories()
        self._plan_bodies()
        self.log(
            f"planned {len(CORE_BODIES)} core and {len(self.extra_specs)} generated bodies "
            f"({time.perf_counter() - t0:.1f}s)"
        )
        self._organizations()
        self._persons()
        self.log(f"{len(self.a_id)} actors written ({time.perf_counter() - t0:.1f}s)")
        self._bodies()
        for plan in self.plans:
            self._populate(plan)
        self.writer.flush()
        self.log(f"bodies populated ({time.perf_counter() - t0:.1f}s)")
        self._interactions()
        self.writer.flush()
        self.log(f"interactions written ({time.perf_counter() - t0:.1f}s)")
        self._duplicates()
        self._recruitment_orgs()
        self.writer.flush()
        write_newcomers(
            self.writer,
            territory_id=self.t[("commune", "95280")].pk,
            host_id=self.a_id[self.host_idx["goussainville"]],
        )
        self.writer.flush()
        self._newcomers()
        write_charters()

    # --- territories ---------------------------------------------------------------

    def _get(self, level: str, code: str) -> Territory:
        return Territory.objects.get(level=level, code=code)

    def _quartier(self, code: str, name: str, parent: Territory, kind: str = "") -> Territory:
        existing = Territory.objects.filter(level="quartier", code=code).first()
        if existing is not None:
            return existing
        territory = territory_create(
            level="quartier",
            code=code,
            name=name,
            kind=kind,
            parents=[(parent, "municipal")],
            sources=DEMO_SOURCES,
        )
        self.writer.counts["Territory"] += 1
        self.writer.counts["TerritoryRelation"] += 1
        return territory

    def _territories(self) -> None:
        self.t = {key: self._get(*key) for key in REQUIRED_TERRITORIES}
        self.quartiers: dict[str, Territory] = {}
        for code, (name, parent_key, kind) in QUARTIERS.items():
            self.quartiers[code] = self._quartier(code, name, self._get(*parent_key), kind)
        # Paris arrondissements, the CVL communes by département, the CCAVM communes
        self.arrs = list(
            Territory.objects.filter(
                level="arrondissement_municipal", code__startswith="751"
            ).order_by("code")
        )
        region = self.t[("region", "24")]
        communes = list(
            Territory.objects.within(region)
            .filter(level="commune")
            .valid_on(REF)
            .order_by("code")
            .values_list("id", "code", "name", "population")
        )
        self.cvl_communes = communes
        self.cvl_dept: dict[int, str] = {}
        for dept in Territory.objects.within(region).filter(level="departement").order_by("code"):
            for tid in (
                Territory.objects.within(dept).filter(level="commune").values_list("id", flat=True)
            ):
                self.cvl_dept[tid] = dept.code
        for tid, code, _name, _pop in communes:
            self.cvl_dept.setdefault(tid, code[:2])
        self.ccavm_communes = list(
            Territory.objects.within(self.t[("epci", "200039758")])
            .filter(level="commune")
            .valid_on(REF)
            .order_by("code")
            .values_list("id", "code", "name", "population")
        )
        for tid, _c, name, _p in communes + self.ccavm_communes:
            self.terr_name[tid] = name
        for t in [*self.t.values(), *self.quartiers.values(), *self.arrs]:
            self.terr_name[t.pk] = t.name
        self._base_localities()

    def _base_localities(self) -> None:
        q = self.quartiers
        for arr in self.arrs:
            homes = [t.pk for c, t in q.items() if c.startswith(arr.code)] + [arr.pk]
            self.localities[f"paris-{arr.code}"] = Locality(
                f"paris-{arr.code}", "paris", homes, None, (f"paris-{arr.code}", "paris")
            )
        gouss = self.t[("commune", "95280")]
        self.localities["gouss"] = Locality(
            "gouss", "gouss", [q["95280-Q01"].pk, gouss.pk], [0.6, 0.4], ("gouss",)
        )
        cc = self.ccavm_communes or [(self.t[("epci", "200039758")].pk, "", "", 1000)]
        self.localities["ccavm"] = Locality(
            "ccavm",
            "ccavm",
            [c[0] for c in cc],
            [math.sqrt(c[3] or 100) for c in cc],
            ("ccavm",),
        )

    def _cvl_locality(self, tid: int, code: str) -> str:
        key = f"cvl-{code}"
        if key not in self.localities:
            dept = self.cvl_dept.get(tid, code[:2])
            self.localities[key] = Locality(
                key, f"cvl-{dept}", [tid], None, (key, f"cvl-dept-{dept}", "cvl")
            )
        return key

    def _ccavm_locality(self, tid: int, code: str) -> str:
        key = f"ccavm-{code}"
        if key not in self.localities:
            self.localities[key] = Locality(key, "ccavm", [tid], None, (key, "ccavm"))
        return key

    # --- planning ----------------------------------------------------------------------

    def _plan_bodies(self) -> None:
        rng = self.rng
        blois = self.t[("commune", "41018")]
        self._cvl_locality(blois.pk, "41018")
        orleans = next((c for c in self.cvl_communes if c[1] == "45234"), None)
        if orleans:
            self._cvl_locality(orleans[0], "45234")
        else:  # a reduced territory set: the region's orgs live in Blois
            self.localities["cvl-45234"] = self.localities["cvl-41018"]
        self.extra_hosts: dict[str, tuple[str, int, str]] = {}  # host key -> (name, tid, locality)
        self.extra_specs: list[
            tuple[BodySpec, int, str, str]
        ] = []  # spec, territory, host, locality
        used: set[str] = set()
        paris_q: dict[str, int] = defaultdict(int)
        # bodies go where people are: communes weighted by population
        cvl_weights = list(accumulate((c[3] or 100) for c in self.cvl_communes))
        cc_weights = list(accumulate((c[3] or 100) for c in self.ccavm_communes))
        n_extra = EXTRA_BODIES_PER_SCALE * self.scale
        made = 0
        attempts = 0
        while made < n_extra and attempts < n_extra * 20:
            attempts += 1
            r = rng.random()
            if r < 0.15:
                arr = self.arrs[rng.randrange(len(self.arrs))]
                paris_q[arr.code] += 1
                existing = sum(1 for c in QUARTIERS if c.startswith(arr.code))
                n = existing + paris_q[arr.code]
                short = arr.name.replace(" Arrondissement", "")
                qcode = f"{arr.code}-Q{n:02d}"
                qname = f"{short} – secteur {n}"
                name = f"Conseil de quartier {qname}"
                if name in used:
                    continue
                territory = self._quartier(qcode, qname, arr)
                self.terr_name[territory.pk] = qname
                loc = f"paris-{arr.code}"
                self.localities[loc].homes.append(territory.pk)
                spec = self._extra_spec(name, "conseil_quartier", 60_000, "Ville de Paris")
                self.extra_specs.append((spec, territory.pk, "paris", loc))
                used.add(name)
                made += 1
                continue
            if r < 0.25 and self.ccavm_communes:
                tid, code, cname, pop = self.ccavm_communes[
                    bisect(cc_weights, rng.random() * cc_weights[-1])
                ]
                loc = self._ccavm_locality(tid, code)
            elif self.cvl_communes:
                tid, code, cname, pop = self.cvl_communes[
                    bisect(cvl_weights, rng.random() * cvl_weights[-1])
                ]
                loc = self._cvl_locality(tid, code)
            else:
                continue
            pop = pop or 100
            body_type, name = self._extra_type_and_name(cname, pop, used)
            if name is None:
                continue
            host_key = f"commune-{code}"
            host_name = ("Ville " if pop >= 10_000 else "Commune ") + _de(cname)
            if code == "41018":
                host_key, host_name = "blois", "Ville de Blois"
            self.extra_hosts.setdefault(host_key, (host_name, tid, loc))
            spec = self._extra_spec(name, body_type, pop, host_name)
            self.extra_specs.append((spec, tid, host_key, loc))
            used.add(name)
            made += 1

    def _extra_type_and_name(self, cname: str, pop: int, used: set[str]):
        rng = self.rng
        options = [("conseil_jeunes", 2), ("conseil_aines", 2), ("comite_consultatif", 3)]
        if pop >= 10_000:
            options += [("ccspl", 2)]
        if pop >= 20_000:
            options += [("conseil_quartier", 6), ("budget_participatif", 1)]
        body_type = rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
        de = _de(cname)
        if body_type == "conseil_quartier":
            candidates = [f"Conseil de quartier {q} ({cname})" for q in N.QUARTIER_NAMES]
        elif body_type == "comite_consultatif":
            candidates = [f"Comité consultatif {t} {de}" for t in N.COMMITTEE_THEMES]
        else:
            candidates = [
                {
                    "conseil_jeunes": f"Conseil municipal des jeunes {de}",
                    "conseil_aines": f"Conseil des aînés {de}",
                    "ccspl": f"Commission consultative des services publics locaux {de}",
                    "budget_participatif": f"Comité du budget participatif {de}",
                }[body_type]
            ]
        free = [c for c in candidates if c not in used]
        if not free:
            return body_type, None
        return body_type, free[rng.randrange(len(free))]

    def _extra_spec(self, name: str, body_type: str, pop: int, host_name: str) -> BodySpec:
        rng = self.rng
        mandate = {"ccspl": 6, "conseil_jeunes": 2, "budget_participatif": 2}.get(body_type, 3)
        founding = dt.date(rng.randint(2008, 2021), rng.randint(1, 12), 1)
        k = 0
        while _add_years(founding, (k + 1) * mandate) <= REF:
            k += 1
        term_start = _add_years(founding, k * mandate)
        status, last_meeting = "active", None
        roll = rng.random()
        if roll < 0.04 and k >= 1:  # dormant
            status = "dormant"
            last_meeting = REF - dt.timedelta(days=rng.randint(570, 900))
        elif roll < 0.07 and k >= 1:  # lapsed: the last renewal never happened
            k -= 1
            term_start = _add_years(founding, k * mandate)
        term_end = _add_years(term_start, mandate)
        lo, hi = {
            "conseil_quartier": (12, 28),
            "conseil_jeunes": (15, 31),
            "conseil_aines": (12, 24),
            "ccspl": (8, 14),
            "comite_consultatif": (10, 20),
            "budget_participatif": (10, 18),
        }[body_type]
        seats = min(rng.randint(lo, hi), max(lo // 2 + 3, pop // 60))
        colleges: tuple[CollegeSpec, ...] = ()
        if body_type == "conseil_quartier":
            assoc = max(2, seats // 4)
            colleges = (
                CollegeSpec("Collège des habitants", seats - assoc, "volunteer"),
                CollegeSpec("Collège des associations", assoc, "designation", "org"),
            )
        elif body_type == "ccspl":
            elected = seats // 2
            colleges = (
                CollegeSpec("Collège des élus", elected, "election", "elected"),
                CollegeSpec(
                    "Collège des associations locales", seats - elected, "designation", "org"
                ),
            )
        a0 = rng.uniform(0.55, 0.88)
        return BodySpec(
            key=f"X-{name}",
            name=name,
            body_type=body_type,
            territory=("", ""),
            host=host_name,
            locality="",
            founding=founding,
            mandate_years=mandate,
            term_start=term_start,
            term_end=term_end,
            colleges=colleges,
            legal_basis={
                "ccspl": "CGCT art. L1413-1",
                "conseil_quartier": "CGCT art. L2143-1",
                "conseil_jeunes": "CGCT art. L1112-23",
            }.get(body_type, ""),
            description=f"Instance de participation ({host_name}).",
            status=status,
            parity_rule="max_gap_1" if body_type == "conseil_jeunes" else "none",
            gender_plan="alternate" if body_type == "conseil_jeunes" else None,
            min_age=11
            if body_type == "conseil_jeunes"
            else (60 if body_type == "conseil_aines" else None),
            max_age=17 if body_type == "conseil_jeunes" else None,
            age_class="youth" if body_type == "conseil_jeunes" else "adult",
            past_terms=min(2, k),
            fill=rng.uniform(0.7, 1.0),
            elected_referent=body_type not in ("budget_participatif", "ccspl"),
            technical_referent=body_type != "comite_consultatif",
            meetings_per_year={"ccspl": 2, "conseil_quartier": 4}.get(body_type, 3),
            last_meeting=last_meeting,
            attendance=(a0, max(0.2, a0 + rng.uniform(-0.15, 0.08))),
            opinions_per_year={"ccspl": 2, "budget_participatif": 0}.get(body_type, 1),
            answer_rate=rng.uniform(0.5, 0.95),
            seats=seats,
            officers=seats >= 10 and body_type != "ccspl",
        )

    # --- demands -------------------------------------------------------------------

    def _all_specs(self) -> Iterable[tuple[BodySpec, str]]:
        for spec in CORE_BODIES:
            yield spec, spec.locality
        for spec, _tid, _host, loc in self.extra_specs:
            yield spec, loc

    @staticmethod
    def _seat_colleges(spec: BodySpec) -> tuple[CollegeSpec, ...]:
        if spec.colleges:
            return spec.colleges
        # a body without colleges: one implicit group of seats
        mode = {"conseil_jeunes": "election", "budget_participatif": "lot"}.get(
            spec.body_type, "volunteer"
        )
        return (CollegeSpec("", spec.seats or 15, mode),)

    def _demands(self) -> tuple[Counter, Counter, Counter, Counter, Counter]:
        adults, youth, elected, agents, orgs = Counter(), Counter(), Counter(), Counter(), Counter()
        for spec, loc in self._all_specs():
            terms = 1 + 0.6 * spec.past_terms
            for c in self._seat_colleges(spec):
                need = math.ceil(c.seats * terms)
                if c.member_kind == "elected":
                    elected[loc] += need
                elif spec.age_class == "youth":
                    youth[loc] += need * 2
                else:
                    adults[loc] += need
                if c.member_kind == "org" and not c.org_pool:
                    orgs[loc] += math.ceil(c.seats / 2) + 2
            elected[loc] = max(elected[loc], 3)
            agents[loc] = max(agents[loc], 2)
        return adults, youth, elected, agents, orgs

    # --- organizations ------------------------------------------------------------------

    def _new_actor(self, kind: str, category: str, name: str, terr: int | None, zone: str) -> int:
        idx = len(self.a_name)
        self.a_id.append(0)
        self.a_name.append(name)
        self.a_kind.append(kind)
        self.a_cat.append(category)
        self.a_terr.append(terr)
        self.a_zone.append(zone)
        self.a_gender.append("")
        self.a_birth.append(None)
        return idx

    def _home(self, loc: Locality) -> int:
        if len(loc.homes) == 1:
            return loc.homes[0]
        if loc.home_weights:
            return self.rng.choices(loc.homes, weights=loc.home_weights)[0]
        return loc.homes[self.rng.randrange(len(loc.homes))]

    def _identifier(self, scheme: str, value: str, issuer: str = "") -> bool:
        if (scheme, issuer + value) in self.used_ids:
            return False
        self.used_ids.add((scheme, issuer + value))
        return True

    def _siren(self) -> str:
        while True:
            base = f"{self.rng.randrange(10**8):08d}"
            for last in range(10):
                value = base + str(last)
                if _luhn_ok(value):
                    break
            if self._identifier("siren", value):
                return value

    def _rna(self) -> str:
        while True:
            value = f"W{self.rng.randrange(10**9):09d}"
            if self._identifier("rna", value):
                return value

    def _org_name(self, category: str, place: str) -> str:
        """An invented, unique organization name; a numbered suffix only as a last resort."""
        rng = self.rng
        de = _de(place)
        name = ""
        for attempt in range(12):
            # half the names are local to a street or a spot of the place
            spot = f" {rng.choice(N.SPOTS)} ({place})" if attempt or rng.random() < 0.5 else ""
            where = spot or f" {de}"
            if category == "association":
                prefix = rng.choice(N.ASSOCIATION_PREFIXES)
                name = f"{prefix} {rng.choice(N.ASSOCIATION_THEMES)}{where}"
            elif category == "collective":
                name = f"Collectif {rng.choice(N.COLLECTIVE_THEMES)}{where}"
            elif category == "company":
                name = (
                    f"{rng.choice(N.COMPANY_TRADES)} {rng.choice(N.FAMILY_NAMES)} "
                    f"{rng.choice(N.COMPANY_FORMS)}"
                )
            elif category == "social_landlord":
                name = f"{rng.choice(N.LANDLORD_PATTERNS)} {de}"
            elif category == "school":
                name = f"{rng.choice(N.SCHOOL_KINDS)} {rng.choice(N.SCHOOL_NAMES)} ({place})"
            elif category == "public_service":
                name = f"{rng.choice(N.PUBLIC_SERVICE_KINDS)}{where}"
            else:
                name = f"Syndicat {rng.choice(N.FAMILY_NAMES)}{where}"
            if name not in self.used_org_names:
                self.used_org_names.add(name)
                return name
        n = 2
        while f"{name} {n}" in self.used_org_names:
            n += 1
        name = f"{name} {n}"
        self.used_org_names.add(name)
        return name

    def _org(self, *, category: str, name: str, loc: Locality, pools: Iterable[str] = ()) -> int:
        terr = self._home(loc)
        idx = self._new_actor("organization", category, name, terr, loc.zone)
        for key in loc.chain:
            self.pools[f"org:{key}"].append(idx)
        for key in pools:
            self.pools[key].append(idx)
        return idx

    def _organizations(self) -> None:
        """Hosts, planted organizations, CESER designating bodies, the local fabric."""
        rng = self.rng
        self._org_rows: list[tuple[int, str]] = []  # (idx, acronym)
        for host in HOSTS:
            t = self.t[host.territory]
            loc = self.localities[host.locality]
            idx = self._new_actor("organization", "collectivity", host.name, t.pk, loc.zone)
            self.a_terr[idx] = t.pk
            self.host_idx[host.key] = idx
            self._org_rows.append((idx, host.acronym))
        for key, (host_name, tid, loc_key) in self.extra_hosts.items():
            if key in self.host_idx:
                continue
            loc = self.localities[loc_key]
            idx = self._new_actor("organization", "collectivity", host_name, tid, loc.zone)
            self.host_idx[key] = idx
            self._org_rows.append((idx, ""))
        for spec in PLANTED_ORGS:
            idx = self._org(
                category=spec.category,
                name=spec.name,
                loc=self.localities[spec.locality],
                pools=spec.pools,
            )
            self.used_org_names.add(spec.name)
            self.planted_org[spec.key] = idx
            self._org_rows.append((idx, spec.acronym))
        # CESER designating organizations (regional)
        region_loc = self.localities["cvl-45234"]
        ceser = (
            ("ceser-1", "public_service", ["Chambre régionale d'agriculture du Centre (démo)",
                                           "Chambre régionale des métiers du Centre (démo)"]),
            ("ceser-1", "company", [f"Groupement des entreprises {t} du Centre" for t in
                                    ("industrielles", "du numérique", "du bâtiment",
                                     "agroalimentaires", "de transport", "du tourisme")]),
            ("ceser-1", "association", ["Union régionale des professions libérales du Centre",
                                        "Coopératives agricoles du Val de Loire"]),
            ("ceser-2", "other", ["Union régionale Solidarité Travail",
                                  "Confédération régionale des salariés du Centre",
                                  "Union syndicale autonome Centre",
                                  "Fédération régionale Force salariale",
                                  "Union des cadres et techniciens du Centre",
                                  "Syndicat régional de l'enseignement et de la recherche"]),
            ("ceser-3", "association", ["Mouvement associatif régional du Centre",
                                        "Union régionale des associations familiales du Centre",
                                        "Fédération régionale de l'environnement Centre-Loire",
                                        "Comité régional olympique et sportif du Centre",
                                        "Union régionale de l'habitat social du Centre",
                                        "Fédération régionale des centres sociaux du Centre",
                                        "Réseau régional de l'économie sociale et solidaire",
                                        "Conférence régionale des étudiants du Centre"]),
        )  # fmt: skip
        for pool, category, org_names in ceser:
            for name in org_names:
                self.used_org_names.add(name)
                self._org_rows.append(
                    (self._org(category=category, name=name, loc=region_loc, pools=[pool]), "")
                )
        # the local fabric: demanded organizations, then the rest by zone
        *_, org_demand = self._demands()
        categories = (
            ["association"] * 6 + ["company"] * 3 + ["collective", "school", "public_service"]
        )
        for loc_key, n in org_demand.items():
            loc = self.localities[loc_key]
            for _ in range(n):
                cat = "association" if rng.random() < 0.7 else rng.choice(categories)
                self._local_org(cat, loc)
            self._local_org("social_landlord", loc)
        remaining = ORGS_PER_SCALE * self.scale - len(self.a_name)
        for _ in range(max(0, remaining)):
            self._local_org(rng.choice(categories + ["social_landlord"]), self._random_locality())
        self._write_orgs()

    def _local_org(self, category: str, loc: Locality) -> int:
        terr = self._home(loc)
        place = self.terr_name.get(terr, "Paris").replace(" Arrondissement", "")
        name = self._org_name(category, place)
        idx = self._new_actor("organization", category, name, terr, loc.zone)
        for key in loc.chain:
            self.pools[f"org:{key}"].append(idx)
        self._org_rows.append((idx, ""))
        return idx

    def _random_locality(self) -> Locality:
        rng = self.rng
        r = rng.random()
        acc = 0.0
        zone = "cvl"
        for z, share in ZONE_SHARES:
            acc += share
            if r < acc:
                zone = z
                break
        if zone == "paris":
            arr = self.arrs[rng.randrange(len(self.arrs))]
            return self.localities[f"paris-{arr.code}"]
        if zone in ("gouss", "ccavm") or not self.cvl_communes:
            return self.localities[zone if zone != "cvl" else "gouss"]
        if not hasattr(self, "_cvl_cum"):
            self._cvl_cum = list(accumulate((c[3] or 100) for c in self.cvl_communes))
        tid, code, _n, _p = self.cvl_communes[
            bisect(self._cvl_cum, rng.random() * self._cvl_cum[-1])
        ]
        return self.localities[self._cvl_locality(tid, code)]

    def _write_orgs(self) -> None:
        rng = self.rng
        marker_done = False
        start = 0
        rows = self._org_rows
        while start < len(rows):
            chunk = rows[start : start + self.writer.chunk_size]
            start += len(chunk)
            actors = []
            for idx, _acronym in chunk:
                cat = self.a_cat[idx]
                a = Actor(
                    kind="organization",
                    category=cat,
                    name=self.a_name[idx],
                    territory_id=self.a_terr[idx],
                    sources=DEMO_SOURCES,
                    founding_date=None
                    if cat == "collectivity"
                    else dt.date(rng.randint(1950, 2022), rng.randint(1, 12), rng.randint(1, 28)),
                    power=5 if cat == "collectivity" else rng.choice([None, 1, 2, 3, 4]),
                    interest=rng.choice([None, 2, 3, 4, 5]),
                    legitimacy=rng.choice([None, 2, 3, 4, 5]),
                    urgency=rng.choice([None, 0, 1, 2, 3, 4]),
                    links=[
                        {
                            "url": f"https://example.org/{_ascii(self.a_name[idx])[:60]}",
                            "note": "site",
                        }
                    ]
                    if rng.random() < 0.3
                    else [],
                )
                actors.append(a)
            self.writer.now(actors)
            idents, other_names = [], []
            for (idx, acronym), a in zip(chunk, actors, strict=True):
                self.a_id[idx] = a.pk
                cat = self.a_cat[idx]
                if cat == "collectivity":
                    level, code, siren = (
                        Territory.objects.filter(pk=self.a_terr[idx])
                        .values_list("level", "code", "siren")
                        .get()
                    )
                    if level in ("epci", "ept"):
                        siren = siren or code
                    elif self._identifier("insee", code):
                        idents.append(ActorIdentifier(actor=a, scheme="insee", value=code))
                    if siren and self._identifier("siren", siren):
                        idents.append(ActorIdentifier(actor=a, scheme="siren", value=siren))
                    if not marker_done:
                        idents.append(
                            ActorIdentifier(
                                actor=a,
                                scheme="external",
                                issuer=MARKER_ISSUER,
                                value=marker_value(self.seed, self.scale),
                            )
                        )
                        marker_done = True
                elif cat in ("association", "collective"):
                    if cat == "association" or rng.random() < 0.3:
                        idents.append(ActorIdentifier(actor=a, scheme="rna", value=self._rna()))
                elif cat in ("company", "social_landlord", "public_service", "other"):
                    idents.append(ActorIdentifier(actor=a, scheme="siren", value=self._siren()))
                elif cat == "school":
                    uai = f"{rng.randrange(10**7):07d}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
                    if self._identifier("other", uai, "UAI"):
                        idents.append(
                            ActorIdentifier(actor=a, scheme="other", issuer="UAI", value=uai)
                        )
                if acronym:
                    other_names.append(ActorOtherName(actor=a, name=acronym, note="sigle"))
            for obj in idents + other_names:
                self.writer.add(obj)
        self.writer.flush(ActorIdentifier)
        self.writer.flush(ActorOtherName)

    # --- persons ------------------------------------------------------------------------

    def _persons(self) -> None:
        rng = self.rng
        adults, youth, elected, agents, _orgs = self._demands()
        plan: list[tuple[str, str, int]] = []  # (locality, kind, count)
        for loc, n in elected.items():
            plan.append((loc, "elected", n + 2))
        for loc, n in agents.items():
            plan.append((loc, "agent", n))
        for loc, n in adults.items():
            plan.append((loc, "adult", n))
        for loc, n in youth.items():
            plan.append((loc, "youth", n))
        demanded = sum(n for _l, _k, n in plan) + len(PLANTED_PERSONS)
        base = max(0, PERSONS_PER_SCALE * self.scale - demanded)
        self._pending: list[Actor] = []
        self._pending_idx: list[int] = []
        self._pending_pd: list[tuple[int, dict]] = []
        for spec in PLANTED_PERSONS:
            loc = self.localities[spec.locality]
            idx = self._person(loc, spec.category, spec=spec)
            self.planted_person[spec.key] = idx
        for loc_key, kind, n in plan:
            loc = self.localities[loc_key]
            category = {"elected": "elected_official", "agent": "municipal_agent"}.get(
                kind, "resident"
            )
            for i in range(n):
                self._person(
                    loc, category, youth=kind == "youth", gender="female" if i % 2 else "male"
                )
        for _ in range(base):
            self._person(self._random_locality(), "resident", youth=rng.random() < 0.07)
        self._flush_persons()

    def _person(
        self,
        loc: Locality,
        category: str,
        *,
        youth: bool = False,
        gender: str | None = None,
        spec=None,
    ) -> int:
        rng = self.rng
        if spec is not None:
            gender, given, family, birth = (
                spec.gender,
                spec.given_name,
                spec.family_name,
                spec.birth_year,
            )
        else:
            gender = gender or ("female" if rng.random() < 0.52 else "male")
            given = rng.choice(N.FEMALE_GIVEN_NAMES if gender == "female" else N.MALE_GIVEN_NAMES)
            family = rng.choice(N.FAMILY_NAMES)
            if youth:
                birth = rng.randint(2004, 2015)
            elif category == "elected_official":
                birth = rng.randint(1950, 1995)
            elif category == "municipal_agent":
                birth = rng.randint(1962, 2000)
            else:
                birth = rng.randint(1935, 2006)
        name = f"{given} {family}"
        terr = self._home(loc)
        idx = self._new_actor("person", category, name, terr, loc.zone)
        with_pd = spec is not None or youth or category != "resident" or rng.random() < 0.75
        if with_pd:
            declared = gender
            if spec is None and category == "resident" and rng.random() < 0.02:
                declared = rng.choice(["other", "undisclosed"])
            self.a_gender[idx] = declared
            self.a_birth[idx] = birth
        pool = (
            "youth"
            if youth
            else {"elected_official": "elected", "municipal_agent": "agent"}.get(category, "adult")
        )
        for key in loc.chain:
            self.pools[f"{pool}:{key}"].append(idx)
        self.pools[f"{pool}:*"].append(idx)
        actor = Actor(
            kind="person",
            category=category,
            name=name,
            given_name=given,
            family_name=family,
            territory_id=terr,
            sources=DEMO_SOURCES,
            power=(
                rng.choice([2, 3, 4, 5])
                if category == "elected_official"
                else rng.choice([None, 0, 1, 2])
            ),
            interest=rng.choice([None, 1, 2, 3, 4, 5]),
        )
        self._pending.append(actor)
        self._pending_idx.append(idx)
        if with_pd:
            self.email_seq += 1
            self._pending_pd.append(
                (
                    len(self._pending) - 1,
                    dict(
                        email=f"{_ascii(given)}.{_ascii(family)}.{self.email_seq}@example.org",
                        phone=f"01 99 00 {rng.randrange(100):02d} {rng.randrange(100):02d}"
                        if rng.random() < 0.4
                        else "",
                        gender=self.a_gender[idx],
                        birth_year=birth,
                        lawful_basis="public_task"
                        if category != "resident" or youth
                        else rng.choice(
                            ["consent", "consent", "public_task", "legitimate_interests"]
                        ),
                        retention_until=REF + dt.timedelta(days=rng.randint(365, 6 * 365)),
                    ),
                )
            )
        if len(self._pending) >= self.writer.chunk_size:
            self._flush_persons()
        return idx

    def _flush_persons(self) -> None:
        if not self._pending:
            return
        self.writer.now(self._pending)
        for actor, idx in zip(self._pending, self._pending_idx, strict=True):
            self.a_id[idx] = actor.pk
        for pos, values in self._pending_pd:
            self.writer.add(PersonalData(actor=self._pending[pos], **values))
        for actor in self._pending:
            if self.rng.random() < 0.25:  # the collectivity's own contact file
                self.crm_seq += 1
                self.writer.add(
                    ActorIdentifier(
                        actor=actor,
                        scheme="external",
                        issuer=CRM_ISSUER,
                        value=f"CRM-{self.crm_seq:07d}",
                    )
                )
        self.writer.flush(PersonalData)
        self.writer.flush(ActorIdentifier)
        self._pending, self._pending_idx, self._pending_pd = [], [], []

    # --- bodies ---------------------------------------------------------------------------

    def _bodies(self) -> None:
        for spec in CORE_BODIES:
            terr = (
                self.quartiers[spec.territory[1]].pk
                if spec.territory[0] == "quartier"
                else self.t[spec.territory].pk
            )
            self.plans.append(BodyPlan(spec, terr, self.host_idx[spec.host], spec.locality))
        for spec, tid, host_key, loc in self.extra_specs:
            self.plans.append(BodyPlan(spec, tid, self.host_idx[host_key], loc))
        bodies = []
        for plan in self.plans:
            s = plan.spec
            colleges = self._seat_colleges(s)
            plan.body = Body(
                name=s.name,
                body_type=s.body_type,
                territory_id=plan.territory_id,
                host_id=self.a_id[plan.host_idx],
                description=s.description,
                legal_basis=s.legal_basis,
                status=s.status,
                founding_date=s.founding,
                mandate_years=s.mandate_years,
                term_start=s.term_start,
                term_end=s.term_end,
                seats=sum(c.seats for c in colleges),
                parity_rule=s.parity_rule,
                min_age=s.min_age,
                max_age=s.max_age,
                sources=DEMO_SOURCES,
            )
            bodies.append(plan.body)
        self.writer.now(bodies)
        colleges_out = []
        for plan in self.plans:
            self.body_by_key[plan.spec.key] = plan.body
            plan.colleges = []
            for c in self._seat_colleges(plan.spec):
                if c.name:
                    college = College(
                        body=plan.body, name=c.name, seats=c.seats, selection_mode=c.selection_mode
                    )
                    colleges_out.append(college)
                    plan.colleges.append(college)
                else:
                    plan.colleges.append(None)
        self.writer.now(colleges_out)

    # --- seats, meetings, opinions -------------------------------------------------------

    def _draw(self, pools: list[str], ok: Callable[[int], bool]) -> int | None:
        rng = self.rng
        for key in pools:
            pool = self.pools.get(key)
            if not pool:
                continue
            for _ in range(25):
                i = pool[rng.randrange(len(pool))]
                if ok(i):
                    return i
        for key in pools[-2:]:
            pool = self.pools.get(key)
            if not pool:
                continue
            offset = rng.randrange(len(pool))
            for j in range(len(pool)):
                i = pool[(offset + j) % len(pool)]
                if ok(i):
                    return i
        return None

    def _populate(self, plan: BodyPlan) -> None:
        rng = self.rng
        spec = plan.spec
        loc = self.localities[plan.locality]
        cspecs = self._seat_colleges(spec)
        seat_college: list[int] = [ci for ci, c in enumerate(cspecs) for _ in range(c.seats)]
        n = len(seat_college)
        # terms, oldest first
        terms = []
        start = spec.term_start
        terms.append((start, spec.term_end))
        for k in range(spec.past_terms):
            s0 = _add_years(spec.term_start, -(k + 1) * spec.mandate_years)
            e0 = terms[0][0]
            if e0 <= spec.founding:
                break
            terms.insert(0, (max(s0, spec.founding), e0))
        person_pool = "youth" if spec.age_class == "youth" else "adult"
        resident_pools = [f"{person_pool}:{k}" for k in loc.chain] + [f"{person_pool}:*"]
        elected_pools = [f"elected:{k}" for k in loc.chain] + ["elected:*"]
        agent_pools = [f"agent:{k}" for k in loc.chain] + ["agent:*"]
        forced_people = {self.planted_person[f.person] for f in spec.forced}
        rows: list[list] = []  # [actor, start, end, role, college idx|None, behalf, reason, mode]
        occupant: list[int | None] = [None] * n
        behalf: list[int | None] = [None] * n
        left: set[int] = set()
        referents: dict[str, int | None] = {"elected_referent": None, "technical_referent": None}
        parity = spec.parity_rule == "max_gap_1"
        for ti, (t0, t1) in enumerate(terms):
            current = ti == len(terms) - 1
            row_end = None if current else t1
            horizon = min(t1, REF)
            # which seats are filled this term
            filled: list[int] = []
            for ci, c in enumerate(cspecs):
                seats = [s for s in range(n) if seat_college[s] == ci]
                if current:
                    k = c.filled if c.filled is not None else round(c.seats * spec.fill)
                else:
                    k = round(c.seats * rng.uniform(0.85, 1.0))
                filled.extend(seats[: max(0, min(k, len(seats)))])
            genders = self._gender_plan(spec, len(filled), current, parity)
            want = dict(zip(filled, genders, strict=False)) if genders else {}
            new_occ: list[int | None] = [None] * n
            new_behalf: list[int | None] = [None] * n
            roles = ["member"] * n
            taken: set[int] = set()
            if current:
                for f in spec.forced:
                    if not f.role.endswith("referent"):
                        s = self._seat_for(f, cspecs, seat_college, filled, new_occ)
                        p = self.planted_person[f.person]
                        new_occ[s] = p
                        roles[s] = f.role
                        new_behalf[s] = (
                            self.planted_org.get(f.on_behalf_of) if f.on_behalf_of else None
                        )
                        taken.add(p)
                        if s in want:
                            want[s] = None
            for s in filled:
                prev = occupant[s]
                if (
                    new_occ[s] is None
                    and prev is not None
                    and prev not in taken
                    and not (current and prev in forced_people)
                    and rng.random() < spec.renew_prob
                    and self._fits(prev, spec, t0, want.get(s))
                ):
                    new_occ[s] = prev
                    new_behalf[s] = behalf[s]
                    taken.add(prev)
            for s in filled:
                if new_occ[s] is not None:
                    continue
                c = cspecs[seat_college[s]]
                p = self._pick_member(
                    c, spec, t0, want.get(s), taken | left, resident_pools, elected_pools
                )
                if p is None:
                    continue
                new_occ[s] = p
                taken.add(p)
                if c.member_kind == "org":
                    new_behalf[s] = self._pick_org(c, loc)
            if spec.officers:
                forced_roles = {roles[s] for s in range(n) if roles[s] != "member"}
                first = [
                    s
                    for s in filled
                    if seat_college[s] == 0 and new_occ[s] is not None and roles[s] == "member"
                ]
                for role in ("president", "vice_president", "secretary"):
                    if role in forced_roles or not first or len(filled) < 8:
                        continue
                    s = first.pop(rng.randrange(len(first)))
                    roles[s] = role
            next_occ: list[int | None] = [None] * n
            for s in range(n):
                p = new_occ[s]
                if p is None:
                    continue
                ci = seat_college[s]
                mode = cspecs[ci].selection_mode
                leave_ok = not (current and (p in forced_people or spec.gender_plan))
                span = (horizon - t0).days
                if leave_ok and span > 150 and rng.random() < spec.leave_prob:
                    d = t0 + dt.timedelta(days=rng.randint(60, span - 30))
                    reason = rng.choices(
                        ["resigned", "moved_away", "removed", "deceased"], weights=[60, 25, 8, 7]
                    )[0]
                    rows.append([p, t0, d, roles[s], ci, new_behalf[s], reason, mode])
                    left.add(p)
                    d2 = d + dt.timedelta(days=rng.randint(0, 75))
                    if rng.random() < 0.65 and d2 < horizon:
                        gender = self.a_gender[p] if parity else None
                        q = self._pick_member(
                            cspecs[ci],
                            spec,
                            d2,
                            gender,
                            taken | left,
                            resident_pools,
                            elected_pools,
                        )
                        if q is not None:
                            taken.add(q)
                            qb = (
                                self._pick_org(cspecs[ci], loc)
                                if cspecs[ci].member_kind == "org"
                                else None
                            )
                            rows.append(
                                [
                                    q,
                                    d2,
                                    row_end,
                                    "member",
                                    ci,
                                    qb,
                                    "" if current else "term_ended",
                                    mode,
                                ]
                            )
                            next_occ[s] = q
                            behalf[s] = qb
                    continue
                rows.append(
                    [
                        p,
                        t0,
                        row_end,
                        roles[s],
                        ci,
                        new_behalf[s],
                        "" if current else "term_ended",
                        mode,
                    ]
                )
                next_occ[s] = p
                behalf[s] = new_behalf[s]
            occupant = next_occ
            # referents, outside the seats
            forced_ref = {f.role: self.planted_person[f.person] for f in spec.referent_forced}
            for role, enabled, pools, gender in (
                (
                    "elected_referent",
                    spec.elected_referent,
                    elected_pools,
                    "female" if parity else None,
                ),
                (
                    "technical_referent",
                    spec.technical_referent,
                    agent_pools,
                    "male" if parity else None,
                ),
            ):
                if not enabled:
                    continue
                prev = referents[role]
                if current and role in forced_ref:
                    p = forced_ref[role]
                elif (
                    prev is not None
                    and prev not in taken
                    and prev not in forced_ref.values()
                    and rng.random() < 0.6
                ):
                    p = prev
                else:
                    p = self._draw(
                        pools,
                        lambda i, g=gender, busy=taken: (
                            i not in busy and (g is None or self.a_gender[i] == g)
                        ),
                    )
                if p is None:
                    continue
                taken.add(p)
                referents[role] = p
                rows.append(
                    [
                        p,
                        t0,
                        row_end,
                        role,
                        None,
                        None,
                        "" if current else "term_ended",
                        "appointment",
                    ]
                )
        self._write_memberships(plan, rows)
        self._meetings(plan, rows)
        self._opinions(plan)

    def _seat_for(self, f: Forced, cspecs, seat_college, filled, new_occ) -> int:
        ci = next((i for i, c in enumerate(cspecs) if c.name == f.college), 0)
        for s in filled:
            if seat_college[s] == ci and new_occ[s] is None:
                return s
        s = next(
            s for s in range(len(seat_college)) if seat_college[s] == ci and new_occ[s] is None
        )
        filled.append(s)
        return s

    def _gender_plan(self, spec: BodySpec, k: int, current: bool, parity: bool) -> list[str] | None:
        plan = spec.gender_plan
        if current and isinstance(plan, tuple):
            genders = ["female"] * plan[0] + ["male"] * plan[1]
            genders += ["female"] * (k - len(genders))
            self.rng.shuffle(genders)
            return genders[:k]
        if plan is None and not parity:
            return None
        first = "female" if self.rng.random() < 0.5 else "male"
        other = "male" if first == "female" else "female"
        return [first if i % 2 == 0 else other for i in range(k)]

    def _fits(self, p: int, spec: BodySpec, day: dt.date, gender: str | None) -> bool:
        if gender is not None and self.a_gender[p] != gender:
            return False
        if spec.min_age is not None or spec.max_age is not None:
            birth = self.a_birth[p]
            if birth is None:
                return False
            age = day.year - birth
            if spec.min_age is not None and age < spec.min_age:
                return False
            if spec.max_age is not None and age > spec.max_age:
                return False
        return True

    def _pick_member(
        self, c: CollegeSpec, spec, day, gender, exclude, resident_pools, elected_pools
    ):
        pools = elected_pools if c.member_kind == "elected" else resident_pools
        if c.member_kind == "org" and c.org_pool:  # regional designations: anyone in the region
            pools = ["adult:cvl", "adult:*"] if "adult:cvl" in self.pools else ["adult:*"]
        return self._draw(pools, lambda i: i not in exclude and self._fits(i, spec, day, gender))

    def _pick_org(self, c: CollegeSpec, loc: Locality) -> int | None:
        keys = [c.org_pool] if c.org_pool else [f"org:{k}" for k in loc.chain]
        for key in keys:
            pool = self.pools.get(key)
            if pool:
                return pool[self.rng.randrange(len(pool))]
        return None

    def _write_memberships(self, plan: BodyPlan, rows: list[list]) -> None:
        body = plan.body
        for p, start, end, role, ci, behalf_idx, reason, mode in rows:
            self.is_member.add(p)
            college = plan.colleges[ci] if ci is not None else None
            m = Membership(
                actor=Actor(id=self.a_id[p], name=self.a_name[p], kind="person"),
                body=body,
                college=college,
                role=role,
                selection_mode=mode,
                on_behalf_of_id=self.a_id[behalf_idx] if behalf_idx is not None else None,
                start_date=start,
                end_date=end,
                end_reason=reason if end is not None else "",
            )
            self.writer.add(m)

    _TOPICS = (
        "la propreté des rues", "le plan vélo", "la rénovation de l'école", "les jardins partagés",
        "la sécurité aux abords des écoles", "le budget participatif", "la fête de quartier",
        "l'éclairage public", "les horaires de la médiathèque", "le stationnement",
        "la végétalisation des cours", "l'accessibilité de la mairie", "le marché de plein air",
    )  # fmt: skip

    def _meetings(self, plan: BodyPlan, rows: list[list]) -> None:
        rng = self.rng
        spec = plan.spec
        ms = max(spec.founding, spec.meetings_since or _add_years(REF, -5))
        me = min(spec.last_meeting or REF - dt.timedelta(days=1), REF - dt.timedelta(days=1))
        span = (me - ms).days
        if span <= 0:
            return
        count = max(1, round(span / 365.25 * spec.meetings_per_year))
        step = span / count
        dates = []
        for i in range(count):
            jitter = rng.randint(0, max(0, int(step * 0.5)))
            dates.append(ms + dt.timedelta(days=min(span, int(step * i) + jitter)))
        if spec.last_meeting:
            dates[-1] = spec.last_meeting
        dates.sort()
        a0, a1 = spec.attendance
        officers = {
            "president",
            "vice_president",
            "secretary",
            "elected_referent",
            "technical_referent",
        }
        frequent = spec.meetings_per_year >= 4
        for i, day in enumerate(dates):
            if frequent and i % 3 == 2:
                kind, title = "bureau", "Réunion du bureau"
            elif frequent and i % 7 == 6:
                kind, title = "public", f"Réunion publique : {rng.choice(self._TOPICS)}"
            elif frequent and i % 11 == 10:
                kind, title = "working_group", f"Groupe de travail : {rng.choice(self._TOPICS)}"
            else:
                kind, title = "plenary", "Séance plénière"
            meeting = Meeting(body=plan.body, date=day, kind=kind, title=title)
            self.writer.add(meeting)
            frac = (day - ms).days / span if span else 1.0
            p_present = a0 + (a1 - a0) * frac
            seen: set[int] = set()
            for p, start, end, role, *_rest in rows:
                if start > day or (end is not None and end <= day) or p in seen:
                    continue
                if kind == "bureau" and role not in officers:
                    continue
                if kind == "working_group" and rng.random() < 0.6:
                    continue
                seen.add(p)
                r = rng.random()
                status = (
                    "present" if r < p_present else ("excused" if rng.random() < 0.45 else "absent")
                )
                att = Attendance(meeting=meeting, status=status)
                att.actor_id = self.a_id[p]
                self.writer.add(att)

    def _opinions(self, plan: BodyPlan) -> None:
        rng = self.rng
        spec = plan.spec
        if spec.opinions_per_year <= 0:
            return
        os_ = max(spec.founding, spec.opinions_since or _add_years(REF, -5))
        oe = min(spec.last_meeting or REF, REF) - dt.timedelta(days=10)
        span = (oe - os_).days
        if span <= 0:
            return
        count = max(1, round(span / 365.25 * spec.opinions_per_year))
        days = sorted(os_ + dt.timedelta(days=rng.randrange(span)) for _ in range(count))
        # Exactly the planned share is answered (which ones is random): a planted rate
        # must show whatever the seed.
        answered = set(rng.sample(range(count), round(count * spec.answer_rate)))
        for i, day in enumerate(days):
            referral, title = self._opinion_title(spec, day)
            response_date, outcome, note = None, "", ""
            if i in answered:
                rd = day + dt.timedelta(days=rng.randint(15, 180))
                if rd <= REF:
                    response_date = rd
                    outcome = rng.choices(
                        ["adopted", "partially_adopted", "rejected", "noted"],
                        weights=[35, 30, 10, 25],
                    )[0]
                    note = "Réponse écrite de l'autorité."
            if response_date is None and (REF - day).days > 180:
                outcome = "no_response"
            self.writer.add(
                Opinion(
                    body=plan.body,
                    date=day,
                    title=title,
                    referral=referral,
                    response_date=response_date,
                    response_outcome=outcome,
                    response_note=note,
                )
            )

    def _opinion_title(self, spec: BodySpec, day: dt.date) -> tuple[str, str]:
        rng = self.rng
        if spec.body_type == "ceser":
            r = rng.random()
            if r < 0.4:
                return "mandatory", rng.choice(
                    [
                        f"Avis sur le budget primitif {day.year + 1} de la Région",
                        f"Avis sur le compte administratif {day.year - 1} de la Région",
                        f"Avis sur les orientations budgétaires {day.year + 1}",
                    ]
                )
            if r < 0.7:
                return "referred", rng.choice(
                    [
                        "Avis sur le schéma régional d'aménagement (SRADDET)",
                        "Avis sur le plan régional de prévention des déchets",
                        "Avis sur la stratégie régionale de l'emploi",
                    ]
                )
            return "self", rng.choice(
                [
                    "Rapport d'autosaisine : la mobilité en zone rurale",
                    "Rapport d'autosaisine : l'accès aux soins",
                    "Rapport d'autosaisine : la ressource en eau",
                    "Rapport d'autosaisine : la jeunesse en milieu rural",
                ]
            ) + f" ({day.year})"
        if spec.body_type == "ccspl":
            if rng.random() < 0.7:
                return (
                    "mandatory",
                    f"Avis sur le rapport annuel du délégataire de l'eau {day.year - 1}",
                )
            return "referred", "Avis sur le projet de délégation de service public"
        topic = rng.choice(self._TOPICS)
        if rng.random() < 0.55:
            return "self", f"Vœu sur {topic} ({day.year})"
        return "referred", f"Avis sur {topic} ({day.year})"

    # --- interactions -----------------------------------------------------------------

    _ACTOR_TYPES = (
        ("collaboration", 28), ("information", 22), ("alliance", 10), ("consultation", 10),
        ("funding", 6), ("representation", 6), ("hierarchy", 4), ("opposition", 8), ("conflict", 6),
    )  # fmt: skip
    _BODY_TYPES = (
        ("consultation", 30), ("information", 25), ("representation", 15), ("collaboration", 15),
        ("opposition", 10), ("conflict", 5),
    )  # fmt: skip

    def _interactions(self) -> None:
        rng = self.rng
        # The newcomers' ties (written last, registry.demo.core_change) count in the total.
        total = INTERACTIONS_PER_SCALE * self.scale - NEWCOMER_TIES
        # communities: the actors of each zone, their hubs (organizations, officials, members)
        zone_actors: dict[str, list[int]] = defaultdict(list)
        zone_hubs: dict[str, list[int]] = defaultdict(list)
        for i, zone in enumerate(self.a_zone):
            zone_actors[zone].append(i)
            if (
                self.a_kind[i] == "organization"
                or self.a_cat[i] != "resident"
                or i in self.is_member
            ):
                zone_hubs[zone].append(i)
        zone_bodies: dict[str, list[Body]] = defaultdict(list)
        for plan in self.plans:
            zone_bodies[self.localities[plan.locality].zone].append(plan.body)
        zones = list(zone_actors)
        cum = list(accumulate(len(zone_actors[z]) for z in zones))
        a_types = [t for t, _w in self._ACTOR_TYPES]
        a_cum = list(accumulate(w for _t, w in self._ACTOR_TYPES))
        b_types = [t for t, _w in self._BODY_TYPES]
        b_cum = list(accumulate(w for _t, w in self._BODY_TYPES))
        w_cum = list(accumulate([30, 30, 20, 12, 8]))
        start_span = 7 * 365
        made = 0
        for s_key, t_key, kind, direction, weight, sign in PLANTED_INTERACTIONS:
            src = self._key_actor(s_key)
            target_actor = target_body = None
            if t_key.startswith("body:"):
                target_body = self.body_by_key[t_key[5:]]
            else:
                target_actor = self._key_actor(t_key)
            self.writer.add(
                Interaction(
                    source_id=self.a_id[src],
                    target_actor_id=self.a_id[target_actor] if target_actor is not None else None,
                    target_body=target_body,
                    interaction_type=kind,
                    direction=direction,
                    weight=weight,
                    sign=sign,
                    start_date=REF - dt.timedelta(days=400),
                    territory_id=self.a_terr[src],
                    source_note="entretien",
                    confidence=Decimal("0.90"),
                )
            )
            made += 1
        while made < total:
            made += 1
            zone = zones[bisect(cum, rng.random() * cum[-1])]
            actors, hubs = zone_actors[zone], zone_hubs[zone] or zone_actors[zone]
            src = (
                hubs[rng.randrange(len(hubs))]
                if rng.random() < 0.4
                else actors[rng.randrange(len(actors))]
            )
            r = rng.random()
            target_actor = target_body = None
            if r < 0.15 and zone_bodies.get(zone):
                bodies = zone_bodies[zone]
                target_body = bodies[rng.randrange(len(bodies))]
                kind = b_types[bisect(b_cum, rng.random() * b_cum[-1])]
                territory = target_body.territory_id
            else:
                if r < 0.21:  # a bridge to another community
                    other = zones[bisect(cum, rng.random() * cum[-1])]
                    pool = zone_hubs[other] or zone_actors[other]
                else:
                    pool = hubs if rng.random() < 0.5 else actors
                target_actor = pool[rng.randrange(len(pool))]
                if target_actor == src:
                    target_actor = (
                        actors[(actors.index(src) + 1) % len(actors)] if len(actors) > 1 else None
                    )
                    if target_actor is None or target_actor == src:
                        made -= 1
                        continue
                kind = a_types[bisect(a_cum, rng.random() * a_cum[-1])]
                if kind == "funding" and self.a_kind[src] != "organization":
                    kind = "collaboration"
                elif kind == "hierarchy" and not (
                    self.a_cat[src] in ("elected_official", "collectivity")
                    and self.a_cat[target_actor] in ("municipal_agent", "elected_official")
                ):
                    kind = "information"
                territory = self.a_terr[src]
            sign = -1 if kind in ("opposition", "conflict") else 1
            mutual = kind in ("collaboration", "alliance", "conflict") or (
                kind == "opposition" and rng.random() < 0.5
            )
            start = REF - dt.timedelta(days=rng.randrange(start_span))
            end = None
            if rng.random() < 0.2:
                end = min(REF, start + dt.timedelta(days=rng.randint(60, 1500)))
            self.writer.add(
                Interaction(
                    source_id=self.a_id[src],
                    target_actor_id=self.a_id[target_actor] if target_actor is not None else None,
                    target_body=target_body,
                    interaction_type=kind,
                    direction="mutual" if mutual else "directed",
                    weight=bisect(w_cum, rng.random() * w_cum[-1]) + 1,
                    sign=sign,
                    start_date=start,
                    end_date=end,
                    territory_id=territory,
                    source_note=N.INTERACTION_SOURCES[rng.randrange(len(N.INTERACTION_SOURCES))],
                    confidence=CONFIDENCES[
                        bisect(CONFIDENCE_WEIGHTS, rng.random() * CONFIDENCE_WEIGHTS[-1])
                    ],
                )
            )

    # --- planted duplicates ------------------------------------------------------------

    def _duplicates(self) -> None:
        """Second records of planted actors (``PLANTED_DUPLICATES``), with no random draw."""
        for spec in PLANTED_DUPLICATES:
            if spec.original in self.planted_person:
                self._duplicate_person(spec, self.planted_person[spec.original])
            else:
                self._duplicate_org(spec, self.planted_org[spec.original])

    def _duplicate_person(self, spec, idx: int) -> None:
        actor = Actor(
            kind="person",
            category=self.a_cat[idx],
            name=spec.name,
            given_name=spec.given_name,
            family_name=spec.family_name,
            territory_id=self.a_terr[idx],
            sources=DEMO_SOURCES,
        )
        self.writer.now([actor])
        if spec.personal_data:
            first = PersonalData.objects.get(actor_id=self.a_id[idx])
            self.writer.add(
                PersonalData(
                    actor=actor,
                    email=first.email if spec.same_email else "",
                    gender=first.gender,
                    birth_year=first.birth_year,
                    lawful_basis="consent",
                    retention_until=first.retention_until,
                )
            )
        body = self.body_by_key[spec.body]
        plan = next(p for p in self.plans if p.spec.key == spec.body)
        college = next((c for c in plan.colleges if c and c.name == spec.college), None)
        self.writer.add(
            Membership(
                actor=actor,
                body=body,
                college=college,
                role="member",
                selection_mode=college.selection_mode if college else "",
                start_date=spec.start,
            )
        )

    def _recruitment_orgs(self) -> None:
        """The associations of the planted recruitment pool, last and without a random draw."""
        territory_id = self.t[GOUSSAINVILLE].pk
        self.writer.now(
            [
                Actor(
                    kind="organization",
                    category="association",
                    name=name,
                    territory_id=territory_id,
                    founding_date=founded,
                    sources=DEMO_SOURCES,
                )
                for name, founded in RECRUITMENT_ORGS
            ]
        )

    def _duplicate_org(self, spec, idx: int) -> None:
        actor = Actor(
            kind="organization",
            category=self.a_cat[idx],
            name=spec.name,
            territory_id=self.a_terr[idx],
            sources=DEMO_SOURCES,
        )
        self.writer.now([actor])
        siren = (
            ActorIdentifier.objects.filter(actor_id=self.a_id[idx], scheme="siren")
            .values_list("value", flat=True)
            .first()
        )
        if siren:
            siret = next(v for last in range(10) if _luhn_ok(v := f"{siren}0001{last}"))
            if self._identifier("siret", siret):
                self.writer.add(ActorIdentifier(actor=actor, scheme="siret", value=siret))

    def _newcomers(self) -> None:
        """The planted strengths case (``registry.demo.newcomers``), written last."""
        blois = self.body_by_key["B1"]
        plant_newcomers(
            self.writer.now,
            host_id=blois.host_id,
            territory_id=blois.territory_id,
            onward_body=self.body_by_key[ONWARD_BODY],
            reference=REF,
            sources=DEMO_SOURCES,
        )

    def _key_actor(self, key: str) -> int:
        kind, _, rest = key.partition(":")
        if kind == "host":
            return self.host_idx[rest]
        if kind == "person":
            return self.planted_person[rest]
        return self.planted_org[key]
