"""The schema of an id, declared once: every id of a resource has this one type.

Its own module, free of DRF and drf-spectacular imports, so that the filters and the
query parameters (imported while DRF loads its settings) can use it; ``api.schema``
applies it to every id of the generated document (its ``one_id_type`` hook).

The decision, for integrators: a database id is an integer (64 bits) everywhere,
in paths, query strings, bodies and answers. Where a territory's natural key
``level:code`` is accepted as well (the territory routes' ``{id}``, the ``territory``
parameters), the reference is ``oneOf`` [the integer id, the key string]; a client
sends either, as text in a URL.
"""

from __future__ import annotations

#: The one schema of a database id, wherever an id is given or answered: path, query,
#: body and answer alike (every registry table has a 64-bit ``BigAutoField`` id).
ID_SCHEMA = {"type": "integer", "format": "int64"}
#: A territory's natural key, ``level:code`` (e.g. ``commune:75056``).
TERRITORY_KEY_SCHEMA = {
    "type": "string",
    "pattern": r"^[a-z_]+:[^/]+$",
    "description": "The territory's natural key, `level:code` (e.g. `commune:75056`).",
}
#: A territory reference where the natural key is accepted too (the territory routes' path
#: id, the ``territory`` parameters): the id first, then the key.
TERRITORY_REF_SCHEMA = {"oneOf": [ID_SCHEMA, TERRITORY_KEY_SCHEMA]}
