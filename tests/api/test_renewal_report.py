"""``manage.py renewal_report``: the renewal ranking of a territory as a table, CSV or Markdown."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from api.analysis.kinds import assessments
from api.analysis.runner import Request
from api.management.commands.renewal_report import charter_text
from graph.renewal import INDICATOR_CODES, INDICATORS, STATUSES, rank_bodies
from graph.renewal.strengths import STRENGTHS
from registry.demo import PLANTED, REFERENCE_DATE
from registry.models import Territory
from tests.conftest import seeded_demo

pytestmark = pytest.mark.django_db

REF = REFERENCE_DATE.isoformat()
PARIS = "commune:75056"
CSV_HEADER = [
    "rank",
    "body_id",
    "body",
    "as_of",
    "score",
    "alerts",
    "watch",
    "alert_indicators",
    "strengths",
    "charter",
    "charter_applied",
    "summary",
    *INDICATOR_CODES,
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The territory extract and the demo data set, rolled back at the end of the module."""
    with seeded_demo(django_db_blocker):
        paris = Territory.objects.get(level="commune", code="75056")
        request = Request(
            kind="renewal", territory_id=paris.pk, as_of=REFERENCE_DATE, params=(), fmt="json"
        )
        results = assessments(request).assessments
        yield {"paris": paris, "ranking": rank_bodies(results)}


def report(*args: str) -> str:
    out = StringIO()
    call_command("renewal_report", *args, stdout=out)
    return out.getvalue()


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


# --- outputs -------------------------------------------------------------------------------------


def test_table(demo):
    text = report("--territory", PARIS, "--as-of", REF)
    lines = text.splitlines()
    ranking = demo["ranking"]
    assert lines[0] == (
        f"Renewal priorities — Paris (commune:75056), as of {REF}: "
        f"{len(ranking)} body(ies), most urgent first."
    )
    header = lines[2].split()
    assert header[:5] == ["rank", "id", "body", "score", "alerts"]
    assert "summary" in lines[2] and "alert indicators" in lines[2]
    rows = lines[4:]
    assert len(rows) == len(ranking) == 6
    for rank, (line, a) in enumerate(zip(rows, ranking, strict=True), start=1):
        assert line.split()[0] == str(rank)
        assert a.body_name in line and f"{a.score:.1f}" in line
        assert line.endswith(a.summary_en)
        for code in a.alerts:
            assert code in line
    # the dormant body is the most urgent of Paris, with its alerts named
    top = rows[0]
    assert PLANTED["dormant"] in top
    assert " mandate " in top and " dormancy " in top


def test_csv_one_row_per_body_by_score(demo):
    header, rows = parse_csv(report("--territory", PARIS, "--as-of", REF, "--format", "csv"))
    ranking = demo["ranking"]
    assert header == CSV_HEADER
    assert len(rows) == len(ranking)
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert [int(r["body_id"]) for r in rows] == [a.body_id for a in ranking]
    for row, a in zip(rows, ranking, strict=True):
        assert row["body"] == a.body_name
        assert row["summary"] == a.summary_en
        statuses = {code: row[code] for code in INDICATOR_CODES}
        assert set(statuses.values()) <= set(STATUSES)
        assert statuses == {i.code: i.status for i in a.indicators}
        alerts = [c for c in INDICATOR_CODES if statuses[c] == "alert"]
        assert int(row["alerts"]) == len(alerts)
        assert int(row["watch"]) == sum(1 for s in statuses.values() if s == "watch")
        assert row["alert_indicators"].split() == alerts
        # the strengths reached, beside the alerts, as codes
        assert tuple(row["strengths"].split()) == a.strengths_shown


