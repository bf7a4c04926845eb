"""Every write to the registry: validated, atomic, recorded in the change ledger.

One module per family; functions are keyword-only and named
``<entity>_<action>`` (HackSoft style).
"""
