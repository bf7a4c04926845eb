"""Legal obligations: which participation bodies the law requires of a territory, and whether
they exist.

- ``shipped``: the rules the registry ships (loaded by migration 0012, editable in the
  admin afterwards), each citing its article;
- ``evaluate``: the pure evaluation of rules on territories and bodies (no database);
- ``read``: the reads that feed it, a fixed number of queries whatever the territory.
"""