def test_markdown_pipe_table(demo):
    text = report("--territory", PARIS, "--as-of", REF, "--format", "markdown")
    lines = text.splitlines()
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)
    width = len(CSV_HEADER)
    cells = [line[2:-2].split(" | ") for line in lines]
    assert all(len(c) == width for c in cells), [len(c) for c in cells]
    # Headers in the report's language, the indicators' labels too (not their codes).
    labels = {spec.code: (spec.label_en, spec.label_fr) for spec in INDICATORS}
    assert cells[0][:3] == ["rank", "id", "body"]
    assert cells[0][-1] == labels[INDICATOR_CODES[-1]][0]
    fr = report("--territory", PARIS, "--as-of", REF, "--format", "markdown", "--lang", "fr")
    assert fr.splitlines()[0][2:-2].split(" | ")[-1] == labels[INDICATOR_CODES[-1]][1]
    assert set(cells[1]) <= {"---", "---:"}
    assert len(lines) == 2 + len(demo["ranking"])
    assert cells[2][2] == demo["ranking"][0].body_name


def test_markdown_escapes_pipes():
    from api.management.commands.renewal_report import to_markdown

    row = {k: "" for k in CSV_HEADER} | {"body": "A | B", "summary": "x\ny"}
    text = to_markdown([row], "en")
    assert "A \\| B" in text and "x y" in text
    assert len(text.splitlines()[2][2:-2].split(" | ")) == len(CSV_HEADER)


def test_output_file(demo, tmp_path):
    target = tmp_path / "ranking.csv"
    out = report("--territory", PARIS, "--as-of", REF, "--format", "csv", "--output", str(target))
    assert out.strip() == f"6 body(ies) written to {target} (csv)."
    header, rows = parse_csv(target.read_text(encoding="utf-8"))
    assert header == CSV_HEADER and len(rows) == 6
    assert rows[0]["body"] == PLANTED["dormant"]

    md = tmp_path / "ranking.md"
    report("--territory", PARIS, "--as-of", REF, "--format", "markdown", "--output", str(md))
    assert md.read_text(encoding="utf-8").startswith("| rank | id | body |")


def test_output_to_a_missing_directory_is_a_command_error(demo, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        report("--territory", PARIS, "--as-of", REF, "--output", str(tmp_path / "no" / "f.csv"))


def test_french(demo):
    text = report("--territory", PARIS, "--as-of", REF, "--lang", "fr")
    lines = text.splitlines()
    assert lines[0] == (
        "Priorités de renouvellement — Paris (commune:75056), au 01/11/2026 : "
        "6 instance(s), la plus urgente en premier."
    )
    assert lines[2].split()[:2] == ["rang", "id"] and "synthèse" in lines[2]
    for line, a in zip(lines[4:], demo["ranking"], strict=True):
        assert line.endswith(a.summary_fr)
        assert "Score de renouvellement" in line
    text = report("--territory", PARIS, "--as-of", REF, "--format", "csv", "--lang", "fr")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0]["synthèse"] == demo["ranking"][0].summary_fr
    assert rows[0]["synthèse"].startswith("Score de renouvellement ")


# --- files for a French spreadsheet ------------------------------------------------------------

FR_HEADER = [
    "rang",
    "id",
    "instance",
    "date",
    "score",
    "alertes",
    "à surveiller",
    "indicateurs en alerte",
    "points forts",
    "charte",
    "charte appliquée",
    "synthèse",
    *(spec.label_fr for spec in INDICATORS),
]
FR_STATUS = {"ok": "correct", "watch": "à surveiller", "alert": "alerte", "unknown": "inconnu"}
DEFAULTS_FR = "réglages par défaut de l'installation"


