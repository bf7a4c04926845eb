"""``manage.py renewal_report --territory REF``: which bodies of a territory to renew first.

Prints the renewal ranking of every body of the territory and below (the
``renewal`` analysis of the API, computed in this process, not cached): rank,
body, composite score, the number of indicators in alert and to watch, the
alerts and, beside them, the strengths reached (``graph.renewal.strengths``), the charter whose rules judged the body (its name and the deliberation
that adopted it; "installation defaults" when none applied) and the summary
sentence in English or French.

``--format csv``, ``xlsx`` and ``markdown`` give the same rows plus the date, whether
a charter applied, and one column per indicator status. The files follow
``api.resources.exports`` (the members and actors exports), so that they open
right in a spreadsheet of the language:

- ``--lang en``: CSV with ``,``, UTF-8, the column keys as headers, codes as values
  (statuses, indicator codes), ``yes``/``no``, ISO dates, ``.`` decimals;
- ``--lang fr``: CSV with ``;``, UTF-8 with a BOM, French headers (the indicators
  by their French labels), French values (statuts, indicateurs, ``oui``/``non``),
  dates ``dd/mm/yyyy`` and decimal commas: what a French spreadsheet opens right;
- XLSX (``--output`` required): headers in the language, real number cells (the
  score with two decimals, format ``0.00``, shown in the reader's decimal mark),
  date cells, text never read as a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.analysis.kinds import assessments
from api.analysis.runner import Request
from api.resources.exports import CSVRenderer, Sheet, XLSXRenderer, date_text
from graph import loaders
from graph.renewal import ALERT, INDICATOR_CODES, INDICATORS, WATCH, Assessment, rank_bodies
from graph.renewal.strengths import STRENGTHS
from registry import params
from registry.models import Territory

FORMATS = ("table", "csv", "xlsx", "markdown")
LANGS = ("en", "fr")

#: Column key -> (English header, French header), in the order of every output.
COLUMNS = {
    "rank": ("rank", "rang"),
    "body_id": ("id", "id"),
    "body": ("body", "instance"),
    "as_of": ("as of", "date"),
    "score": ("score", "score"),
    "alerts": ("alerts", "alertes"),
    "watch": ("watch", "à surveiller"),
    "alert_indicators": ("alert indicators", "indicateurs en alerte"),
    "strengths": ("strengths", "points forts"),
    "charter": ("charter", "charte"),
    "charter_applied": ("charter applied", "charte appliquée"),
    "summary": ("summary", "synthèse"),
}
#: The columns of the plain-text table (the files and Markdown have them all).
TABLE_COLUMNS = (
    "rank", "body_id", "body", "score", "alerts", "watch", "alert_indicators", "strengths",
)  # fmt: skip
TABLE_TAIL = ("charter", "summary")
NUMERIC = frozenset({"rank", "body_id", "score", "alerts", "watch"})

#: Indicator code -> (English label, French label): the one declaration's.
INDICATOR_LABELS = {spec.code: (spec.label_en, spec.label_fr) for spec in INDICATORS}
#: Strength code -> (English label, French label): the strengths' one declaration.
STRENGTH_LABELS = {spec.code: (spec.label_en, spec.label_fr) for spec in STRENGTHS}
#: Status code -> (English, French) words of the French files and tables.
STATUS_WORDS = {
    "ok": ("ok", "correct"),
    "watch": ("watch", "à surveiller"),
    "alert": ("alert", "alerte"),
    "unknown": ("unknown", "inconnu"),
}
YES_NO = {True: ("yes", "oui"), False: ("no", "non")}
#: What judged a body no charter applied to.
NO_CHARTER = ("installation defaults", "réglages par défaut de l'installation")


def _index(lang: str) -> int:
    return 1 if lang == "fr" else 0


def resolve_territory(value: str | None) -> Territory:
    """The territory of ``--territory``: an id or ``level:code`` (``registry.params``)."""
    return params.territory_option("--territory", value)


def parse_date(value: str | None) -> dt.date:
    """The day of ``--as-of`` (``registry.params``); today when not given or blank."""
    return params.option("--as-of", params.parse_date, value) or timezone.localdate()


def charter_text(assessment: Assessment, lang: str) -> str:
    """The charter that judged the body: its name and the deliberation that adopted it."""
    charter = assessment.charter
    if not charter:
        return NO_CHARTER[_index(lang)]
    name, adopted_by = str(charter.get("name") or ""), str(charter.get("adopted_by") or "")
    return f"{name} ({adopted_by})" if adopted_by else name


def _named(codes: tuple[str, ...], labels: dict[str, tuple[str, str]], lang: str) -> str:
    """Codes in English (space-separated, as the API writes them), labels in French."""
    if lang == "en":
        return " ".join(codes)
    return ", ".join(labels[code][_index(lang)] for code in codes)


def report_rows(ranking: tuple[Assessment, ...], lang: str) -> list[dict[str, object]]:
    """One dict of typed cells per body, most urgent first: ``COLUMNS``, then one status per
    indicator (codes in English, French words in French)."""
    i = _index(lang)
    rows = []
    for rank, a in enumerate(ranking, start=1):
        counts = dict(a.counts)
        alerts = _named(a.alerts, INDICATOR_LABELS, lang)
        row: dict[str, object] = {
            "rank": rank,
            "body_id": a.body_id,
            "body": a.body_name,
            "as_of": a.as_of,
            "score": None if a.score is None else round(a.score, 2),
            "alerts": counts.get(ALERT, 0),
            "watch": counts.get(WATCH, 0),
            "alert_indicators": alerts,
            "strengths": _named(a.strengths_shown, STRENGTH_LABELS, lang),
            "charter": charter_text(a, lang),
            "charter_applied": bool(a.charter),
            "summary": a.summary_fr if lang == "fr" else a.summary_en,
        }
        statuses = {ind.code: ind.status for ind in a.indicators}
        for code in INDICATOR_CODES:
            status = statuses.get(code, "")
            row[code] = STATUS_WORDS[status][i] if status and lang == "fr" else status
        rows.append(row)
    return rows


def _keys() -> list[str]:
    return [*COLUMNS, *INDICATOR_CODES]


def headers(lang: str, *, keys_in_english: bool) -> list[str]:
    """The headers of every column: the keys (English CSV), else labels of the language."""
    if keys_in_english and lang == "en":
        return _keys()
    i = _index(lang)
    return [COLUMNS[k][i] for k in COLUMNS] + [INDICATOR_LABELS[c][i] for c in INDICATOR_CODES]


def _text(value: object, lang: str) -> str:
    """A cell as text (table, Markdown): words for booleans, the language's dates and
    decimal mark, one decimal for the score."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES_NO[value][_index(lang)]
    if isinstance(value, dt.date):
        return date_text(value, lang)
    if isinstance(value, float):
        text = f"{value:.1f}"
        return text.replace(".", ",") if lang == "fr" else text
    return str(value)


