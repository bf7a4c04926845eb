"""Importers of reference data into the registry (COG territories, ...).

Every importer validates its whole input before writing, writes through
``registry.tracking`` (so each change lands in the change ledger) inside one
transaction, and raises ``registry.exceptions.ImportFailed`` on malformed input.
"""