def test_french_csv_opens_right_in_a_french_spreadsheet(demo, tmp_path):
    target = tmp_path / "renouvellement.csv"
    out = report(
        "--territory",
        PARIS,
        "--as-of",
        REF,
        "--format",
        "csv",
        "--lang",
        "fr",
        "--output",
        str(target),
    )
    assert out.strip() == f"6 instance(s) écrit dans {target} (csv)."
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM: a spreadsheet then reads UTF-8"
    text = raw.decode("utf-8-sig")
    first = text.split("\r\n")[0]
    assert first.count(";") == len(FR_HEADER) - 1, "one ; between every two headers"
    assert next(csv.reader([first], delimiter=";")) == FR_HEADER
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    ranking = demo["ranking"]
    assert len(rows) == len(ranking) == 6
    assert rows[0]["instance"] == PLANTED["dormant"]
    assert rows[0]["score"] == "47,73"  # the dormant council: 47.7272...
    for row, a in zip(rows, ranking, strict=True):
        # The score with two decimals and a decimal comma (47.7272... -> "47,73").
        assert row["score"] == repr(round(a.score, 2)).replace(".", ",")
        assert "." not in row["score"]
        assert row["date"] == "01/11/2026"
        # The charter that judged it (the installation defaults when none applied).
        assert row["charte"] == charter_text(a, "fr")
        assert row["charte appliquée"] == ("oui" if a.charter else "non")
        labels = {spec.code: spec.label_fr for spec in INDICATORS}
        for indicator in a.indicators:
            assert row[labels[indicator.code]] == FR_STATUS[indicator.status]
        assert row["indicateurs en alerte"] == ", ".join(labels[c] for c in a.alerts)
        strengths = {spec.code: spec.label_fr for spec in STRENGTHS}
        assert row["points forts"] == ", ".join(strengths[c] for c in a.strengths_shown)
        assert int(row["alertes"]) == len(a.alerts)
        assert row["synthèse"] == a.summary_fr


def test_xlsx_has_numbers_dates_and_french_headers(demo, tmp_path):
    target = tmp_path / "renouvellement.xlsx"
    report(
        "--territory",
        PARIS,
        "--as-of",
        REF,
        "--format",
        "xlsx",
        "--lang",
        "fr",
        "--output",
        str(target),
    )
    rows = list(openpyxl.load_workbook(target).active.iter_rows())
    header = [c.value for c in rows[0]]
    assert header == FR_HEADER
    col = {h: n for n, h in enumerate(header)}
    ranking = demo["ranking"]
    assert len(rows) == 1 + len(ranking)
    for rank, (cells, a) in enumerate(zip(rows[1:], ranking, strict=True), start=1):
        score = cells[col["score"]]
        assert score.data_type == "n" and isinstance(score.value, float), "a number, not text"
        assert score.value == round(a.score, 2) and score.number_format == "0.00"
        assert cells[col["rang"]].value == rank and cells[col["id"]].value == a.body_id
        assert cells[col["alertes"]].value == len(a.alerts)
        day = cells[col["date"]]
        assert day.is_date and day.value.date() == REFERENCE_DATE
        assert day.number_format == "DD/MM/YYYY"
        assert cells[col["charte"]].value == charter_text(a, "fr")
        assert cells[col["charte appliquée"]].value == ("oui" if a.charter else "non")
    english = tmp_path / "renewal.xlsx"
    report("--territory", PARIS, "--as-of", REF, "--format", "xlsx", "--output", str(english))
    header = [c.value for c in next(openpyxl.load_workbook(english).active.iter_rows())]
    assert header[:5] == ["rank", "id", "body", "as of", "score"]
    assert header[-1] == INDICATORS[-1].label_en


def test_xlsx_needs_an_output_file(demo):
    with pytest.raises(CommandError, match="--output"):
        report("--territory", PARIS, "--as-of", REF, "--format", "xlsx")


def test_the_charter_used_is_shown(demo):
    from api.management.commands.renewal_report import report_rows, to_table

    first, *others = demo["ranking"]
    charter = {
        "kind": "charter",
        "id": 7,
        "name": "Charte des conseils de quartier",
        "territory_id": demo["paris"].pk,
        "body_type": None,
        "adopted_by": "Conseil de Paris, 2017",
        "url": "",
    }
    ranking = (
        dataclasses.replace(first, charter=charter),
        *(dataclasses.replace(o, charter=None) for o in others),
    )
    for lang, defaults in (("en", "installation defaults"), ("fr", DEFAULTS_FR)):
        rows = report_rows(ranking, lang)
        assert rows[0]["charter"] == "Charte des conseils de quartier (Conseil de Paris, 2017)"
        assert rows[0]["charter_applied"] is True
        assert {r["charter"] for r in rows[1:]} == {defaults}
        table = to_table(rows, lang, "title")
        assert "Charte des conseils de quartier (Conseil de Paris, 2017)" in table
        assert defaults in table
    assert charter_text(dataclasses.replace(first, charter=None), "en") == "installation defaults"
    assert charter_text(dataclasses.replace(first, charter=None), "fr") == DEFAULTS_FR
    _header, rows = parse_csv(report("--territory", PARIS, "--as-of", REF, "--format", "csv"))
    for row, a in zip(rows, demo["ranking"], strict=True):
        assert row["charter"] == charter_text(a, "en")
        assert row["charter_applied"] == ("yes" if a.charter else "no")


