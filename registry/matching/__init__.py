"""Duplicate candidates: pairs of actors that may be one person (or one organization).

Why rapidfuzz: it is a maintained C++ implementation of the edit-distance ratios
(``fuzz.ratio`` is ``1 - Indel distance / total length``, as difflib's, but about
a hundred times faster) with ``process.cdist``, which compares a list of strings
with itself in one call, on a cut-off. Hand-written similarity would be slower
and would drift from what the issue's readers know; dedupe would need training
data we do not have.

How the scan stays fast (100,000 actors in seconds, see
``tests/bench/bench_duplicates.py``): no pair of actors is compared unless the
two share a *block*, and each block is compared in one ``cdist`` call (C++, all
cores for large blocks), never pair by pair in Python; scores are then summed
for all pairs at once with numpy, and only the ``limit`` best get their reasons.

- Every actor is known by its name keys (``registry.names.person_keys``: the
  display name, the given + family names, and its other names), folded and with
  their words sorted, so "DUPONT Marie", "Marie Dupont" and "Marie-Dupont" give
  one key and are identical (similarity 100); a name with particles ("Le Gall",
  "De La Tour") also has the key with them glued ("Legall", "Delatour").
- Each word of a key (stop words such as "de", "la" and one-letter words left
  out) is a block ``(kind, word)``: the actors whose names share that word
  exactly. Within it the keys are compared written with that word first, then the
  other words sorted (the shared word aligned), with ``fuzz.ratio`` on the kind's
  cut-off (``NAME_CUTOFF``): "Marie Dupont" meets "Marie Dupond" in the block
  "marie" and "Marie Dupont" meets "Mari Dupont" in the block "dupont". A one-word
  key goes into the blocks of its first three and of its last three letters.
  Persons meet persons, organizations meet organizations: the kind is part of
  every block.
- A word's block larger than ``MAX_NAME_BLOCK`` (a very common given name in a
  very large territory) is split by the first two and by the last two letters of
  the other words, so its cost stays near-linear.
- Exact evidence makes its own blocks, whatever the names: a shared identifier
  (the same SIREN, a SIRET whose first nine digits are another's SIREN, the same
  value under two schemes or issuers), and, only when the caller may read
  personal data, the same email or the same phone number (normalised). Evidence
  shared by more than ``MAX_EVIDENCE_BLOCK`` actors (a switchboard number) says
  nothing about identity and is left out, as a block and as a reason.

What it can miss: a pair whose names differ in *every* word (a misspelling in
both the given and the family name: no block in common); in a split block, a
pair whose other word differs within its first two and within its last two
letters; a one-word name misspelt within both its first and its last three
letters; a renamed organization without a shared identifier or other name.

Scoring: the points of ``REASONS`` (one row per kind of evidence) added up and
rounded, clamped to 0-100: a name's similarity counts for most of it, a shared identifier,
email or phone adds, a different birth year takes away. Reasons drawn from
personal data (birth year, email, phone) are computed only when ``personal`` is
true: otherwise those data are not even read, so they can neither add a pair nor
move a score (no oracle). Merged actors are deleted (``registry.models.merge``):
a pair already merged cannot come up; the merged name, kept as another name of
the survivor, still meets a third spelling.
"""

from registry.matching.blocking import NAME_CUTOFF
from registry.matching.evidence import (
    REASONS,
    Reason,
    identifier_keys,
    normalise_email,
    normalise_phone,
    reasons_of,
    score_of,
)
from registry.matching.records import Record, load_records
from registry.matching.scanning import DEFAULT_MIN_SCORE, Pair, Scan, actor_duplicates, scan

__all__ = [
    "DEFAULT_MIN_SCORE",
    "NAME_CUTOFF",
    "REASONS",
    "Pair",
    "Reason",
    "Record",
    "Scan",
    "actor_duplicates",
    "identifier_keys",
    "load_records",
    "normalise_email",
    "normalise_phone",
    "reasons_of",
    "scan",
    "score_of",
]