def _sheet(rows: list[dict[str, object]], lang: str, *, keys_in_english: bool) -> Sheet:
    def cells(row: dict[str, object]) -> list[object]:
        return [
            YES_NO[v][_index(lang)] if isinstance(v, bool) else (None if v == "" else v)
            for v in (row[k] for k in _keys())
        ]

    title = "Renouvellement" if lang == "fr" else "Renewal"
    return Sheet(
        title=title,
        filename=title.lower(),
        language=lang,
        headers=headers(lang, keys_in_english=keys_in_english),
        rows=[cells(row) for row in rows],
    )


def to_csv(rows: list[dict[str, object]], lang: str = "en") -> str:
    """CSV as ``api.resources.exports`` writes it (``,`` in English; ``;``, BOM, decimal
    commas and ``dd/mm/yyyy`` in French)."""
    return CSVRenderer().render(_sheet(rows, lang, keys_in_english=True)).decode("utf-8")


def to_xlsx(rows: list[dict[str, object]], lang: str = "en") -> bytes:
    """An XLSX workbook: one sheet, real numbers and dates (``api.resources.exports``)."""
    return XLSXRenderer().render(_sheet(rows, lang, keys_in_english=False))


def _md_cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[dict[str, object]], lang: str) -> str:
    keys = _keys()
    heads = headers(lang, keys_in_english=False)  # the language's labels, indicators too
    lines = [
        "| " + " | ".join(_md_cell(h) for h in heads) + " |",
        "| " + " | ".join("---:" if k in NUMERIC else "---" for k in keys) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(_text(row[k], lang)) for k in keys) + " |")
    return "\n".join(lines) + "\n"