# --- territory and date ---------------------------------------------------------------------------


def test_territory_by_id_and_level_code(demo):
    csv_of = lambda ref: report("--territory", ref, "--as-of", REF, "--format", "csv")  # noqa: E731
    expected = csv_of(PARIS)
    assert csv_of(str(demo["paris"].pk)) == expected
    assert csv_of(f" {demo['paris'].pk} ") == expected
    # a quartier's ranking has its own body only
    _h, rows = parse_csv(csv_of("quartier:75118-Q04"))
    assert [r["body"] for r in rows] == [PLANTED["dormant"]]
    # a region: every body below it (Paris and Goussainville, with the two councils of
    # the core newcomers)
    _h, rows = parse_csv(csv_of("region:11"))
    assert len(rows) == 9 and PLANTED["vacancy"] in {r["body"] for r in rows}


def test_default_date_is_today(demo, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 11, 1))
    assert report("--territory", PARIS) == report("--territory", PARIS, "--as-of", REF)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2027, 3, 2))
    assert "as of 2027-03-02" in report("--territory", PARIS).splitlines()[0]


def test_territory_without_bodies(demo):
    empty = (
        Territory.objects.filter(level="commune")
        .exclude(code__in=["75056", "95280", "41018"])
        .order_by("code")
        .first()
    )
    text = report("--territory", f"commune:{empty.code}", "--as-of", REF)
    assert text == f"No body in {empty.name} (commune:{empty.code}) as of {REF}.\n"
    header, rows = parse_csv(
        report("--territory", f"commune:{empty.code}", "--as-of", REF, "--format", "csv")
    )
    assert header == CSV_HEADER and rows == []


# --- errors -------------------------------------------------------------------------------------

GRAMMAR = "Give a territory id or level:code (e.g. commune:75056)."
MISSING = "No territory has this id or level:code."


@pytest.mark.parametrize(
    ("territory", "message"),
    [
        ("commune:00000", MISSING),
        ("999999999", MISSING),
        ("planet:3", GRAMMAR),
        # The forms this command once took alone: the API's grammar is the only one now.
        ("id:1", GRAMMAR),
        ("75056", MISSING),  # a bare number is an id, never a code
        ("75118-Q04", GRAMMAR),
        ("nowhere", GRAMMAR),
        ("٣", GRAMMAR),
        ("", GRAMMAR),
    ],
)
def test_unknown_or_malformed_territory_names_the_option(demo, territory, message):
    if territory == "75056" and Territory.objects.filter(pk=75056).exists():
        pytest.skip("an id 75056 exists in this database")
    with pytest.raises(CommandError) as exc:
        report("--territory", territory, "--as-of", REF)
    assert str(exc.value) == f"--territory {territory!r}: {message}"


@pytest.mark.parametrize("day", ["2026-13-01", "01/11/2026", "tomorrow", "20261101", "٢٠٢٦-١١-٠١"])
def test_bad_date(demo, day):
    with pytest.raises(CommandError) as exc:
        report("--territory", PARIS, "--as-of", day)
    assert str(exc.value) == (
        f"--as-of {day!r}: Give a date as YYYY-MM-DD, between 1900-01-01 and 2999-12-31."
    )


def test_blank_date_is_today(demo):
    """``--as-of ''`` is not given, as ``?as_of=`` is in the API."""
    assert report("--territory", PARIS, "--as-of", " ") == report("--territory", PARIS)


def test_bad_format_or_language(demo):
    with pytest.raises(CommandError, match="invalid choice"):
        report("--territory", PARIS, "--format", "xml")
    with pytest.raises(CommandError, match="invalid choice"):
        report("--territory", PARIS, "--lang", "de")
