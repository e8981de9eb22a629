"""Step 1 of the data flow: raw I/O with the public APIs, and payload parsing.

``http`` (the shared client: base URLs, cache, rate limit, retries), ``ssb`` (StatBank
PxWebApi v2 and the table catalogue's format), ``jsonstat`` (JSON-stat 2.0 read/write), ``klass``
(KLASS 131 municipalities, and building the geography tables from its payloads) and ``brreg``
(the Brønnøysund bulk extracts). Modules here never import ``trsplan.paths``: callers say where
files are (the catalogue, the geography folder, a download folder).
"""
