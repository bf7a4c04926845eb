"""Network analysis of the registry (influence maps, interlocks, renewal assessments).

Only ``graph.loaders`` may touch Django; every other module is pure Python and
NetworkX, given ``as_of`` and ``seed`` explicitly.
"""
