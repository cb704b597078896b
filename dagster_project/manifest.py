"""The dbt manifest Dagster loads its dbt assets from, prepared before load (`dbt parse`).

`DbtProject.prepare_if_dev()` parses only under `dagster dev`; a CLI, test or CI process
needs the manifest built first. It is rebuilt when the dbt project's files change.
"""

from __future__ import annotations

from pathlib import Path

from warehouse import dbt_build
from warehouse.dbt_build import MANIFEST_DIR
from warehouse.paths import current


def ensure_manifest() -> Path:
    manifest = MANIFEST_DIR / "manifest.json"
    stamp = MANIFEST_DIR / "manifest.fingerprint"
    fp = dbt_build.fingerprint()
    if manifest.exists() and stamp.exists() and stamp.read_text() == fp:
        return manifest
    dbt_build.parse(current(), MANIFEST_DIR)
    stamp.write_text(fp)
    return manifest
