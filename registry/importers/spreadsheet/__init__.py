"""Import the spreadsheets collectivities actually keep: members of a body, and actors.

Files
=====

CSV (UTF-8 with or without BOM; Windows-1252 accepted as a fallback; ``;`` or ``,``
or tab delimiter, sniffed from the first line) or XLSX (the first sheet). The header
row is the row, among the first 20, holding the most known headers, one of them
naming the actor (actor id, identifier, or a name column): title rows above it are
skipped. Blank rows are skipped. Row numbers in errors are the ones the spreadsheet
shows (first row = 1). A file whose header row is not found is refused with where
the headers are expected and the known headers, in English and French.

Whatever a file declares, it is read in bounded memory: at most 10 MB, 5,000 rows
(10,001 lines, blank ones included), 1,024 columns, 32,767 characters per cell, 1 MB
per CSV line; an XLSX's parts are bounded once decompressed, its declared dimension
ignored (``registry.importers.xlsx_guard``). A file beyond a bound is refused, the
message naming the file (and the row and column), in English and French.

Headers are matched case-, accent- and punctuation-insensitively (``Date de
début``, ``date_de_debut`` and ``DATE DE DEBUT`` are the same column), in English
or French. Columns not in the table below are ignored and listed in the result's
``ignored_columns``. The columns are declared once, in ``columns.COLUMNS`` (the
exports write the same headers).

Columns
=======

=====================  ===========================================  ======================================
field                  English headers                              French headers
=====================  ===========================================  ======================================
``actor_id``           actor id, actor_id, actor                    id acteur, identifiant acteur,
                                                                    numéro acteur, n° acteur
``scheme``             identifier scheme, scheme                    type d'identifiant, schéma
``identifier``         identifier, identifier value                 identifiant, valeur de l'identifiant
``issuer``             issuer                                       émetteur
``name``               name, full name                              nom complet, nom, nom prénom,
                                                                    prénom nom, nom et prénom, nom d'usage
``given_name``         given name, first name                       prénom
``family_name``        family name, last name                       nom de famille (and ``nom``, see below)
``kind``               kind                                         type, nature
``category``           category                                     catégorie
``college``            college                                      collège
``role``               role                                         rôle, fonction
``selection_mode``     selection mode                               mode de désignation, mode de sélection
``on_behalf_of``       on behalf of                                 au titre de, représentant de
``start_date``         start date                                   date de début, début
``external_id``        external id                                  identifiant externe, id externe
``description``        description                                  description
``territory``          territory                                    territoire
``founding_date``      founding date                                date de création
``dissolution_date``   dissolution date                             date de dissolution
``power`` ...          power, interest, legitimacy, urgency         pouvoir, intérêt, légitimité, urgence
=====================  ===========================================  ======================================

``identifiant`` alone is the identifier *value* (with ``type d'identifiant``); the
membership's own id in the client system is ``identifiant externe``; the registry's
actor id is ``id acteur``.

Names
-----

``Nom`` alone is the display name. Beside a ``Prénom`` or a full-name column, ``Nom``
is the family name. ``Prénom`` + ``Nom`` give ``given_name`` and ``family_name``, and
the display name ``Prénom Nom``. One full-name column (``Nom Prénom``, ``Prénom
Nom``, ``Nom complet``) of a person is split with the French convention (the words
in capitals are the family name: ``DUPONT Marie``), else by the header's order
(``Prénom Nom``: the last word is the family name; ``Nom Prénom``: the first). A
row with a given name (or a ``Nom Prénom`` cell) and no ``Type`` is a person.

Values
======

- ``kind``: person / personne / individu; organization / organisation / structure.
- ``category``: the English codes (``resident``, ``elected_official``...) or the
  French words: habitant(e), résident(e), élu(e), agent municipal, association,
  collectivité, service public, entreprise, bailleur social, école /
  établissement scolaire, collectif, autre.
- ``role``: the English codes or membre, président(e), vice-président(e),
  secrétaire, animateur / animatrice, référent(e) élu(e), référent(e) technique.
- ``selection_mode``: the codes or tirage au sort, élection, nomination,
  volontariat / volontaire, de droit, désignation.
- ``scheme``: siren, siret, rna, rne, insee, external / externe, other / autre.
- dates: ``YYYY-MM-DD``, ``dd/mm/yyyy`` (French), or a date cell of the XLSX (a bare
  number, a date cell that lost its format, is refused naming its row and column).
- XLSX strings are read with OOXML's escapes (``_x000B_`` is a Word line break), as
  the exports write them (``xlsx.escape_text``).

(``columns.VALUES`` holds every word read; ``columns.value_label`` the one written.)

Members file
============

Each row is one current member of the body. The member is found by ``actor_id``,
else by ``scheme`` + ``identifier`` (+ ``issuer``); a row whose identifier is not
known yet and which gives a name (+ ``kind`` + ``category``) is an inline new actor
with that identifier; a row with a name and no identifier is an inline new actor,
which the sync matches by name against the body's current and past members
(``registry.services.resolution``) before creating anyone. ``college`` is a college
name (as exports write it: a college named ``2`` is that college), or an id when no
college of the body has that name. The rows go to
``registry.services.sync.membership_sync``; members absent from the file end. The
actor's own cells (name, given and family names, kind, category) find or create the
member and never change a known one: a row naming an actor by id whose cells differ
from its record gets an ``actor-not-changed`` warning (use the actors file).

**A column absent from the file never changes a stored value**: the entry built
from a row has no key for it (a file without ``Collège`` keeps every member's
college; one without ``Au titre de`` keeps the representatives). A present column
with an empty cell clears the value (``Rôle`` excepted: an empty cell keeps the
stored role; a new seat is a member). The result lists, per member by name, each
field the file changes or clears, and the sync's warnings (an effective date
earlier than a stored end never rewrites that ended membership).

Actors file
===========

Each row is one actor, found by ``actor_id`` (``Id acteur``: an existing actor,
so that an exported actors file without identifiers imports back), else by
``scheme`` + ``identifier`` (+ ``issuer``); created when unknown (``name``,
``kind``, ``category`` required). An absent column keeps the stored value; an empty
cell clears a clearable field (given and family names, description, territory,
founding and dissolution dates) and keeps the others. The rows go to
``registry.services.upserts.actor_upsert_many``.

Errors
======

Both imports check every row, and every problem of the file comes at once: the
cells (a bad date, an unknown word), the rows (a person with an organization's
category), then the database checks of the sync or the upsert on the rows not
already refused. Any problem raises ``ImportFailed`` and nothing is written; at most
200 problems are listed, then how many more. ``errors`` maps ``"row 7, column 'Date
de début'"`` (the header as written in the file; a column the file lacks is named
by its header in the file's language) to messages; ``exc.problems`` holds the same
as ``{"row", "column", "field", "message"}`` dicts for an API to render. Messages
are in the active language (French under ``Accept-Language: fr``, or the commands'
``--lang fr``).

Modules: ``limits`` (bounds), ``reading`` (files, header row), ``cells`` (values),
``problems`` (messages), ``members`` and ``actors`` (the two imports), ``result``
(``ImportResult``, the checks made together), ``lookups`` (batched queries), ``xlsx``
(the sheet's cells, read by expat through the guard's bounded archive).

Progress: both imports take ``progress`` (called with the number of rows read); the
commands show it with tqdm on stderr (``--no-progress`` to turn it off).
"""

from __future__ import annotations

from registry.importers.spreadsheet.actors import import_actors
from registry.importers.spreadsheet.cells import parse_date
from registry.importers.spreadsheet.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    MAX_RECORDS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
)
from registry.importers.spreadsheet.members import import_members
from registry.importers.spreadsheet.reading import Row, Table, read_table
from registry.importers.spreadsheet.result import ImportResult

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_LINE_CHARS",
    "MAX_RECORDS",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "ImportResult",
    "Row",
    "Table",
    "import_actors",
    "import_members",
    "parse_date",
    "read_table",
]
