"""Bulk upserts: make many actors (by id or identifier) or interactions (by external id) as sent.

Both services share one contract, the one of ``membership_sync``:

- at most ``MAX_ITEMS`` items per call;
- items hold *typed* values (the API's serializers and the spreadsheet reader
  parse what clients send; a value of the wrong Python type is refused here,
  never converted): ids and scores are ``int`` within 64 bits, texts ``str``
  without NUL, dates ``datetime.date``, identifiers ``IdentifierKey`` (or a
  ``{scheme, value[, issuer]}`` mapping of strings), normalised by
  ``registry.identifiers.normalise`` and nothing else;
- every item is checked before anything is written; one bad item means nothing
  is written, and the error names it by index and field (``items.3.category``);
- the result is the diff: items created, items updated (with the fields that
  changed, old and new), ids left unchanged;
- ``dry_run`` is the real run rolled back: the same code path writes, the same
  checks run (scope included), then the transaction is undone; the answer is the
  same but for the ids of created records, which are ``None``;
- an item identical to what is stored is not touched, so a second identical
  call returns an empty diff and adds no ledger row;
- actors are named as everywhere (``registry.services.resolution``): an id an
  ``ActorMerge`` records as merged names its survivor (within reach, else "no actor
  with id N", as a missing id), an identifier the actor holding it.

Scope (``reach``)
=================

``reach`` is the territory a writer is limited to (an API key's territory), or
``None``. With a reach, a record *out of reach is absent*, whatever the path:

- lookups (actors by identifier, interactions by external id, referenced actor,
  body and territory ids) see only records within the reach (an actor or an
  interaction within it is one whose territory lies within it; an actor without
  territory is out of reach); a referenced id out of reach gets the very message
  of an id that exists nowhere (``No actor with id 7.``);
- a record written (created or changed) must lie within the reach: its territory
  is required and must be reachable;
- a creation whose natural key (identifier, external id) is already held by a
  record out of reach is answered exactly as the creation of a new record (same
  status, same body but for the new id): the record is created within the reach
  with the values sent, *without* the colliding key (which belongs to a record
  the writer may not see), and the collision is logged (``logger.warning``, both
  ids) for the national administrators to merge. Refusing it, or matching the
  hidden record, would tell the writer that the key exists elsewhere: the
  existence oracle this rule closes. The price: such an item is not found again
  by its key, so each call creates another record until the two are merged.

Writes go through ``registry.tracking.bulk_create`` / ``bulk_update`` (a few
statements per call, each row recorded in the change ledger).

Modules: ``common`` (result, errors, typed values, reach, shared steps), ``actors``,
``interactions``.
"""

from registry.services.upserts.actors import actor_upsert_many
from registry.services.upserts.common import (
    ACTOR_UPSERT_FIELDS,
    INTERACTION_UPSERT_FIELDS,
    MAX_ITEMS,
    MAX_TEXT,
    UpsertResult,
)
from registry.services.upserts.interactions import interaction_upsert_many

__all__ = [
    "ACTOR_UPSERT_FIELDS",
    "INTERACTION_UPSERT_FIELDS",
    "MAX_ITEMS",
    "MAX_TEXT",
    "UpsertResult",
    "actor_upsert_many",
    "interaction_upsert_many",
]
