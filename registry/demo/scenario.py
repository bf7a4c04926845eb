"""The hand-written core of the demo data set, and the cases planted in it.

Everything here is invented; only the territories (communes, région, EPCI) and
the neighbourhood names are real places. The reference date of the data set
("today" inside it) is ``REFERENCE_DATE``: every date is relative to it, never
to the clock, so a run on any day gives the same rows.

The planted cases are listed in ``PLANTED``, by body or person name, so the
analysis tests can check that each one is flagged. They hold for every seed
and every scale (the seed changes who sits where, not the planted shape):

===================  ==========================================================
case                 where
===================  ==========================================================
lapsed mandate       "Conseil de développement de la CC Avallon, Vézelay,
                     Morvan": term ended 2025-01-20, never renewed, status
                     still active, members still seated, last meeting
                     2025-11 (so not dormant).
dormant body         "Conseil de quartier La Chapelle – Marx Dormoy": status
                     dormant, last meeting 2024-10-08 (> 18 months before the
                     reference date), no opinion since.
vacancy              "Conseil citoyen des Grandes Bornes" (QPV, Goussainville):
                     24 seats, 7 filled (habitants college 7 of 16,
                     associations college empty, 0 of 8).
recruitment pool     the same body: its associations college, filled in past
                     terms by persons on behalf of associations, is empty; the
                     associations of Goussainville (``RECRUITMENT_ORGS`` and
                     the Amicale des locataires) are proposed to fill it.
parity breach        "Conseil municipal des jeunes de Blois": parity rule
                     max_gap_1, 13 current members, 9 girls and 4 boys.
unanswered opinions  "Conseil de quartier Goutte d'Or – Château Rouge": 4
                     opinions a year since 2022, about 1 in 10 answered.
declining attendance "Conseil de quartier Montmartre": attendance falls from
                     about 95 % (2022) to about 15 % (2026).
long tenure          "Conseil de quartier Télégraphe – Pelleport –
                     Saint-Fargeau": 3 past terms, most members renewed.
CESER with colleges  "Conseil économique, social et environnemental régional
                     Centre-Val de Loire": 4 colleges (25/25/25/5 seats),
                     designated members on behalf of organizations.
3+ bodies            the persons of ``MULTI_MEMBERS``, each currently seated in
                     3 or more bodies: three Parisians seated in the same four
                     neighbourhood councils (Montmartre, Goutte d'Or, La
                     Chapelle, Télégraphe), the elected referent of four
                     councils of the 18e, two in three Centre-Val de Loire
                     bodies (CESER, aînés and CCSPL de Blois).
conflicts            ``PLANTED_INTERACTIONS``: a conflict, oppositions (one to a
                     body), a funding tie, an alliance.
duplicates           ``PLANTED_DUPLICATES``: a second record of a planted person
                     spelled another way ("BESSIERES Rodolphe", "Armèle
                     Quintard"), seated in a body the first record is not in,
                     and of a planted organization ("TOIT COMMUN VAL D OISE",
                     with a SIRET of the first one's SIREN): the duplicates
                     endpoint pairs them, and the interlock analysis counts
                     each record apart until they are merged.
newcomers            "Comité du budget participatif de Blois"
                     (``registry.demo.newcomers``): six residents drawn by lot
                     in 2024 who had never sat in a body, one of whom later
                     took a seat in the CCSPL de Blois; three self-referral
                     opinions adopted, even partly, and one referral adopted
                     (strengths ``newcomers``, ``newcomers_onward``,
                     ``initiative``, ``opinions_taken_up``).
core newcomers       ``CORE_NEWCOMERS`` (Goussainville): ten residents who
                     joined both "Comité d'usagers du centre social
                     Marcel-Cachin" and "Comité du budget participatif du
                     Vieux Pays" on 2025-03-01 and collaborate with each
                     other since: between 2024-11-01 and the reference date
                     they enter the network's main core (the evolution
                     route), core number 10 (9 ties to each other, 2 to the
                     councils) over the town's own (6, then 7: seed 0, scale
                     1). Both councils were founded in 2019 with three
                     residents each (``CORE_OLD_GUARD``). The evolution also
                     shows their communities merging, their interlock
                     growing and their scores moving.
broken circle        ``BROKEN_CIRCLE`` (Goussainville): six residents tied to
                     each other since 2019; the ties between the two halves
                     end on 2025-06-30: the evolution shows a split.
healthy controls     "Conseil de quartier Clignancourt – Jules Joffrin",
                     "Conseil de quartier Belleville", "Conseil des aînés de
                     Blois": full, active, regular meetings, answered opinions.
===================  ==========================================================

Bodies generated beyond the core (``--scale``) are ordinary, with random
variation; some may trip an indicator by chance, the planted ones always do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: "Today" inside the demo data: every generated date is relative to it.
REFERENCE_DATE = dt.date(2026, 11, 1)

#: ActorIdentifier issuer of the run marker put on the first host (Ville de Paris).
MARKER_ISSUER = "seed_demo"

#: Reason recorded on every ChangeRecord of a run.
CHANGE_REASON = "seed_demo"

#: Sources recorded on demo actors and bodies.
DEMO_SOURCES = [{"url": "https://example.org/seed-demo", "note": "Invented demo data (seed_demo)"}]

# --- territories the generator needs (level, code) --------------------------------

REGION_CVL = ("region", "24")
PARIS = ("commune", "75056")
GOUSSAINVILLE = ("commune", "95280")
CCAVM = ("epci", "200039758")
BLOIS = ("commune", "41018")
PARIS_18 = ("arrondissement_municipal", "75118")
PARIS_20 = ("arrondissement_municipal", "75120")

REQUIRED_TERRITORIES = (REGION_CVL, PARIS, PARIS_18, PARIS_20, GOUSSAINVILLE, CCAVM, BLOIS)

#: Quartier territories the demo creates: code -> (name, parent (level, code), kind).
QUARTIERS = {
    "75118-Q01": ("Montmartre", PARIS_18, ""),
    "75118-Q02": ("Clignancourt – Jules Joffrin", PARIS_18, ""),
    "75118-Q03": ("Goutte d'Or – Château Rouge", PARIS_18, ""),
    "75118-Q04": ("La Chapelle – Marx Dormoy", PARIS_18, ""),
    "75120-Q01": ("Belleville", PARIS_20, ""),
    "75120-Q02": ("Télégraphe – Pelleport – Saint-Fargeau", PARIS_20, ""),
    "95280-Q01": ("Les Grandes Bornes", GOUSSAINVILLE, "qpv"),
}

# --- hosts -------------------------------------------------------------------------


@dataclass(frozen=True)
class HostSpec:
    key: str
    name: str
    territory: tuple[str, str]
    locality: str
    acronym: str = ""


HOSTS = (
    HostSpec("paris", "Ville de Paris", PARIS, "paris-75118"),
    HostSpec("region", "Région Centre-Val de Loire", REGION_CVL, "cvl-45234"),
    HostSpec("ccavm", "Communauté de communes Avallon, Vézelay, Morvan", CCAVM, "ccavm", "CCAVM"),
    HostSpec("goussainville", "Ville de Goussainville", GOUSSAINVILLE, "gouss"),
    HostSpec("blois", "Ville de Blois", BLOIS, "cvl-41018"),
)

# --- planted persons and organizations ------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    key: str
    given_name: str
    family_name: str
    gender: str
    birth_year: int
    category: str
    locality: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


PLANTED_PERSONS = (
    PersonSpec("odile", "Odile", "Chassagne", "female", 1956, "resident", "paris-75118"),
    PersonSpec("thierry", "Thierry", "Vaugelade", "male", 1971, "elected_official", "paris-75118"),
    PersonSpec("armelle", "Armelle", "Quintard", "female", 1964, "resident", "paris-75118"),
    PersonSpec("rodolphe", "Rodolphe", "Bessières", "male", 1968, "resident", "paris-75120"),
    PersonSpec("martine", "Martine", "Rouvière", "female", 1950, "resident", "cvl-41018"),
    PersonSpec("gilles", "Gilles", "Pradeau", "male", 1958, "resident", "cvl-41018"),
)

#: Persons currently in 3 or more bodies: name -> the bodies. Three Parisians hold seats
#: in the same four neighbourhood councils (three others each) beside their elected
#: referent, so that in each of them about a sixth of the members sit in 3+ other bodies.
_PARIS_CIRCLE = (
    "Conseil de quartier Montmartre",
    "Conseil de quartier Goutte d'Or – Château Rouge",
    "Conseil de quartier La Chapelle – Marx Dormoy",
    "Conseil de quartier Télégraphe – Pelleport – Saint-Fargeau",
)
MULTI_MEMBERS = {
    "Odile Chassagne": _PARIS_CIRCLE,
    # Elected referent (no seat) of the four councils of the 18e.
    "Thierry Vaugelade": (
        "Conseil de quartier Montmartre",
        "Conseil de quartier Clignancourt – Jules Joffrin",
        "Conseil de quartier Goutte d'Or – Château Rouge",
        "Conseil de quartier La Chapelle – Marx Dormoy",
    ),
    "Armelle Quintard": _PARIS_CIRCLE,
    "Rodolphe Bessières": _PARIS_CIRCLE,
    "Martine Rouvière": (
        "Conseil économique, social et environnemental régional Centre-Val de Loire",
        "Conseil des aînés de Blois",
        "Commission consultative des services publics locaux de Blois",
    ),
    "Gilles Pradeau": (
        "Conseil économique, social et environnemental régional Centre-Val de Loire",
        "Conseil des aînés de Blois",
        "Commission consultative des services publics locaux de Blois",
    ),
}


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    category: str
    locality: str
    pools: tuple[str, ...] = ()  # extra pools, e.g. "ceser-1"
    acronym: str = ""


#: Associations of Goussainville written last (no random draw, so the rest of the demo is
#: what it was without them), who could fill the empty associations college of the
#: Grandes Bornes (planted: recruitment pool). Name, founding date.
RECRUITMENT_ORGS = (
    ("Parents d'élèves des Grandes Bornes", dt.date(1994, 9, 1)),
    ("Maison des femmes de Goussainville", dt.date(2008, 3, 8)),
    ("Club sportif des Grandes Bornes", dt.date(1971, 5, 2)),
    ("Secours populaire, antenne de Goussainville", dt.date(1985, 1, 15)),
    ("Régie de quartier des Grandes Bornes", dt.date(1999, 6, 21)),
)

PLANTED_ORGS = (
    OrgSpec("amicale", "Amicale des locataires des Grandes Bornes", "association", "gouss"),
    OrgSpec("toit", "Toit commun Val-d'Oise", "social_landlord", "gouss"),
    OrgSpec("collectif_gdo", "Collectif Goutte d'Or propre", "collective", "paris-75118"),
    OrgSpec(
        "montmartre_asso",
        "Association Montmartre patrimoine et habitants",
        "association",
        "paris-75118",
        acronym="AMPH",
    ),
    OrgSpec(
        "ur_solidarite",
        "Union régionale des associations de solidarité du Centre",
        "association",
        "cvl-45234",
        ("ceser-3",),
        "URAS Centre",
    ),
    OrgSpec(
        "fed_artisans",
        "Fédération régionale des artisans et commerçants du Centre",
        "association",
        "cvl-45234",
        ("ceser-1",),
        "FRAC Centre",
    ),
)

#: Planted ties: (source, target, type, direction, weight, sign). A key names a planted
#: organization, a host ("host:<key>"), a planted person ("person:<key>") or a body
#: ("body:<key>").
PLANTED_INTERACTIONS = (
    ("amicale", "toit", "conflict", "mutual", 4, -1),
    ("collectif_gdo", "body:P3", "opposition", "directed", 3, -1),
    ("montmartre_asso", "host:paris", "opposition", "directed", 2, -1),
    ("host:paris", "montmartre_asso", "funding", "directed", 3, 1),
    ("person:martine", "ur_solidarite", "representation", "directed", 4, 1),
    ("ur_solidarite", "fed_artisans", "alliance", "mutual", 3, 1),
    ("person:thierry", "host:paris", "hierarchy", "directed", 5, 1),
)

# --- planted duplicates -----------------------------------------------------------


@dataclass(frozen=True)
class DuplicateSpec:
    """A second record of a planted person (or organization), spelled another way.

    A person's duplicate is seated (from ``start``) in ``body``, one its first record
    does not sit in, and has the first record's birth year (and email with
    ``same_email``); an organization's duplicate holds a SIRET made of the first
    record's SIREN. Written last, without drawing from the generator's random
    stream, so the rest of the data set is the same with or without them.
    """

    original: str  # a PersonSpec or OrgSpec key
    name: str
    given_name: str = ""
    family_name: str = ""
    body: str = ""  # a body key (persons)
    college: str = ""
    same_email: bool = False
    personal_data: bool = True
    start: dt.date = dt.date(2026, 3, 1)


PLANTED_DUPLICATES = (
    # "Nom Prénom" in capitals, accent dropped: same birth year and email.
    DuplicateSpec(
        "rodolphe",
        "BESSIERES Rodolphe",
        "Rodolphe",
        "BESSIERES",
        body="P5",
        college="Collège des habitants",
        same_email=True,
    ),
    # A typo, and no personal data: found by the name alone.
    DuplicateSpec(
        "armelle",
        "Armèle Quintard",
        "Armèle",
        "Quintard",
        body="P2",
        college="Collège des habitants",
        personal_data=False,
    ),
    # An organization written in capitals without punctuation, holding a SIRET of its SIREN.
    DuplicateSpec("toit", "TOIT COMMUN VAL D OISE"),
)

# --- bodies --------------------------------------------------------------------------


@dataclass(frozen=True)
class CollegeSpec:
    name: str
    seats: int
    selection_mode: str
    #: Who fills it: "resident", "org" (a person on behalf of an organization of
    #: ``org_pool``), "elected" (elected officials), "qualified" (appointed residents).
    member_kind: str = "resident"
    org_pool: str = ""
    #: Seats filled in the current term (None: the body's ``fill`` rate).
    filled: int | None = None


@dataclass(frozen=True)
class Forced:
    """A planted person seated in the current term."""

    person: str
    role: str = "member"
    college: str = ""
    on_behalf_of: str = ""  # an OrgSpec key


@dataclass(frozen=True)
class BodySpec:
    key: str
    name: str
    body_type: str
    territory: tuple[str, str]
    host: str
    locality: str
    founding: dt.date
    mandate_years: int
    term_start: dt.date
    term_end: dt.date
    colleges: tuple[CollegeSpec, ...]
    seats: int | None = None  # for a body without colleges
    legal_basis: str = ""
    description: str = ""
    status: str = "active"
    parity_rule: str = "none"
    min_age: int | None = None
    max_age: int | None = None
    age_class: str = "adult"  # "youth" draws from the young
    past_terms: int = 2
    fill: float = 0.92
    renew_prob: float = 0.45
    leave_prob: float = 0.15
    #: For the current term: genders of the seat holders, or "alternate" for parity.
    gender_plan: tuple[int, int] | str | None = None
    officers: bool = True
    elected_referent: bool = True
    technical_referent: bool = True
    meetings_per_year: float = 5
    meetings_since: dt.date | None = None
    last_meeting: dt.date | None = None  # meetings stop there (dormancy, lapse)
    attendance: tuple[float, float] = (0.75, 0.75)  # present rate at first and last meeting
    opinions_per_year: float = 1.5
    opinions_since: dt.date | None = None
    answer_rate: float = 0.8
    forced: tuple[Forced, ...] = ()
    referent_forced: tuple[Forced, ...] = ()


def _cq_colleges(residents: int = 18, associations: int = 6, **kw) -> tuple[CollegeSpec, ...]:
    return (
        CollegeSpec("Collège des habitants", residents, "volunteer", **kw),
        CollegeSpec("Collège des associations", associations, "designation", "org"),
    )


_CQ = dict(
    body_type="conseil_quartier",
    host="paris",
    legal_basis="CGCT art. L2511-24 et L2143-1 ; charte parisienne des conseils de quartier",
    founding=dt.date(2002, 11, 1),
    mandate_years=3,
    term_start=dt.date(2024, 2, 1),
    term_end=dt.date(2027, 2, 1),
    meetings_since=dt.date(2021, 1, 1),
    opinions_since=dt.date(2022, 1, 1),
)

_THIERRY_REFERENT = (Forced("thierry", "elected_referent"),)
#: Two of the "usual suspects" (MULTI_MEMBERS), seated with Odile in four councils.
_CIRCLE = (
    Forced("armelle", "member", "Collège des habitants"),
    Forced("rodolphe", "member", "Collège des habitants"),
)

CORE_BODIES = (
    BodySpec(
        key="P1",
        name="Conseil de quartier Montmartre",
        territory=("quartier", "75118-Q01"),
        locality="paris-75118",
        colleges=_cq_colleges(),
        description="Conseil de quartier du 18e arrondissement (planted: declining attendance).",
        attendance=(0.95, 0.15),
        meetings_per_year=6,
        forced=(Forced("odile", "secretary", "Collège des habitants"), *_CIRCLE),
        referent_forced=_THIERRY_REFERENT,
        # A steep fall over the last years, well past the alert slope whatever the seed.
        **{**_CQ, "meetings_since": dt.date(2022, 1, 1)},
    ),
    BodySpec(
        key="P2",
        name="Conseil de quartier Clignancourt – Jules Joffrin",
        territory=("quartier", "75118-Q02"),
        locality="paris-75118",
        colleges=_cq_colleges(),
        description="Conseil de quartier du 18e arrondissement (healthy control).",
        fill=1.0,
        attendance=(0.8, 0.78),
        answer_rate=0.9,
        referent_forced=_THIERRY_REFERENT,
        **_CQ,
    ),
    BodySpec(
        key="P3",
        name="Conseil de quartier Goutte d'Or – Château Rouge",
        territory=("quartier", "75118-Q03"),
        locality="paris-75118",
        colleges=_cq_colleges(),
        description="Conseil de quartier du 18e arrondissement (planted: unanswered opinions).",
        opinions_per_year=4,
        answer_rate=0.1,
        forced=(Forced("odile", "member", "Collège des habitants"), *_CIRCLE),
        referent_forced=_THIERRY_REFERENT,
        **_CQ,
    ),
    BodySpec(
        key="P4",
        name="Conseil de quartier La Chapelle – Marx Dormoy",
        territory=("quartier", "75118-Q04"),
        locality="paris-75118",
        colleges=_cq_colleges(),
        description="Conseil de quartier du 18e arrondissement (planted: dormant).",
        status="dormant",
        fill=0.75,
        last_meeting=dt.date(2024, 10, 8),
        attendance=(0.7, 0.4),
        meetings_per_year=3,
        forced=(Forced("odile", "member", "Collège des habitants"), *_CIRCLE),
        referent_forced=_THIERRY_REFERENT,
        **_CQ,
    ),
    BodySpec(
        key="P5",
        name="Conseil de quartier Belleville",
        territory=("quartier", "75120-Q01"),
        locality="paris-75120",
        colleges=_cq_colleges(),
        description="Conseil de quartier du 20e arrondissement (healthy control).",
        fill=1.0,
        attendance=(0.78, 0.8),
        answer_rate=0.9,
        **_CQ,
    ),
    BodySpec(
        key="P6",
        name="Conseil de quartier Télégraphe – Pelleport – Saint-Fargeau",
        territory=("quartier", "75120-Q02"),
        locality="paris-75120",
        colleges=_cq_colleges(),
        description="Conseil de quartier du 20e arrondissement (planted: long tenure).",
        forced=(Forced("odile", "member", "Collège des habitants"), *_CIRCLE),
        past_terms=3,
        renew_prob=0.85,
        leave_prob=0.05,
        **_CQ,
    ),
    BodySpec(
        key="G1",
        name="Conseil citoyen des Grandes Bornes",
        body_type="conseil_citoyen",
        territory=("quartier", "95280-Q01"),
        host="goussainville",
        locality="gouss",
        legal_basis="Loi n° 2014-173 du 21 février 2014, art. 7",
        description="Conseil citoyen du quartier prioritaire (planted: vacancies).",
        founding=dt.date(2015, 6, 1),
        mandate_years=3,
        term_start=dt.date(2024, 9, 15),
        term_end=dt.date(2027, 9, 15),
        colleges=(
            CollegeSpec("Collège des habitants", 16, "lot", filled=7),
            CollegeSpec(
                # Empty this term (planted: the recruitment pool fills it).
                "Collège des associations et acteurs locaux",
                8,
                "designation",
                "org",
                filled=0,
            ),
        ),
        parity_rule="max_gap_1",
        gender_plan="alternate",
        meetings_per_year=4,
        meetings_since=dt.date(2021, 1, 1),
        opinions_per_year=1,
        attendance=(0.65, 0.55),
    ),
    BodySpec(
        key="C1",
        name="Conseil de développement de la CC Avallon, Vézelay, Morvan",
        body_type="conseil_developpement",
        territory=CCAVM,
        host="ccavm",
        locality="ccavm",
        legal_basis="CGCT art. L5211-10-1",
        description="Conseil de développement intercommunal (planted: lapsed mandate).",
        founding=dt.date(2017, 3, 1),
        mandate_years=3,
        term_start=dt.date(2022, 1, 20),
        term_end=dt.date(2025, 1, 20),
        colleges=(),
        seats=30,
        past_terms=1,
        parity_rule="max_gap_1",
        gender_plan="alternate",
        fill=0.8,
        meetings_per_year=3,
        meetings_since=dt.date(2019, 1, 1),
        last_meeting=dt.date(2025, 11, 20),
        opinions_per_year=1,
    ),
    BodySpec(
        key="R1",
        name="Conseil économique, social et environnemental régional Centre-Val de Loire",
        body_type="ceser",
        territory=REGION_CVL,
        host="region",
        locality="cvl-45234",
        legal_basis="CGCT art. L4134-1 et R4134-1",
        description="CESER (planted: four colleges, designated members).",
        founding=dt.date(1982, 7, 1),
        mandate_years=6,
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2030, 1, 1),
        colleges=(
            CollegeSpec(
                "Collège 1 – Entreprises et activités professionnelles non salariées",
                25,
                "designation",
                "org",
                "ceser-1",
            ),
            CollegeSpec(
                "Collège 2 – Organisations syndicales de salariés",
                25,
                "designation",
                "org",
                "ceser-2",
            ),
            CollegeSpec(
                "Collège 3 – Organismes et associations participant à la vie collective",
                25,
                "designation",
                "org",
                "ceser-3",
            ),
            CollegeSpec("Collège 4 – Personnalités qualifiées", 5, "appointment", "qualified"),
        ),
        past_terms=1,
        parity_rule="balanced",
        fill=0.97,
        renew_prob=0.4,
        elected_referent=False,
        technical_referent=False,
        meetings_per_year=6,
        meetings_since=dt.date(2021, 1, 1),
        opinions_per_year=8,
        answer_rate=0.85,
        attendance=(0.72, 0.7),
        forced=(
            Forced(
                "martine",
                "member",
                "Collège 3 – Organismes et associations participant à la vie collective",
                "ur_solidarite",
            ),
            Forced(
                "gilles",
                "member",
                "Collège 1 – Entreprises et activités professionnelles non salariées",
                "fed_artisans",
            ),
        ),
    ),
    BodySpec(
        key="B1",
        name="Conseil municipal des jeunes de Blois",
        body_type="conseil_jeunes",
        territory=BLOIS,
        host="blois",
        locality="cvl-41018",
        legal_basis="CGCT art. L1112-23",
        description="Conseil municipal des jeunes (planted: parity breach).",
        founding=dt.date(2008, 10, 1),
        mandate_years=2,
        term_start=dt.date(2025, 10, 15),
        term_end=dt.date(2027, 10, 15),
        colleges=(),
        seats=13,
        parity_rule="max_gap_1",
        gender_plan=(9, 4),
        min_age=11,
        max_age=17,
        age_class="youth",
        fill=1.0,
        meetings_per_year=6,
        meetings_since=dt.date(2021, 1, 1),
        opinions_per_year=1,
        attendance=(0.8, 0.75),
    ),
    BodySpec(
        key="B2",
        name="Conseil des aînés de Blois",
        body_type="conseil_aines",
        territory=BLOIS,
        host="blois",
        locality="cvl-41018",
        description="Conseil des aînés (healthy control, two planted multi-members).",
        founding=dt.date(2014, 5, 1),
        mandate_years=3,
        term_start=dt.date(2024, 6, 1),
        term_end=dt.date(2027, 6, 1),
        colleges=(),
        seats=20,
        min_age=60,
        fill=1.0,
        meetings_per_year=4,
        meetings_since=dt.date(2021, 1, 1),
        opinions_per_year=2,
        answer_rate=1.0,
        # Blois has few persons over 60 in the demo: with more past terms the same
        # people would be drawn again and the control would look long-tenured.
        past_terms=1,
        attendance=(0.8, 0.8),
        forced=(Forced("martine", "president"), Forced("gilles", "member")),
    ),
    BodySpec(
        key="B3",
        name="Commission consultative des services publics locaux de Blois",
        body_type="ccspl",
        territory=BLOIS,
        host="blois",
        locality="cvl-41018",
        legal_basis="CGCT art. L1413-1",
        founding=dt.date(2003, 1, 1),
        mandate_years=6,
        term_start=dt.date(2026, 5, 1),
        term_end=dt.date(2032, 4, 1),
        colleges=(
            CollegeSpec("Collège des élus", 6, "election", "elected"),
            CollegeSpec("Collège des associations locales", 5, "designation", "org"),
        ),
        past_terms=1,
        fill=1.0,
        elected_referent=False,
        technical_referent=True,
        meetings_per_year=2,
        meetings_since=dt.date(2021, 1, 1),
        opinions_per_year=2,
        attendance=(0.7, 0.7),
        forced=(
            Forced("martine", "member", "Collège des associations locales", "ur_solidarite"),
            Forced("gilles", "member", "Collège des associations locales", "fed_artisans"),
        ),
    ),
)

_BY_KEY = {b.key: b for b in CORE_BODIES}


def body_name(key: str) -> str:
    return _BY_KEY[key].name


# --- the core that changes (the evolution route) ---------------------------------


@dataclass(frozen=True)
class NewcomerBody:
    """A council of ``CORE_NEWCOMERS``, written last with no random draw (so the rest of
    the data set is the same with or without it)."""

    key: str
    name: str
    body_type: str
    old_guard: tuple[str, ...]  # seated since ``founding``, in ``CORE_OLD_GUARD``


#: The councils the newcomers joined (Goussainville, host Ville de Goussainville).
NEWCOMER_BODIES = (
    NewcomerBody(
        "GN1",
        "Comité d'usagers du centre social Marcel-Cachin",
        "comite_consultatif",
        ("Paulette Girardin", "Hervé Lachaume", "Sabine Orlhac"),
    ),
    NewcomerBody(
        "GN2",
        "Comité du budget participatif du Vieux Pays",
        "budget_participatif",
        ("Marcel Dufrêne", "Lucienne Vaubert", "Raymond Teyssier"),
    ),
)
#: Founding of the two councils and start of the old guard's seats.
NEWCOMER_BODIES_FOUNDED = dt.date(2019, 3, 1)
#: The residents seated since the councils were founded.
CORE_OLD_GUARD = tuple(name for body in NEWCOMER_BODIES for name in body.old_guard)
#: The residents who joined both councils at the start of the last term and collaborate
#: with each other (every pair, weight 4) since then.
CORE_NEWCOMERS = (
    "Nadia Benchekroun",
    "Kévin Ostrowski",
    "Fatou Diallo-Marchand",
    "Julien Apparicio",
    "Mélissa Carpentier",
    "Yanis Belkacem",
    "Odette Ramaroson",
    "Bastien Lheureux",
    "Awa Coulibaly",
    "Théo Vandamme",
)
#: When they joined (the last term's start).
NEWCOMERS_JOINED = dt.date(2025, 3, 1)
#: The dates between which the evolution shows them entering the core.
NEWCOMERS_BEFORE = dt.date(2024, 11, 1)
#: A circle that broke up (Goussainville): six residents all tied to each other since
#: 2019; the ties between the two halves end on ``CIRCLE_BROKE``, so the one community of
#: 2024-11-01 is two on the reference date (a split).
BROKEN_CIRCLE = (
    ("Rémi Castagnet", "Solène Ferrandon", "Ahmed Ouali"),
    ("Inès Mabille", "Franck Delorme", "Zoé Kerbrat"),
)
CIRCLE_BROKE = dt.date(2025, 6, 30)


#: The planted cases, by name: what a later analysis must flag.
PLANTED: dict[str, object] = {
    "reference_date": REFERENCE_DATE,
    "lapsed_mandate": body_name("C1"),
    "dormant": body_name("P4"),
    "vacancy": body_name("G1"),
    "recruitment": body_name("G1"),
    "parity_breach": body_name("B1"),
    "unanswered_opinions": body_name("P3"),
    "declining_attendance": body_name("P1"),
    "long_tenure": body_name("P6"),
    "ceser": body_name("R1"),
    "healthy": (body_name("P2"), body_name("P5"), body_name("B2")),
    "multi_members": MULTI_MEMBERS,
    "core_newcomers": CORE_NEWCOMERS,
    "broken_circle": BROKEN_CIRCLE,
    "conflicts": (),  # filled below, by name
    # the strengths case (registry.demo.newcomers, written after the rest of the run)
    "newcomers": "Comité du budget participatif de Blois",
}


def _duplicate_pair(spec: DuplicateSpec) -> tuple[str, str]:
    original = next(
        (p.name for p in PLANTED_PERSONS if p.key == spec.original),
        None,
    ) or next(o.name for o in PLANTED_ORGS if o.key == spec.original)
    return original, spec.name


#: The planted duplicates as (name of the first record, name of the second).
PLANTED["duplicates"] = tuple(_duplicate_pair(d) for d in PLANTED_DUPLICATES)

#: Bodies seated with parity respected (max_gap_1, gap <= 1 among current members).
PARITY_RESPECTED = (body_name("G1"), body_name("C1"))


def label(key: str) -> str:
    """The name behind a key of ``PLANTED_INTERACTIONS``."""
    kind, _, rest = key.partition(":")
    if kind == "host":
        return next(h.name for h in HOSTS if h.key == rest)
    if kind == "person":
        return next(p.name for p in PLANTED_PERSONS if p.key == rest)
    if kind == "body":
        return body_name(rest)
    return next(o.name for o in PLANTED_ORGS if o.key == key)


PLANTED["conflicts"] = tuple(
    (label(s), label(t), kind) for s, t, kind, _d, _w, sign in PLANTED_INTERACTIONS if sign < 0
)
