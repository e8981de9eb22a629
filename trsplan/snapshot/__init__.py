"""Step 2 of the data flow: the dated snapshot of raw payloads.

``store`` keeps every payload byte for byte with a provenance sidecar (``Snapshot``,
``write_file``); ``fetch`` fills a new version from the live APIs through ``trsplan.sources``.
The store's public names are re-exported here so ``from trsplan.snapshot import Snapshot`` works.
"""

from trsplan.snapshot.store import (
    SIDECAR_SUFFIX,
    Provenance,
    Snapshot,
    list_versions,
    version_path,
    write_file,
)

__all__ = [
    "SIDECAR_SUFFIX",
    "Provenance",
    "Snapshot",
    "list_versions",
    "version_path",
    "write_file",
]
