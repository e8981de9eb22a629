"""Step 2 of the data flow: the dated snapshot of raw payloads.

``store`` keeps every payload byte for byte with a provenance sidecar (``Snapshot``,
``write_file``); ``fetch`` fills a new version from the live APIs through ``trsplan.sources``.
The store's public names are re-exported here (``name as name``: an explicit re-export) so
``from trsplan.snapshot import Snapshot`` works.
"""

from trsplan.snapshot.store import SIDECAR_SUFFIX as SIDECAR_SUFFIX
from trsplan.snapshot.store import Provenance as Provenance
from trsplan.snapshot.store import Snapshot as Snapshot
from trsplan.snapshot.store import list_versions as list_versions
from trsplan.snapshot.store import version_path as version_path
from trsplan.snapshot.store import write_file as write_file