def to_table(rows: list[dict[str, object]], lang: str, title: str) -> str:
    """A plain-text table (no indicator columns), under a title line."""
    i = _index(lang)
    keys = [*TABLE_COLUMNS, *TABLE_TAIL]
    heads = [COLUMNS[k][i] for k in keys]
    cells = [[_text(row[k], lang) or "—" for k in keys] for row in rows]
    widths = [max(len(h), *(len(c[n]) for c in cells)) for n, h in enumerate(heads)]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(widths[n]) if keys[n] in NUMERIC else v.ljust(widths[n])
            for n, v in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    out = [title, "", line(heads), line(["-" * w for w in widths])]
    out.extend(line(c) for c in cells)
    return "\n".join(out) + "\n"


def _title(territory: Territory, as_of: dt.date, count: int, lang: str) -> str:
    where = f"{territory.name} ({territory.level}:{territory.code})"
    if lang == "fr":
        return (
            f"Priorités de renouvellement — {where}, au {date_text(as_of, 'fr')} : "
            f"{count} instance(s), la plus urgente en premier."
        )
    return (
        f"Renewal priorities — {where}, as of {as_of.isoformat()}: "
        f"{count} body(ies), most urgent first."
    )


def _empty(territory: Territory, as_of: dt.date, lang: str) -> str:
    where = f"{territory.name} ({territory.level}:{territory.code})"
    if lang == "fr":
        return f"Aucune instance sur {where} au {date_text(as_of, 'fr')}.\n"
    return f"No body in {where} as of {as_of.isoformat()}.\n"


class Command(BaseCommand):
    help = (
        "Rank the bodies of a territory (and below) by their need of renewal: score, alerts, "
        "indicators to watch, the charter applied and a summary sentence (table, CSV, XLSX "
        "or Markdown)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--territory",
            required=True,
            help="A territory id or level:code (e.g. commune:75056), as in the API.",
        )
        parser.add_argument(
            "--as-of", dest="as_of", help="Date of the assessment, YYYY-MM-DD (default: today)."
        )
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="table")
        parser.add_argument("--output", help="Write to this file instead of stdout.")
        parser.add_argument(
            "--lang",
            choices=LANGS,
            default="en",
            help="Language of the text; fr also writes CSV and XLSX for a French spreadsheet.",
        )

    def handle(self, *args, territory, as_of, fmt, output, lang, **options):
        if fmt == "xlsx" and not output:
            raise CommandError("--format xlsx: give --output FILE (a workbook is binary).")
        day = parse_date(as_of)
        place = resolve_territory(territory)
        request = Request(kind="renewal", territory_id=place.pk, as_of=day, params=(), fmt="json")
        with loaders.snapshot():
            results = assessments(request).assessments
        rows = report_rows(rank_bodies(results), lang)

        content: str | bytes
        if fmt == "csv":
            content = to_csv(rows, lang)
        elif fmt == "xlsx":
            content = to_xlsx(rows, lang)
        elif fmt == "markdown":
            content = to_markdown(rows, lang)
        elif rows:
            content = to_table(rows, lang, _title(place, day, len(rows), lang))
        else:
            content = _empty(place, day, lang)

        if output:
            path = Path(output)
            try:
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(content, encoding="utf-8", newline="")
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from exc
            noun = "instance(s)" if lang == "fr" else "body(ies)"
            verb = "écrit dans" if lang == "fr" else "written to"
            self.stdout.write(f"{len(rows)} {noun} {verb} {path} ({fmt}).")
        else:
            self.stdout.write(content, ending="")
