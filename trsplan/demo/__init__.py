"""The synthetic demo snapshot (not official statistics; every file says so).

Three generators write one snapshot version, in order: ``population`` (07459), ``labour``
(the labour-market and business tables, built on the population) and ``public`` (public
finances and services, built on both). ``common`` holds what they share: the snapshot
encoder and provenance, the seed and the version. Run them all with ``trsplan demo-snapshot``.
"""
